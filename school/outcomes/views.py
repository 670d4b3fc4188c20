"""Graduate outcomes (admins: career services and the registrar): employment records, the
follow-up list, outcome rates with their drill-downs and CSV; and the employer's
verification page reached from an emailed link (no sign-in)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

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

from school.auth.access import get_authorized, public, roles_required
from school.auth.models import Role
from school.cohorts.models import Enrollment, EnrollmentStatus, Program
from school.cohorts.policies import can_manage_enrollment
from school.csvfile import csv_text
from school.database import school_today
from school.links import LinkInvalid, open_link_page, require_opened
from school.outcomes import queries, rates, services
from school.outcomes.forms import JobForm, UnavailableForm, VerifyJobForm, VersionForm
from school.outcomes.models import Job
from school.outcomes.policies import can_manage_job
from school.pagination import parse_page
from school.web.commit import save
from school.web.download import download
from school.web.forms import form_status, validate_all
from school.web.security import no_referrer

bp = Blueprint("outcomes", __name__, template_folder="templates")


# --- outcome rates ---------------------------------------------------------------------------


def _date_arg(name: str, errors: dict[str, str]) -> dt.date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"Enter a date like 2026-07-01 (not “{text[:20]}”)."
        return None


def report_args() -> tuple[rates.Period | None, Program | None, dict[str, str]]:
    """The period and program asked for in the query string, with a message per field that
    is wrong. No dates: the last completed reporting year."""
    errors: dict[str, str] = {}
    start, end = _date_arg("from", errors), _date_arg("to", errors)
    default = rates.reporting_year(
        school_today(), month=int(current_app.config["REPORTING_YEAR_START_MONTH"])
    )
    if not errors and start is None and end is None:
        start, end = default.start, default.end
    if "from" not in errors and start is None:
        errors["from"] = "Enter the first day of the period."
    if "to" not in errors and end is None:
        errors["to"] = "Enter the last day of the period."
    if start and end and start > end:
        errors["to"] = "The last day must be on or after the first day."
    program = None
    code = request.args.get("program", "").strip()
    if code:
        program = queries.program_by_code(code)
        if program is None:
            errors["program"] = f"There is no program with code {code[:20]}."
    period = rates.Period(start, end) if start and end and not errors else None
    return period, program, errors


@bp.route("/admin/outcomes")
@roles_required(Role.ADMIN)
def outcome_rates():
    period, program, errors = report_args()
    report = None
    if period is not None:
        report = rates.outcome_rates(
            period, rates.thresholds_from(current_app.config), program_id=program and program.id
        )
    month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
    # Each count links to its students: the address up to the count's key, built once per
    # column (a url_for per count was a third of the page's time).
    drill_urls = {}
    if report is not None:
        base = url_for("outcomes.students_behind")
        for row in [*report.rows, report.total]:
            code = row.program.code if row.program else ""
            query = {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()}
            drill_urls[code] = f"{base}?{urlencode({**query, 'program': code})}&count="
    return render_template(
        "outcomes/rates.html",
        drill_urls=drill_urls,
        report=report,
        errors=errors,
        args=request.args,
        program=program,
        programs=queries.programs(),
        last_year=rates.reporting_year(school_today(), month=month),
        this_year=rates.reporting_year(school_today(), month=month, completed=False),
        labels=rates.LABELS,
        rate_labels=rates.RATE_LABELS,
        formulas=rates.FORMULAS,
    ), (400 if errors else 200)


@bp.route("/admin/outcomes.csv")
@roles_required(Role.ADMIN)
def outcome_rates_csv():
    period, program, _ = report_args()
    if period is None:
        abort(400)
    report = rates.outcome_rates(
        period, rates.thresholds_from(current_app.config), program_id=program and program.id
    )
    header, rows = rates.as_table(report)
    name = f"outcomes-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if program is not None:
        name += f"-{program.code}"
    return download(csv_text(header, rows, bom=False), name, "csv")


@bp.route("/admin/outcomes/students")
@roles_required(Role.ADMIN)
def students_behind():
    """The students behind one count of the report (the drill-down)."""
    period, program, _ = report_args()
    count = request.args.get("count", "")
    if period is None or count not in rates.COUNTS:
        abort(404)
    page = rates.students_behind(
        period,
        count,
        program_id=program and program.id,
        page=parse_page(request.args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=request.args.get("sort"),
        direction=request.args.get("dir"),
    )
    return render_template(
        "outcomes/students_behind.html",
        page=page,
        period=period,
        program=program,
        count=count,
        label=rates.LABELS[count],
        graduates_only=count in rates.GRADUATE_COUNTS,
    )


# --- graduates and their employment ---------------------------------------------------------


@bp.route("/admin/graduates")
@roles_required(Role.ADMIN)
def graduates():
    args = request.args
    errors: dict[str, str] = {}
    start, end = _date_arg("from", errors), _date_arg("to", errors)
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
            page=parse_page(args.get("page")),
            per_page=current_app.config["PER_PAGE"],
            sort=args.get("sort"),
            direction=args.get("dir") or (None if args.get("sort") else "desc"),  # newest first
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


def _job_data(form: JobForm) -> services.JobData:
    return services.JobData(
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
    if validate_all(form, lambda: services.job_problems(_job_data(form))):
        ok = save(
            lambda: services.add_job(
                enrollment=enrollment, data=_job_data(form), by=current_user._get_current_object()
            ),
            form=form,
        ).ok
        if ok:
            flash("Job recorded.", "success")
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
        if job.source not in services.ENTERED_SOURCES:
            form.source.data = None  # the employer verified it; an edit needs a new source
    if validate_all(form, lambda: services.job_problems(_job_data(form))):
        ok = save(
            lambda: services.edit_job(
                job=job,
                data=_job_data(form),
                version=form.version.data,
                by=current_user._get_current_object(),
            ),
            form=form,
        ).ok
        if ok:
            flash("Job saved.", "success")
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
        lambda job, version: services.remove_job(
            job=job, version=version, by=current_user._get_current_object()
        ),
        "Job removed (the audit log keeps what it said).",
    )


@bp.route("/admin/jobs/<int:job_id>/request-verification", methods=["POST"])
@roles_required(Role.ADMIN)
def request_verification(job_id: int):
    return _job_action(
        job_id,
        lambda job, version: services.request_verification(
            job=job, by=current_user._get_current_object(), version=version or 0
        ),
        "Verification link emailed to the employer.",
    )


@bp.route("/admin/graduates/<int:enrollment_id>/unavailable", methods=["POST"])
@roles_required(Role.ADMIN)
def mark_unavailable(enrollment_id: int):
    enrollment = _graduate(enrollment_id)
    form = UnavailableForm()
    if form.validate_on_submit():
        ok = save(
            lambda: services.mark_unavailable(
                enrollment=enrollment,
                reason=form.reason.data or "",
                documented_on=form.documented_on.data,
                note=form.note.data or "",
                by=current_user._get_current_object(),
            ),
            form=form,
        ).ok
        if ok:
            flash("Recorded as unavailable for employment.", "success")
            return redirect(url_for("outcomes.graduate", enrollment_id=enrollment.id))
    return _graduate_page(enrollment, form)


@bp.route("/admin/graduates/<int:enrollment_id>/unavailable/clear", methods=["POST"])
@roles_required(Role.ADMIN)
def clear_unavailable(enrollment_id: int):
    enrollment = _graduate(enrollment_id)
    form = VersionForm()
    if form.validate_on_submit():
        save(
            lambda: services.clear_unavailable(
                enrollment=enrollment, by=current_user._get_current_object()
            ),
            done="The unavailable-for-employment record was removed.",
        )
    return redirect(url_for("outcomes.graduate", enrollment_id=enrollment.id))


# --- employer verification by emailed link (no sign-in) -------------------------------------


def _link_refused(exc: LinkInvalid):  # type: ignore[no-untyped-def]
    no_referrer()
    return render_template("outcomes/link_invalid.html", message=str(exc)), 410


@bp.route("/employment/verify/<token>")
@public
def open_verification(token: str):
    """The emailed link: check it, remember in the signed session that this browser holds
    it, and move to a page whose URL holds no secret."""
    return open_link_page(token, services.LINK_PURPOSE, "outcomes.verify_job", _link_refused)


@bp.route("/employment/verify/job/<int:link_id>", methods=["GET", "POST"])
@public
def verify_job(link_id: int):
    no_referrer()
    try:
        require_opened(link_id, services.LINK_PURPOSE)
        link, job = services.load_verification(link_id)
    except LinkInvalid as exc:
        return _link_refused(exc)
    form = VerifyJobForm()
    if not form.is_submitted():
        form.job_title.data = job.job_title
        form.start_date.data = job.start_date
        form.hours.data = "full" if job.full_time else "part"
    if form.validate_on_submit():
        saved = save(
            lambda: services.verify_by_link(
                link_id=link.id,
                job_title=form.job_title.data or "",
                start_date=form.start_date.data,
                hours=form.hours.data or "",
                signature=form.signature.data or "",
                note=form.note.data or "",
            ),
            form=form,
            keep=(LinkInvalid,),
        )
        if saved.ok:
            return render_template("outcomes/verify_done.html", job=job)
        if isinstance(saved.error, LinkInvalid):
            return _link_refused(saved.error)
    return render_template(
        "outcomes/verify_job.html", form=form, job=job, student=job.enrollment.student
    ), form_status(form)
