"""Writes for the gradebook: a course's assessments in a cohort, scores and special results,
and the graduation requirements. Validate everything first, raise one DomainError with a
problem per field or cell, flush, never commit."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app
from sqlalchemy import func, select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.grading import ResultState
from school.cohorts.models import (
    Assessment,
    Cohort,
    Course,
    CourseMark,
    Enrollment,
    EnrollmentStatus,
    Score,
    SpecialResult,
)
from school.cohorts.standings import enrollment_standing
from school.errors import DomainError
from school.extensions import db

MAX_ASSESSMENTS = 30
NUMBER_RE = re.compile(r"^\d{1,6}(\.\d*)?$|^\.\d+$")


def parse_amount(text: str, *, places: int = 2, maximum: Decimal | None = None) -> Decimal:
    """A non-negative decimal typed by a person; ValueError with the message to show."""
    text = text.strip()
    if not NUMBER_RE.match(text):
        raise ValueError("Enter a number, e.g. 87.5.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("Enter a number, e.g. 87.5.") from None
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ValueError(f"Use at most {places} decimals.")
    if maximum is not None and value > maximum:
        raise ValueError(f"Enter 0 to {maximum.normalize():f}.")
    return value


def lock_gradebook(cohort_id: int) -> None:
    """Serialise gradebook writes of one cohort (and graduations checking them): a row lock
    on the cohort on PostgreSQL; on SQLite every write transaction is already exclusive
    (BEGIN IMMEDIATE). Reads after the lock see what a concurrent writer committed."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())


# --- assessments --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentInput:
    """One row of the assessments form as typed (``id`` None for a new row)."""

    id: int | None
    name: str
    weight: str
    max_points: str
    remove: bool = False

    @property
    def blank(self) -> bool:
        return self.id is None and not (self.name.strip() or self.weight.strip())


def _graduated_in(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(
                Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.GRADUATED
            )
        )
        or 0
    )


