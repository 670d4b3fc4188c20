"""Reads for graduate outcomes: the programs the pages filter by, the graduates list (with the
follow-up list of unknowns) and one graduate's record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus, Program
from school.extensions import db
from school.outcomes.models import Classification, Job, Unavailability
from school.pagination import Listing, Page, Sorts, contains_pattern, paginate

STATUSES = {
    "in_field": "Employed in field",
    "related_field": "Employed, related field",
    "unrelated": "Employed, unrelated field",
    "unavailable": "Unavailable for employment",
    "unknown": "Unknown (follow up)",
}


def program_by_code(code: str) -> Program | None:
    """The program whose code is ``code`` (as typed in a filter), or None (one statement)."""
    return db.session.scalars(select(Program).where(Program.code == code)).one_or_none()


def programs() -> list[Program]:
    """Every program, by code: the choices of the program filter (one statement)."""
    return list(db.session.scalars(select(Program).order_by(Program.code)))


def employment_facts() -> dict[str, ColumnElement[bool]]:
    """What a graduate's employment status is made of, as conditions on ``Enrollment``: a job
    in field, one in a related field, any job, a documented unavailability. The outcome
    rates and the graduates list both read them."""
    e = Enrollment

    def has(kind: Classification) -> ColumnElement[bool]:
        return exists().where(Job.enrollment_id == e.id, Job.classification == kind)

    return {
        "in_field": has(Classification.IN_FIELD),
        "related": has(Classification.RELATED),
        "any_job": exists().where(Job.enrollment_id == e.id),
        "unavailable": exists().where(Unavailability.enrollment_id == e.id),
    }


def outcome_status() -> ColumnElement[str]:
    """A graduate's employment status by their best job, as the rates count it."""
    f = employment_facts()
    return case(
        (f["in_field"], literal("in_field")),
        (f["related"], literal("related_field")),
        (f["any_job"], literal("unrelated")),
        (f["unavailable"], literal("unavailable")),
        else_=literal("unknown"),
    )


@dataclass(frozen=True)
class GraduateRow:
    enrollment: Enrollment
    status: str

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


GRADUATE_SORTS = Sorts(
    {
        "name": func.lower(func.coalesce(User.last_name, User.name)),
        "number": User.student_number,
        "cohort": Cohort.code,
        "graduated": Enrollment.status_date,
    },
    default="graduated",
    tiebreak=Enrollment.id,
)


@dataclass(frozen=True)
class GraduateFilters:
    program_id: int | None = None
    graduated_from: dt.date | None = None
    graduated_to: dt.date | None = None
    search: str = ""


def _filtered(stmt: Select[Any], filters: GraduateFilters, *, joined: bool = True) -> Select[Any]:
    """``stmt`` over ``Enrollment`` narrowed to the filtered graduates. With ``joined``,
    ``stmt`` already joins ``Cohort`` and ``User``; without, they are joined here only when a
    filter needs them (a count over every graduate then reads the enrollments alone)."""
    stmt = stmt.where(Enrollment.status == EnrollmentStatus.GRADUATED)
    words = filters.search.strip()
    if not joined and filters.program_id is not None:
        stmt = stmt.join(Cohort, Cohort.id == Enrollment.cohort_id)
    if not joined and words:
        stmt = stmt.join(User, User.id == Enrollment.student_id)
    if filters.program_id is not None:
        stmt = stmt.where(Cohort.program_id == filters.program_id)
    if filters.graduated_from is not None:
        stmt = stmt.where(Enrollment.status_date >= filters.graduated_from)
    if filters.graduated_to is not None:
        stmt = stmt.where(Enrollment.status_date <= filters.graduated_to)
    if words:
        like = contains_pattern(words)
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(like, escape="\\"),
                func.lower(User.email).like(like, escape="\\"),
                func.lower(func.coalesce(User.student_number, "")).like(like, escape="\\"),
            )
        )
    return stmt


def enrollment_page(
    stmt: Select[Any], listing: Listing, sorts: Sorts, total: int | None = None
) -> Page[Enrollment]:
    """One page of the enrollments of ``stmt`` (which joins ``Cohort`` and ``User``), each
    with its student and its cohort's program loaded."""
    options = (
        joinedload(Enrollment.student),
        joinedload(Enrollment.cohort).joinedload(Cohort.program),
    )
    return paginate(db.session, stmt.options(*options), listing, sorts, total=total)


def graduates(
    filters: GraduateFilters,
    *,
    counts: dict[str, int],
    status: str | None,
    listing: Listing,
) -> Page[GraduateRow]:
    """Graduates with their employment status, filtered and paginated, the total coming from
    ``counts`` (:func:`status_counts` of the same filters). Under a status tab one statement;
    under "All" two: the page's enrollments, then the status of those rows only (computed
    in the first, it would be worked out for every graduate before the page is cut)."""
    stmt = _filtered(
        select(Enrollment)
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(User, User.id == Enrollment.student_id),
        filters,
    )
    if status in STATUSES:
        stmt = stmt.where(outcome_status() == status)
    result = enrollment_page(
        stmt,
        listing,
        GRADUATE_SORTS,
        total=counts[status] if status in STATUSES else sum(counts.values()),
    )
    if status in STATUSES:
        outcomes = {e.id: status for e in result.items}
    elif result.items:
        ids = [e.id for e in result.items]
        outcomes = {
            eid: value
            for eid, value in db.session.execute(
                select(Enrollment.id, outcome_status()).where(Enrollment.id.in_(ids))
            )
        }
    else:
        outcomes = {}
    rows = [GraduateRow(e, outcomes[e.id]) for e in result.items]
    return result.with_items(rows)


def status_counts(filters: GraduateFilters) -> dict[str, int]:
    """How many of the filtered graduates are in each status (one statement)."""
    inner = _filtered(
        select(outcome_status().label("status")).select_from(Enrollment), filters, joined=False
    ).subquery()
    counts = dict.fromkeys(STATUSES, 0)
    for value, n in db.session.execute(
        select(inner.c.status, func.count()).group_by(inner.c.status)
    ):
        counts[value] = n
    return counts


@dataclass(frozen=True)
class GraduateRecord:
    enrollment: Enrollment
    jobs: list[Job]
    unavailable: Unavailability | None

    @property
    def status(self) -> str:
        kinds = {j.classification for j in self.jobs}
        if Classification.IN_FIELD in kinds:
            return "in_field"
        if Classification.RELATED in kinds:
            return "related_field"
        if self.jobs:
            return "unrelated"
        return "unavailable" if self.unavailable else "unknown"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


def graduate_record(enrollment: Enrollment) -> GraduateRecord:
    jobs = list(
        db.session.scalars(
            select(Job)
            .where(Job.enrollment_id == enrollment.id)
            .order_by(Job.start_date.desc(), Job.id.desc())
        )
    )
    return GraduateRecord(enrollment, jobs, db.session.get(Unavailability, enrollment.id))
