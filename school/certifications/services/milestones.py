"""Writes for milestone plans (the steps and the readiness rule of a program) and the
results students record against them. Validate first, raise one DomainError with every
problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.certifications.models import (
    MilestonePlan,
    MilestoneStep,
    StepKind,
    StepResult,
)
from school.cohorts.models import Enrollment, Program
from school.database import school_today
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange, whole

# The numbers typed on the plan and progress pages (the forms' fields read them).
MOCK_COUNT = whole(1, 10, "Enter 1 to 10 mock exams.")
MOCK_THRESHOLD = NumberRange(Decimal(0), Decimal(100), "Enter a percentage from 0 to 100.")
STEP_SCORE = MOCK_THRESHOLD


def plan_for(program: Program) -> MilestonePlan:
    """The program's plan, created empty (with the default rule) the first time."""
    plan = db.session.scalar(select(MilestonePlan).where(MilestonePlan.program_id == program.id))
    if plan is None:
        plan = MilestonePlan(program_id=program.id, mock_count=2, mock_threshold=Decimal(70))
        db.session.add(plan)
        db.session.flush()
    return plan


def add_step(*, program: Program, kind: str, title: str, required: bool) -> MilestoneStep:
    problems = DomainError.collect()
    if kind not in {k.value for k in StepKind}:
        problems.add("kind", "Choose a task, a practice exam or a timed mock exam.")
    title = " ".join(title.split())
    if not title:
        problems.add("title", "Enter the step, e.g. Coding guidelines review.")
    elif len(title) > 120:
        problems.add("title", "Use at most 120 characters.")
    problems.raise_if_any()
    plan = plan_for(program)
    last = max((s.sequence for s in plan.steps), default=0)
    step = MilestoneStep(
        plan=plan, sequence=last + 1, kind=StepKind(kind), title=title, required=required
    )
    db.session.add(step)
    db.session.flush()
    record_event("plan.step_added", subject=plan, details={"title": title, "kind": kind})
    return step


def set_rule(*, program: Program, mock_count: int | None, threshold: Decimal | None) -> None:
    problems = DomainError.collect()
    for name, value, bounds in (
        ("mock_count", mock_count, MOCK_COUNT),
        ("mock_threshold", threshold, MOCK_THRESHOLD),
    ):
        problem = bounds.message if value is None else bounds.problem(value)
        if problem:
            problems.add(name, problem)
    problems.raise_if_any()
    plan = plan_for(program)
    plan.mock_count = mock_count  # type: ignore[assignment]
    plan.mock_threshold = threshold  # type: ignore[assignment]
    db.session.flush()
    record_event(
        "plan.rule_set", subject=plan, details={"count": mock_count, "threshold": str(threshold)}
    )


def step_problems(
    enrollment: Enrollment, step: MilestoneStep, completed_on: dt.date | None, score: str
) -> tuple[ProblemList, Decimal | None]:
    """What is wrong with one student's result for a step, and the score as a number."""
    problems = DomainError.collect()
    if step.plan.program_id != enrollment.cohort.program_id:
        problems.add("", "This step belongs to another program's plan.")
    problems.past_date(
        "completed_on",
        completed_on,
        school_today(),
        missing="Enter the date.",
        future="Record a result once it has happened (not in the future).",
    )
    value: Decimal | None = None
    if step.kind == StepKind.TASK:
        if score.strip():
            problems.add("score", "A task has no score.")
    else:
        try:
            value = STEP_SCORE.read(score, not_a_number="Enter the score as a percentage, e.g. 74.")
        except ValueError as exc:
            problems.add("score", str(exc))
            value = None
    return problems, value


def record_step(
    *,
    enrollment: Enrollment,
    step: MilestoneStep,
    completed_on: dt.date | None,
    score: str,
    by: User,
) -> StepResult:
    """Record (or correct) a student's completion of a step; exams need a score 0–100."""
    problems, value = step_problems(enrollment, step, completed_on, score)
    if "" in problems.problems:
        raise DomainError(problems.problems[""][0])
    problems.raise_if_any()
    return _write_step(enrollment, step, completed_on, value, by)


def _write_step(
    enrollment: Enrollment,
    step: MilestoneStep,
    completed_on: dt.date | None,
    value: Decimal | None,
    by: User,
) -> StepResult:
    result = db.session.get(StepResult, (enrollment.id, step.id))
    if result is None:
        result = StepResult(enrollment_id=enrollment.id, step_id=step.id)
        db.session.add(result)
    result.completed_on = completed_on  # type: ignore[assignment]
    result.score = value
    result.recorded_by_id = by.id
    db.session.flush()
    record_event(
        "plan.step_recorded",
        subject=enrollment,
        actor=by,
        details={"step": step.title, "date": str(completed_on), "score": str(value or "")},
    )
    return result


def record_step_grid(
    *,
    cohort_id: int,
    step: MilestoneStep,
    entries: dict[int, tuple[dt.date | None, str]],
    by: User,
) -> int:
    """Record one step for many students of a cohort at once (enrollment id → date and
    score as typed), all or nothing: problems are keyed ``date-<id>`` / ``score-<id>``.
    Rows left blank are skipped. Returns how many were recorded."""
    enrollments = {
        e.id: e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort_id))
    }
    problems = DomainError.collect()
    checked = []
    for eid, (day, score) in entries.items():
        enrollment = enrollments.get(eid)
        if enrollment is None:
            problems.add("", "The form is out of date (a student changed); reload.")
            continue
        if day is None and not score.strip():
            continue
        found, value = step_problems(enrollment, step, day, score)
        for field, messages in found.problems.items():
            key = {"completed_on": f"date-{eid}", "score": f"score-{eid}"}.get(field, "")
            for message in messages:
                problems.add(key, message)
        checked.append((enrollment, day, value))
    problems.raise_if_any()
    for enrollment, day, value in checked:
        _write_step(enrollment, step, day, value, by)
    return len(checked)
