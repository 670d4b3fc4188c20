"""The draft experience letter a supervisor signs so that AAPC removes an apprentice
designation (CPC-A): a query builds a frozen dataclass from the student's confirmed externship
hours; a pure function renders it to PDF bytes with ReportLab; the view sends the bytes.
User text is escaped before it goes into ReportLab markup."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from school.certifications.models import AwardedCredential
from school.internships.queries import ExperienceRow, confirmed_experience


@dataclass(frozen=True)
class LetterData:
    school: str
    student: str
    credential: str
    member_id: str
    rows: tuple[ExperienceRow, ...]
    prepared_on: dt.date

    @property
    def total_hours(self) -> Decimal:
        return sum((r.hours for r in self.rows), Decimal(0))


def letter_data(award: AwardedCredential, student_name: str, today: dt.date) -> LetterData:
    """Everything the letter shows, read once (the renderer touches no database)."""
    return LetterData(
        school=current_app.config["SCHOOL_NAME"],
        student=student_name,
        credential=award.credential.code,
        member_id=award.member_id,
        rows=tuple(confirmed_experience(award.student_id)),
        prepared_on=today,
    )


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def render_letter(data: LetterData, *, compress: bool = True) -> bytes:
    """The draft letter as PDF bytes (letter size)."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch,
        bottomMargin=inch,
        title=f"Experience letter draft: {data.student}",
        pageCompression=1 if compress else 0,
    )
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    e = escape
    story = [
        Paragraph(
            "DRAFT — for the supervisor to review, print on letterhead and sign", styles["Italic"]
        ),
        Spacer(1, 12),
        Paragraph("To: AAPC, apprentice designation removal", body),
        Paragraph(f"Re: {e(data.student)}, {e(data.credential)} member {e(data.member_id)}", body),
        Spacer(1, 12),
        Paragraph(
            f"This letter confirms that {e(data.student)} completed {_hours(data.total_hours)} "
            f"hours of supervised medical coding work during an externship arranged by "
            f"{e(data.school)}, as follows:",
            body,
        ),
        Spacer(1, 8),
    ]
    if data.rows:
        table = [["Site", "Dates", "Hours", "Supervisor"]]
        for r in data.rows:
            table.append(
                [
                    Paragraph(f"{e(r.site)}<br/>{e(r.address)}", body),
                    f"{r.first_day:%b %d, %Y} – {r.last_day:%b %d, %Y}",
                    _hours(r.hours),
                    Paragraph(e(r.supervisor), body),
                ]
            )
        grid = Table(
            table, colWidths=[2.4 * inch, 1.9 * inch, 0.6 * inch, 1.6 * inch], repeatRows=1
        )
        grid.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.75, "#444444"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ]
            )
        )
        story += [grid, Spacer(1, 12), Paragraph("Duties performed", heading)]
        for r in data.rows:
            for duty in r.duties:
                story.append(Paragraph(f"• {e(duty)} ({e(r.site)})", body))
    else:
        story.append(Paragraph("No confirmed externship hours are on record yet.", body))
    story += [
        Spacer(1, 36),
        Paragraph(
            "Supervisor signature: ______________________________   Date: ____________", body
        ),
        Spacer(1, 12),
        Paragraph("Name and title: ______________________________", body),
        Spacer(1, 24),
        Paragraph(
            f"Prepared by {e(data.school)} on {data.prepared_on:%B %d, %Y} from the hours "
            "the supervisor confirmed.",
            styles["Italic"],
        ),
    ]
    doc.build(story)
    return out.getvalue()
