"""Graduates and their employment (admins: career services and the registrar): the list with
the follow-up of unknowns, a graduate's page, jobs and documented unavailability."""

from __future__ import annotations

from dataclasses import replace

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.cohorts.policies import can_manage_enrollment
from school.database import school_today
from school.outcomes import queries
from school.outcomes.forms import JobForm, UnavailableForm, VersionForm
from school.outcomes.models import Job
from school.outcomes.policies import can_manage_job
from school.outcomes.services import jobs, unavailability, verification
from school.outcomes.views import bp
from school.outcomes.views.rates import date_arg
from school.pagination import Listing
from school.web.commit import save
from school.web.forms import form_status, validate_all
from school.web.inputs import list_request


@bp.route("/admin/graduates")
@roles_required(Role.ADMIN)
def graduates():
    args = request.args
    errors: dict[str, str] = {}
    start, end = date_arg("from", errors), date_arg("to", errors)
    if start and end and start > end:
        errors["to"] = "The last day must be on or after the first day."
    program_id = None
    code = args.get("program", "").strip()
    if code:
        program = queries.program_by_code(code)
        if program is None:
            errors["program"] = f"There is no program with code {code[:20]}."
        else:
            program_id = program.id
    filters = queries.GraduateFilters(
        program_id=program_id,
        graduated_from=start,
        graduated_to=end,
        search=args.get("q", "")[:100],
    )
    status = args.get("status") if args.get("status") in queries.STATUSES else None
    page = None
    counts = dict.fromkeys(queries.STATUSES, 0)
    if not errors:
        counts = queries.status_counts(filters)
        page = queries.graduates(
            filters,
            counts=counts,
            status=status,
            listing=_newest_first(list_request()),
        )
    return render_template(
        "outcomes/graduates.html",
        page=page,
        status=status,
        statuses=queries.STATUSES,
        counts=counts,
        programs=queries.programs(),
        args=args,
        errors=errors,
    ), (400 if errors else 200)


def _graduate(enrollment_id: int) -> Enrollment:
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    if enrollment.status != EnrollmentStatus.GRADUATED:
        abort(404)
    return enrollment


def _graduate_page(enrollment: Enrollment, unavailable_form: UnavailableForm | None = None):  # type: ignore[no-untyped-def]
    record = queries.graduate_record(enrollment)
    if unavailable_form is None:
        unavailable_form = UnavailableForm(obj=record.unavailable)
    return render_template(
        "outcomes/graduate.html",
        record=record,
        enrollment=enrollment,
        unavailable_form=unavailable_form,
        action_form=VersionForm(),
        today=school_today(),
    ), form_status(unavailable_form)


@bp.route("/admin/graduates/<int:enrollment_id>")
@roles_required(Role.ADMIN)
def graduate(enrollment_id: int):
    return _graduate_page(_graduate(enrollment_id))


def _job_data(form: JobForm) -> jobs.JobData:
    return jobs.JobData(
        employer=form.employer.data or "",
        job_title=form.job_title.data or "",
        setting=form.setting.data or "",
        start_date=form.start_date.data,
        classification=form.classification.data or "",
        hours=form.hours.data or "",
        remote=bool(form.remote.data),
        annual_salary=form.annual_salary.data or "",
        employer_email=form.employer_email.data or "",
        source=form.source.data or "",
    )


@bp.route("/admin/graduates/<int:enrollment_id>/jobs/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def add_job(enrollment_id: int):
    enrollment = _graduate(enrollment_id)
    form = JobForm()
    if (
        validate_all(form, lambda: jobs.job_problems(_job_data(form)))
        and save(
            lambda: jobs.add_job(
                enrollment=enrollment, data=_job_data(form), by=current_user._get_current_object()
            ),
            form=form,
            done="Job recorded.",
        ).ok
    ):
        return redirect(url_for("outcomes.graduate", enrollment_id=enrollment.id))
    return render_template(
        "outcomes/job_form.html", form=form, enrollment=enrollment, job=None
    ), form_status(form)


@bp.route("/admin/jobs/<int:job_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_job(job_id: int):
    job = get_authorized(Job, job_id, can_manage_job)
    form = JobForm(obj=job)
    if not form.is_submitted():
        form.hours.data = "full" if job.full_time else "part"
        form.annual_salary.data = "" if job.annual_salary is None else f"{job.annual_salary:f}"
        form.version.data = job.version
        if job.source not in jobs.ENTERED_SOURCES:
            form.source.data = None  # the employer verified it; an edit needs a new source
    if (
        validate_all(form, lambda: jobs.job_problems(_job_data(form)))
        and save(
            lambda: jobs.edit_job(
                job=job,
                data=_job_data(form),
                version=form.version.data,
                by=current_user._get_current_object(),
            ),
            form=form,
            done="Job saved.",
        ).ok
    ):
        return redirect(url_for("outcomes.graduate", enrollment_id=job.enrollment_id))
    return render_template(
        "outcomes/job_form.html", form=form, enrollment=job.enrollment, job=job
    ), form_status(form)


def _job_action(job_id: int, action, done: str):  # type: ignore[no-untyped-def]
    job = get_authorized(Job, job_id, can_manage_job)
    enrollment_id = job.enrollment_id
    form = VersionForm()
    if form.validate_on_submit():
        save(lambda: action(job, form.version.data), done=done)
    return redirect(url_for("outcomes.graduate", enrollment_id=enrollment_id))


@bp.route("/admin/jobs/<int:job_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def remove_job(job_id: int):
    return _job_action(
        job_id,
        lambda job, version: jobs.remove_job(
            job=job, version=version, by=current_user._get_current_object()
        ),
        "Job removed (the audit log keeps what it said).",
    )


@bp.route("/admin/jobs/<int:job_id>/request-verification", methods=["POST"])
@roles_required(Role.ADMIN)
def request_verification(job_id: int):
    return _job_action(
        job_id,
        lambda job, version: verification.request_verification(
            job=job, by=current_user._get_current_object(), version=version or 0
        ),
        "Verification link emailed to the employer.",
    )


@bp.route("/admin/graduates/<int:enrollment_id>/unavailable", methods=["POST"])
@roles_required(Role.ADMIN)
def mark_unavailable(enrollment_id: int):
    enrollment = _graduate(enrollment_id)
    form = UnavailableForm()
    if (
        form.validate_on_submit()
        and save(
            lambda: unavailability.mark_unavailable(
                enrollment=enrollment,
                reason=form.reason.data or "",
                documented_on=form.documented_on.data,
                note=form.note.data or "",
                by=current_user._get_current_object(),
            ),
            form=form,
            done="Recorded as unavailable for employment.",
        ).ok
    ):
        return redirect(url_for("outcomes.graduate", enrollment_id=enrollment.id))
    return _graduate_page(enrollment, form)


@bp.route("/admin/graduates/<int:enrollment_id>/unavailable/clear", methods=["POST"])
@roles_required(Role.ADMIN)
def clear_unavailable(enrollment_id: int):
    enrollment = _graduate(enrollment_id)
    form = VersionForm()
    if form.validate_on_submit():
        save(
            lambda: unavailability.clear_unavailable(
                enrollment=enrollment, by=current_user._get_current_object()
            ),
            done="The unavailable-for-employment record was removed.",
        )
    return redirect(url_for("outcomes.graduate", enrollment_id=enrollment.id))


def _newest_first(listing: Listing) -> Listing:
    """Unless the user sorts, the newest graduates come first; a chosen sort goes up first."""
    return replace(listing, direction=listing.direction or (None if listing.sort else "desc"))
