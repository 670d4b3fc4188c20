"""Outcome rates over a period, per program and in total (DESIGN.md §2 "Outcome rates").

Every count is a SQL predicate on an enrollment (the counting unit: a student who leaves and
comes back, or graduates and starts again, has two enrollments). The same predicate gives
the count (one aggregate statement for every program) and the list behind it (the
drill-down), so the two cannot disagree.

Definitions for a period [start, end] (both days included; a period that has not ended is
counted as of today, so ``end`` is then today):

- **BE** beginning enrollment: started before the period and still active or on leave when
  it opened (not withdrawn or graduated before ``start``); leave of absence counts as
  enrolled, at both ends of the period;
- **NS** new starts: first day inside the period, not a re-entry (a graduate who enrolls
  again is a new start); **RE** re-entries: first day inside the period, returning after a
  withdrawal;
- **G** graduates: graduated inside the period; **W** withdrawals inside the period (shown
  as a check: BE + NS + RE = EE + G + W);
- **EE** ending enrollment: started by ``end`` and still active or on leave after it;
- among G, each graduate falls in exactly one employment class, by their best job whatever
  its start date (a job begun before graduation counts; several jobs count once): **F** any
  job in field, else **R** any job in a related field, else *unrelated* any other job, else
  **U** documented unavailable, else *unknown*;
- among G, the exam is the program's credential (``Program.target_credential``): **sat**, a
  verified attempt at it dated on or after the enrollment's first day; **passed**: one of
  them passed; **passed_first**: the student's first verified attempt at that exam ever
  (the attempt numbered 1 on the student's exam page) passed, during or after this
  enrollment. Jobs and exams recorded when the report runs count even when they came after
  the period: the period chooses the graduates, who are followed up after it.

retention = (EE + G) / (BE + NS + RE); placement = (F + R) / (G − U); participation =
sat / G; pass rate = passed / sat; first-attempt pass rate = passed_first / sat. A rate is
rounded half up to 4 decimals and is below its threshold when that rounded figure is; with
a denominator of 0 there is no rate and no flag.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import aliased, joinedload

from school.auth.models import User
from school.certifications.models import Attempt, AttemptResult, Credential
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus, Program
from school.database import school_today
from school.extensions import db
from school.outcomes.queries import employment_facts
from school.pagination import Page, paginate

COUNTS = (
    "BE",
    "NS",
    "RE",
    "EE",
    "G",
    "W",
    "F",
    "R",
    "X",
    "U",
    "K",
    "sat",
    "passed",
    "passed_first",
)
GRADUATE_COUNTS = frozenset({"G", "F", "R", "X", "U", "K", "sat", "passed", "passed_first"})
LABELS = {
    "BE": "Beginning enrollment",
    "NS": "New starts",
    "RE": "Re-entries",
    "EE": "Ending enrollment",
    "G": "Graduates",
    "W": "Withdrawals",
    "F": "Employed in field",
    "R": "Employed in a related field",
    "X": "Employed, unrelated field",
    "U": "Unavailable for employment",
    "K": "Employment unknown",
    "sat": "Graduates who sat a credentialing exam",
    "passed": "Passed (any attempt)",
    "passed_first": "Passed on the first attempt",
}
RATES = ("retention", "placement", "participation", "pass_rate", "first_attempt_pass_rate")
RATE_LABELS = {
    "retention": "Retention",
    "placement": "Placement",
    "participation": "Credentialing exam participation",
    "pass_rate": "Exam pass rate (any attempt)",
    "first_attempt_pass_rate": "Exam pass rate (first attempt)",
}
FORMULAS = {
    "retention": "(EE + G) / (BE + NS + RE)",
    "placement": "(F + R) / (G − U)",
    "participation": "sat / G",
    "pass_rate": "passed / sat",
    "first_attempt_pass_rate": "passed_first / sat",
}
FOUR = Decimal("0.0001")


def thresholds_from(config: Mapping[str, object]) -> dict[str, Decimal]:
    """``OUTCOME_THRESHOLD`` (percent, default 70) for every rate, unless
    ``OUTCOME_THRESHOLDS`` names one, e.g. ``{"placement": 75}``."""
    default = config.get("OUTCOME_THRESHOLD", 70)
    named = config.get("OUTCOME_THRESHOLDS") or {}
    assert isinstance(named, Mapping)
    unknown = set(named) - set(RATES)
    if unknown:
        raise ValueError(f"OUTCOME_THRESHOLDS names unknown rates: {', '.join(sorted(unknown))}")
    result = {}
    for name in RATES:
        value = Decimal(str(named.get(name, default)))
        if not 0 <= value <= 100:
            raise ValueError(f"The {name} threshold must be a percentage from 0 to 100.")
        result[name] = value
    return result


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def reporting_year(today: dt.date, *, month: int = 7, completed: bool = True) -> Period:
    """The reporting year (July 1 – June 30 by default) that last ended before ``today``,
    or with ``completed=False`` the one ``today`` falls in."""
    first = dt.date(today.year if today.month >= month else today.year - 1, month, 1)
    if completed:
        first = first.replace(year=first.year - 1)
    last = first.replace(year=first.year + 1) - dt.timedelta(days=1)
    return Period(first, last)


def facts(period: Period, today: dt.date | None = None) -> dict[str, ColumnElement[bool]]:
    """What the counts are made of, per enrollment: its place in the period (BE, NS, RE, EE,
    G, W) and, for a graduate, their jobs, unavailability and exams. A period that has not
    ended yet is counted as of ``today``: nobody who has not started yet is a new start or in
    the ending enrollment."""
    e = Enrollment
    start = period.start
    end = min(period.end, today) if today else period.end
    withdrawn = e.status == EnrollmentStatus.WITHDRAWN
    closed = e.status.in_((EnrollmentStatus.WITHDRAWN, EnrollmentStatus.GRADUATED))
    begins_inside = and_(e.start_date >= start, e.start_date <= end)
    graduated = and_(
        e.status == EnrollmentStatus.GRADUATED, e.status_date >= start, e.status_date <= end
    )

    employment = employment_facts()

    # The credentialing exam of the enrollment's program (Program.target_credential): the
    # queries join it as ``Target`` (see ``_joined``), so the exam subqueries stay simple.
    target = Target.id
    of_target = and_(
        Attempt.student_id == e.student_id,
        Attempt.credential_id == target,
        Attempt.verified_at.is_not(None),
    )
    counted = and_(of_target, Attempt.exam_date >= e.start_date)
    earlier = aliased(Attempt)
    # The student's first verified sitting of that exam ever (as the attempt numbers count),
    # passed, and sat during or after this enrollment.
    first_passed = exists().where(
        counted,
        Attempt.result == AttemptResult.PASSED,
        ~exists()
        .where(
            earlier.student_id == Attempt.student_id,
            earlier.credential_id == Attempt.credential_id,
            earlier.verified_at.is_not(None),
            or_(
                earlier.exam_date < Attempt.exam_date,
                and_(earlier.exam_date == Attempt.exam_date, earlier.id < Attempt.id),
            ),
        )
        .correlate_except(earlier),
    )
    return {
        "BE": and_(e.start_date < start, or_(not_(closed), e.status_date >= start)),
        "NS": and_(begins_inside, e.reentry_of_id.is_(None)),
        "RE": and_(begins_inside, e.reentry_of_id.is_not(None)),
        "EE": and_(e.start_date <= end, or_(not_(closed), e.status_date > end)),
        "G": graduated,
        "W": and_(withdrawn, e.status_date >= start, e.status_date <= end),
        **employment,
        "sat": exists().where(counted),
        "passed": exists().where(counted, Attempt.result == AttemptResult.PASSED),
        "first": first_passed,
    }


GRADUATE_FLAGS = ("in_field", "related", "any_job", "unavailable", "sat", "passed", "first")


def compose(f: Mapping[str, Any]) -> dict[str, ColumnElement[bool]]:
    """The counts from the per-enrollment facts ``f`` (expressions, or the columns of a
    subquery that computed each fact once): one definition for the counts and the lists."""
    g = f["G"]
    return {
        "BE": f["BE"],
        "NS": f["NS"],
        "RE": f["RE"],
        "EE": f["EE"],
        "G": g,
        "W": f["W"],
        "F": and_(g, f["in_field"]),
        "R": and_(g, not_(f["in_field"]), f["related"]),
        "X": and_(g, not_(f["in_field"]), not_(f["related"]), f["any_job"]),
        "U": and_(g, not_(f["any_job"]), f["unavailable"]),
        "K": and_(g, not_(f["any_job"]), not_(f["unavailable"])),
        "sat": and_(g, f["sat"]),
        "passed": and_(g, f["passed"]),
        "passed_first": and_(g, f["first"]),
    }


def predicates(period: Period, today: dt.date | None = None) -> Mapping[str, ColumnElement[bool]]:
    """Each count of the report as a condition on ``Enrollment`` (see the module doc)."""
    return _predicates(period, min(period.end, today) if today else period.end)


@functools.lru_cache(maxsize=64)
def _predicates(period: Period, until: dt.date) -> Mapping[str, ColumnElement[bool]]:
    # Expressions hold no data; kept per period, as the counts statement is (_counts_query).
    return MappingProxyType(compose(facts(period, until)))


Target = aliased(Credential, name="target_credential")


def _joined(stmt: Select[Any]) -> Select[Any]:
    """Join what the predicates refer to: the cohort, its program and the program's exam."""
    return (
        stmt.join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(Program, Program.id == Cohort.program_id)
        .outerjoin(Target, Target.code == Program.target_credential)
    )


