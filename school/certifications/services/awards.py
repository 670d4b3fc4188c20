"""Writes for awarded credentials (and their apprentice designation) and CEUs. Validate
first, raise one DomainError with every problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.certifications.models import (
    AwardedCredential,
    CeuEntry,
    Credential,
)
from school.database import school_today
from school.errors import DomainError
from school.extensions import db
from school.numbers import NumberRange

# The CEUs typed on the CEU forms (their fields read them with the same range).
CEU_HOURS = NumberRange(Decimal("0.1"), Decimal(100), "Enter 0.1 to 100 CEUs.", places=1)


def award_credential(
    *,
    student: User,
    credential_id: int | None,
    awarded_on: dt.date | None,
    member_id: str,
    apprentice: bool,
    by: User,
) -> AwardedCredential:
    problems = DomainError.collect()
    credential = db.session.get(Credential, credential_id) if credential_id else None
    if credential is None:
        problems.add("credential_id", "Choose a credential from the catalog.")
    elif db.session.scalar(
        select(AwardedCredential.id).where(
            AwardedCredential.student_id == student.id,
            AwardedCredential.credential_id == credential.id,
        )
    ):
        problems.add("credential_id", f"{student.name} already holds {credential.code}.")
    elif apprentice and not credential.has_apprentice:
        problems.add("apprentice", f"{credential.code} has no apprentice designation.")
    problems.past_date(
        "awarded_on",
        awarded_on,
        school_today(),
        missing="Enter the date of the award.",
        future="Record an award once it is made (not in the future).",
    )
    member_id = problems.text(
        "member_id", member_id, most=40, missing="Enter the member id the body gave."
    )
    problems.raise_if_any()
    assert credential is not None and awarded_on is not None
    award = AwardedCredential(
        student_id=student.id,
        credential_id=credential.id,
        awarded_on=awarded_on,
        member_id=member_id,
        apprentice=apprentice,
    )
    db.session.add(award)
    db.session.flush()
    record_event(
        "credential.awarded",
        subject=award,
        actor=by,
        details={"credential": credential.code, "apprentice": apprentice},
    )
    return award


def remove_apprentice(*, award: AwardedCredential, removed_on: dt.date | None, by: User) -> None:
    """The body removed the apprentice designation (e.g. CPC-A to CPC)."""
    problems = DomainError.collect()
    if not award.apprentice or award.apprentice_removed_on is not None:
        problems.add("", "This credential carries no apprentice designation to remove.")
    if removed_on is None:
        problems.add("removed_on", "Enter the date the designation was removed.")
    elif removed_on > school_today() or removed_on < award.awarded_on:
        problems.add("removed_on", "Use a date between the award and today.")
    problems.raise_if_any()
    award.apprentice_removed_on = removed_on
    db.session.flush()
    record_event("credential.apprentice_removed", subject=award, actor=by)


def add_ceu(
    *,
    student: User,
    earned_on: dt.date | None,
    hours: Decimal | None,
    provider: str,
    category: str,
    by: User,
) -> CeuEntry:
    problems = DomainError.collect()
    problems.past_date(
        "earned_on",
        earned_on,
        school_today(),
        missing="Enter the date.",
        future="Record CEUs once earned (not in the future).",
    )
    problem = CEU_HOURS.message if hours is None else CEU_HOURS.problem(hours)
    if problem:
        problems.add("hours", problem)
    if not provider.strip():
        problems.add("provider", "Enter who provided it, e.g. AAPC webinar.")
    if not category.strip():
        problems.add("category", "Enter the category, e.g. Coding, Compliance.")
    problems.raise_if_any()
    entry = CeuEntry(
        student_id=student.id,
        earned_on=earned_on,
        hours=hours,
        provider=provider.strip()[:160],
        category=category.strip()[:80],
    )
    db.session.add(entry)
    db.session.flush()
    record_event("ceu.added", subject=entry, actor=by, details={"hours": str(hours)})
    return entry
