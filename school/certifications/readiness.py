"""Readiness for the credential exam: a pure function over a plan and one student's results.

Rule (DESIGN §2): every required task is done, and the student's last N mock exams (by date,
consecutive: the most recent N, not any N) all scored at or above the threshold. Practice
exams and optional steps never block readiness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StepView:
    id: int
    kind: str  # task, practice_exam, mock_exam
    title: str
    required: bool


@dataclass(frozen=True)
class ResultView:
    step_id: int
    completed_on: dt.date
    score: Decimal | None


@dataclass(frozen=True)
class Verdict:
    ready: bool
    missing: tuple[str, ...]  # each thing still missing, in a sentence that explains the rule
    recent_mocks: tuple[Decimal, ...]  # the last N mock scores, most recent first
    # The same, briefly, for a row of a cohort's grid whose page explains the rule once:
    # e.g. ("2 tasks to do", "1 more mock") or ("1 recent mock below 70% (66%)",).
    brief: tuple[str, ...] = ()


def readiness(
    steps: Sequence[StepView],
    results: Sequence[ResultView],
    *,
    mock_count: int,
    threshold: Decimal,
) -> Verdict:
    done = {r.step_id: r for r in results}
    missing: list[str] = []
    brief: list[str] = []
    for step in steps:
        if step.kind == "task" and step.required and step.id not in done:
            missing.append(f"Task not done: {step.title}.")
    if missing:
        brief.append(_count(len(missing), "task") + " to do")
    mock_ids = {s.id for s in steps if s.kind == "mock_exam"}
    mocks = sorted(
        (r for r in results if r.step_id in mock_ids and r.score is not None),
        key=lambda r: (r.completed_on, r.step_id),
        reverse=True,
    )
    recent = tuple(r.score for r in mocks[:mock_count] if r.score is not None)
    limit = f"{threshold.normalize():f}%"
    if len(recent) < mock_count:
        needed = mock_count - len(recent)
        missing.append(
            f"{needed} more timed mock exam{'s' if needed != 1 else ''} at {limit} or above "
            f"(the last {mock_count} must all reach it)."
        )
        brief.append(_count(needed, "more mock"))
    else:
        below = [s for s in recent if s < threshold]
        if below:
            scores = ", ".join(f"{b.normalize():f}%" for b in below)
            missing.append(
                f"The last {mock_count} mock exams must all reach {limit}; "
                f"{len(below)} of them scored below ({scores})."
            )
            brief.append(f"{_count(len(below), 'recent mock')} below {limit} ({scores})")
    return Verdict(
        ready=not missing, missing=tuple(missing), recent_mocks=recent, brief=tuple(brief)
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
