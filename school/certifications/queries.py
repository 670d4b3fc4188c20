"""Reads for credentials and exam attempts.

Attempt numbers follow date order per student and credential, over every attempt recorded
(a student's unverified report included, so the student sees their own history in order).
Pass figures count verified attempts only: a student "sat" a credential when they have a
verified attempt, "passed" when any verified attempt passed, and "passed on the first
attempt" when their earliest verified attempt passed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from school.auth.models import User
from school.certifications.ceus import Cycle, Held, cycles
from school.certifications.models import (
    Attempt,
    AttemptResult,
    AwardedCredential,
    CeuEntry,
    Credential,
    MilestonePlan,
    StepResult,
)
from school.certifications.readiness import ResultView, StepView, Verdict, readiness
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.queries import cohort_roster
from school.cohorts.standings import ColumnCell, OverviewColumn, StandingSection
from school.extensions import db
from school.internships.models import HourLog, LogStatus, Placement


@dataclass(frozen=True)
class NumberedAttempt:
    attempt: Attempt
    number: int


def number_attempts(attempts: list[Attempt]) -> list[NumberedAttempt]:
    """Attempt numbers by date (then entry order) per student and credential, whatever order
    the attempts were entered in."""
    ordered = sorted(attempts, key=lambda a: (a.student_id, a.credential_id, a.exam_date, a.id))
    counts: dict[tuple[int, int], int] = defaultdict(int)
    numbered = []
    for a in ordered:
        counts[(a.student_id, a.credential_id)] += 1
        numbered.append(NumberedAttempt(a, counts[(a.student_id, a.credential_id)]))
    return numbered


def student_attempts(student_id: int) -> list[NumberedAttempt]:
    """A student's attempts, newest first, numbered (one statement)."""
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.student_id == student_id)
            .options(joinedload(Attempt.credential))
        )
    )
    return sorted(
        number_attempts(attempts), key=lambda n: (n.attempt.exam_date, n.attempt.id), reverse=True
    )


def credential_choices() -> list[tuple[int, str]]:
    return [
        (c.id, f"{c.code} — {c.name} ({c.body.value})")
        for c in db.session.scalars(
            select(Credential).where(Credential.active).order_by(Credential.body, Credential.code)
        )
    ]


def catalog() -> list[Credential]:
    return list(db.session.scalars(select(Credential).order_by(Credential.body, Credential.code)))


@dataclass(frozen=True)
class PassFigures:
    credential: str
    sat: int
    passed: int
    passed_first: int

    @property
    def pass_rate(self) -> Decimal | None:
        return Decimal(self.passed * 100 / self.sat).quantize(Decimal("0.1")) if self.sat else None

    @property
    def first_attempt_rate(self) -> Decimal | None:
        if not self.sat:
            return None
        return Decimal(self.passed_first * 100 / self.sat).quantize(Decimal("0.1"))


def cohort_pass_figures(cohort_id: int) -> list[PassFigures]:
    """Per credential, among the cohort's students: who sat (a verified attempt), who passed
    on any attempt, who passed on the first (one statement)."""
    students = select(Enrollment.student_id).where(Enrollment.cohort_id == cohort_id)
    return pass_figures(
        list(
            db.session.scalars(
                select(Attempt)
                .where(Attempt.student_id.in_(students), Attempt.verified_at.is_not(None))
                .options(joinedload(Attempt.credential))
            )
        )
    )


def pass_figures(attempts: list[Attempt]) -> list[PassFigures]:
    """The figures of already-loaded verified attempts (credential loaded)."""
    by_credential: dict[str, dict[int, list[Attempt]]] = defaultdict(lambda: defaultdict(list))
    for a in attempts:
        by_credential[a.credential.code][a.student_id].append(a)
    figures = []
    for code in sorted(by_credential):
        per_student = by_credential[code]
        passed = passed_first = 0
        for tries in per_student.values():
            tries.sort(key=lambda a: (a.exam_date, a.id))
            if any(t.result == AttemptResult.PASSED for t in tries):
                passed += 1
            if tries[0].result == AttemptResult.PASSED:
                passed_first += 1
        figures.append(PassFigures(code, len(per_student), passed, passed_first))
    return figures


