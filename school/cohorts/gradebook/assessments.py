"""Writes for a course's assessments in a cohort (names, weights, maximums). Validate
everything first, raise one DomainError with a problem per field, flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.gradebook.shared import lock_gradebook, parse_amount, shown
from school.cohorts.models import Assessment, Cohort, Course, Enrollment, EnrollmentStatus, Score
from school.errors import DomainError, ProblemList
from school.extensions import db

MAX_ASSESSMENTS = 30


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


# A row that passed its checks: (row index, row, weight, maximum).
Kept = tuple[int, AssessmentInput, Decimal, Decimal]


def course_assessments(cohort: Cohort, course: Course) -> dict[int, Assessment]:
    """The assessments of ``course`` in ``cohort`` by id (one statement)."""
    return {
        a.id: a
        for a in db.session.scalars(
            select(Assessment).where(
                Assessment.cohort_id == cohort.id, Assessment.course_id == course.id
            )
        )
    }


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


def _top_scores(assessment_ids: list[int]) -> dict[int, Decimal]:
    """The highest recorded score of each assessment that has any."""
    return dict(
        db.session.execute(
            select(Score.assessment_id, func.max(Score.points))
            .where(Score.assessment_id.in_(assessment_ids or [0]))
            .group_by(Score.assessment_id)
        ).all()
    )


def _clean_name(row: AssessmentInput) -> str:
    return " ".join(row.name.split())


def _check_name(i: int, row: AssessmentInput, seen: dict[str, int], problems: ProblemList) -> None:
    name = _clean_name(row)
    if not name:
        problems.add(f"{i}.name", "Enter a name, e.g. Quiz 1.")
    elif len(name) > 80:
        problems.add(f"{i}.name", "Use at most 80 characters.")
    elif name.casefold() in seen:
        problems.add(f"{i}.name", f"{name} is already row {seen[name.casefold()] + 1}.")
    else:
        seen[name.casefold()] = i


def _check_amounts(
    i: int, row: AssessmentInput, top: Decimal | None, problems: ProblemList
) -> tuple[Decimal, Decimal] | None:
    """The row's weight and maximum, or None (with the problems added)."""
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
        if top is not None and max_points < top:
            raise ValueError(
                f"A recorded score is {top.normalize():f}; keep the maximum at or above it."
            )
    except ValueError as exc:
        problems.add(f"{i}.max_points", str(exc))
    if weight is None or max_points is None:
        return None
    return weight, max_points


def _check_rows(
    rows: Sequence[AssessmentInput],
    existing: dict[int, Assessment],
    scored: dict[int, Decimal],
    problems: ProblemList,
) -> tuple[list[Kept], list[Assessment]]:
    """The rows to keep and the assessments to remove; problems added per field."""
    kept: list[Kept] = []
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
        _check_name(i, row, seen_names, problems)
        top = scored.get(row.id) if row.id is not None else None
        amounts = _check_amounts(i, row, top, problems)
        if amounts is not None:
            kept.append((i, row, *amounts))
    return kept, removed


def _check_set(cohort: Cohort, kept: list[Kept], problems: ProblemList) -> None:
    """The whole set: weights summing to 100, and no graduate whose results would change."""
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


def _write(
    cohort: Cohort,
    course: Course,
    existing: dict[int, Assessment],
    kept: list[Kept],
    removed: list[Assessment],
) -> tuple[list[Assessment], list[str]]:
    """Remove, rename and add; the saved assessments in order and the audit lines."""
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
        name = _clean_name(row)
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
            changes.append(f"added {name} ({shown(weight)}%, out of {shown(max_points)})")
        else:
            a = existing[row.id]
            a.sequence, a.name, a.weight, a.max_points = sequence, name, weight, max_points
            changes.append(f"{name}: {shown(weight)}%, out of {shown(max_points)}")
        result.append(a)
    db.session.flush()
    return result, changes


def save_assessments(
    *, cohort: Cohort, course: Course, rows: Sequence[AssessmentInput], by: User | None
) -> list[Assessment]:
    """Replace the assessments of ``course`` in ``cohort`` with ``rows`` (in that order).

    ProblemList are keyed ``"<row>.name"``, ``"<row>.weight"``, ``"<row>.max_points"`` (row
    index from 0) and ``""`` for the whole set: the weights of the kept rows must sum to 100;
    an assessment with scores cannot be removed or get a maximum below a recorded score;
    nothing changes once a student of the cohort has graduated."""
    problems = DomainError.collect()
    if course.program_id != cohort.program_id:
        raise DomainError(f"{course.code} is not a course of {cohort.code}'s program.")
    lock_gradebook(cohort.id)
    existing = course_assessments(cohort, course)
    scored = _top_scores(list(existing))
    if sum(1 for r in rows if not r.blank and not r.remove) > MAX_ASSESSMENTS:
        problems.add("", f"A course can have at most {MAX_ASSESSMENTS} assessments.")
    if {r.id for r in rows if r.id is not None} != set(existing):
        # Someone saved these assessments after this page was loaded.
        raise DomainError(
            "Someone changed these assessments since this page was loaded; nothing was saved. "
            "Reload the page and make your change again."
        )
    kept, removed = _check_rows(rows, existing, scored, problems)
    _check_set(cohort, kept, problems)
    problems.raise_if_any()
    result, changes = _write(cohort, course, existing, kept, removed)
    record_event(
        "gradebook.assessments_saved",
        subject=cohort,
        details={"course": course.code, "changes": changes},
    )
    return result
