"""Reads for program pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from school.cohorts.models import Course, Program
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
