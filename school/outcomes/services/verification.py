"""The employer's verification of a job by emailed link (the single-use link mechanism of
:mod:`school.links`, as hour confirmation uses it): the request, the link's page, the answer."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from school.audit import record_event
from school.auth.models import User
from school.database import school_today, utcnow
from school.errors import DomainError
from school.extensions import db
from school.links import EmailedLink, LinkInvalid, consume_link, issue_link
from school.links import load_link as _load_link
from school.mail import queue_email
from school.outcomes.models import (
    Job,
    Source,
)
from school.outcomes.services._shared import (
    LINK_PURPOSE,
    _bump,
    _fields,
    _one_line,
    _revoke,
)
from school.web.security import external_url


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
    title, signature = _one_line(job_title), _one_line(signature)
    _check_verification(title, start_date, hours, signature, note)
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
    _record_verification(job, before, link, signature, note)
    return job


def _check_verification(
    title: str, start_date: dt.date | None, hours: str, signature: str, note: str
) -> None:
    """Raise one DomainError with every problem of the employer's answer."""
    problems = DomainError.collect()
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
    if not signature:
        problems.add("signature", "Type your full name as your signature.")
    elif len(signature) > 120:
        problems.add("signature", "Use at most 120 characters.")
    if len(note) > 1000:
        problems.add("note", "Use at most 1,000 characters.")
    problems.raise_if_any()


def _record_verification(
    job: Job, before: dict[str, str], link: EmailedLink, signature: str, note: str
) -> None:
    """The audit event of an employer's verification, with what they corrected."""
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
