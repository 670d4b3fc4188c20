"""Writes for the grades grid: scores and special results (W, I, TC) of a course in a
cohort. All or nothing: validate every edited cell first, raise one DomainError with a
problem beside each cell, flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.gradebook.assessments import course_assessments
from school.cohorts.gradebook.shared import lock_gradebook, parse_amount, record_closed, shown
from school.cohorts.models import (
    Assessment,
    Cohort,
    Course,
    CourseMark,
    Enrollment,
    Score,
    SpecialResult,
)
from school.errors import DomainError, ProblemList
from school.extensions import db


@dataclass(frozen=True)
class Cell:
    """A grid cell: what the page showed when it was loaded and what is typed now."""

    original: str
    typed: str


@dataclass(frozen=True)
class _Stored:
    """What the grid's cells hold now (read under the gradebook lock)."""

    assessments: dict[int, Assessment]
    enrollments: dict[int, Enrollment]
    scores: dict[tuple[int, int], Score]  # by (enrollment id, assessment id)
    marks: dict[int, CourseMark]  # by enrollment id


ScoreWrite = tuple[int, int, Decimal | None]  # enrollment id, assessment id, points
MarkWrite = tuple[int, SpecialResult | None]  # enrollment id, result
Change = dict[str, str]


def _same(text: str, value: Decimal | None) -> bool:
    """Does ``text`` (as a page showed or a person typed it) mean ``value``?"""
    text = text.strip()
    if not text:
        return value is None
    try:
        return value is not None and Decimal(text) == value
    except InvalidOperation:
        return False


def _untouched(cell: Cell) -> bool:
    """The person left this cell as the page showed it."""
    if cell.typed.strip() == cell.original.strip():
        return True
    try:
        return Decimal(cell.typed.strip()) == Decimal(cell.original.strip())
    except InvalidOperation:
        return False


def _load(cohort: Cohort, course: Course) -> _Stored:
    assessments = course_assessments(cohort, course)
    enrollments = {
        e.id: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    }
    scores = {
        (s.enrollment_id, s.assessment_id): s
        for s in db.session.scalars(
            select(Score).where(Score.assessment_id.in_(list(assessments) or [0]))
        )
    }
    marks = {
        m.enrollment_id: m
        for m in db.session.scalars(
            select(CourseMark).where(
                CourseMark.course_id == course.id,
                CourseMark.enrollment_id.in_(list(enrollments) or [0]),
            )
        )
    }
    return _Stored(assessments, enrollments, scores, marks)


def _closed_or_stale(
    key: str, enrollment: Enrollment, stale: bool, now: str, problems: ProblemList
) -> bool:
    """An edited cell that cannot be written: a graduate's, or one changed meanwhile."""
    if record_closed(enrollment):
        problems.add(key, "This student has graduated; their record is closed.")
        return True
    if stale:
        problems.add(
            key, f"Changed by someone else meanwhile (now {now}); check it and save again."
        )
        return True
    return False


def _check_scores(
    scores: Mapping[tuple[int, int], Cell], stored: _Stored, problems: ProblemList
) -> tuple[list[ScoreWrite], list[Change]]:
    writes: list[ScoreWrite] = []
    changes: list[Change] = []
    for (eid, aid), cell in scores.items():
        key = f"score-{eid}-{aid}"
        if eid not in stored.enrollments or aid not in stored.assessments:
            problems.add("", "The form is out of date (a student or assessment changed); reload.")
            continue
        current = stored.scores.get((eid, aid))
        current_points = current.points if current else None
        if _untouched(cell) or _same(cell.typed, current_points):
            continue  # not edited here (a newer value saved by someone else stays)
        enrollment, assessment = stored.enrollments[eid], stored.assessments[aid]
        stale = not _same(cell.original, current_points)
        if _closed_or_stale(key, enrollment, stale, shown(current_points) or "blank", problems):
            continue
        if not cell.typed.strip():
            value = None
        else:
            try:
                value = parse_amount(cell.typed, maximum=assessment.max_points)
            except ValueError as exc:
                problems.add(key, str(exc))
                continue
        writes.append((eid, aid, value))
        changes.append(
            {
                "enrollment": str(eid),
                "assessment": assessment.name,
                "from": shown(current_points),
                "to": shown(value),
            }
        )
    return writes, changes


def _check_marks(
    marks: Mapping[int, Cell], stored: _Stored, problems: ProblemList
) -> tuple[list[MarkWrite], list[Change]]:
    writes: list[MarkWrite] = []
    changes: list[Change] = []
    for eid, cell in marks.items():
        key = f"mark-{eid}"
        if eid not in stored.enrollments:
            problems.add("", "The form is out of date (a student changed); reload.")
            continue
        current_mark = stored.marks.get(eid)
        current_value = current_mark.result.value if current_mark else ""
        typed = cell.typed.strip()
        if typed == cell.original.strip() or typed == current_value:
            continue
        if typed and typed not in {r.value for r in SpecialResult}:
            problems.add(key, "Choose W, I, TC or none.")
            continue
        stale = cell.original.strip() != current_value
        if _closed_or_stale(key, stored.enrollments[eid], stale, current_value or "none", problems):
            continue
        writes.append((eid, SpecialResult(typed) if typed else None))
        changes.append(
            {
                "enrollment": str(eid),
                "result": "special",
                "from": current_value,
                "to": typed,
            }
        )
    return writes, changes


def _store(
    model: type[Score] | type[CourseMark],
    current: Score | CourseMark | None,
    keys: dict[str, int],
    field: str,
    value: object,
    by: User | None,
) -> None:
    """Write one cell: delete it (``value`` None), add it, or update it."""
    recorded_by_id = by.id if by else None
    if value is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        values: dict[str, Any] = {**keys, field: value, "recorded_by_id": recorded_by_id}
        db.session.add(model(**values))
    else:
        setattr(current, field, value)
        current.recorded_by_id = recorded_by_id


def save_grades(
    *,
    cohort: Cohort,
    course: Course,
    scores: Mapping[tuple[int, int], Cell],
    marks: Mapping[int, Cell],
    by: User | None,
) -> int:
    """Save a gradebook grid: ``scores`` by (enrollment id, assessment id), ``marks`` (W, I,
    TC or blank) by enrollment id. All or nothing: a problem is keyed ``score-<e>-<a>`` or
    ``mark-<e>``, beside its cell. Only cells edited on the page are written: a cell edited
    here that someone else changed since the page was loaded is refused, not overwritten, and
    a cell not edited here keeps whatever is stored now. A graduated student's record is
    closed. Returns the number of cells changed."""
    problems = DomainError.collect()
    lock_gradebook(cohort.id)
    stored = _load(cohort, course)
    score_writes, score_changes = _check_scores(scores, stored, problems)
    mark_writes, mark_changes = _check_marks(marks, stored, problems)
    problems.raise_if_any()

    for eid, aid, points in score_writes:
        keys = {"assessment_id": aid, "enrollment_id": eid}
        _store(Score, stored.scores.get((eid, aid)), keys, "points", points, by)
    for eid, result in mark_writes:
        keys = {"enrollment_id": eid, "course_id": course.id}
        _store(CourseMark, stored.marks.get(eid), keys, "result", result, by)
    db.session.flush()
    changes = score_changes + mark_changes
    if changes:
        record_event(
            "gradebook.grades_saved",
            subject=cohort,
            details={"course": course.code, "changes": changes},
        )
    return len(changes)
