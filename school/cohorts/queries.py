"""Reads for program pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from school.auth.models import Role, User
from school.cohorts.grade_arithmetic import Standing
from school.cohorts.models import (
    OPEN_STATUSES,
    Cohort,
    Course,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    Program,
)
from school.cohorts.standings import enrollment_standing
from school.database import school_today
from school.extensions import db
from school.pagination import Listing, Page, Sorts, paginate


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    courses: int
    credits: Decimal


PROGRAM_SORTS = Sorts(
    {"code": Program.code, "name": Program.name, "credential": Program.target_credential},
    default="code",
    tiebreak=Program.id,
)


def list_programs(listing: Listing) -> Page[ProgramRow]:
    """Programs with their number of courses and total credits (two statements)."""
    counts = (
        select(
            Course.program_id,
            func.count(Course.id).label("courses"),
            func.coalesce(func.sum(Course.credit_hours), 0).label("credits"),
        )
        .group_by(Course.program_id)
        .subquery()
    )
    stmt = select(Program, counts.c.courses, counts.c.credits).outerjoin(
        counts, counts.c.program_id == Program.id
    )
    result = paginate(db.session, stmt, listing, PROGRAM_SORTS, scalars=False)
    rows = [
        ProgramRow(program, courses or 0, Decimal(credits or 0))
        for program, courses, credits in result.items
    ]
    return result.with_items(rows)


COHORT_SORTS = Sorts(
    {"code": Cohort.code, "start": Cohort.start_date, "end": Cohort.end_date},
    default="start",
    tiebreak=Cohort.id,
    direction="desc",
)
COHORT_STATUSES = ("upcoming", "running", "finished")


def list_cohorts(
    listing: Listing,
    *,
    program_id: int | None = None,
    status: str | None = None,
) -> Page[Cohort]:
    """Cohorts with their program and instructors, filtered by program and by status as of
    the school's today (three statements whatever the number of cohorts)."""
    today = school_today()
    stmt = select(Cohort).options(joinedload(Cohort.program), selectinload(Cohort.instructors))
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    if status == "upcoming":
        stmt = stmt.where(Cohort.start_date > today)
    elif status == "running":
        stmt = stmt.where(Cohort.start_date <= today, Cohort.end_date >= today)
    elif status == "finished":
        stmt = stmt.where(Cohort.end_date < today)
    return paginate(db.session, stmt, listing, COHORT_SORTS)


def program_choices() -> list[tuple[int, str]]:
    return [
        (p.id, f"{p.code} — {p.name}")
        for p in db.session.scalars(select(Program).order_by(Program.code))
    ]


def instructor_choices() -> list[tuple[int, str]]:
    return [
        (u.id, u.name)
        for u in db.session.scalars(
            select(User).where(User.role == Role.INSTRUCTOR, User.active).order_by(User.name)
        )
    ]


def enrollment_counts(cohort_ids: list[int]) -> dict[int, dict[EnrollmentStatus, int]]:
    """Enrollments per status for each cohort (one statement)."""
    counts: dict[int, dict[EnrollmentStatus, int]] = {
        cid: dict.fromkeys(EnrollmentStatus, 0) for cid in cohort_ids
    }
    if cohort_ids:
        rows = db.session.execute(
            select(Enrollment.cohort_id, Enrollment.status, func.count())
            .where(Enrollment.cohort_id.in_(cohort_ids))
            .group_by(Enrollment.cohort_id, Enrollment.status)
        ).all()
        for cohort_id, status, n in rows:
            counts[cohort_id][status] = n
    return counts


def cohort_roster(cohort_id: int, *, current_only: bool = False) -> list[Enrollment]:
    """A cohort's enrollments with their students, by name (one statement); ``current_only``:
    only the students studying now (active or on leave)."""
    stmt = select(Enrollment).join(Enrollment.student).where(Enrollment.cohort_id == cohort_id)
    if current_only:
        stmt = stmt.where(Enrollment.status.in_(OPEN_STATUSES))
    return list(
        db.session.scalars(
            stmt.options(joinedload(Enrollment.student)).order_by(
                func.coalesce(User.last_name, User.name), User.name, Enrollment.id
            )
        )
    )


def student_enrollments(student_id: int) -> list[Enrollment]:
    """Every enrollment of a student, newest first, with cohort, program and history."""
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.student_id == student_id)
            .options(
                joinedload(Enrollment.cohort).joinedload(Cohort.program),
                selectinload(Enrollment.changes).joinedload(EnrollmentChange.recorded_by),
            )
            .order_by(Enrollment.start_date.desc(), Enrollment.id.desc())
        )
    )


def cohort_choices() -> list[tuple[int, str]]:
    return [
        (c.id, c.code)
        for c in db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc()))
    ]


