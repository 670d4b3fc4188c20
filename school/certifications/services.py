"""Writes for the credential catalog and exam attempts. Validate first, raise one
DomainError with every problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import Role, User
from school.certifications.models import (
    Attempt,
    AttemptResult,
    AwardedCredential,
    CeuEntry,
    Credential,
    MilestonePlan,
    MilestoneStep,
    Scoring,
    StepKind,
    StepResult,
)
from school.cohorts.models import Enrollment, Program
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange, whole

# The numbers typed on the certification pages (the forms' fields read them with the same
# ranges). A score's exact range is its credential's; the fields refuse what no scale has.
EXAM_QUESTIONS = whole(1, 1_000, "Enter 1 to 1,000 questions.")
EXAM_MINUTES = whole(1, 1_440, "Enter 1 to 1,440 minutes.")
CEUS_REQUIRED = NumberRange(Decimal(0), Decimal(200), "Enter 0 to 200 CEUs.", places=1)
CYCLE_YEARS = whole(1, 10, "Enter a cycle of 1 to 10 years.")
MOCK_COUNT = whole(1, 10, "Enter 1 to 10 mock exams.")
MOCK_THRESHOLD = NumberRange(Decimal(0), Decimal(100), "Enter a percentage from 0 to 100.")
STEP_SCORE = MOCK_THRESHOLD
CEU_HOURS = NumberRange(Decimal("0.1"), Decimal(100), "Enter 0.1 to 100 CEUs.", places=1)
ATTEMPT_SCORE = NumberRange(Decimal(0), Decimal(1_000), "Enter a score from 0 to 1,000.")
ATTEMPT_SCORE_NUMBER = "Enter the score as a number, or leave it blank."


@dataclass(frozen=True)
class CredentialData:
    name: str
    exam_questions: int | None
    exam_minutes: int | None
    pass_mark: Decimal | None
    ceus_required: Decimal | None
    cycle_years: int | None
    has_apprentice: bool
    active: bool


def credential_problems(credential: Credential, data: CredentialData) -> ProblemList:
    problems = DomainError.collect()
    if not data.name.strip():
        problems.add("name", "Enter the credential's name.")
    low, high = credential.scale_min, credential.scale_max
    pass_mark = NumberRange(
        low, high, f"Enter a pass mark from {low.normalize():f} to {high.normalize():f}."
    )
    for name, value, bounds in (
        ("exam_questions", data.exam_questions, EXAM_QUESTIONS),
        ("exam_minutes", data.exam_minutes, EXAM_MINUTES),
        ("pass_mark", data.pass_mark, pass_mark),
        ("ceus_required", data.ceus_required, CEUS_REQUIRED),
        ("cycle_years", data.cycle_years, CYCLE_YEARS),
    ):
        problem = bounds.message if value is None else bounds.problem(value)
        if problem:
            problems.add(name, problem)
    return problems


def update_credential(*, credential: Credential, data: CredentialData) -> None:
    credential_problems(credential, data).raise_if_any()
    credential.name = data.name.strip()
    credential.exam_questions = data.exam_questions  # type: ignore[assignment]
    credential.exam_minutes = data.exam_minutes  # type: ignore[assignment]
    credential.pass_mark = data.pass_mark  # type: ignore[assignment]
    credential.ceus_required = data.ceus_required  # type: ignore[assignment]
    credential.cycle_years = data.cycle_years  # type: ignore[assignment]
    credential.has_apprentice = data.has_apprentice
    credential.active = data.active
    db.session.flush()
    record_event("credential.updated", subject=credential, details={"code": credential.code})


@dataclass(frozen=True)
class AttemptData:
    credential_id: int | None
    exam_date: dt.date | None
    exam_version: str
    score: str
    result: str


def _scale_text(credential: Credential) -> str:
    unit = "%" if credential.scoring == Scoring.PERCENT else ""
    return (
        f"{credential.scale_min.normalize():f}{unit} to {credential.scale_max.normalize():f}{unit}"
    )


def record_attempt(*, student: User, data: AttemptData, by: User) -> Attempt:
    """Record a sitting of a credential exam. An administrator's entry is verified at once;
    a student's own report waits for an administrator and counts in no figure until then."""
    problems = DomainError.collect()
    credential = db.session.get(Credential, data.credential_id) if data.credential_id else None
    if credential is None or not credential.active:
        problems.add("credential_id", "Choose a credential from the catalog.")
    today = school_today()
    if data.exam_date is None:
        problems.add("exam_date", "Enter the date of the exam.")
    elif data.exam_date > today:
        problems.add("exam_date", "Record a result after the exam (not for a future date).")
    if data.result not in {r.value for r in AttemptResult}:
        problems.add("result", "Choose passed or failed, as the body reported it.")
    if len(data.exam_version.strip()) > 40:
        problems.add("exam_version", "Use at most 40 characters.")
    score: Decimal | None = None
    if data.score.strip():
        try:
            score = ATTEMPT_SCORE.read(data.score, not_a_number=ATTEMPT_SCORE_NUMBER)
        except ValueError as exc:
            problems.add("score", str(exc))
        else:
            if credential is not None and not credential.scale_min <= score <= credential.scale_max:
                problems.add(
                    "score", f"{credential.code} scores go from {_scale_text(credential)}."
                )
            elif credential is not None and data.result in {r.value for r in AttemptResult}:
                passes = score >= credential.pass_mark
                if passes != (data.result == AttemptResult.PASSED):
                    problems.add(
                        "result",
                        f"A score of {score.normalize():f} is a {'pass' if passes else 'fail'} "
                        f"(pass mark {credential.pass_mark.normalize():f}); check the result.",
                    )
    if credential is not None and data.exam_date is not None:
        same = db.session.scalar(
            select(Attempt.id).where(
                Attempt.student_id == student.id,
                Attempt.credential_id == credential.id,
                Attempt.exam_date == data.exam_date,
            )
        )
        if same is not None:
            problems.add(
                "exam_date", f"A {credential.code} attempt on this date is already recorded."
            )
    problems.raise_if_any()
    assert credential is not None and data.exam_date is not None
    by_student = by.role == Role.STUDENT
    attempt = Attempt(
        student_id=student.id,
        credential_id=credential.id,
        exam_date=data.exam_date,
        exam_version=data.exam_version.strip() or None,
        score=score,
        result=AttemptResult(data.result),
        reported_by_student=by_student,
        verified_at=None if by_student else utcnow(),
        verified_by_id=None if by_student else by.id,
    )
    db.session.add(attempt)
    db.session.flush()
    record_event(
        "attempt.reported" if by_student else "attempt.recorded",
        subject=attempt,
        actor=by,
        details={"credential": credential.code, "date": str(data.exam_date), "result": data.result},
    )
    return attempt


