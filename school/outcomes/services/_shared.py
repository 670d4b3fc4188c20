"""What the outcomes writes share: the graduate checks, a job as audit text and its
version, and revoking the employer links sent for a job."""

from __future__ import annotations

from sqlalchemy import select, update

from school.cohorts.models import Enrollment, EnrollmentStatus
from school.database import utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.links import EmailedLink, EmailedLinkItem, LinkPurpose
from school.outcomes.models import (
    Job,
)

LINK_PURPOSE = LinkPurpose.EMPLOYMENT_VERIFICATION


def _graduate(enrollment: Enrollment, problems: ProblemList) -> None:
    if enrollment.status != EnrollmentStatus.GRADUATED:
        problems.add("", "Employment outcomes are recorded for graduates only.")


def _one_line(text: str) -> str:
    return " ".join(text.split())


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


def _lock_graduate(enrollment: Enrollment) -> None:
    """Serialise outcome writes of one graduate (a job and an unavailability exclude each
    other): a row lock on PostgreSQL; SQLite write transactions are exclusive already."""
    db.session.execute(
        select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update()
    )


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