def save_assessments(
    *, cohort: Cohort, course: Course, rows: Sequence[AssessmentInput], by: User | None
) -> list[Assessment]:
    """Replace the assessments of ``course`` in ``cohort`` with ``rows`` (in that order).

    Problems are keyed ``"<row>.name"``, ``"<row>.weight"``, ``"<row>.max_points"`` (row
    index from 0) and ``""`` for the whole set: the weights of the kept rows must sum to 100;
    an assessment with scores cannot be removed or get a maximum below a recorded score;
    nothing changes once a student of the cohort has graduated."""
    problems = DomainError.collect()
    if course.program_id != cohort.program_id:
        raise DomainError(f"{course.code} is not a course of {cohort.code}'s program.")
    lock_gradebook(cohort.id)
    existing = {
        a.id: a
        for a in db.session.scalars(
            select(Assessment).where(
                Assessment.cohort_id == cohort.id, Assessment.course_id == course.id
            )
        )
    }
    scored = dict(
        db.session.execute(
            select(Score.assessment_id, func.max(Score.points))
            .where(Score.assessment_id.in_(list(existing) or [0]))
            .group_by(Score.assessment_id)
        ).all()
    )
    if sum(1 for r in rows if not r.blank and not r.remove) > MAX_ASSESSMENTS:
        problems.add("", f"A course can have at most {MAX_ASSESSMENTS} assessments.")
    if {r.id for r in rows if r.id is not None} != set(existing):
        # Someone saved these assessments after this page was loaded.
        raise DomainError(
            "Someone changed these assessments since this page was loaded; nothing was saved. "
            "Reload the page and make your change again."
        )
    kept: list[tuple[int, AssessmentInput, Decimal, Decimal]] = []
    seen_names: dict[str, int] = {}
    removed: list[Assessment] = []
    for i, row in enumerate(rows):
        if row.blank:
            continue
        if row.remove:
            if row.id is None:
                continue
            if row.id in scored:
                problems.add(
                    f"{i}.name",
                    f"{existing[row.id].name} has scores; clear them before removing it.",
                )
            removed.append(existing[row.id])
            continue
        name = " ".join(row.name.split())
        if not name:
            problems.add(f"{i}.name", "Enter a name, e.g. Quiz 1.")
        elif len(name) > 80:
            problems.add(f"{i}.name", "Use at most 80 characters.")
        elif name.casefold() in seen_names:
            problems.add(f"{i}.name", f"{name} is already row {seen_names[name.casefold()] + 1}.")
        else:
            seen_names[name.casefold()] = i
        weight = max_points = None
        try:
            weight = parse_amount(row.weight, maximum=Decimal(100))
            if weight == 0:
                raise ValueError("Enter a weight above 0.")
        except ValueError as exc:
            problems.add(f"{i}.weight", str(exc))
        try:
            max_points = parse_amount(row.max_points or "", maximum=Decimal("9999.99"))
            if max_points == 0:
                raise ValueError("Enter a maximum above 0.")
            top = scored.get(row.id) if row.id is not None else None
            if top is not None and max_points < top:
                raise ValueError(
                    f"A recorded score is {top.normalize():f}; keep the maximum at or above it."
                )
        except ValueError as exc:
            problems.add(f"{i}.max_points", str(exc))
        if weight is not None and max_points is not None:
            kept.append((i, row, weight, max_points))
    if not problems.problems:
        total = sum((w for _, _, w, _ in kept), Decimal(0))
        if kept and total != 100:
            problems.add(
                "",
                f"The weights add up to {total.normalize():f}%; they must add up to 100%.",
            )
    if _graduated_in(cohort):
        problems.add(
            "",
            f"A student of {cohort.code} has graduated: their recorded results would change. "
            "The assessments are closed.",
        )
    problems.raise_if_any()

    changes: list[str] = []
    for a in removed:
        db.session.delete(a)
        changes.append(f"removed {a.name}")
    db.session.flush()
    # Names are unique per course: park renamed rows first so that a swap cannot collide.
    for _, row, _, _ in kept:
        if row.id is not None:
            existing[row.id].name = f"~{row.id}"
    db.session.flush()
    result: list[Assessment] = []
    for sequence, (_, row, weight, max_points) in enumerate(kept, start=1):
        name = " ".join(row.name.split())
        if row.id is None:
            a = Assessment(
                cohort_id=cohort.id,
                course_id=course.id,
                sequence=sequence,
                name=name,
                weight=weight,
                max_points=max_points,
            )
            db.session.add(a)
            changes.append(
                f"added {name} ({weight.normalize():f}%, out of {max_points.normalize():f})"
            )
        else:
            a = existing[row.id]
            a.sequence = sequence
            a.name = name
            a.weight = weight
            a.max_points = max_points
            changes.append(f"{name}: {weight.normalize():f}%, out of {max_points.normalize():f}")
        result.append(a)
    db.session.flush()
    record_event(
        "gradebook.assessments_saved",
        subject=cohort,
        details={"course": course.code, "changes": changes},
    )
    return result


# --- scores and special results -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A grid cell: what the page showed when it was loaded and what is typed now."""

    original: str
    typed: str


