"""Writes for exam attempts: an attempt recorded (by an admin) or reported (by the student),
and its verification. Validate first, raise one DomainError with every problem, flush, never
commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import Role, User
from school.certifications.models import (
    Attempt,
    AttemptResult,
    Credential,
    Scoring,
)
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange

# A score's exact range is its credential's; the fields refuse what no scale has.
ATTEMPT_SCORE = NumberRange(Decimal(0), Decimal(1_000), "Enter a score from 0 to 1,000.")
ATTEMPT_SCORE_NUMBER = "Enter the score as a number, or leave it blank."


@dataclass(frozen=True)
class AttemptData:
    credential_id: int | None
    exam_date: dt.date | None
    exam_version: str
    score: str
    result: str


def _scale_text(credential: Credential) -> str:
    unit = "%" if credential.scoring == Scoring.PERCENT else ""
    return (
        f"{credential.scale_min.normalize():f}{unit} to {credential.scale_max.normalize():f}{unit}"
    )


def _attempt_score(
    data: AttemptData, credential: Credential | None, problems: ProblemList
) -> Decimal | None:
    """The score typed (None when blank), within the credential's scale and agreeing with the
    result chosen."""
    if not data.score.strip():
        return None
    try:
        score = ATTEMPT_SCORE.read(data.score, not_a_number=ATTEMPT_SCORE_NUMBER)
    except ValueError as exc:
        problems.add("score", str(exc))
        return None
    if credential is not None and not credential.scale_min <= score <= credential.scale_max:
        problems.add("score", f"{credential.code} scores go from {_scale_text(credential)}.")
    elif credential is not None and data.result in {r.value for r in AttemptResult}:
        passes = score >= credential.pass_mark
        if passes != (data.result == AttemptResult.PASSED):
            problems.add(
                "result",
                f"A score of {score.normalize():f} is a {'pass' if passes else 'fail'} "
                f"(pass mark {credential.pass_mark.normalize():f}); check the result.",
            )
    return score


def _check_not_recorded(
    student: User, credential: Credential, exam_date: dt.date, problems: ProblemList
) -> None:
    """One attempt per student, credential and day."""
    same = db.session.scalar(
        select(Attempt.id).where(
            Attempt.student_id == student.id,
            Attempt.credential_id == credential.id,
            Attempt.exam_date == exam_date,
        )
    )
    if same is not None:
        problems.add("exam_date", f"A {credential.code} attempt on this date is already recorded.")


def record_attempt(*, student: User, data: AttemptData, by: User) -> Attempt:
    """Record a sitting of a credential exam. An administrator's entry is verified at once;
    a student's own report waits for an administrator and counts in no figure until then."""
    problems = DomainError.collect()
    credential = db.session.get(Credential, data.credential_id) if data.credential_id else None
    if credential is None or not credential.active:
        problems.add("credential_id", "Choose a credential from the catalog.")
    today = school_today()
    if data.exam_date is None:
        problems.add("exam_date", "Enter the date of the exam.")
    elif data.exam_date > today:
        problems.add("exam_date", "Record a result after the exam (not for a future date).")
    if data.result not in {r.value for r in AttemptResult}:
        problems.add("result", "Choose passed or failed, as the body reported it.")
    if len(data.exam_version.strip()) > 40:
        problems.add("exam_version", "Use at most 40 characters.")
    score = _attempt_score(data, credential, problems)
    if credential is not None and data.exam_date is not None:
        _check_not_recorded(student, credential, data.exam_date, problems)
    problems.raise_if_any()
    assert credential is not None and data.exam_date is not None
    by_student = by.role == Role.STUDENT
    attempt = Attempt(
        student_id=student.id,
        credential_id=credential.id,
        exam_date=data.exam_date,
        exam_version=data.exam_version.strip() or None,
        score=score,
        result=AttemptResult(data.result),
        reported_by_student=by_student,
        verified_at=None if by_student else utcnow(),
        verified_by_id=None if by_student else by.id,
    )
    db.session.add(attempt)
    db.session.flush()
    record_event(
        "attempt.reported" if by_student else "attempt.recorded",
        subject=attempt,
        actor=by,
        details={"credential": credential.code, "date": str(data.exam_date), "result": data.result},
    )
    return attempt


def verify_attempt(*, attempt: Attempt, by: User) -> None:
    """An administrator confirms a student's reported attempt (once)."""
    changed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.verified_at.is_(None))
        .values(verified_at=utcnow(), verified_by_id=by.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError("This attempt is already verified.")
    record_event("attempt.verified", subject=attempt, actor=by)
