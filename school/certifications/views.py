"""Credential catalog (admin), exam attempts (admin records and verifies; students report
their own)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.certifications import queries, services
from school.certifications.forms import AttemptForm, CredentialForm
from school.certifications.models import Attempt, Credential
from school.certifications.policies import can_manage_credential, can_verify_attempt
from school.cohorts.models import Cohort, Enrollment
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.errors import DomainError
from school.extensions import db
from school.web import commit_or_show, safe_next_url, validate_all

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
        ok, _ = commit_or_show(
            form,
            lambda: services.update_credential(credential=credential, data=_credential_data(form)),
        )
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
        ok, _ = commit_or_show(
            form, lambda: services.record_attempt(student=me, data=_attempt_data(form), by=me)
        )
        if ok:
            flash("Attempt reported; the school will verify it.", "success")
            return redirect(url_for("certifications.my_attempts"))
    status = 400 if form.errors or getattr(form, "form_errors", None) else 200
    return render_template(
        "certifications/my_attempts.html", form=form, attempts=queries.student_attempts(me.id)
    ), status


@bp.route("/admin/enrollments/<int:enrollment_id>/attempts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def student_attempts(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = _attempt_form()
    if form.validate_on_submit():
        ok, _ = commit_or_show(
            form,
            lambda: services.record_attempt(
                student=enrollment.student,
                data=_attempt_data(form),
                by=current_user._get_current_object(),
            ),
        )
        if ok:
            flash("Attempt recorded.", "success")
            return redirect(url_for("certifications.student_attempts", enrollment_id=enrollment_id))
    status = 400 if form.errors or getattr(form, "form_errors", None) else 200
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
        try:
            services.verify_attempt(attempt=attempt, by=current_user._get_current_object())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"{attempt.credential.code} attempt verified.", "success")
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
