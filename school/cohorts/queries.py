"""Reads for program pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from school.auth.models import Role, User
from school.cohorts.models import Cohort, Course, Program
from school.database import school_today
from school.extensions import db
from school.pagination import Page, paginate


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    courses: int
    credits: Decimal


PROGRAM_SORTS = {
    "code": Program.code,
    "name": Program.name,
    "credential": Program.target_credential,
}


def list_programs(
    *, page: int, per_page: int, sort: str | None = None, direction: str | None = None
) -> Page[ProgramRow]:
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
    result = paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction,
        sortable=PROGRAM_SORTS,
        default_sort="code",
        tiebreak=Program.id,
        scalars=False,
    )
    rows = [
        ProgramRow(program, courses or 0, Decimal(credits or 0))
        for program, courses, credits in result.items
    ]
    return Page(rows, result.page, result.per_page, result.total, result.sort, result.direction)


COHORT_SORTS = {"code": Cohort.code, "start": Cohort.start_date, "end": Cohort.end_date}
COHORT_STATUSES = ("upcoming", "running", "finished")


def list_cohorts(
    *,
    page: int,
    per_page: int,
    sort: str | None = None,
    direction: str | None = None,
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
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction or "desc",
        sortable=COHORT_SORTS,
        default_sort="start",
        tiebreak=Cohort.id,
    )


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
