"""Who counts in an outcome report: each count as a SQL predicate on an enrollment.

Every count is a SQL predicate on an enrollment (the counting unit: a student who leaves and
comes back, or graduates and starts again, has two enrollments). The same predicate gives
the count (one aggregate statement for every program, :func:`counts_query`) and the list
behind it (the drill-down, :mod:`school.outcomes.rate_drilldown`), so the two cannot disagree.
The rates made of these counts are in :mod:`school.outcomes.rates`.

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
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
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
from sqlalchemy.orm import aliased

from school.certifications.models import Attempt, AttemptResult, Credential
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus, Program
from school.outcomes.periods import Period
from school.outcomes.queries import employment_facts

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
    # queries join it as ``Target`` (see ``joined``), so the exam subqueries stay simple.
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
    # Expressions hold no data; kept per period, as the counts statement is (counts_query).
    return MappingProxyType(compose(facts(period, until)))


Target = aliased(Credential, name="target_credential")


def joined(stmt: Select[Any]) -> Select[Any]:
    """Join what the predicates refer to: the cohort, its program and the program's exam."""
    return (
        stmt.join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(Program, Program.id == Cohort.program_id)
        .outerjoin(Target, Target.code == Program.target_credential)
    )


def relevant(period: Period) -> ColumnElement[bool]:
    """Enrollments that can fall in any count: begun by the end, not closed before the start."""
    e = Enrollment
    return and_(
        e.start_date <= period.end,
        or_(
            e.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE)),
            e.status_date >= period.start,
        ),
    )


@functools.lru_cache(maxsize=64)
def counts_query(period: Period, until: dt.date, program_id: int | None) -> Select[Any]:
    """The counts of ``period`` (counted up to ``until``) per program, as one statement.
    Kept for reuse: a statement holds no data, and building this one is a quarter of the
    report's time, while the page asks for the same period all year."""
    # Each fact once per enrollment (a graduate's job and exam facts only for graduates),
    # then the counts summed from them per program.
    f = facts(period, until)
    flags = [
        (case((f["G"], f[k]), else_=false()) if k in GRADUATE_FLAGS else f[k]).label(k) for k in f
    ]
    inner = joined(select(Cohort.program_id, *flags).select_from(Enrollment)).where(
        relevant(period)
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