# Built once: every student dashboard asks for its program's plan.
_PLAN_OF = (
    select(MilestonePlan)
    .where(MilestonePlan.program_id == bindparam("program_id"))
    .options(selectinload(MilestonePlan.steps))
)


def plan_of(program_id: int) -> MilestonePlan | None:
    """A program's exam-prep plan with its steps (two statements), or None."""
    return db.session.scalar(_PLAN_OF, {"program_id": program_id})


def plans_of(program_ids: set[int]) -> dict[int, MilestonePlan]:
    """The plans of many programs at once (two statements)."""
    if not program_ids:
        return {}
    return {
        plan.program_id: plan
        for plan in db.session.scalars(
            select(MilestonePlan)
            .where(MilestonePlan.program_id.in_(program_ids))
            .options(selectinload(MilestonePlan.steps))
        )
    }


def _steps(plan: MilestonePlan) -> list[StepView]:
    return [StepView(s.id, s.kind.value, s.title, s.required) for s in plan.steps]


def verdict_for(plan: MilestonePlan, results: list[StepResult]) -> Verdict:
    return readiness(
        _steps(plan),
        [ResultView(r.step_id, r.completed_on, r.score) for r in results],
        mock_count=plan.mock_count,
        threshold=plan.mock_threshold,
    )


@dataclass(frozen=True)
class Progress:
    plan: MilestonePlan
    results: dict[int, StepResult]  # step id → result
    verdict: Verdict


def enrollment_progress(enrollment: Enrollment) -> Progress | None:
    """The plan of the enrollment's program with the student's results (three statements)."""
    plan = plan_of(enrollment.cohort.program_id)
    if plan is None or not plan.steps:
        return None
    results = list(
        db.session.scalars(select(StepResult).where(StepResult.enrollment_id == enrollment.id))
    )
    return Progress(plan, {r.step_id: r for r in results}, verdict_for(plan, results))


# The exam-readiness section of an enrollment's progress page (registered in create_app).
STANDING_SECTION = StandingSection("exam_prep", enrollment_progress)


@dataclass(frozen=True)
class ReadinessRow:
    enrollment: Enrollment
    results: dict[int, StepResult]
    verdict: Verdict


def cohort_readiness(
    cohort_id: int, program_id: int
) -> tuple[MilestonePlan | None, list[ReadinessRow]]:
    """Every current student of the cohort with their step results and verdict (four
    statements at any size)."""
    plan = plan_of(program_id)
    enrollments = cohort_roster(cohort_id, current_only=True)
    if plan is None:
        return None, []
    by_enrollment: dict[int, list[StepResult]] = defaultdict(list)
    for r in db.session.scalars(
        select(StepResult).where(
            StepResult.enrollment_id.in_(
                select(Enrollment.id).where(Enrollment.cohort_id == cohort_id)
            )
        )
    ):
        by_enrollment[r.enrollment_id].append(r)
    rows = [
        ReadinessRow(
            e,
            {r.step_id: r for r in by_enrollment[e.id]},
            verdict_for(plan, by_enrollment[e.id]),
        )
        for e in enrollments
    ]
    return plan, rows


def readiness_cells(cohort: Cohort, enrollments: list[Enrollment]) -> dict[int, ColumnCell] | None:
    """The readiness column of the cohort overview (registered in ``create_app``): a verdict
    for every student who has not withdrawn, None when the program has no plan (three
    statements at any size)."""
    plan = plan_of(cohort.program_id)
    if plan is None or not plan.steps:
        return None
    by_enrollment: dict[int, list[StepResult]] = defaultdict(list)
    for r in db.session.scalars(
        select(StepResult).where(
            StepResult.enrollment_id.in_(
                select(Enrollment.id).where(Enrollment.cohort_id == cohort.id)
            )
        )
    ):
        by_enrollment[r.enrollment_id].append(r)
    cells = {}
    for e in enrollments:
        if e.status == EnrollmentStatus.WITHDRAWN:
            continue
        verdict = verdict_for(plan, by_enrollment[e.id])
        if verdict.ready:
            cells[e.id] = ColumnCell("Ready", "ok", order=(1, 0), counted=True)
        else:
            missing = len(verdict.missing)
            cells[e.id] = ColumnCell(
                "Not ready",
                "bad",
                detail=" ".join(verdict.missing),
                order=(0, -missing),
            )
    return cells


