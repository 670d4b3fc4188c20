"""Enrollments (admin): enroll a student, the enrollment page, status changes, re-entry."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.cohorts import queries
from school.cohorts.forms import EnrollForm, ReentryForm, StatusChangeForm
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.cohorts.services import enrollments as enrollment_services
from school.cohorts.views import bp
from school.database import school_today
from school.errors import DomainError
from school.extensions import db
from school.web.commit import save
from school.web.forms import apply_problems


@bp.route("/admin/cohorts/<int:cohort_id>/enroll", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def enroll(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = EnrollForm()
    if request.method == "GET":
        form.start_date.data = max(cohort.start_date, school_today())
    if form.validate_on_submit():
        saved = save(
            lambda: enrollment_services.enroll_student(
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
    allowed = sorted(enrollment_services.ALLOWED_CHANGES[enrollment.status])
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
            lambda: enrollment_services.change_enrollment_status(
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
        unmet = problems.pop(enrollment_services.UNMET_REQUIREMENTS, [])
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
            lambda: enrollment_services.reenter_student(
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
