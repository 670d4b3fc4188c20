"""Gradebook and progress (administrators and the cohort's instructors): overview,
assessments, the grades grid, a student's progress page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from school.auth.access import get_authorized, login_required, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.cohorts import standings
from school.cohorts.gradebook.assessments import (
    MAX_ASSESSMENTS,
    AssessmentInput,
    save_assessments,
)
from school.cohorts.gradebook.grid import gradebook_courses, gradebook_grid
from school.cohorts.gradebook.scores import Cell, save_grades
from school.cohorts.models import Cohort, Course, Enrollment, SpecialResult
from school.cohorts.policies import can_teach_cohort, can_view_progress
from school.cohorts.views import bp
from school.database import school_today
from school.extensions import db
from school.web.commit import save
from school.web.inputs import MAX_ID, db_id, list_request

TEACHERS = (Role.ADMIN, Role.INSTRUCTOR)


def _taught_course(cohort_id: int, course_id: int) -> tuple[Cohort, Course]:
    """A cohort the current user teaches and a course of its program (404 otherwise)."""
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    course = db.session.get(Course, course_id) if course_id <= MAX_ID else None
    if course is None or course.program_id != cohort.program_id:
        abort(404)
    return cohort, course


@bp.route("/cohorts/<int:cohort_id>/overview")
@roles_required(*TEACHERS)
def overview(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    result = standings.cohort_overview(cohort, list_request())
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
        courses=gradebook_courses(cohort),
        today=school_today(),
    )


def _assessment_rows(form_data) -> list[AssessmentInput]:  # type: ignore[no-untyped-def]
    rows = []
    for i in range(MAX_ASSESSMENTS + ASSESSMENT_BLANKS):
        prefix = f"rows-{i}-"
        if prefix + "name" not in form_data:
            break
        try:
            ident = db_id(form_data.get(prefix + "id"))
        except ValueError:
            abort(400)
        rows.append(
            AssessmentInput(
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
    cohort, course = _taught_course(cohort_id, course_id)
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        rows = _assessment_rows(request.form)
        errors = save(
            lambda: save_assessments(
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
            AssessmentInput(
                id=a.id,
                name=a.name,
                weight=f"{a.weight.normalize():f}",
                max_points=f"{a.max_points.normalize():f}",
            )
            for a in current
        ]
    blanks = [AssessmentInput(None, "", "", "") for _ in range(ASSESSMENT_BLANKS)]
    rows = [r for r in rows if not r.blank] + blanks
    return render_template(
        "cohorts/assessments.html",
        cohort=cohort,
        course=course,
        form=form,
        rows=rows,
        errors=errors,
    ), (400 if errors else 200)


def _grid_cells(
    form_data: MultiDict[str, str],
) -> tuple[dict[tuple[int, int], Cell], dict[int, Cell], dict[str, str]]:
    """The grid's score and special-result cells as posted (400 on a malformed name), and
    the values edited here (shown again if the grid comes back with problems)."""
    scores: dict[tuple[int, int], Cell] = {}
    marks: dict[int, Cell] = {}
    typed: dict[str, str] = {}
    for key, value in form_data.items():
        kind, _, rest = key.partition("-")
        try:
            if kind == "score":
                was = form_data.get(f"was-{rest}", "")
                enrollment_id, _, assessment_id = rest.partition("-")
                scores[(int(enrollment_id), int(assessment_id))] = Cell(was, value)
            elif kind == "mark":
                was = form_data.get(f"wasmark-{rest}", "")
                marks[int(rest)] = Cell(was, value)
            else:
                continue
        except ValueError:
            abort(400)
        if value.strip() != was.strip():
            typed[key] = value  # edited here: shown again if the grid comes back
    return scores, marks, typed


@bp.route("/cohorts/<int:cohort_id>/gradebook/<int:course_id>", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def grades_grid(cohort_id: int, course_id: int):
    cohort, course = _taught_course(cohort_id, course_id)
    form = ConfirmForm()
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if form.validate_on_submit():
        scores, marks, typed = _grid_cells(request.form)
        saved = save(
            lambda: save_grades(
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
    grid = gradebook_grid(cohort, course)
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
