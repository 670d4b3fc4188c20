"""The data step of a progress transcript: one query for a whole batch of enrollments builds
frozen :class:`TranscriptData` (DESIGN.md §3 rule 5). The data carries the school's date
pattern, so that the renderer (:mod:`school.reports.transcript.pdf`) never reads the app's
configuration."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.certifications.models import Attempt, AwardedCredential, StepKind, StepResult
from school.certifications.queries import number_attempts, plans_of, verdict_for
from school.cohorts.grade_arithmetic import ResultState
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.cohorts.standings import standings_for, with_program
from school.config import DEFAULTS
from school.extensions import db
from school.internships.models import Evaluation, Placement
from school.internships.queries import placement_totals
from school.reports.letterhead import school_logo
from school.web.templating import format_date, format_datetime


@dataclass(frozen=True)
class CourseLine:
    code: str
    title: str
    credits: Decimal
    clock_hours: int
    percent: Decimal | None
    letter: str  # A–F, W, I, TC, or "" while in progress
    points: Decimal | None
    note: str  # "In progress (2 of 4 scored)", "Not started", ""


@dataclass(frozen=True)
class ExternshipLine:
    site: str
    dates: str
    status: str
    confirmed: Decimal
    required: Decimal
    evaluation: str  # e.g. "Average 4.3 of 5 · would hire", or "Not yet evaluated"


@dataclass(frozen=True)
class StepLine:
    title: str
    kind: str
    required: bool
    done_on: dt.date | None
    score: Decimal | None


@dataclass(frozen=True)
class AttemptLine:
    credential: str
    number: int
    exam_date: dt.date
    version: str
    score: Decimal | None
    result: str
    verified: bool


@dataclass(frozen=True)
class CredentialLine:
    code: str
    name: str
    awarded_on: dt.date
    member_id: str
    apprentice: str  # "", "Apprentice (-A)", "Apprentice removed Mar 3, 2027"


@dataclass(frozen=True)
class Official:
    serial: str
    recipient: str
    purpose: str
    verify_url: str


@dataclass(frozen=True)
class TranscriptData:
    school: str
    school_address: str
    logo: str | None  # a file path
    student: str
    student_number: str
    email: str
    program: str
    cohort: str
    start_date: dt.date
    status: str
    status_date: dt.date
    courses: tuple[CourseLine, ...]
    credits_attempted: Decimal
    credits_earned: Decimal
    credits_required: Decimal
    gpa: Decimal | None
    externships: tuple[ExternshipLine, ...]
    steps: tuple[StepLine, ...]
    readiness: str | None  # None: the program has no exam-prep plan
    attempts: tuple[AttemptLine, ...]
    credentials: tuple[CredentialLine, ...]
    issued_at: dt.datetime
    issued_label: str  # issued_at in the school's time zone, as printed
    official: Official | None = None
    date_format: str = DEFAULTS["DATE_FORMAT"]  # the school's, for the dates the renderer writes

    def with_official(self, official: Official) -> TranscriptData:
        return replace(self, official=official)


def transcript_stem(enrollment: Enrollment, kind: str) -> str:
    """The file name (without extension) of a transcript: its student number and the copy."""
    number = enrollment.student.student_number or f"student-{enrollment.student_id}"
    return f"transcript-{number}-{kind}"


def _status_label(e: Enrollment) -> str:
    return {
        EnrollmentStatus.ACTIVE: "Active",
        EnrollmentStatus.LEAVE_OF_ABSENCE: "On leave of absence",
        EnrollmentStatus.WITHDRAWN: "Withdrawn",
        EnrollmentStatus.GRADUATED: "Graduated",
    }[e.status]


# --- reading a batch ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """Every record the transcripts of a batch show, keyed for the line builders below."""

    enrollments: list[Enrollment]
    standings: dict[int, Any]  # enrollment id -> its standing
    placements: dict[int, list[Placement]]  # enrollment id -> its placements, oldest first
    hours: dict[int, tuple[Decimal, Decimal]]  # placement id -> (confirmed, pending)
    evaluations: dict[int, Evaluation]  # placement id -> its evaluation
    plans: dict[int, Any]  # program id -> its exam-prep plan
    results: dict[int, list[StepResult]]  # enrollment id -> its step results
    attempts: dict[int, list[Any]]  # student id -> their numbered attempts
    awards: dict[int, list[AwardedCredential]]  # student id -> their awards, oldest first


def _read_placements(
    ids: list[int],
) -> tuple[dict[int, list[Placement]], dict[int, tuple[Decimal, Decimal]], dict[int, Evaluation]]:
    """The enrollments' placements (with their sites), confirmed hours and evaluations."""
    placements: dict[int, list[Placement]] = defaultdict(list)
    all_placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.enrollment_id.in_(ids))
            .options(joinedload(Placement.site))
            .order_by(Placement.start_date)
        )
    )
    for pl in all_placements:
        placements[pl.enrollment_id].append(pl)
    hours = placement_totals([pl.id for pl in all_placements])
    evaluations = (
        {
            ev.placement_id: ev
            for ev in db.session.scalars(
                select(Evaluation).where(
                    Evaluation.placement_id.in_([pl.id for pl in all_placements])
                )
            )
        }
        if all_placements
        else {}
    )
    return placements, hours, evaluations


