"""Writes for graduate outcomes: jobs, unavailability, and the employer's verification by
emailed link (the single-use link mechanism of :mod:`school.links`, as hour confirmation
uses it)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, render_template
from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import User
from school.auth.services import email_problem, normalize_email
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.links import EmailedLink, EmailedLinkItem, LinkInvalid, consume_link, issue_link
from school.links import load_link as _load_link
from school.mail import queue_email
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
    UnavailableReason,
)
from school.web.security import external_url

LINK_PURPOSE = "employment_verification"
MAX_SALARY = Decimal("1000000")
ENTERED_SOURCES = (Source.DOCUMENTS, Source.SELF_REPORT)  # employer_link comes from the link


def _graduate(enrollment: Enrollment, problems: ProblemList) -> None:
    if enrollment.status != EnrollmentStatus.GRADUATED:
        problems.add("", "Employment outcomes are recorded for graduates only.")


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class JobData:
    employer: str
    job_title: str
    setting: str
    start_date: dt.date | None
    classification: str
    hours: str  # "full" or "part"
    remote: bool
    annual_salary: str
    employer_email: str
    source: str


def job_problems(data: JobData) -> ProblemList:
    problems = DomainError.collect()
    if not _one_line(data.employer):
        problems.add("employer", "Enter the employer's name.")
    elif len(_one_line(data.employer)) > 160:
        problems.add("employer", "Use at most 160 characters.")
    if not _one_line(data.job_title):
        problems.add("job_title", "Enter the job title, e.g. Medical Coder I.")
    elif len(_one_line(data.job_title)) > 120:
        problems.add("job_title", "Use at most 120 characters.")
    if data.setting not in {s.value for s in JobSetting}:
        problems.add("setting", "Choose the kind of workplace.")
    if data.start_date is None:
        problems.add("start_date", "Enter the first day of the job.")
    elif data.start_date > school_today():
        problems.add("start_date", "Record a job once it has started (not a future date).")
    if data.classification not in {c.value for c in Classification}:
        problems.add("classification", "Choose in field, related field or unrelated.")
    if data.hours not in ("full", "part"):
        problems.add("hours", "Choose full time or part time.")
    if data.annual_salary.strip():
        salary = _salary(data.annual_salary)
        if salary is None:
            problems.add("annual_salary", "Enter the yearly salary in dollars, e.g. 45000.")
        elif not 0 < salary <= MAX_SALARY:
            problems.add("annual_salary", "Enter a yearly salary above 0 and up to 1,000,000.")
    if data.employer_email.strip():
        bad = email_problem(normalize_email(data.employer_email))
        if bad:
            problems.add("employer_email", bad)
    if data.source not in {s.value for s in ENTERED_SOURCES}:
        problems.add("source", "Choose how you know: documents or the graduate's own report.")
    return problems


SALARY_RE = re.compile(r"^\$?\s*\d{1,3}(,?\d{3})*(\.\d{1,2})?$")


def _salary(text: str) -> Decimal | None:
    """A yearly salary as people type it ("46500", "$46,500.00"), or None if unreadable."""
    text = text.strip()
    if not SALARY_RE.match(text):
        return None
    return Decimal(text.lstrip("$").strip().replace(",", ""))


def _fields(job: Job) -> dict[str, str]:
    """A job as text, for audit details (what it was and what it became)."""
    return {
        "employer": job.employer,
        "job_title": job.job_title,
        "setting": job.setting.value,
        "start_date": job.start_date.isoformat(),
        "classification": job.classification.value,
        "hours": "full" if job.full_time else "part",
        "remote": "yes" if job.remote else "no",
        "annual_salary": "" if job.annual_salary is None else f"{job.annual_salary:f}",
        "employer_email": job.employer_email or "",
        "source": job.source.value,
    }


def _apply(job: Job, data: JobData) -> None:
    assert data.start_date is not None
    job.employer = _one_line(data.employer)
    job.job_title = _one_line(data.job_title)
    job.setting = JobSetting(data.setting)
    job.start_date = data.start_date
    job.classification = Classification(data.classification)
    job.full_time = data.hours == "full"
    job.remote = data.remote
    job.annual_salary = _salary(data.annual_salary) if data.annual_salary.strip() else None
    job.employer_email = normalize_email(data.employer_email) or None
    job.source = Source(data.source)
    job.verified_at = None
    job.verified_by_name = None
    job.verified_by_email = None


def _lock_graduate(enrollment: Enrollment) -> None:
    """Serialise outcome writes of one graduate (a job and an unavailability exclude each
    other): a row lock on PostgreSQL; SQLite write transactions are exclusive already."""
    db.session.execute(
        select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update()
    )


def _not_unavailable(enrollment: Enrollment, problems: ProblemList) -> None:
    marked = db.session.get(Unavailability, enrollment.id)
    if marked is not None:
        problems.add(
            "",
            f"{enrollment.student.name} is recorded as unavailable for employment "
            f"({marked.reason.label.lower()}); remove that record before adding a job.",
        )


def add_job(*, enrollment: Enrollment, data: JobData, by: User | None) -> Job:
    problems = job_problems(data)
    _graduate(enrollment, problems)
    _lock_graduate(enrollment)
    _not_unavailable(enrollment, problems)
    problems.raise_if_any()
    job = Job(enrollment_id=enrollment.id, recorded_by_id=by.id if by else None, version=1)
    _apply(job, data)
    db.session.add(job)
    db.session.flush()
    record_event("job.recorded", subject=job, actor=by, details=_fields(job))
    return job


STALE = "This page is out of date (it sent no valid version of the job); reload it and try again."


def _bump(job: Job, expected_version: int | None) -> None:
    """Take the next version, or refuse when the job changed since the page was read (the
    version the page showed is required)."""
    if expected_version is None:
        raise DomainError(STALE)
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.version == expected_version)
        .values(version=Job.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError(
            "This job was changed by someone else meanwhile (perhaps verified by the "
            "employer); reload the page and try again."
        )


def edit_job(*, job: Job, data: JobData, version: int | None, by: User | None) -> None:
    """Change a job. Any change removes an employer's verification (it no longer describes
    what the employer confirmed) and makes earlier verification links do nothing."""
    job_problems(data).raise_if_any()
    before = _fields(job)
    _bump(job, version)
    _apply(job, data)
    db.session.flush()
    record_event("job.edited", subject=job, actor=by, details={"before": before, **_fields(job)})


def remove_job(*, job: Job, version: int | None, by: User | None) -> None:
    """Remove a job recorded by mistake; the audit log keeps everything it said."""
    _bump(job, version)
    details = _fields(job)
    record_event("job.removed", subject=job, actor=by, details=details)
    _revoke(job.id)
    db.session.delete(job)
    db.session.flush()


def mark_unavailable(
    *,
    enrollment: Enrollment,
    reason: str,
    documented_on: dt.date | None,
    note: str,
    by: User | None,
) -> Unavailability:
    """Record (or correct) that a graduate is unavailable for employment, with the reason,
    the date of the document and what it is."""
    problems = DomainError.collect()
    _graduate(enrollment, problems)
    _lock_graduate(enrollment)
    if reason not in {r.value for r in UnavailableReason}:
        problems.add("reason", "Choose the documented reason.")
    if documented_on is None:
        problems.add("documented_on", "Enter the date of the document.")
    elif documented_on > school_today():
        problems.add("documented_on", "The document's date cannot be in the future.")
    note = note.strip()
    if not note:
        problems.add("note", "Say what documents it (e.g. deployment orders seen by J. Smith).")
    elif len(note) > 500:
        problems.add("note", "Use at most 500 characters.")
    jobs = db.session.scalar(select(Job.id).where(Job.enrollment_id == enrollment.id).limit(1))
    if jobs is not None:
        problems.add(
            "",
            "This graduate has a job recorded: a graduate with a job counts as employed. "
            "Remove the job first if it was recorded by mistake.",
        )
    problems.raise_if_any()
    assert documented_on is not None
    record = db.session.get(Unavailability, enrollment.id)
    if record is None:
        record = Unavailability(enrollment_id=enrollment.id)
        db.session.add(record)
    record.reason = UnavailableReason(reason)
    record.documented_on = documented_on
    record.note = note
    record.recorded_by_id = by.id if by else None
    record.recorded_at = utcnow()
    db.session.flush()
    record_event(
        "outcome.unavailable",
        subject=enrollment,
        actor=by,
        details={"reason": reason, "documented_on": documented_on.isoformat(), "note": note},
    )
    return record


def clear_unavailable(*, enrollment: Enrollment, by: User | None) -> None:
    record = db.session.get(Unavailability, enrollment.id)
    if record is None:
        raise DomainError("This graduate is not recorded as unavailable.")
    details = {
        "reason": record.reason.value,
        "documented_on": record.documented_on.isoformat(),
        "note": record.note,
    }
    db.session.delete(record)
    db.session.flush()
    record_event("outcome.unavailable_cleared", subject=enrollment, actor=by, details=details)


# --- employer verification by emailed link --------------------------------------------------


def _revoke(job_id: int) -> None:
    """Earlier unused links for this job stop working (a newer one replaces them)."""
    db.session.execute(
        update(EmailedLink)
        .where(
            EmailedLink.purpose == LINK_PURPOSE,
            EmailedLink.used_at.is_(None),
            EmailedLink.revoked_at.is_(None),
            EmailedLink.id.in_(
                select(EmailedLinkItem.link_id).where(EmailedLinkItem.subject_id == job_id)
            ),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def request_verification(*, job: Job, by: User | None, version: int | None = None) -> EmailedLink:
    """Email the employer a link to confirm or correct the job (replacing earlier links for
    this job; links for other graduates at the same employer keep working). ``version`` is
    the one the admin's page showed: a job changed since is not sent unseen."""
    if version is not None and version != job.version:
        raise DomainError("This job changed since the page was loaded; check it and retry.")
    if job.employer_verified:
        raise DomainError(
            f"{job.verified_by_name} already verified this job for the employer; edit the job "
            "first if its details changed."
        )
    if not job.employer_email:
        raise DomainError(
            {"employer_email": ["Add the employer's email to the job to ask them to verify it."]}
        )
    _revoke(job.id)
    ttl = dt.timedelta(days=int(current_app.config["EMPLOYMENT_LINK_TTL_DAYS"]))
    link, secret = issue_link(
        purpose=LINK_PURPOSE,
        email=job.employer_email,
        user=None,
        ttl=ttl,
        items=[(job.id, job.version)],
        replace_earlier=False,
    )
    student = job.enrollment.student
    queue_email(
        to=job.employer_email,
        subject=f"Please confirm {student.name}'s employment",
        body=render_template(
            "outcomes/email/verify_job.txt",
            job=job,
            student=student,
            school=current_app.config["SCHOOL_NAME"],
            link=external_url("outcomes.open_verification", token=secret),
            expires=link.expires_at,
        ),
    )
    record_event(
        "job.verification_requested",
        subject=job,
        actor=by,
        details={"email": job.employer_email, "link": link.id},
    )
    return link


