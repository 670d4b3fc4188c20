"""Credential catalog (admin), exam attempts (admin records and verifies; students report
their own)."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.certifications import queries, services
from school.certifications.forms import (
    AttemptForm,
    AwardForm,
    CeuForm,
    CredentialForm,
    RemoveApprenticeForm,
    RuleForm,
    StepForm,
    StepResultForm,
)
from school.certifications.models import Attempt, AwardedCredential, Credential
from school.certifications.policies import (
    can_manage_award,
    can_manage_credential,
    can_verify_attempt,
)
from school.cohorts.models import Cohort, Enrollment, Program
from school.cohorts.policies import (
    can_manage_cohort,
    can_manage_enrollment,
    can_manage_program,
    can_teach_cohort,
)
from school.database import school_today
from school.errors import DomainError
from school.web.commit import Saved, save
from school.web.forms import form_status, validate_all
from school.web.inputs import db_id, safe_next_url

bp = Blueprint("certifications", __name__, template_folder="templates")


@bp.route("/admin/credentials")
@roles_required(Role.ADMIN)
def credentials():
    return render_template("certifications/credentials.html", credentials=queries.catalog())


def _credential_data(form: CredentialForm) -> services.CredentialData:
    return services.CredentialData(
        name=form.name.data or "",
        exam_questions=form.exam_questions.data,
        exam_minutes=form.exam_minutes.data,
        pass_mark=form.pass_mark.data,
        ceus_required=form.ceus_required.data,
        cycle_years=form.cycle_years.data,
        has_apprentice=bool(form.has_apprentice.data),
        active=bool(form.active.data),
    )


@bp.route("/admin/credentials/<int:credential_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_credential(credential_id: int):
    credential = get_authorized(Credential, credential_id, can_manage_credential)
    form = CredentialForm(obj=credential)
    if validate_all(form, lambda: services.credential_problems(credential, _credential_data(form))):
        ok = save(
            lambda: services.update_credential(credential=credential, data=_credential_data(form)),
            form=form,
        ).ok
        if ok:
            flash(f"{credential.code} saved.", "success")
            return redirect(url_for("certifications.credentials"))
    return render_template("certifications/credential_form.html", form=form, credential=credential)


def _attempt_form() -> AttemptForm:
    form = AttemptForm()
    form.credential_id.choices = [("", "Choose…"), *queries.credential_choices()]
    return form


def _attempt_data(form: AttemptForm) -> services.AttemptData:
    return services.AttemptData(
        credential_id=form.credential_id.data,
        exam_date=form.exam_date.data,
        exam_version=form.exam_version.data or "",
        score=form.score.data or "",
        result=form.result.data or "",
    )


@bp.route("/certifications", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def my_attempts():
    """A student's own attempts, and a form to report one (unverified until an admin
    checks it)."""
    form = _attempt_form()
    me = current_user._get_current_object()
    if form.validate_on_submit():
        ok = save(
            lambda: services.record_attempt(student=me, data=_attempt_data(form), by=me),
            form=form,
        ).ok
        if ok:
            flash("Attempt reported; the school will verify it.", "success")
            return redirect(url_for("certifications.my_attempts"))
    status = form_status(form)
    return render_template(
        "certifications/my_attempts.html",
        form=form,
        attempts=queries.student_attempts(me.id),
        status=queries.credential_status(me.id, school_today()),
        ceu_form=CeuForm(),
        today=school_today(),
    ), status


@bp.route("/admin/enrollments/<int:enrollment_id>/attempts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def student_attempts(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = _attempt_form()
    if form.validate_on_submit():
        ok = save(
            lambda: services.record_attempt(
                student=enrollment.student,
                data=_attempt_data(form),
                by=current_user._get_current_object(),
            ),
            form=form,
        ).ok
        if ok:
            flash("Attempt recorded.", "success")
            return redirect(url_for("certifications.student_attempts", enrollment_id=enrollment_id))
    status = form_status(form)
    return render_template(
        "certifications/student_attempts.html",
        enrollment=enrollment,
        form=form,
        attempts=queries.student_attempts(enrollment.student_id),
    ), status


@bp.route("/admin/attempts/<int:attempt_id>/verify", methods=["POST"])
@roles_required(Role.ADMIN)
def verify_attempt(attempt_id: int):
    attempt = get_authorized(Attempt, attempt_id, can_verify_attempt)
    form = ConfirmForm()
    back = request_back()
    if form.validate_on_submit():
        saved = save(
            lambda: services.verify_attempt(attempt=attempt, by=current_user._get_current_object())
        )
        if saved.ok:
            flash(f"{attempt.credential.code} attempt verified.", "success")
        else:  # the service's refusal as a note; a lost race as an error
            flash("; ".join(_messages(saved)), _refusal_category(saved))
    return redirect(back)


def _messages(saved: Saved[None]) -> list[str]:
    return [m for ms in saved.problems.values() for m in ms]


def _refusal_category(saved: Saved[None]) -> str:
    return "info" if isinstance(saved.error, DomainError) else "error"


def request_back() -> str:
    return safe_next_url(request.form.get("next")) or url_for("certifications.credentials")


@bp.route("/admin/cohorts/<int:cohort_id>/certifications")
@roles_required(Role.ADMIN)
def cohort_figures(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    return render_template(
        "certifications/cohort_figures.html",
        cohort=cohort,
        figures=queries.cohort_pass_figures(cohort.id),
    )


# --- milestone plans (admin) and progress (instructors of the cohort, admins) ---------------


def _plan_page(program: Program, step_form: StepForm, rule_form: RuleForm) -> str:
    plan = queries.plan_of(program.id)
    if plan is not None and not rule_form.is_submitted():
        rule_form.mock_count.data = plan.mock_count
        rule_form.mock_threshold.data = plan.mock_threshold
    return render_template(
        "certifications/plan.html",
        program=program,
        plan=plan,
        step_form=step_form,
        rule_form=rule_form,
    )


@bp.route("/admin/programs/<int:program_id>/plan", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def plan(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = StepForm()
    if form.validate_on_submit():
        ok = save(
            lambda: services.add_step(
                program=program,
                kind=form.kind.data or "",
                title=form.title.data or "",
                required=bool(form.required.data),
            ),
            form=form,
        ).ok
        if ok:
            flash("Step added.", "success")
            return redirect(url_for("certifications.plan", program_id=program_id))
    status = form_status(form)
    return _plan_page(program, form, RuleForm()), status


@bp.route("/admin/programs/<int:program_id>/plan/rule", methods=["POST"])
@roles_required(Role.ADMIN)
def plan_rule(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = RuleForm()
    if form.validate_on_submit():
        ok = save(
            lambda: services.set_rule(
                program=program,
                mock_count=form.mock_count.data,
                threshold=form.mock_threshold.data,
            ),
            form=form,
        ).ok
        if ok:
            flash("Readiness rule saved.", "success")
            return redirect(url_for("certifications.plan", program_id=program_id))
    return _plan_page(program, StepForm(), form), 400


@bp.route("/cohorts/<int:cohort_id>/exam-prep")
@roles_required(Role.ADMIN, Role.INSTRUCTOR)
def cohort_readiness(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    plan, rows = queries.cohort_readiness(cohort.id, cohort.program_id)
    return render_template(
        "certifications/cohort_readiness.html", cohort=cohort, plan=plan, rows=rows
    )


@bp.route("/enrollments/<int:enrollment_id>/exam-prep", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.INSTRUCTOR)
def record_progress(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, _can_teach_enrollment)
    progress = queries.enrollment_progress(enrollment)
    form = StepResultForm()
    errors_for: int | None = None
    if form.validate_on_submit() and progress is not None:
        step = next(
            (s for s in progress.plan.steps if str(s.id) == request.form.get("step_id")), None
        )
        if step is None:
            abort(404)
        ok = save(
            lambda: services.record_step(
                enrollment=enrollment,
                step=step,
                completed_on=form.completed_on.data,
                score=form.score.data or "",
                by=current_user._get_current_object(),
            ),
            form=form,
        ).ok
        if ok:
            flash(f"{step.title} recorded for {enrollment.student.name}.", "success")
            return redirect(url_for("certifications.record_progress", enrollment_id=enrollment_id))
        errors_for = step.id
    status = 400 if errors_for else 200
    return render_template(
        "certifications/record_progress.html",
        enrollment=enrollment,
        progress=progress,
        form=form,
        errors_for=errors_for,
        today=school_today(),
    ), status


def _can_teach_enrollment(actor, enrollment: Enrollment) -> bool:  # type: ignore[no-untyped-def]
    return can_teach_cohort(actor, enrollment.cohort)


# --- awarded credentials and CEUs ---------------------------------------------------------


def _credentials_page(enrollment: Enrollment, **forms: object):  # type: ignore[no-untyped-def]
    award_form = forms.get("award_form") or AwardForm()
    award_form.credential_id.choices = [("", "Choose…"), *queries.credential_choices()]
    status = 400 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template(
        "certifications/credentials_held.html",
        enrollment=enrollment,
        status=queries.credential_status(enrollment.student_id, school_today()),
        award_form=award_form,
        ceu_form=forms.get("ceu_form") or CeuForm(),
        remove_form=RemoveApprenticeForm(),
        letter_refused=queries.letter_refusal(enrollment.student_id),
        today=school_today(),
    ), status


@bp.route("/admin/enrollments/<int:enrollment_id>/credentials", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def credentials_held(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = AwardForm()
    form.credential_id.choices = [("", "Choose…"), *queries.credential_choices()]
    if form.validate_on_submit():
        ok = save(
            lambda: services.award_credential(
                student=enrollment.student,
                credential_id=form.credential_id.data,
                awarded_on=form.awarded_on.data,
                member_id=form.member_id.data or "",
                apprentice=bool(form.apprentice.data),
                by=current_user._get_current_object(),
            ),
            form=form,
        ).ok
        if ok:
            flash("Credential recorded.", "success")
            return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
        return _credentials_page(enrollment, award_form=form)
    return _credentials_page(enrollment)


@bp.route("/admin/enrollments/<int:enrollment_id>/ceus", methods=["POST"])
@roles_required(Role.ADMIN)
def add_ceu(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = CeuForm()
    if form.validate_on_submit():
        ok = save(lambda: _add_ceu(enrollment.student, form), form=form).ok
        if ok:
            flash("CEUs recorded.", "success")
            return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
    return _credentials_page(enrollment, ceu_form=form)


def _add_ceu(student, form: CeuForm):  # type: ignore[no-untyped-def]
    return services.add_ceu(
        student=student,
        earned_on=form.earned_on.data,
        hours=form.hours.data,
        provider=form.provider.data or "",
        category=form.category.data or "",
        by=current_user._get_current_object(),
    )


@bp.route("/admin/awards/<int:award_id>/apprentice-removed", methods=["POST"])
@roles_required(Role.ADMIN)
def apprentice_removed(award_id: int):
    award = get_authorized(AwardedCredential, award_id, can_manage_award)
    form = RemoveApprenticeForm()
    enrollment_id = request.form.get("enrollment_id", type=db_id)  # None unless an id
    if form.validate_on_submit():
        saved = save(
            lambda: services.remove_apprentice(
                award=award, removed_on=form.removed_on.data, by=current_user._get_current_object()
            )
        )
        if saved.ok:
            flash(f"{award.credential.code} apprentice designation removed.", "success")
        else:
            flash(" ".join(_messages(saved)), "error")
    if enrollment_id:
        return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
    return redirect(url_for("certifications.ceus_behind"))


@bp.route("/certifications/ceus", methods=["POST"])
@roles_required(Role.STUDENT)
def my_ceus():
    form = CeuForm()
    me = current_user._get_current_object()
    if form.validate_on_submit():
        ok = save(lambda: _add_ceu(me, form), form=form).ok
        if ok:
            flash("CEUs recorded.", "success")
            return redirect(url_for("certifications.my_attempts") + "#ceus")
    return render_template(
        "certifications/my_attempts.html",
        form=_attempt_form(),
        attempts=queries.student_attempts(me.id),
        status=queries.credential_status(me.id, school_today()),
        ceu_form=form,
        today=school_today(),
    ), 400


@bp.route("/admin/ceus/behind")
@roles_required(Role.ADMIN)
def ceus_behind():
    today = school_today()
    return render_template(
        "certifications/ceus_behind.html", rows=queries.alumni_behind(today), today=today
    )


@bp.route("/cohorts/<int:cohort_id>/exam-prep/steps/<int:step_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.INSTRUCTOR)
def step_grid(cohort_id: int, step_id: int):
    """One step for the whole cohort in one form (e.g. the scores of a mock exam)."""
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    plan, rows = queries.cohort_readiness(cohort.id, cohort.program_id)
    step = next((s for s in plan.steps if s.id == step_id), None) if plan else None
    if step is None:
        abort(404)
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        entries: dict[int, tuple[dt.date | None, str]] = {}
        for row in rows:
            eid = row.enrollment.id
            raw_day = request.form.get(f"date-{eid}", "").strip()
            try:
                day = dt.date.fromisoformat(raw_day) if raw_day else None
            except ValueError:
                errors.setdefault(f"date-{eid}", []).append("Enter a date like 2027-05-14.")
                day = None
            entries[eid] = (day, request.form.get(f"score-{eid}", ""))
        if not errors:
            outcome = save(
                lambda: services.record_step_grid(
                    cohort_id=cohort.id,
                    step=step,
                    entries=entries,
                    by=current_user._get_current_object(),
                )
            )
            saved, errors = outcome.result, outcome.problems
            if not errors:
                flash(
                    f"{step.title}: {saved} result{'s' if saved != 1 else ''} recorded.", "success"
                )
                return redirect(url_for("certifications.cohort_readiness", cohort_id=cohort_id))
    return render_template(
        "certifications/step_grid.html",
        cohort=cohort,
        step=step,
        rows=rows,
        form=form,
        errors=errors,
        today=school_today(),
    ), (400 if errors else 200)