def _read_certifications(
    students: set[int],
) -> tuple[dict[int, list[Any]], dict[int, list[AwardedCredential]]]:
    """The students' exam attempts (numbered per credential) and awarded credentials."""
    attempts = defaultdict(list)
    for n in number_attempts(
        list(
            db.session.scalars(
                select(Attempt)
                .where(Attempt.student_id.in_(students))
                .options(joinedload(Attempt.credential))
            )
        )
    ):
        attempts[n.attempt.student_id].append(n)
    awards = defaultdict(list)
    for a in db.session.scalars(
        select(AwardedCredential)
        .where(AwardedCredential.student_id.in_(students))
        .options(joinedload(AwardedCredential.credential))
        .order_by(AwardedCredential.awarded_on)
    ):
        awards[a.student_id].append(a)
    return attempts, awards


def _read_batch(ids: list[int]) -> _Batch:
    """Every record of the batch, in a fixed number of statements."""
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.id.in_(ids))
            .options(with_program(), joinedload(Enrollment.student))
        ).unique()
    )
    standings = standings_for(enrollments, Enrollment.id.in_(ids))
    placements, hours, evaluations = _read_placements(ids)
    plans = plans_of({en.cohort.program_id for en in enrollments})
    results: dict[int, list[StepResult]] = defaultdict(list)
    for r in db.session.scalars(select(StepResult).where(StepResult.enrollment_id.in_(ids))):
        results[r.enrollment_id].append(r)
    attempts, awards = _read_certifications({en.student_id for en in enrollments})
    return _Batch(
        enrollments, standings, placements, hours, evaluations, plans, results, attempts, awards
    )


# --- one transcript's lines --------------------------------------------------------------------


def _course_lines(en: Enrollment, standing: Any) -> tuple[CourseLine, ...]:
    clock = {c.id: c.clock_hours for c in en.cohort.program.courses}
    courses = []
    for r in standing.results:
        note = ""
        if r.state == ResultState.NOT_STARTED:
            note = "Not started"
        elif r.state == ResultState.IN_PROGRESS:
            note = f"In progress ({r.scored} of {r.assessments} scored)"
        special = r.state == ResultState.SPECIAL
        courses.append(
            CourseLine(
                code=r.code,
                title=r.title,
                credits=r.credit_hours,
                clock_hours=clock.get(r.course_id, 0),
                percent=None if special else r.percent,
                letter=r.letter or ""
                if r.state in (ResultState.FINAL, ResultState.SPECIAL)
                else "",
                points=r.points if r.state == ResultState.FINAL else None,
                note=note,
            )
        )
    return tuple(courses)


