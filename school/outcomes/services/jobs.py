"""Writes for a graduate's jobs: recorded, edited, removed. Validate first, raise one
DomainError with every problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from school.audit import record_event
from school.auth.models import User
from school.auth.services import email_problem, normalize_email
from school.cohorts.models import Enrollment
from school.database import school_today
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
)
from school.outcomes.services._shared import (
    _bump,
    _fields,
    _graduate,
    _lock_graduate,
    _one_line,
    _revoke,
)

MAX_SALARY = Decimal("1000000")
ENTERED_SOURCES = (Source.DOCUMENTS, Source.SELF_REPORT)  # employer_link comes from the link


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