def _relevant(period: Period) -> ColumnElement[bool]:
    """Enrollments that can fall in any count: begun by the end, not closed before the start."""
    e = Enrollment
    return and_(
        e.start_date <= period.end,
        or_(
            e.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE)),
            e.status_date >= period.start,
        ),
    )


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    threshold: Decimal  # percent

    @property
    def value(self) -> Decimal | None:
        """The rate as a decimal with 4 places (0.8333), half up; None without a denominator."""
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(FOUR, ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        v = self.value
        return None if v is None else (v * 100).quantize(Decimal("0.01"))

    @property
    def below(self) -> bool:
        v = self.value
        return v is not None and v * 100 < self.threshold


@dataclass(frozen=True)
class Row:
    """One program (or the total, with ``program`` None)."""

    program: Program | None
    counts: Mapping[str, int]
    thresholds: Mapping[str, Decimal]

    @property
    def code(self) -> str:
        return self.program.code if self.program else "TOTAL"

    def rate(self, name: str) -> Rate:
        c = self.counts
        numerator, denominator = {
            "retention": (c["EE"] + c["G"], c["BE"] + c["NS"] + c["RE"]),
            "placement": (c["F"] + c["R"], c["G"] - c["U"]),
            "participation": (c["sat"], c["G"]),
            "pass_rate": (c["passed"], c["sat"]),
            "first_attempt_pass_rate": (c["passed_first"], c["sat"]),
        }[name]
        return Rate(numerator, denominator, self.thresholds[name])

    @property
    def rates(self) -> dict[str, Rate]:
        return {name: self.rate(name) for name in RATES}

    @property
    def balanced(self) -> bool:
        """Every enrollment that was in (BE, NS, RE) ended in exactly one of EE, G, W."""
        c = self.counts
        return c["BE"] + c["NS"] + c["RE"] == c["EE"] + c["G"] + c["W"]


@dataclass(frozen=True)
class Report:
    period: Period
    rows: list[Row]
    total: Row
    as_of: dt.date | None = None  # the period has not ended: counted as of this day


@functools.lru_cache(maxsize=64)
def _counts_query(period: Period, until: dt.date, program_id: int | None) -> Select[Any]:
    """The counts of ``period`` (counted up to ``until``) per program, as one statement.
    Kept for reuse: a statement holds no data, and building this one is a quarter of the
    report's time, while the page asks for the same period all year."""
    # Each fact once per enrollment (a graduate's job and exam facts only for graduates),
    # then the counts summed from them per program.
    f = facts(period, until)
    flags = [
        (case((f["G"], f[k]), else_=false()) if k in GRADUATE_FLAGS else f[k]).label(k) for k in f
    ]
    inner = _joined(select(Cohort.program_id, *flags).select_from(Enrollment)).where(
        _relevant(period)
    )
    if program_id is not None:
        inner = inner.where(Cohort.program_id == program_id)
    # OFFSET 0 keeps the facts a subquery: flattened into the sums (SQLite does), each fact's
    # EXISTS would run once per count that reads it (30 → 13 ms on SQLite at 10,445
    # enrollments; bench/outcomes.py).
    sub = inner.offset(0).subquery()
    counts = compose({k: sub.c[k] for k in f})
    columns = [func.coalesce(func.sum(case((counts[k], 1), else_=0)), 0).label(k) for k in COUNTS]
    return select(sub.c.program_id, *columns).group_by(sub.c.program_id)


def outcome_rates(
    period: Period,
    thresholds: Mapping[str, Decimal],
    *,
    program_id: int | None = None,
    today: dt.date | None = None,
) -> Report:
    """Every count for every program (or the one given) and their total: one aggregate
    statement for the counts and one for the programs, at any size."""
    today = today or school_today()
    programs_q = select(Program).order_by(Program.code)
    if program_id is not None:
        programs_q = programs_q.where(Program.id == program_id)
    found = {
        r.program_id: {k: int(getattr(r, k)) for k in COUNTS}
        for r in db.session.execute(_counts_query(period, min(period.end, today), program_id))
    }
    zero = dict.fromkeys(COUNTS, 0)
    rows = [Row(p, found.get(p.id, zero), thresholds) for p in db.session.scalars(programs_q)]
    total = {k: sum(r.counts[k] for r in rows) for k in COUNTS}
    as_of = today if today < period.end else None
    return Report(period, rows, Row(None, total, thresholds), as_of)


BEHIND_SORTS = {
    "name": func.lower(func.coalesce(User.last_name, User.name)),
    "number": User.student_number,
    "cohort": Cohort.code,
    "start": Enrollment.start_date,
    "status": Enrollment.status_date,
}


def students_behind(
    period: Period,
    count: str,
    *,
    program_id: int | None,
    page: int,
    per_page: int,
    sort: str | None = None,
    direction: str | None = None,
    today: dt.date | None = None,
) -> Page[Enrollment]:
    """The enrollments behind one count (the drill-down): the same predicate as the count,
    so their number equals it. Two statements."""
    stmt = (
        _joined(select(Enrollment))
        .join(User, User.id == Enrollment.student_id)
        .where(_relevant(period), predicates(period, today or school_today())[count])
        .options(
            joinedload(Enrollment.student),
            joinedload(Enrollment.cohort).joinedload(Cohort.program),
        )
    )
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction,
        sortable=BEHIND_SORTS,
        default_sort="name",
        tiebreak=Enrollment.id,
    )


def as_table(report: Report) -> tuple[list[str], list[list[str]]]:
    """The CSV layout: one row per program, then TOTAL; rates as 4-place decimals, empty
    when the denominator is 0."""
    counts = ["BE", "NS", "RE", "EE", "G", "F", "R", "U", "sat", "passed", "passed_first"]
    header = ["program", *counts, *RATES]
    rows = []
    for row in [*report.rows, report.total]:
        rates = [row.rate(name).value for name in RATES]
        rows.append(
            [
                row.code,
                *(str(row.counts[k]) for k in counts),
                *("" if v is None else f"{v:.4f}" for v in rates),
            ]
        )
    return header, rows


def as_json(report: Report) -> dict[str, object]:
    def one(row: Row) -> dict[str, object]:
        return {
            "program": row.code,
            "name": row.program.name if row.program else "All programs",
            "counts": dict(row.counts),
            "rates": {
                name: {
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "rate": None if r.value is None else f"{r.value:.4f}",
                    "threshold": f"{r.threshold:f}",
                    "below_threshold": r.below,
                }
                for name, r in row.rates.items()
            },
        }

    return {
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "programs": [one(r) for r in report.rows],
        "total": one(report.total),
    }