def _shown(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


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
    assessments = {
        a.id: a
        for a in db.session.scalars(
            select(Assessment).where(
                Assessment.cohort_id == cohort.id, Assessment.course_id == course.id
            )
        )
    }
    enrollments = {
        e.id: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    }
    stored = {
        (s.enrollment_id, s.assessment_id): s
        for s in db.session.scalars(
            select(Score).where(Score.assessment_id.in_(list(assessments) or [0]))
        )
    }
    stored_marks = {
        m.enrollment_id: m
        for m in db.session.scalars(
            select(CourseMark).where(
                CourseMark.course_id == course.id,
                CourseMark.enrollment_id.in_(list(enrollments) or [0]),
            )
        )
    }
    score_writes: list[tuple[int, int, Decimal | None]] = []
    mark_writes: list[tuple[int, SpecialResult | None]] = []
    changes: list[dict[str, str]] = []
    for (eid, aid), cell in scores.items():
        key = f"score-{eid}-{aid}"
        if eid not in enrollments or aid not in assessments:
            problems.add("", "The form is out of date (a student or assessment changed); reload.")
            continue
        current = stored.get((eid, aid))
        current_points = current.points if current else None
        if _untouched(cell) or _same(cell.typed, current_points):
            continue  # not edited here (a newer value saved by someone else stays)
        enrollment, assessment = enrollments[eid], assessments[aid]
        if enrollment.status == EnrollmentStatus.GRADUATED:
            problems.add(key, "This student has graduated; their record is closed.")
            continue
        if not _same(cell.original, current_points):
            problems.add(
                key,
                f"Changed by someone else meanwhile (now {_shown(current_points) or 'blank'}); "
                "check it and save again.",
            )
            continue
        if not cell.typed.strip():
            value = None
        else:
            try:
                value = parse_amount(cell.typed, maximum=assessment.max_points)
            except ValueError as exc:
                problems.add(key, str(exc))
                continue
        score_writes.append((eid, aid, value))
        changes.append(
            {
                "enrollment": str(eid),
                "assessment": assessment.name,
                "from": _shown(current_points),
                "to": _shown(value),
            }
        )
    for eid, cell in marks.items():
        key = f"mark-{eid}"
        if eid not in enrollments:
            problems.add("", "The form is out of date (a student changed); reload.")
            continue
        current_mark = stored_marks.get(eid)
        current_value = current_mark.result.value if current_mark else ""
        typed = cell.typed.strip()
        if typed == cell.original.strip() or typed == current_value:
            continue
        if typed and typed not in {r.value for r in SpecialResult}:
            problems.add(key, "Choose W, I, TC or none.")
            continue
        if enrollments[eid].status == EnrollmentStatus.GRADUATED:
            problems.add(key, "This student has graduated; their record is closed.")
            continue
        if cell.original.strip() != current_value:
            problems.add(
                key,
                f"Changed by someone else meanwhile (now {current_value or 'none'}); "
                "check it and save again.",
            )
            continue
        mark_writes.append((eid, SpecialResult(typed) if typed else None))
        changes.append(
            {
                "enrollment": str(eid),
                "result": "special",
                "from": current_value,
                "to": typed,
            }
        )
    problems.raise_if_any()

    for eid, aid, value in score_writes:
        current = stored.get((eid, aid))
        if value is None:
            if current is not None:
                db.session.delete(current)
        elif current is None:
            db.session.add(
                Score(
                    assessment_id=aid,
                    enrollment_id=eid,
                    points=value,
                    recorded_by_id=by.id if by else None,
                )
            )
        else:
            current.points = value
            current.recorded_by_id = by.id if by else None
    for eid, result in mark_writes:
        current_mark = stored_marks.get(eid)
        if result is None:
            if current_mark is not None:
                db.session.delete(current_mark)
        elif current_mark is None:
            db.session.add(
                CourseMark(
                    enrollment_id=eid,
                    course_id=course.id,
                    result=result,
                    recorded_by_id=by.id if by else None,
                )
            )
        else:
            current_mark.result = result
            current_mark.recorded_by_id = by.id if by else None
    db.session.flush()
    if changes:
        record_event(
            "gradebook.grades_saved",
            subject=cohort,
            details={"course": course.code, "changes": changes},
        )
    return len(changes)


# --- graduation -----------------------------------------------------------------------------

GraduationCheck = Callable[[Enrollment], list[str]]
CHECKS_KEY = "school.graduation_checks"


def add_graduation_check(app: Flask, check: GraduationCheck) -> None:
    """Another domain adds a graduation requirement (the externship does) without this
    package importing it: ``check(enrollment)`` returns what is still missing, or []."""
    app.extensions.setdefault(CHECKS_KEY, []).append(check)


def unmet_requirements(enrollment: Enrollment) -> list[str]:
    """What keeps ``enrollment`` from graduating: every course not passed (or TC), then
    whatever the registered checks report."""
    loaded = enrollment_standing(enrollment.id)
    assert loaded is not None
    _, standing = loaded
    missing: list[str] = []
    pass_mark = enrollment.cohort.program.pass_mark.normalize()
    for r in standing.results:
        if r.state == ResultState.SPECIAL:
            if r.letter != "TC":
                word = "withdrew (W)" if r.letter == "W" else "incomplete (I)"
                missing.append(f"{r.code} {r.title}: {word}.")
        elif r.state == ResultState.NOT_STARTED:
            missing.append(f"{r.code} {r.title}: no result yet.")
        elif r.state == ResultState.IN_PROGRESS:
            missing.append(f"{r.code} {r.title}: {r.scored} of {r.assessments} assessments scored.")
        elif not r.passed:
            missing.append(
                f"{r.code} {r.title}: {r.percent}% ({r.letter}) is below the pass mark "
                f"of {pass_mark:f}%."
            )
    for check in current_app.extensions.get(CHECKS_KEY, []):
        missing.extend(check(enrollment))
    return missing