def count_waiting_students(cohort_id: int) -> int:
    """Open enrollments of the cohort whose student has not set a password yet."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.student_id)
            .where(
                Enrollment.cohort_id == cohort_id,
                Enrollment.status.in_(OPEN_STATUSES),
                User.password_hash.is_(None),
                User.active,
            )
        )
        or 0
    )


def graduates_of(program_id: int) -> int:
    """Graduated enrollments of a program: their results follow its scale and curriculum, so
    these stay as they were once someone has graduated."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Cohort.program_id == program_id, Enrollment.status == EnrollmentStatus.GRADUATED)
        )
        or 0
    )


# --- a roster import's lookups (chunked: one statement per CHUNK values) ----------------------

T = TypeVar("T")
CHUNK = 5000  # values per IN list: below SQLite (32,766) and PostgreSQL (65,535) limits


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def users_by_student_number(numbers: Sequence[str]) -> dict[str, User]:
    """student number → account, for the accounts holding one of ``numbers``."""
    found: dict[str, User] = {}
    for chunk in _chunks(numbers):
        for u in db.session.scalars(select(User).where(User.student_number.in_(chunk))):
            found[u.student_number] = u  # type: ignore[index]
    return found


def users_by_email(emails: Sequence[str]) -> dict[str, User]:
    """email → account, for the accounts with one of ``emails``."""
    found: dict[str, User] = {}
    for chunk in _chunks(emails):
        for u in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[u.email] = u
    return found


def user_ids_by_email(emails: Sequence[str]) -> dict[str, int]:
    """email → account id (the ids only, not the accounts)."""
    ids: dict[str, int] = {}
    for chunk in _chunks(emails):
        ids.update(
            (email, uid)
            for uid, email in db.session.execute(
                select(User.id, User.email).where(User.email.in_(chunk))
            )
        )
    return ids


def latest_enrollments(user_ids: Sequence[int]) -> dict[int, Enrollment]:
    """student id → their latest enrollment (by start date), for those who have one."""
    latest: dict[int, Enrollment] = {}
    for chunk in _chunks(user_ids):
        for e in db.session.scalars(
            select(Enrollment)
            .where(Enrollment.student_id.in_(chunk))
            .order_by(Enrollment.start_date, Enrollment.id)
        ):
            latest[e.student_id] = e  # the last one wins: the latest
    return latest


def open_enrollment_ids(cohort_id: int, student_ids: Sequence[int]) -> dict[int, int]:
    """student id → id of their active enrollment in the cohort."""
    enrollment_of: dict[int, int] = {}
    for chunk in _chunks(student_ids):
        enrollment_of.update(
            (sid, eid)
            for eid, sid in db.session.execute(
                select(Enrollment.id, Enrollment.student_id).where(
                    Enrollment.cohort_id == cohort_id,
                    Enrollment.status == EnrollmentStatus.ACTIVE,
                    Enrollment.student_id.in_(chunk),
                )
            )
        )
    return enrollment_of


# --- an admin's enrollment page ---------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentCard:
    """A card another domain adds to an admin's enrollment page (the externship does) without
    this package importing it. ``load(enrollment)`` reads what the card shows in a fixed
    number of statements; ``template`` renders that as ``card``."""

    template: str
    load: Callable[[Enrollment], object]


CARDS_KEY = "school.enrollment_cards"


def add_enrollment_card(app: Flask, card: EnrollmentCard) -> None:
    app.extensions.setdefault(CARDS_KEY, []).append(card)


NOT_DIALLED = re.compile(r"[^0-9+]")


@dataclass(frozen=True)
class EnrollmentPage:
    """Everything an admin's enrollment page shows: the enrollment with its student, cohort
    and program, its grades summary, the student's other enrollments with their histories,
    and the cards of other domains as (template, what it loaded)."""

    enrollment: Enrollment
    standing: Standing
    history: list[Enrollment]
    cards: list[tuple[str, object]]

    @property
    def phone_href(self) -> str | None:
        """The student's phone as a ``tel:`` link (digits and a leading +), if they have one."""
        digits = NOT_DIALLED.sub("", self.enrollment.student.phone or "")
        return f"tel:{digits}" if digits.strip("+") else None


def enrollment_page(enrollment_id: int) -> EnrollmentPage | None:
    """The enrollment page's reads: the enrollment and its standing (five statements), the
    student's enrollments with their changes (two; a re-entry's earlier enrollment is among
    them) and each registered card's own (the externship: one). The same number whatever the
    number of courses, scores, changes, placements or hour logs."""
    loaded = enrollment_standing(enrollment_id)
    if loaded is None:
        return None
    enrollment, standing = loaded
    cards = current_app.extensions.get(CARDS_KEY, [])
    return EnrollmentPage(
        enrollment=enrollment,
        standing=standing,
        history=student_enrollments(enrollment.student_id),
        cards=[(card.template, card.load(enrollment)) for card in cards],
    )