READINESS_COLUMN = OverviewColumn(
    "readiness", "Exam readiness", readiness_cells, tile="Current students ready for the exam"
)


def _held(awards: list[AwardedCredential]) -> list[Held]:
    return [
        Held(
            a.credential.code,
            a.credential.body.value,
            a.awarded_on,
            a.credential.ceus_required,
            a.credential.cycle_years,
        )
        for a in awards
    ]


@dataclass(frozen=True)
class CredentialStatus:
    awards: list[AwardedCredential]
    entries: list[CeuEntry]
    cycles: list[Cycle]


def credential_status(student_id: int, today: dt.date) -> CredentialStatus:
    """A holder's credentials, CEU entries and current cycles (two statements)."""
    awards = list(
        db.session.scalars(
            select(AwardedCredential)
            .where(AwardedCredential.student_id == student_id)
            .options(joinedload(AwardedCredential.credential))
            .order_by(AwardedCredential.awarded_on)
        )
    )
    entries = list(
        db.session.scalars(
            select(CeuEntry)
            .where(CeuEntry.student_id == student_id)
            .order_by(CeuEntry.earned_on.desc(), CeuEntry.id.desc())
        )
    )
    return CredentialStatus(
        awards, entries, cycles(_held(awards), [(e.earned_on, e.hours) for e in entries], today)
    )


@dataclass(frozen=True)
class BehindRow:
    student: User
    cycle: Cycle
    expected: Decimal


def alumni_behind(today: dt.date) -> list[BehindRow]:
    """Credential holders whose CEUs are behind a steady pace in a current cycle, the
    furthest behind first (three statements at any size)."""
    awards = list(
        db.session.scalars(
            select(AwardedCredential).options(joinedload(AwardedCredential.credential))
        )
    )
    by_student: dict[int, list[AwardedCredential]] = defaultdict(list)
    for a in awards:
        by_student[a.student_id].append(a)
    entries: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for sid, day, hours in db.session.execute(
        select(CeuEntry.student_id, CeuEntry.earned_on, CeuEntry.hours)
    ):
        entries[sid].append((day, hours))
    students = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_student))))
    }
    rows = []
    for sid, held in by_student.items():
        for cycle in cycles(_held(held), entries[sid], today):
            if cycle.behind(today):
                rows.append(BehindRow(students[sid], cycle, cycle.expected(today)))
    return sorted(rows, key=lambda r: (r.cycle.earned - r.expected, r.student.name))


# --- the experience letter's precondition (the letter itself is drawn by reports/) ---------

NO_HOURS = (
    "The experience letter attests only hours a supervisor confirmed, and none of this "
    "student’s externship hours are confirmed yet."
)


def _confirmed_hours(student_id: int) -> Select[tuple[Decimal]]:
    return (
        select(func.coalesce(func.sum(HourLog.hours), 0))
        .join(Placement, Placement.id == HourLog.placement_id)
        .join(Enrollment, Enrollment.id == Placement.enrollment_id)
        .where(Enrollment.student_id == student_id, HourLog.status == LogStatus.CONFIRMED)
    )


def letter_refusal(student_id: int) -> str | None:
    """Why the student's experience letter cannot be drafted (:data:`NO_HOURS`), or None
    when it can: one statement, for the page that links to the letter."""
    hours = Decimal(str(db.session.scalar(_confirmed_hours(student_id)) or 0))
    return NO_HOURS if hours <= 0 else None
