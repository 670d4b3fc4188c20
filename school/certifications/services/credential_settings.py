"""Writes to the credential catalog: a credential's exam, pass mark and CEU settings.
Validate first, raise one DomainError with every problem, flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from school.audit import record_event
from school.certifications.models import (
    Credential,
)
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange, whole

# The numbers typed on the credential form (its fields read them with the same ranges).
EXAM_QUESTIONS = whole(1, 1_000, "Enter 1 to 1,000 questions.")
EXAM_MINUTES = whole(1, 1_440, "Enter 1 to 1,440 minutes.")
CEUS_REQUIRED = NumberRange(Decimal(0), Decimal(200), "Enter 0 to 200 CEUs.", places=1)
CYCLE_YEARS = whole(1, 10, "Enter a cycle of 1 to 10 years.")


@dataclass(frozen=True)
class CredentialData:
    name: str
    exam_questions: int | None
    exam_minutes: int | None
    pass_mark: Decimal | None
    ceus_required: Decimal | None
    cycle_years: int | None
    has_apprentice: bool
    active: bool


def credential_problems(credential: Credential, data: CredentialData) -> ProblemList:
    problems = DomainError.collect()
    if not data.name.strip():
        problems.add("name", "Enter the credential's name.")
    low, high = credential.scale_min, credential.scale_max
    pass_mark = NumberRange(
        low, high, f"Enter a pass mark from {low.normalize():f} to {high.normalize():f}."
    )
    for name, value, bounds in (
        ("exam_questions", data.exam_questions, EXAM_QUESTIONS),
        ("exam_minutes", data.exam_minutes, EXAM_MINUTES),
        ("pass_mark", data.pass_mark, pass_mark),
        ("ceus_required", data.ceus_required, CEUS_REQUIRED),
        ("cycle_years", data.cycle_years, CYCLE_YEARS),
    ):
        problem = bounds.message if value is None else bounds.problem(value)
        if problem:
            problems.add(name, problem)
    return problems


def update_credential(*, credential: Credential, data: CredentialData) -> None:
    credential_problems(credential, data).raise_if_any()
    credential.name = data.name.strip()
    credential.exam_questions = data.exam_questions  # type: ignore[assignment]
    credential.exam_minutes = data.exam_minutes  # type: ignore[assignment]
    credential.pass_mark = data.pass_mark  # type: ignore[assignment]
    credential.ceus_required = data.ceus_required  # type: ignore[assignment]
    credential.cycle_years = data.cycle_years  # type: ignore[assignment]
    credential.has_apprentice = data.has_apprentice
    credential.active = data.active
    db.session.flush()
    record_event("credential.updated", subject=credential, details={"code": credential.code})