def load_verification(link_id: int) -> tuple[EmailedLink, Job]:
    """The link and its job, or :class:`LinkInvalid` (also when the job changed or was
    removed since the link was sent)."""
    link = _load_link(link_id, LINK_PURPOSE)
    (item,) = link.items
    job = db.session.get(Job, item.subject_id)
    if job is None or job.version != item.version:
        raise LinkInvalid("changed")
    return link, job


def verify_by_link(
    *,
    link_id: int,
    job_title: str,
    start_date: dt.date | None,
    hours: str,
    signature: str,
    note: str,
) -> Job:
    """The employer confirms the job, correcting title, start date or hours if needed, and
    signs with their typed name. All or nothing; the link is used up in the same
    transaction."""
    link, job = load_verification(link_id)
    problems = DomainError.collect()
    title = _one_line(job_title)
    if not title:
        problems.add("job_title", "Enter the job title.")
    elif len(title) > 120:
        problems.add("job_title", "Use at most 120 characters.")
    if start_date is None:
        problems.add("start_date", "Enter the first day of the job.")
    elif start_date > school_today():
        problems.add("start_date", "The first day cannot be in the future.")
    if hours not in ("full", "part"):
        problems.add("hours", "Choose full time or part time.")
    signature = _one_line(signature)
    if not signature:
        problems.add("signature", "Type your full name as your signature.")
    elif len(signature) > 120:
        problems.add("signature", "Use at most 120 characters.")
    if len(note) > 1000:
        problems.add("note", "Use at most 1,000 characters.")
    problems.raise_if_any()
    assert start_date is not None
    consume_link(link)
    before = _fields(job)
    try:
        _bump(job, link.items[0].version)
    except DomainError:
        raise LinkInvalid("changed") from None
    job.job_title = title
    job.start_date = start_date
    job.full_time = hours == "full"
    job.source = Source.EMPLOYER_LINK
    job.verified_at = utcnow()
    job.verified_by_name = signature
    job.verified_by_email = link.email
    db.session.flush()
    corrected = {
        k: {"was": before[k], "now": v}
        for k, v in _fields(job).items()
        if k in ("job_title", "start_date", "hours") and before[k] != v
    }
    event = record_event(
        "job.employer_verified",
        subject=job,
        actor=None,
        details={
            "email": link.email,
            "signature": signature,
            "corrected": corrected,
            "note": note.strip(),
        },
    )
    event.actor_label = f"{signature} <{link.email}> (employer, by emailed link)"
    return job