def _externship_lines(en: Enrollment, batch: _Batch) -> tuple[ExternshipLine, ...]:
    externships = []
    for pl in batch.placements[en.id]:
        confirmed, _pending = batch.hours.get(pl.id, (Decimal(0), Decimal(0)))
        ev = batch.evaluations.get(pl.id)
        externships.append(
            ExternshipLine(
                site=pl.site.name,
                dates=f"{format_date(pl.start_date)} – {format_date(pl.end_date)}",
                status=pl.status.value.replace("_", " ").capitalize(),
                confirmed=confirmed,
                required=pl.required_hours,
                evaluation=(
                    f"Average {ev.average:.1f} of 5" + (" · would hire" if ev.would_hire else "")
                    if ev
                    else "Not yet evaluated"
                ),
            )
        )
    return tuple(externships)


def _exam_prep_lines(en: Enrollment, batch: _Batch) -> tuple[tuple[StepLine, ...], str | None]:
    """The plan's steps with the enrollment's results, and the readiness verdict (None when
    the program has no exam-prep plan)."""
    plan = batch.plans.get(en.cohort.program_id)
    if plan is None or not plan.steps:
        return (), None
    done = {r.step_id: r for r in batch.results[en.id]}
    steps = []
    for s in plan.steps:
        r = done.get(s.id)
        steps.append(
            StepLine(
                title=s.title,
                kind=StepKind(s.kind).label,
                required=s.required,
                done_on=r.completed_on if r else None,
                score=r.score if r else None,
            )
        )
    verdict = verdict_for(plan, batch.results[en.id])
    readiness = (
        "Ready for the credentialing exam"
        if verdict.ready
        else ("Not yet ready: " + " ".join(verdict.missing))
    )
    return tuple(steps), readiness


def _attempt_lines(numbered: list[Any]) -> tuple[AttemptLine, ...]:
    return tuple(
        AttemptLine(
            credential=n.attempt.credential.code,
            number=n.number,
            exam_date=n.attempt.exam_date,
            version=n.attempt.exam_version or "",
            score=n.attempt.score,
            result=n.attempt.result.value.capitalize(),
            verified=n.attempt.verified_at is not None,
        )
        for n in numbered
    )


def _credential_lines(awards: list[AwardedCredential]) -> tuple[CredentialLine, ...]:
    return tuple(
        CredentialLine(
            code=a.credential.code,
            name=a.credential.name,
            awarded_on=a.awarded_on,
            member_id=a.member_id,
            apprentice=(
                f"Apprentice designation removed {format_date(a.apprentice_removed_on)}"
                if a.apprentice_removed_on
                else "Apprentice designation"
                if a.apprentice
                else ""
            ),
        )
        for a in awards
    )


def transcripts_data(
    enrollment_ids: Sequence[int], issued_at: dt.datetime
) -> dict[int, TranscriptData]:
    """Everything the transcripts of ``enrollment_ids`` show, read in a fixed number of
    statements whatever the batch size (enrollments, standings, placements, hours,
    evaluations, plans, step results, attempts, awards)."""
    ids = list(enrollment_ids)
    if not ids:
        return {}
    config = current_app.config
    batch = _read_batch(ids)
    logo = school_logo(config)
    issued_label = format_datetime(issued_at)
    out: dict[int, TranscriptData] = {}
    for en in batch.enrollments:
        standing = batch.standings[en.id]
        steps, readiness = _exam_prep_lines(en, batch)
        student = en.student
        out[en.id] = TranscriptData(
            school=config["SCHOOL_NAME"],
            school_address=config.get("SCHOOL_ADDRESS") or "",
            logo=logo,
            date_format=config["DATE_FORMAT"],
            student=student.name,
            student_number=student.student_number or "—",
            email=student.email,
            program=f"{en.cohort.program.name} ({en.cohort.program.code})",
            cohort=en.cohort.code,
            start_date=en.start_date,
            status=_status_label(en),
            status_date=en.status_date,
            courses=_course_lines(en, standing),
            credits_attempted=standing.credits_attempted,
            credits_earned=standing.credits_earned,
            credits_required=standing.credits_required,
            gpa=standing.gpa,
            externships=_externship_lines(en, batch),
            steps=steps,
            readiness=readiness,
            attempts=_attempt_lines(batch.attempts[en.student_id]),
            credentials=_credential_lines(batch.awards[en.student_id]),
            issued_at=issued_at,
            issued_label=issued_label,
        )
    return out
