"""Exam attempts: a student's own page (the attempts and CEUs they report, unverified until an
admin checks them), the attempts an admin records for a student and verifies, and a cohort's
pass figures."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.certifications import queries
from school.certifications.forms import AttemptForm, CeuForm
from school.certifications.models import Attempt
from school.certifications.policies import can_verify_attempt
from school.certifications.services import exam_attempts
from school.certifications.views import bp
from school.certifications.views.common import (
    messages,
    record_ceus,
    refusal_category,
    set_credential_choices,
)
from school.cohorts.models import Cohort, Enrollment
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.database import school_today
from school.web.commit import save
from school.web.forms import form_status
from school.web.inputs import safe_next_url


def _attempt_form() -> AttemptForm:
    form = AttemptForm()
    set_credential_choices(form)
    return form


def _attempt_data(form: AttemptForm) -> exam_attempts.AttemptData:
    return exam_attempts.AttemptData(
        credential_id=form.credential_id.data,
        exam_date=form.exam_date.data,
        exam_version=form.exam_version.data or "",
        score=form.score.data or "",
        result=form.result.data or "",
    )


def _my_attempts_page(me, form: AttemptForm, ceu_form: CeuForm) -> str:  # type: ignore[no-untyped-def]
    return render_template(
        "certifications/my_attempts.html",
        form=form,
        attempts=queries.student_attempts(me.id),
        status=queries.credential_status(me.id, school_today()),
        ceu_form=ceu_form,
        today=school_today(),
    )


@bp.route("/certifications", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def my_attempts():
    """A student's own attempts, and a form to report one (unverified until an admin
    checks it)."""
    form = _attempt_form()
    me = current_user._get_current_object()
    if (
        form.validate_on_submit()
        and save(
            lambda: exam_attempts.record_attempt(student=me, data=_attempt_data(form), by=me),
            form=form,
            done="Attempt reported; the school will verify it.",
        ).ok
    ):
        return redirect(url_for("certifications.my_attempts"))
    status = form_status(form)
    return _my_attempts_page(me, form, CeuForm()), status


@bp.route("/certifications/ceus", methods=["POST"])
@roles_required(Role.STUDENT)
def my_ceus():
    form = CeuForm()
    me = current_user._get_current_object()
    if (
        form.validate_on_submit()
        and save(lambda: record_ceus(me, form), form=form, done="CEUs recorded.").ok
    ):
        return redirect(url_for("certifications.my_attempts") + "#ceus")
    return _my_attempts_page(me, _attempt_form(), form), 400


@bp.route("/admin/enrollments/<int:enrollment_id>/attempts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def student_attempts(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = _attempt_form()
    if (
        form.validate_on_submit()
        and save(
            lambda: exam_attempts.record_attempt(
                student=enrollment.student,
                data=_attempt_data(form),
                by=current_user._get_current_object(),
            ),
            form=form,
            done="Attempt recorded.",
        ).ok
    ):
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
            lambda: exam_attempts.verify_attempt(
                attempt=attempt, by=current_user._get_current_object()
            )
        )
        if saved.ok:
            flash(f"{attempt.credential.code} attempt verified.", "success")
        else:  # the service's refusal as a note; a lost race as an error
            flash("; ".join(messages(saved)), refusal_category(saved))
    return redirect(back)


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
