"""Programs and curricula (admin)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from school.auth.access import get_authorized, login_required, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.cohorts import grades, queries, roster, services, standings
from school.cohorts.forms import (
    CohortForm,
    CourseForm,
    EnrollForm,
    ProgramForm,
    ReentryForm,
    RosterImportForm,
    StatusChangeForm,
)
from school.cohorts.models import (
    Cohort,
    Course,
    Enrollment,
    EnrollmentStatus,
    Program,
    SpecialResult,
)
from school.cohorts.policies import (
    can_manage_cohort,
    can_manage_course,
    can_manage_enrollment,
    can_manage_program,
    can_teach_cohort,
    can_view_progress,
)
from school.database import school_today
from school.errors import DomainError
from school.extensions import db
from school.pagination import parse_page
from school.web.commit import save
from school.web.download import download
from school.web.forms import apply_problems, validate_all
from school.web.inputs import MAX_ID, db_id

bp = Blueprint("cohorts", __name__, template_folder="templates")


def _program_data(form: ProgramForm) -> services.ProgramData:
    return services.ProgramData(
        code=form.code.data or "",
        name=form.name.data or "",
        target_credential=form.target_credential.data or "",
        clock_hours=form.clock_hours.data,
        externship_hours=form.externship_hours.data,
        daily_hour_cap=form.daily_hour_cap.data,
        pass_mark=form.pass_mark.data,
        scale_a=form.scale_a.data,
        scale_b=form.scale_b.data,
        scale_c=form.scale_c.data,
        scale_d=form.scale_d.data,
    )


def _course_data(form: CourseForm) -> services.CourseData:
    return services.CourseData(
        code=form.code.data or "",
        title=form.title.data or "",
        credit_hours=form.credit_hours.data,
        clock_hours=form.clock_hours.data,
    )


@bp.route("/admin/programs")
@roles_required(Role.ADMIN)
def programs():
    page = queries.list_programs(
        page=parse_page(request.args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=request.args.get("sort"),
        direction=request.args.get("dir"),
    )
    return render_template("cohorts/programs.html", page=page)


@bp.route("/admin/programs/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_program():
    form = ProgramForm()
    if validate_all(form, lambda: services.program_problems(_program_data(form), current=None)):
        saved = save(lambda: services.create_program(data=_program_data(form)), form=form)
        if saved.ok and (program := saved.result) is not None:
            flash(f"Program {program.code} created. Now add its courses.", "success")
            return redirect(url_for("cohorts.program_detail", program_id=program.id))
    return render_template("cohorts/program_form.html", form=form, program=None)


@bp.route("/admin/programs/<int:program_id>")
@roles_required(Role.ADMIN)
def program_detail(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    return render_template("cohorts/program_detail.html", program=program, form=ConfirmForm())


@bp.route("/admin/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_program(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = ProgramForm(obj=program)
    if validate_all(form, lambda: services.program_problems(_program_data(form), current=program)):
        saved = save(
            lambda: services.update_program(program=program, data=_program_data(form)),
            form=form,
            done="Program saved.",
        )
        if saved.ok:
            return redirect(url_for("cohorts.program_detail", program_id=program_id))
    return render_template("cohorts/program_form.html", form=form, program=program)


@bp.route("/admin/programs/<int:program_id>/courses/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_course(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = CourseForm()
    if validate_all(
        form, lambda: services.course_problems(program, _course_data(form), current=None)
    ):
        saved = save(
            lambda: services.add_course(program=program, data=_course_data(form)), form=form
        )
        if saved.ok and (course := saved.result) is not None:
            flash(f"Course {course.code} added.", "success")
            return redirect(url_for("cohorts.program_detail", program_id=program_id))
    return render_template("cohorts/course_form.html", form=form, program=program, course=None)


@bp.route("/admin/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_course(course_id: int):
    course = get_authorized(Course, course_id, can_manage_course)
    form = CourseForm(obj=course)
    if validate_all(
        form, lambda: services.course_problems(course.program, _course_data(form), current=course)
    ):
        saved = save(
            lambda: services.update_course(course=course, data=_course_data(form)),
            form=form,
            done="Course saved.",
        )
        if saved.ok:
            return redirect(url_for("cohorts.program_detail", program_id=course.program_id))
    return render_template(
        "cohorts/course_form.html", form=form, program=course.program, course=course
    )


@bp.route("/admin/courses/<int:course_id>/move/<direction>", methods=["POST"])
@roles_required(Role.ADMIN)
def move_course(course_id: int, direction: str):
    course = get_authorized(Course, course_id, can_manage_course)
    program_id = course.program_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save(lambda: services.move_course(course=course, direction=direction), flash_problems=True)
    return redirect(url_for("cohorts.program_detail", program_id=program_id) + "#curriculum")


# --- cohorts ------------------------------------------------------------------------------


def _cohort_form(cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.program_id.choices = [("", "Choose a program…"), *queries.program_choices()]
    form.instructor_ids.choices = queries.instructor_choices()
    if cohort is not None and not form.is_submitted():
        form.instructor_ids.data = [u.id for u in cohort.instructors]
    return form


def _cohort_data(form: CohortForm) -> services.CohortData:
    return services.CohortData(
        code=form.code.data or "",
        program_id=form.program_id.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        instructor_ids=tuple(form.instructor_ids.data or ()),
    )


@bp.route("/admin/cohorts")
@roles_required(Role.ADMIN)
def cohorts():
    args = request.args
    program_id = args.get("program", type=db_id)
    status = args.get("status") if args.get("status") in queries.COHORT_STATUSES else None
    page = queries.list_cohorts(
        page=parse_page(args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=args.get("sort"),
        direction=args.get("dir"),
        program_id=program_id,
        status=status,
    )
    return render_template(
        "cohorts/cohorts.html",
        page=page,
        counts=queries.enrollment_counts([c.id for c in page.items]),
        statuses=list(EnrollmentStatus),
        programs=queries.program_choices(),
        filters={"program": program_id, "status": status or ""},
        cohort_statuses=queries.COHORT_STATUSES,
        today=school_today(),
    )


@bp.route("/admin/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_cohort():
    form = _cohort_form()
    if validate_all(form, lambda: services.cohort_problems(_cohort_data(form), current=None)):
        saved = save(lambda: services.create_cohort(data=_cohort_data(form)), form=form)
        if saved.ok and (cohort := saved.result) is not None:
            flash(f"Cohort {cohort.code} created.", "success")
            return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort.id))
    return render_template("cohorts/cohort_form.html", form=form, cohort=None)


@bp.route("/admin/cohorts/<int:cohort_id>")
@roles_required(Role.ADMIN)
def cohort_detail(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    return render_template(
        "cohorts/cohort_detail.html",
        cohort=cohort,
        today=school_today(),
        roster=queries.cohort_roster(cohort_id),
        waiting=queries.count_waiting_students(cohort_id),
        counts=queries.enrollment_counts([cohort_id])[cohort_id],
        statuses=list(EnrollmentStatus),
    )


@bp.route("/admin/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_cohort(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = _cohort_form(cohort)
    if validate_all(form, lambda: services.cohort_problems(_cohort_data(form), current=cohort)):
        saved = save(
            lambda: services.update_cohort(cohort=cohort, data=_cohort_data(form)),
            form=form,
            done="Cohort saved.",
        )
        if saved.ok:
            return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id))
    return render_template("cohorts/cohort_form.html", form=form, cohort=cohort)


# --- enrollments --------------------------------------------------------------------------


@bp.route("/admin/cohorts/<int:cohort_id>/enroll", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def enroll(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = EnrollForm()
    if request.method == "GET":
        form.start_date.data = max(cohort.start_date, school_today())
    if form.validate_on_submit():
        saved = save(
            lambda: services.enroll_student(
                cohort=cohort,
                email=form.email.data or "",
                name=form.name.data or "",
                start_date=form.start_date.data,
                by=current_user._get_current_object(),
                student_number=form.student_number.data or "",
            ),
            form=form,
        )
        if saved.ok and (enrollment := saved.result) is not None:
            flash(f"{enrollment.student.name} is enrolled in {cohort.code}.", "success")
            return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id))
    return render_template("cohorts/enroll.html", form=form, cohort=cohort)


def _status_form(enrollment: Enrollment) -> StatusChangeForm:
    form = StatusChangeForm()
    allowed = sorted(services.ALLOWED_CHANGES[enrollment.status])
    form.to_status.choices = [("", "Choose…")] + [(s.value, s.label) for s in allowed]
    return form


@bp.route("/admin/enrollments/<int:enrollment_id>")
@roles_required(Role.ADMIN)
def enrollment_detail(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    return _enrollment_page(enrollment, _status_form(enrollment), _reentry_form())


def _reentry_form() -> ReentryForm:
    form = ReentryForm()
    form.cohort_id.choices = [("", "Choose…"), *queries.cohort_choices()]
    return form


def _enrollment_page(
    enrollment: Enrollment,
    status_form: StatusChangeForm,
    reentry_form: ReentryForm,
    unmet: list[str] | None = None,
) -> str:
    page = queries.enrollment_page(enrollment.id)
    assert page is not None
    return render_template(
        "cohorts/enrollment_detail.html",
        enrollment=page.enrollment,
        page=page,
        status_form=status_form,
        reentry_form=reentry_form,
        unmet=unmet or [],
        today=school_today(),
    )


@bp.route("/admin/enrollments/<int:enrollment_id>/status", methods=["POST"])
@roles_required(Role.ADMIN)
def change_status(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = _status_form(enrollment)
    unmet: list[str] = []
    if form.validate_on_submit():
        raw = form.to_status.data
        problems = save(
            lambda: services.change_enrollment_status(
                enrollment=enrollment,
                to_status=EnrollmentStatus(raw) if raw in set(EnrollmentStatus) else None,
                effective_date=form.effective_date.data,
                reason=form.reason.data or "",
                last_attendance_date=form.last_attendance_date.data,
                by=current_user._get_current_object(),
            )
        ).problems
        if not problems:
            flash("Status changed.", "success")
            return redirect(url_for("cohorts.enrollment_detail", enrollment_id=enrollment_id))
        # What a refused graduation misses is shown once, as a list beside the status field.
        unmet = problems.pop(services.UNMET_REQUIREMENTS, [])
        apply_problems(form, DomainError(problems))
    return _enrollment_page(enrollment, form, _reentry_form(), unmet)


@bp.route("/admin/enrollments/<int:enrollment_id>/reentry", methods=["POST"])
@roles_required(Role.ADMIN)
def reentry(enrollment_id: int):
    earlier = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = _reentry_form()
    if form.validate_on_submit():
        cohort = db.session.get(Cohort, form.cohort_id.data) if form.cohort_id.data else None
        saved = save(
            lambda: services.reenter_student(
                earlier=earlier,
                cohort=cohort,
                start_date=form.start_date.data,
                by=current_user._get_current_object(),
            ),
            form=form,
        )
        if saved.ok and (new := saved.result) is not None:
            flash(f"Re-entry recorded in {new.cohort.code}.", "success")
            return redirect(url_for("cohorts.enrollment_detail", enrollment_id=new.id))
    return _enrollment_page(earlier, _status_form(earlier), form)


# --- gradebook and progress (administrators and the cohort's instructors) -------------------

TEACHERS = (Role.ADMIN, Role.INSTRUCTOR)


def _course_of(cohort: Cohort, course_id: int) -> Course:
    course = db.session.get(Course, course_id) if course_id <= MAX_ID else None
    if course is None or course.program_id != cohort.program_id:
        abort(404)
    return course


@bp.route("/cohorts/<int:cohort_id>/overview")
@roles_required(*TEACHERS)
def overview(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    args = request.args
    result = standings.cohort_overview(
        cohort,
        page=parse_page(args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=args.get("sort"),
        direction=args.get("dir"),
    )
    return render_template(
        "cohorts/overview.html", cohort=cohort, overview=result, today=school_today()
    )


@bp.route("/cohorts/<int:cohort_id>/gradebook")
@roles_required(*TEACHERS)
def gradebook(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    return render_template(
        "cohorts/gradebook.html",
        cohort=cohort,
        courses=standings.gradebook_courses(cohort),
        today=school_today(),
    )


def _assessment_rows(form_data) -> list[grades.AssessmentInput]:  # type: ignore[no-untyped-def]
    rows = []
    for i in range(grades.MAX_ASSESSMENTS + ASSESSMENT_BLANKS):
        prefix = f"rows-{i}-"
        if prefix + "name" not in form_data:
            break
        try:
            ident = db_id(form_data.get(prefix + "id"))
        except ValueError:
            abort(400)
        rows.append(
            grades.AssessmentInput(
                id=ident,
                name=form_data.get(prefix + "name", ""),
                weight=form_data.get(prefix + "weight", ""),
                max_points=form_data.get(prefix + "max_points", ""),
                remove=bool(form_data.get(prefix + "remove")),
            )
        )
    return rows


ASSESSMENT_BLANKS = 3


@bp.route("/cohorts/<int:cohort_id>/gradebook/<int:course_id>/assessments", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def assessments(cohort_id: int, course_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    course = _course_of(cohort, course_id)
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        rows = _assessment_rows(request.form)
        errors = save(
            lambda: grades.save_assessments(
                cohort=cohort, course=course, rows=rows, by=current_user._get_current_object()
            )
        ).problems
        if not errors:
            flash(f"Assessments of {course.code} saved.", "success")
            return redirect(
                url_for("cohorts.grades_grid", cohort_id=cohort_id, course_id=course_id)
            )
    else:
        current = standings.cohort_assessments(cohort.id).get(course.id, [])
        rows = [
            grades.AssessmentInput(
                id=a.id,
                name=a.name,
                weight=f"{a.weight.normalize():f}",
                max_points=f"{a.max_points.normalize():f}",
            )
            for a in current
        ]
    blanks = [grades.AssessmentInput(None, "", "", "") for _ in range(ASSESSMENT_BLANKS)]
    rows = [r for r in rows if not r.blank] + blanks
    return render_template(
        "cohorts/assessments.html",
        cohort=cohort,
        course=course,
        form=form,
        rows=rows,
        errors=errors,
    ), (400 if errors else 200)


@bp.route("/cohorts/<int:cohort_id>/gradebook/<int:course_id>", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def grades_grid(cohort_id: int, course_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    course = _course_of(cohort, course_id)
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if form.validate_on_submit():
        scores: dict[tuple[int, int], grades.Cell] = {}
        marks: dict[int, grades.Cell] = {}
        for key, value in request.form.items():
            kind, _, rest = key.partition("-")
            try:
                if kind == "score":
                    was = request.form.get(f"was-{rest}", "")
                    enrollment_id, _, assessment_id = rest.partition("-")
                    scores[(int(enrollment_id), int(assessment_id))] = grades.Cell(was, value)
                elif kind == "mark":
                    was = request.form.get(f"wasmark-{rest}", "")
                    marks[int(rest)] = grades.Cell(was, value)
                else:
                    continue
            except ValueError:
                abort(400)
            if value.strip() != was.strip():
                typed[key] = value  # edited here: shown again if the grid comes back
        saved = save(
            lambda: grades.save_grades(
                cohort=cohort,
                course=course,
                scores=scores,
                marks=marks,
                by=current_user._get_current_object(),
            )
        )
        changed, errors = saved.result, saved.problems
        if not errors:
            flash(
                f"{changed} change{'s' if changed != 1 else ''} saved in {course.code}."
                if changed
                else "Nothing had changed.",
                "success",
            )
            return redirect(
                url_for("cohorts.grades_grid", cohort_id=cohort_id, course_id=course_id)
            )
    grid = standings.gradebook_grid(cohort, course)
    return render_template(
        "cohorts/grades.html",
        cohort=cohort,
        grid=grid,
        form=form,
        errors=errors,
        typed=typed,
        special_results=list(SpecialResult),
    ), (400 if errors else 200)


@bp.route("/enrollments/<int:enrollment_id>/progress")
@login_required
def progress(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_view_progress)
    loaded = standings.enrollment_standing(enrollment.id)
    assert loaded is not None
    return render_template(
        "cohorts/progress.html",
        enrollment=loaded[0],
        standing=loaded[1],
        **standings.standing_sections(loaded[0]),
    )


@bp.route("/admin/cohorts/<int:cohort_id>/invite-waiting", methods=["POST"])
@roles_required(Role.ADMIN)
def invite_waiting(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = ConfirmForm()
    if form.validate_on_submit():
        saved = save(
            lambda: services.invite_waiting_students(
                cohort=cohort, by=current_user._get_current_object()
            ),
            flash_problems=True,
        )
        sent = saved.result
        if saved.ok and sent:
            flash(f"Invitations sent to {sent} student{'s' if sent != 1 else ''}.", "success")
        elif saved.ok:
            flash("Every student has a password or a live invitation; nothing sent.", "info")
    return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id) + "#students")


# --- roster import and export ---------------------------------------------------------------


@bp.route("/admin/cohorts/<int:cohort_id>/roster/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_roster(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = RosterImportForm()
    problems: list[roster.LineProblem] = []
    chosen = ""  # the name of a file sent back: the browser cannot keep it in the field
    if form.validate_on_submit():
        chosen = form.file.data.filename or ""
        saved = save(
            lambda: roster.import_roster(
                cohort=cohort,
                data=form.file.data.read(),
                by=current_user._get_current_object(),
                invite=bool(form.invite.data),
            ),
            keep=(roster.RosterRejected,),
        )
        if saved.ok and (summary := saved.result) is not None:
            flash(f"Roster imported into {cohort.code}: {summary.describe()}", "success")
            return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id))
        if isinstance(saved.error, roster.RosterRejected):
            problems = saved.error.lines
            form.file.errors = [
                f"Nothing was imported: {len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''} in the file (listed below)."
            ]
        else:  # a lost race (or another refusal): shown on the file field
            form.file.errors = [m for messages in saved.problems.values() for m in messages]
    status = 400 if form.errors else 200
    return render_template(
        "cohorts/roster_import.html",
        form=form,
        cohort=cohort,
        problems=problems[:PROBLEMS_SHOWN],
        more=max(0, len(problems) - PROBLEMS_SHOWN),
        chosen=chosen if form.file.errors else "",
        columns=roster.COLUMNS,
        required=roster.REQUIRED,
    ), status


PROBLEMS_SHOWN = 200


@bp.route("/cohorts/<int:cohort_id>/roster.csv")
@roles_required(*TEACHERS)
def export_roster(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    return download(roster.roster_csv(cohort), f"{cohort.code}-roster", "csv")


@bp.route("/cohorts/<int:cohort_id>/grades.csv")
@roles_required(*TEACHERS)
def export_grades(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    return download(roster.grades_csv(cohort), f"{cohort.code}-grades", "csv")
