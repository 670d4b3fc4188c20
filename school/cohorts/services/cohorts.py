"""Writes for cohorts: creating and changing one, inviting its students who have no
password yet."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from school.audit import record_event
from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.auth.services import send_invitation
from school.cohorts.models import Cohort, Enrollment, Program
from school.cohorts.services.enrollments import OPEN_STATUSES
from school.cohorts.services.programs import CodeRule, clean_code
from school.database import utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.web.templating import format_date

COHORT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")
COHORT_CODE = CodeRule(COHORT_CODE_RE, "Use 1–30 letters, digits or dashes, e.g. MBC-2026-01.")


@dataclass(frozen=True)
class CohortData:
    """A cohort as typed; a date is None when what was typed was not a date."""

    code: str
    program_id: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    instructor_ids: tuple[int, ...] = ()


def cohort_problems(data: CohortData, *, current: Cohort | None) -> ProblemList:
    """Every rule ``data`` breaks (empty when none)."""
    problems = DomainError.collect()
    code = clean_code(data.code)
    taken = f"{code} is already the code of another cohort."
    COHORT_CODE.check(problems, code, select(Cohort.id).where(Cohort.code == code), current, taken)
    if data.program_id is None or db.session.get(Program, data.program_id) is None:
        problems.add("program_id", "Choose the program this cohort follows.")
    if data.start_date is None:
        problems.add("start_date", "Enter the first day of class.")
    if data.end_date is None:
        problems.add("end_date", "Enter the last day.")
    if data.start_date and data.end_date and data.end_date <= data.start_date:
        problems.add("end_date", "The last day must come after the first day.")
    if current is not None:
        latest_start = db.session.scalar(
            select(func.max(Enrollment.start_date)).where(Enrollment.cohort_id == current.id)
        )
        if latest_start is not None:
            if data.program_id != current.program_id:
                problems.add("program_id", "Students are enrolled: the cohort keeps its program.")
            if data.end_date is not None and data.end_date < latest_start:
                problems.add(
                    "end_date",
                    f"A student starts on {format_date(latest_start)}; "
                    "the cohort cannot end before.",
                )
    if data.instructor_ids:
        found = db.session.scalars(
            select(User.id).where(
                User.id.in_(data.instructor_ids), User.role == Role.INSTRUCTOR, User.active
            )
        ).all()
        if len(set(found)) != len(set(data.instructor_ids)):
            problems.add("instructor_ids", "Choose active instructors only.")
    return problems


def _apply_cohort(cohort: Cohort, data: CohortData) -> None:
    cohort.code = clean_code(data.code)
    cohort.program_id = data.program_id  # type: ignore[assignment]
    cohort.start_date = data.start_date  # type: ignore[assignment]
    cohort.end_date = data.end_date  # type: ignore[assignment]
    cohort.instructors = list(
        db.session.scalars(select(User).where(User.id.in_(data.instructor_ids)))
    )


def create_cohort(*, data: CohortData) -> Cohort:
    cohort_problems(data, current=None).raise_if_any()
    cohort = Cohort()
    _apply_cohort(cohort, data)
    db.session.add(cohort)
    db.session.flush()
    record_event(
        "cohort.created",
        subject=cohort,
        details={"code": cohort.code, "instructors": sorted(data.instructor_ids)},
    )
    return cohort


def update_cohort(*, cohort: Cohort, data: CohortData) -> None:
    cohort_problems(data, current=cohort).raise_if_any()
    _apply_cohort(cohort, data)
    db.session.flush()
    record_event(
        "cohort.updated",
        subject=cohort,
        details={"code": cohort.code, "instructors": sorted(data.instructor_ids)},
    )


def invite_waiting_students(*, cohort: Cohort, by: User | None) -> int:
    """Email an invitation to each active or on-leave student of ``cohort`` who has not set
    a password and holds no live invitation link (a roster import creates accounts without
    one). Returns how many were invited; a student with a live link is left alone, so
    pressing twice sends nothing twice."""
    now = utcnow()
    live = (
        select(AuthToken.id)
        .where(
            AuthToken.user_id == User.id,
            AuthToken.purpose == TokenPurpose.INVITATION,
            AuthToken.used_at.is_(None),
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now,
        )
        .exists()
    )
    students = list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.student_id == User.id)
            .where(
                Enrollment.cohort_id == cohort.id,
                Enrollment.status.in_(OPEN_STATUSES),
                User.password_hash.is_(None),
                User.active,
                ~live,
            )
            .order_by(User.id)
        )
    )
    for student in students:
        send_invitation(user=student, by=by)
    return len(students)
