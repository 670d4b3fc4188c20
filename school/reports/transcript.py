"""Progress transcripts: one query for a whole batch of enrollments builds frozen
:class:`TranscriptData`; :func:`render_transcript` turns one into PDF bytes without touching
the database or the app's configuration: the data carries the school's date pattern
(DESIGN.md §3 rule 5)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from flask import current_app
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school import formats
from school.certifications.models import Attempt, AwardedCredential, StepKind, StepResult
from school.certifications.queries import number_attempts, plans_of, verdict_for
from school.cohorts.grading import ResultState
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.cohorts.standings import standings_for, with_program
from school.config import DEFAULTS
from school.extensions import db
from school.internships.models import Evaluation, Placement
from school.internships.queries import placement_totals
from school.reports.pdf import MUTED, Frame, QRCode, build, document_header, e, p, styles, table
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


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _status_label(e: Enrollment) -> str:
    return {
        EnrollmentStatus.ACTIVE: "Active",
        EnrollmentStatus.LEAVE_OF_ABSENCE: "On leave of absence",
        EnrollmentStatus.WITHDRAWN: "Withdrawn",
        EnrollmentStatus.GRADUATED: "Graduated",
    }[e.status]


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
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.id.in_(ids))
            .options(with_program(), joinedload(Enrollment.student))
        ).unique()
    )
    standings = standings_for(enrollments, Enrollment.id.in_(ids))
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
    plans = plans_of({en.cohort.program_id for en in enrollments})
    results: dict[int, list[StepResult]] = defaultdict(list)
    for r in db.session.scalars(select(StepResult).where(StepResult.enrollment_id.in_(ids))):
        results[r.enrollment_id].append(r)
    students = {en.student_id for en in enrollments}
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

    logo = config.get("SCHOOL_LOGO")
    if logo and not Path(logo).is_file():
        logo = None
    issued_label = format_datetime(issued_at)
    out: dict[int, TranscriptData] = {}
    for en in enrollments:
        standing = standings[en.id]
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
        externships = []
        for pl in placements[en.id]:
            confirmed, _pending = hours.get(pl.id, (Decimal(0), Decimal(0)))
            ev = evaluations.get(pl.id)
            externships.append(
                ExternshipLine(
                    site=pl.site.name,
                    dates=f"{format_date(pl.start_date)} – {format_date(pl.end_date)}",
                    status=pl.status.value.replace("_", " ").capitalize(),
                    confirmed=confirmed,
                    required=pl.required_hours,
                    evaluation=(
                        f"Average {ev.average:.1f} of 5"
                        + (" · would hire" if ev.would_hire else "")
                        if ev
                        else "Not yet evaluated"
                    ),
                )
            )
        plan = plans.get(en.cohort.program_id)
        steps: list[StepLine] = []
        readiness = None
        if plan is not None and plan.steps:
            done = {r.step_id: r for r in results[en.id]}
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
            verdict = verdict_for(plan, results[en.id])
            readiness = (
                "Ready for the credentialing exam"
                if verdict.ready
                else ("Not yet ready: " + " ".join(verdict.missing))
            )
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
            courses=tuple(courses),
            credits_attempted=standing.credits_attempted,
            credits_earned=standing.credits_earned,
            credits_required=standing.credits_required,
            gpa=standing.gpa,
            externships=tuple(externships),
            steps=tuple(steps),
            readiness=readiness,
            attempts=tuple(
                AttemptLine(
                    credential=n.attempt.credential.code,
                    number=n.number,
                    exam_date=n.attempt.exam_date,
                    version=n.attempt.exam_version or "",
                    score=n.attempt.score,
                    result=n.attempt.result.value.capitalize(),
                    verified=n.attempt.verified_at is not None,
                )
                for n in attempts[en.student_id]
            ),
            credentials=tuple(
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
                for a in awards[en.student_id]
            ),
            issued_at=issued_at,
            issued_label=issued_label,
        )
    return out


# --- rendering ---------------------------------------------------------------------------------


def _header(data: TranscriptData) -> list[Flowable]:
    title = "Official progress transcript" if data.official else "Progress transcript"
    copy = f"Serial {e(data.official.serial)}" if data.official else "Unofficial copy"
    return document_header(
        school=data.school,
        address=data.school_address,
        logo=data.logo,
        title=title,
        subtitle=f"{copy} · issued {e(data.issued_label)}",
    )


def _student(data: TranscriptData) -> Flowable:
    s = styles()

    def pair(label: str, value: str) -> list[Flowable]:
        return [p(e(label), s.head), p(value, s.cell)]

    start = formats.format_date(data.start_date, data.date_format)
    since = formats.format_date(data.status_date, data.date_format)
    status = f"{e(data.status)} since {e(since)}"
    rows = [
        pair("Student", f"<b>{e(data.student)}</b>")
        + pair("Student number", e(data.student_number)),
        pair("Program", e(data.program)) + pair("Cohort", e(data.cohort)),
        pair("Start date", e(start)) + pair("Status", status),
    ]
    t = Table(rows, colWidths=[0.95 * inch, 2.6 * inch, 1.05 * inch, 2.5 * inch])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return t


def _courses(data: TranscriptData) -> list[Flowable]:
    s = styles()
    head = [
        p(h, s.head)
        for h in ("Code", "Course", "Credits", "Clock hrs", "Percent", "Letter", "Points")
    ]
    rows: list[list[object]] = [head]
    for c in data.courses:
        title = e(c.title) + (
            f"<br/><font color='#5b6670' size='7.5'>{e(c.note)}</font>" if c.note else ""
        )
        # Short fixed-format cells are plain strings (drawn as they are, never read as
        # markup); only the title, which wraps, is a paragraph.
        rows.append(
            [
                c.code,
                p(title, s.cell),
                _num(c.credits),
                str(c.clock_hours),
                "" if c.percent is None else f"{c.percent:.2f}%",
                c.letter,
                "" if c.points is None else f"{c.points:.1f}",
            ]
        )
    if len(rows) == 1:
        return [p("No courses in this program yet.", s.muted)]
    gpa = "—" if data.gpa is None else f"{data.gpa:.2f}"
    summary = p(
        f"Credits attempted <b>{_num(data.credits_attempted)}</b> · earned "
        f"<b>{_num(data.credits_earned)}</b> of {_num(data.credits_required)} required · "
        f"GPA <b>{gpa}</b> (W, I and TC are not in the GPA; TC counts toward credits earned)",
        s.small,
    )
    widths = [
        0.75 * inch,
        2.85 * inch,
        0.75 * inch,
        0.75 * inch,
        0.75 * inch,
        0.55 * inch,
        0.6 * inch,
    ]
    return [table(rows, widths, right=(2, 3, 4, 5, 6)), Spacer(1, 3), summary]


def _externship(data: TranscriptData) -> list[Flowable]:
    s = styles()
    if not data.externships:
        return [p("No externship placement.", s.muted)]
    rows: list[list[object]] = [
        [p(h, s.head) for h in ("Site", "Dates", "Status", "Confirmed / required", "Evaluation")]
    ]
    for x in data.externships:
        rows.append(
            [
                p(e(x.site), s.cell),
                p(e(x.dates), s.cell),
                x.status,
                f"{_num(x.confirmed)} / {_num(x.required)} h",
                p(e(x.evaluation), s.cell),
            ]
        )
    widths = [1.9 * inch, 1.55 * inch, 0.95 * inch, 1.1 * inch, 1.5 * inch]
    return [table(rows, widths, right=(3,))]


def _exam_prep(data: TranscriptData) -> list[Flowable]:
    s = styles()
    if data.readiness is None:
        return [p("This program has no exam-prep plan.", s.muted)]
    rows: list[list[object]] = [
        [p(h, s.head) for h in ("Step", "Kind", "Required", "Done", "Score")]
    ]
    for st in data.steps:
        rows.append(
            [
                p(e(st.title), s.cell),
                st.kind,
                "Yes" if st.required else "Optional",
                formats.format_date(st.done_on, data.date_format) if st.done_on else "—",
                "" if st.score is None else f"{_num(st.score)}%",
            ]
        )
    widths = [2.8 * inch, 1.4 * inch, 0.8 * inch, 1.2 * inch, 0.8 * inch]
    return [
        table(rows, widths, right=(4,)),
        Spacer(1, 3),
        p(f"<b>Readiness:</b> {e(data.readiness)}", s.small),
    ]


def _certification(data: TranscriptData) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    if data.attempts:
        rows: list[list[object]] = [
            [p(h, s.head) for h in ("Exam", "Attempt", "Date", "Version", "Score", "Result")]
        ]
        for a in sorted(data.attempts, key=lambda a: (a.exam_date, a.credential, a.number)):
            result = e(a.result) + ("" if a.verified else " (reported, not verified)")
            rows.append(
                [
                    a.credential,
                    str(a.number),
                    formats.format_date(a.exam_date, data.date_format),
                    a.version,
                    _num(a.score),
                    p(result, s.cell),
                ]
            )
        widths = [0.9 * inch, 0.7 * inch, 1.2 * inch, 1.0 * inch, 0.7 * inch, 2.5 * inch]
        out.append(table(rows, widths, right=(1, 4)))
    else:
        out.append(p("No certification exam attempt on record.", s.muted))
    out.append(Spacer(1, 6))
    if data.credentials:
        rows = [[p(h, s.head) for h in ("Credential", "Awarded", "Member id", "Designation")]]
        for c in data.credentials:
            rows.append(
                [
                    p(f"<b>{e(c.code)}</b> {e(c.name)}", s.cell),
                    p(e(formats.format_date(c.awarded_on, data.date_format)), s.cell),
                    p(e(c.member_id), s.cell),
                    p(e(c.apprentice), s.cell),
                ]
            )
        widths = [3.0 * inch, 1.2 * inch, 1.2 * inch, 1.6 * inch]
        out.append(table(rows, widths))
    else:
        out.append(p("No credential awarded yet.", s.muted))
    return out


def _official(data: TranscriptData) -> list[Flowable]:
    s = styles()
    assert data.official is not None
    o = data.official
    text = [
        p("<b>Official transcript</b>", s.body),
        p(f"Issued to <b>{e(o.recipient)}</b> for: {e(o.purpose)}", s.small),
        p(f"Serial <b>{e(o.serial)}</b>, issued {e(data.issued_label)}.", s.small),
        p(
            f"Verify it at <font color='#1f5f8b'>{e(o.verify_url)}</font> (scan the code): "
            "the page says whether a copy is exactly the one issued.",
            s.small,
        ),
    ]
    box = Table(
        [[QRCode(o.verify_url, size=1.05 * inch), text]], colWidths=[1.2 * inch, 5.9 * inch]
    )
    box.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, MUTED),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [KeepTogether([box]), Spacer(1, 6)]


def render_transcript(data: TranscriptData, *, compress: bool = True) -> bytes:
    """The transcript as PDF bytes: letter pages, "Page X of Y", table headers repeated on
    every page a table flows onto; an unofficial copy carries UNOFFICIAL across each page."""
    s = styles()
    story: list[Flowable] = _header(data)
    if data.official:
        story += _official(data)
    story += [_student(data)]
    story += [p("Coursework", s.h2), *_courses(data)]
    story += [p("Externship", s.h2), *_externship(data)]
    story += [p("Exam preparation", s.h2), *_exam_prep(data)]
    story += [p("Certification", s.h2), *_certification(data)]
    story += [
        Spacer(1, 10),
        p(
            f"Issued {e(data.issued_label)} by {e(data.school)}. "
            + (
                "This official transcript is valid only as issued; any change breaks its "
                "verification."
                if data.official
                else "Unofficial copy for the student's own use; not valid as an official record."
            ),
            s.muted,
        ),
    ]
    who = f"{data.student} · {data.student_number}"
    frame = Frame(
        footer=f"{data.school} · {who} · "
        + (f"Official, serial {data.official.serial}" if data.official else "Unofficial copy"),
        watermark=None if data.official else "UNOFFICIAL",
    )
    return build(story, title=f"Transcript: {data.student}", frame=frame, compress=compress)