def verify_attempt(*, attempt: Attempt, by: User) -> None:
    """An administrator confirms a student's reported attempt (once)."""
    changed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.verified_at.is_(None))
        .values(verified_at=utcnow(), verified_by_id=by.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError("This attempt is already verified.")
    record_event("attempt.verified", subject=attempt, actor=by)


# --- milestone plans and progress ---------------------------------------------------------


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
    if completed_on is None:
        problems.add("completed_on", "Enter the date.")
    elif completed_on > school_today():
        problems.add("completed_on", "Record a result once it has happened (not in the future).")
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


# --- awarded credentials and CEUs ---------------------------------------------------------


def award_credential(
    *,
    student: User,
    credential_id: int | None,
    awarded_on: dt.date | None,
    member_id: str,
    apprentice: bool,
    by: User,
) -> AwardedCredential:
    problems = DomainError.collect()
    credential = db.session.get(Credential, credential_id) if credential_id else None
    if credential is None:
        problems.add("credential_id", "Choose a credential from the catalog.")
    elif db.session.scalar(
        select(AwardedCredential.id).where(
            AwardedCredential.student_id == student.id,
            AwardedCredential.credential_id == credential.id,
        )
    ):
        problems.add("credential_id", f"{student.name} already holds {credential.code}.")
    elif apprentice and not credential.has_apprentice:
        problems.add("apprentice", f"{credential.code} has no apprentice designation.")
    if awarded_on is None:
        problems.add("awarded_on", "Enter the date of the award.")
    elif awarded_on > school_today():
        problems.add("awarded_on", "Record an award once it is made (not in the future).")
    member_id = member_id.strip()
    if not member_id:
        problems.add("member_id", "Enter the member id the body gave.")
    elif len(member_id) > 40:
        problems.add("member_id", "Use at most 40 characters.")
    problems.raise_if_any()
    assert credential is not None and awarded_on is not None
    award = AwardedCredential(
        student_id=student.id,
        credential_id=credential.id,
        awarded_on=awarded_on,
        member_id=member_id,
        apprentice=apprentice,
    )
    db.session.add(award)
    db.session.flush()
    record_event(
        "credential.awarded",
        subject=award,
        actor=by,
        details={"credential": credential.code, "apprentice": apprentice},
    )
    return award


def remove_apprentice(*, award: AwardedCredential, removed_on: dt.date | None, by: User) -> None:
    """The body removed the apprentice designation (e.g. CPC-A to CPC)."""
    problems = DomainError.collect()
    if not award.apprentice or award.apprentice_removed_on is not None:
        problems.add("", "This credential carries no apprentice designation to remove.")
    if removed_on is None:
        problems.add("removed_on", "Enter the date the designation was removed.")
    elif removed_on > school_today() or removed_on < award.awarded_on:
        problems.add("removed_on", "Use a date between the award and today.")
    problems.raise_if_any()
    award.apprentice_removed_on = removed_on
    db.session.flush()
    record_event("credential.apprentice_removed", subject=award, actor=by)


def add_ceu(
    *,
    student: User,
    earned_on: dt.date | None,
    hours: Decimal | None,
    provider: str,
    category: str,
    by: User,
) -> CeuEntry:
    problems = DomainError.collect()
    if earned_on is None:
        problems.add("earned_on", "Enter the date.")
    elif earned_on > school_today():
        problems.add("earned_on", "Record CEUs once earned (not in the future).")
    problem = CEU_HOURS.message if hours is None else CEU_HOURS.problem(hours)
    if problem:
        problems.add("hours", problem)
    if not provider.strip():
        problems.add("provider", "Enter who provided it, e.g. AAPC webinar.")
    if not category.strip():
        problems.add("category", "Enter the category, e.g. Coding, Compliance.")
    problems.raise_if_any()
    entry = CeuEntry(
        student_id=student.id,
        earned_on=earned_on,
        hours=hours,
        provider=provider.strip()[:160],
        category=category.strip()[:80],
    )
    db.session.add(entry)
    db.session.flush()
    record_event("ceu.added", subject=entry, actor=by, details={"hours": str(hours)})
    return entry
