"""Writes for a graduate documented as unavailable for employment (the reason, the document).
Validate first, raise one DomainError with every problem, flush, never commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.models import Enrollment
from school.database import school_today, utcnow
from school.errors import DomainError
from school.extensions import db
from school.outcomes.models import (
    Job,
    Unavailability,
    UnavailableReason,
)
from school.outcomes.services._shared import (
    _graduate,
    _lock_graduate,
)


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
    problems.past_date(
        "documented_on",
        documented_on,
        school_today(),
        missing="Enter the date of the document.",
        future="The document's date cannot be in the future.",
    )
    note = problems.text(
        "note",
        note,
        most=500,
        missing="Say what documents it (e.g. deployment orders seen by J. Smith).",
    )
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
