"""Milestone plans (admin) and exam readiness: a cohort's readiness, one student's progress,
one step for the whole cohort (instructors of the cohort, admins)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.certifications import queries
from school.certifications.forms import RuleForm, StepForm, StepResultForm
from school.certifications.services import milestones
from school.certifications.views import bp
from school.cohorts.models import Cohort, Enrollment, Program
from school.cohorts.policies import can_manage_program, can_teach_cohort
from school.database import school_today
from school.web.commit import save
from school.web.forms import form_status

# --- milestone plans (admin) -------------------------------------------------------------


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
    if (
        form.validate_on_submit()
        and save(
            lambda: milestones.add_step(
                program=program,
                kind=form.kind.data or "",
                title=form.title.data or "",
                required=bool(form.required.data),
            ),
            form=form,
            done="Step added.",
        ).ok
    ):
        return redirect(url_for("certifications.plan", program_id=program_id))
    status = form_status(form)
    return _plan_page(program, form, RuleForm()), status


@bp.route("/admin/programs/<int:program_id>/plan/rule", methods=["POST"])
@roles_required(Role.ADMIN)
def plan_rule(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = RuleForm()
    if (
        form.validate_on_submit()
        and save(
            lambda: milestones.set_rule(
                program=program,
                mock_count=form.mock_count.data,
                threshold=form.mock_threshold.data,
            ),
            form=form,
            done="Readiness rule saved.",
        ).ok
    ):
        return redirect(url_for("certifications.plan", program_id=program_id))
    return _plan_page(program, StepForm(), form), 400


# --- readiness and progress (instructors of the cohort, admins) ---------------------------


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
            lambda: milestones.record_step(
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
        entries, errors = _grid_entries(rows)
        if not errors:
            outcome = save(
                lambda: milestones.record_step_grid(
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


def _grid_entries(rows) -> tuple[dict[int, tuple[dt.date | None, str]], dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """The date and score typed for each row of the step grid, by enrollment id, and the
    dates that are not dates (by field name)."""
    entries: dict[int, tuple[dt.date | None, str]] = {}
    errors: dict[str, list[str]] = {}
    for row in rows:
        eid = row.enrollment.id
        raw_day = request.form.get(f"date-{eid}", "").strip()
        try:
            day = dt.date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            errors.setdefault(f"date-{eid}", []).append("Enter a date like 2027-05-14.")
            day = None
        entries[eid] = (day, request.form.get(f"score-{eid}", ""))
    return entries, errors
