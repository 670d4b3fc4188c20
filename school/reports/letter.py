"""The draft experience letter a supervisor reviews, prints on letterhead and signs so that
the body removes an apprentice designation (CPC-A): the student's placements as recorded
(site, the placement's own dates, supervisor), the hours the supervisor confirmed there and
the most frequent duties.

Three steps (DESIGN.md §3 rule 5): :func:`letter_data` reads everything into a frozen
:class:`LetterData`; :func:`render_letter` is a pure function of it (the documents' header,
embedded Unicode font and date format); the view sends the bytes. Without a confirmed hour
there is nothing to attest, so the letter is refused (:data:`NO_HOURS`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.certifications.models import AwardedCredential
from school.certifications.queries import NO_HOURS  # noqa: F401  (the letter refuses with it)
from school.cohorts.models import Enrollment
from school.extensions import db
from school.internships.models import HourLog, LogStatus, Placement
from school.reports.letterhead import school_logo
from school.reports.pdf import Frame, build, document_header, e, p, styles, table
from school.web.templating import format_date


@dataclass(frozen=True)
class LetterPlacement:
    """One placement with confirmed hours: its site, its own dates and supervisor."""

    site: str
    address: str
    supervisor: str
    start: dt.date  # the placement's start date
    end: dt.date  # its last day at the site if it ended early, else its end date
    dates: str  # start – end in the school's date format
    hours: Decimal  # confirmed hours only
    duties: tuple[str, ...]  # the most frequent confirmed activities, most frequent first


@dataclass(frozen=True)
class LetterData:
    school: str
    school_address: str
    logo: str | None  # a file path
    student_id: int
    student: str
    student_number: str
    credential: str
    member_id: str
    placements: tuple[LetterPlacement, ...]
    prepared_on: str  # in the school's date format

    @property
    def total_hours(self) -> Decimal:
        return sum((pl.hours for pl in self.placements), Decimal(0))


def letter_stem(data: LetterData) -> str:
    """The download's file name (without extension), like a transcript's: the document,
    the student number and the credential."""
    number = data.student_number or f"student-{data.student_id}"
    return f"experience-letter-{number}-{data.credential}"


def letter_data(award: AwardedCredential, today: dt.date, *, duties: int = 5) -> LetterData:
    """Everything the letter shows, read once: the award's student and credential, each of
    their placements with confirmed hours (with its site and supervisor), and the confirmed
    hours per placement and activity (one statement each). Placements without a confirmed
    hour are left out; no placement at all means the letter is refused (:data:`NO_HOURS`)."""
    config = current_app.config
    student = db.session.scalars(select(User).where(User.id == award.student_id)).one()
    placements = list(
        db.session.scalars(
            select(Placement)
            .join(Enrollment, Enrollment.id == Placement.enrollment_id)
            .where(Enrollment.student_id == student.id)
            .options(joinedload(Placement.site), joinedload(Placement.supervisor))
            .order_by(Placement.start_date, Placement.id)
        )
    )
    hours: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if placements:
        for placement_id, activities, days, total in db.session.execute(
            select(HourLog.placement_id, HourLog.activities, func.count(), func.sum(HourLog.hours))
            .where(
                HourLog.placement_id.in_([pl.id for pl in placements]),
                HourLog.status == LogStatus.CONFIRMED,
            )
            .group_by(HourLog.placement_id, HourLog.activities)
        ):
            hours[placement_id] += Decimal(str(total))
            counts[placement_id][activities] = days
    lines = []
    for pl in placements:
        if hours[pl.id] <= 0:
            continue
        end = pl.ended_on or pl.end_date
        done = counts[pl.id]
        lines.append(
            LetterPlacement(
                site=pl.site.name,
                address=pl.site.address,
                supervisor=pl.supervisor.name,
                start=pl.start_date,
                end=end,
                dates=f"{format_date(pl.start_date)} – {format_date(end)}",
                hours=hours[pl.id],
                duties=tuple(sorted(done, key=lambda a: (-done[a], a))[:duties]),
            )
        )
    return LetterData(
        school=config["SCHOOL_NAME"],
        school_address=config.get("SCHOOL_ADDRESS") or "",
        logo=school_logo(config),
        student_id=student.id,
        student=student.name,
        student_number=student.student_number or "",
        credential=award.credential.code,
        member_id=award.member_id,
        placements=tuple(lines),
        prepared_on=format_date(today),
    )


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _placements(data: LetterData) -> list[Flowable]:
    s = styles()
    rows: list[list[object]] = [["Site", "Placement dates", "Hours", "Supervisor"]]
    for pl in data.placements:
        rows.append(
            [
                p(f"{e(pl.site)}<br/>{e(pl.address)}", s.cell),
                p(e(pl.dates), s.cell),
                _hours(pl.hours),
                p(e(pl.supervisor), s.cell),
            ]
        )
    story: list[Flowable] = [
        table(rows, [2.3 * inch, 1.95 * inch, 0.7 * inch, 2.15 * inch], right=(2,)),
        Spacer(1, 4),
        p("Duties performed", s.h2),
    ]
    for pl in data.placements:
        for duty in pl.duties:
            story.append(p(f"• {e(duty)} <font color='#5b6670'>({e(pl.site)})</font>", s.body))
    return story


def render_letter(data: LetterData, *, compress: bool = True) -> bytes:
    """The draft letter as PDF bytes (letter size, "Page X of Y"), on the documents' header
    and with their embedded Unicode font, so a name prints as written in any script the
    font covers. A pure function of ``data``."""
    s = styles()
    credential = e(data.credential)
    member = f", member {e(data.member_id)}" if data.member_id else ""
    number = f" (student {e(data.student_number)})" if data.student_number else ""
    story: list[Flowable] = [
        *document_header(
            school=data.school,
            address=data.school_address,
            logo=data.logo,
            title="Experience letter — draft",
            subtitle=f"{e(data.student)} · {credential} · prepared {e(data.prepared_on)}",
        ),
        p(
            "<i>Draft for the supervisor to review, print on letterhead and sign.</i>",
            s.muted,
        ),
        Spacer(1, 10),
        p("To: AAPC, apprentice designation removal"),
        p(f"Re: {e(data.student)}{number}, {credential}{member}"),
        Spacer(1, 8),
        p(
            f"This letter confirms that {e(data.student)} completed "
            f"<b>{_hours(data.total_hours)} hours</b> of supervised medical coding work during "
            f"an externship arranged by {e(data.school)}, as follows:"
        ),
        Spacer(1, 6),
        *_placements(data),
        Spacer(1, 30),
        p("Supervisor signature: ______________________________   Date: ____________"),
        Spacer(1, 14),
        p("Name and title: ______________________________"),
        Spacer(1, 20),
        p(
            f"Prepared by {e(data.school)} on {e(data.prepared_on)} from the hours the "
            "supervisor confirmed.",
            s.muted,
        ),
    ]
    frame = Frame(footer=f"{data.school} · experience letter draft · {data.student}")
    return build(
        story, title=f"Experience letter draft: {data.student}", frame=frame, compress=compress
    )
