"""Grade arithmetic: pure functions over exact decimals, no database.

Rules (README, "Grades"):

- A course's weighted percent is Σ(weight × points / max points) over its assessments, whose
  weights sum to 100. While some scores are missing, the percent so far is the same sum over
  the scored assessments divided by their weights (and the result is "in progress").
- The percent is rounded once, to 2 decimals, half up (89.995 → 90.00), and the letter, the
  grade points and pass/fail all follow from that rounded figure: what the student sees is
  what is graded, so 89.995 % is shown as 90.00 % and is an A, while 89.994 % is 89.99 %, a B.
- Letters from the program's scale (lowest percent for A, B, C, D; below D is F); points
  4/3/2/1/0. A course is passed when its rounded percent is at least the program's pass mark.
- W, I and TC replace the scores. None counts in the GPA. Credits attempted: graded courses,
  W, I and TC; credits earned: passed graded courses and TC.
- GPA = Σ(points × credits) / Σ(credits) over final graded courses, rounded to 2 decimals
  half up; no graded course (or no credits) means no GPA.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
POINTS = {"A": Decimal(4), "B": Decimal(3), "C": Decimal(2), "D": Decimal(1), "F": Decimal(0)}


class ResultState(enum.StrEnum):
    NOT_STARTED = "not_started"  # no score yet (or no assessments set up)
    IN_PROGRESS = "in_progress"  # some scores; the percent is "so far"
    FINAL = "final"  # every assessment scored
    SPECIAL = "special"  # W, I or TC


@dataclass(frozen=True)
class Scale:
    a: Decimal
    b: Decimal
    c: Decimal
    d: Decimal
    pass_mark: Decimal

    def letter(self, percent: Decimal) -> str:
        for letter, floor in (("A", self.a), ("B", self.b), ("C", self.c), ("D", self.d)):
            if percent >= floor:
                return letter
        return "F"


class Item(NamedTuple):
    """One assessment as it counts: its weight, its maximum and the points if scored (a
    named tuple: a cohort overview makes one per student and assessment)."""

    weight: Decimal
    max_points: Decimal
    points: Decimal | None


@dataclass(frozen=True)
class CourseResult:
    course_id: int
    code: str
    title: str
    credit_hours: Decimal
    state: ResultState
    percent: Decimal | None = None  # rounded to 2 places
    letter: str | None = None  # A–F, or W / I / TC
    points: Decimal | None = None
    passed: bool | None = None  # None until final (or for W / I)
    scored: int = 0
    assessments: int = 0
    at_or_above_pass_mark: bool = False

    @property
    def in_gpa(self) -> bool:
        return self.state == ResultState.FINAL

    @property
    def failing(self) -> bool:
        """Below the pass mark: a final fail, or a running percent under the mark."""
        return self.state in (ResultState.FINAL, ResultState.IN_PROGRESS) and not self.passing

    @property
    def passing(self) -> bool:
        """Passed (TC, or a final percent at or above the mark) or on track to (so far)."""
        if self.state == ResultState.SPECIAL:
            return self.letter == "TC"
        return self.at_or_above_pass_mark

    @property
    def credits_attempted(self) -> Decimal:
        if self.state in (ResultState.FINAL, ResultState.SPECIAL):
            return self.credit_hours
        return Decimal(0)

    @property
    def credits_earned(self) -> Decimal:
        if self.state == ResultState.SPECIAL:
            return self.credit_hours if self.letter == "TC" else Decimal(0)
        return self.credit_hours if self.passed else Decimal(0)


def round_half_up(value: Decimal) -> Decimal:
    """To 2 decimals, half up: percents, GPAs and their averages."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_percent(items: Iterable[Item]) -> Decimal | None:
    """Σ(weight × points / max) / Σ(weight) × 100 over the scored items, rounded once to 2
    places half up; None when nothing is scored."""
    with localcontext() as ctx:
        ctx.prec = 40
        earned = Decimal(0)
        weight = Decimal(0)
        for item in items:
            if item.points is None:
                continue
            earned += item.weight * item.points / item.max_points
            weight += item.weight
        if weight == 0:
            return None
        return round_half_up(earned / weight * HUNDRED)


def course_result(
    *,
    course_id: int,
    code: str,
    title: str,
    credit_hours: Decimal,
    scale: Scale,
    items: Sequence[Item],
    special: str | None = None,
) -> CourseResult:
    """One enrollment's result in one course."""
    base = {"course_id": course_id, "code": code, "title": title, "credit_hours": credit_hours}
    scored = sum(1 for i in items if i.points is not None)
    counts = {"scored": scored, "assessments": len(items)}
    if special is not None:
        return CourseResult(**base, **counts, state=ResultState.SPECIAL, letter=special)
    percent = weighted_percent(items)
    if percent is None:
        return CourseResult(**base, **counts, state=ResultState.NOT_STARTED)
    letter = scale.letter(percent)
    at_or_above = percent >= scale.pass_mark
    if scored < len(items):
        return CourseResult(
            **base,
            **counts,
            state=ResultState.IN_PROGRESS,
            percent=percent,
            letter=letter,
            at_or_above_pass_mark=at_or_above,
        )
    return CourseResult(
        **base,
        **counts,
        state=ResultState.FINAL,
        percent=percent,
        letter=letter,
        points=POINTS[letter],
        passed=at_or_above,
        at_or_above_pass_mark=at_or_above,
    )


@dataclass(frozen=True)
class Standing:
    """An enrollment's standing over its courses."""

    results: tuple[CourseResult, ...]
    gpa: Decimal | None
    credits_attempted: Decimal
    credits_earned: Decimal
    credits_required: Decimal

    @property
    def failing(self) -> tuple[CourseResult, ...]:
        return tuple(r for r in self.results if r.failing)

    @property
    def at_risk(self) -> bool:
        """GPA under 2.00 or any course below the pass mark (final or so far)."""
        return bool(self.failing) or (self.gpa is not None and self.gpa < 2)


def standing(results: Sequence[CourseResult]) -> Standing:
    with localcontext() as ctx:
        ctx.prec = 40
        quality = Decimal(0)
        graded_credits = Decimal(0)
        for r in results:
            if r.in_gpa and r.points is not None:
                quality += r.points * r.credit_hours
                graded_credits += r.credit_hours
        gpa = round_half_up(quality / graded_credits) if graded_credits else None
    return Standing(
        results=tuple(results),
        gpa=gpa,
        credits_attempted=sum((r.credits_attempted for r in results), Decimal(0)),
        credits_earned=sum((r.credits_earned for r in results), Decimal(0)),
        credits_required=sum((r.credit_hours for r in results), Decimal(0)),
    )
