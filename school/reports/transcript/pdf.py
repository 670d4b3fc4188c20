"""The PDF step of a progress transcript: :func:`render_transcript` turns one
:class:`~school.reports.transcript.data.TranscriptData` into PDF bytes without touching the
database or the app's configuration (DESIGN.md §3 rule 5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from school import formats
from school.reports.pdf import MUTED, Frame, QRCode, build, document_header, e, p, styles, table
from school.reports.transcript.data import CourseLine, TranscriptData


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


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


def _headed(headers: Sequence[str], rows: Iterable[list[object]]) -> list[list[object]]:
    """A table's rows under its header row."""
    s = styles()
    return [[p(h, s.head) for h in headers], *rows]


def _course_row(c: CourseLine) -> list[object]:
    s = styles()
    title = e(c.title) + (
        f"<br/><font color='#5b6670' size='7.5'>{e(c.note)}</font>" if c.note else ""
    )
    # Short fixed-format cells are plain strings (drawn as they are, never read as
    # markup); only the title, which wraps, is a paragraph.
    return [
        c.code,
        p(title, s.cell),
        _num(c.credits),
        str(c.clock_hours),
        "" if c.percent is None else f"{c.percent:.2f}%",
        c.letter,
        "" if c.points is None else f"{c.points:.1f}",
    ]


def _courses(data: TranscriptData) -> list[Flowable]:
    s = styles()
    if not data.courses:
        return [p("No courses in this program yet.", s.muted)]
    rows = _headed(
        ("Code", "Course", "Credits", "Clock hrs", "Percent", "Letter", "Points"),
        (_course_row(c) for c in data.courses),
    )
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
    rows = _headed(
        ("Site", "Dates", "Status", "Confirmed / required", "Evaluation"),
        (
            [
                p(e(x.site), s.cell),
                p(e(x.dates), s.cell),
                x.status,
                f"{_num(x.confirmed)} / {_num(x.required)} h",
                p(e(x.evaluation), s.cell),
            ]
            for x in data.externships
        ),
    )
    widths = [1.9 * inch, 1.55 * inch, 0.95 * inch, 1.1 * inch, 1.5 * inch]
    return [table(rows, widths, right=(3,))]


def _exam_prep(data: TranscriptData) -> list[Flowable]:
    s = styles()
    if data.readiness is None:
        return [p("This program has no exam-prep plan.", s.muted)]
    rows = _headed(
        ("Step", "Kind", "Required", "Done", "Score"),
        (
            [
                p(e(st.title), s.cell),
                st.kind,
                "Yes" if st.required else "Optional",
                formats.format_date(st.done_on, data.date_format) if st.done_on else "—",
                "" if st.score is None else f"{_num(st.score)}%",
            ]
            for st in data.steps
        ),
    )
    widths = [2.8 * inch, 1.4 * inch, 0.8 * inch, 1.2 * inch, 0.8 * inch]
    return [
        table(rows, widths, right=(4,)),
        Spacer(1, 3),
        p(f"<b>Readiness:</b> {e(data.readiness)}", s.small),
    ]


def _attempts(data: TranscriptData) -> Flowable:
    s = styles()
    if not data.attempts:
        return p("No certification exam attempt on record.", s.muted)
    rows = _headed(
        ("Exam", "Attempt", "Date", "Version", "Score", "Result"),
        (
            [
                a.credential,
                str(a.number),
                formats.format_date(a.exam_date, data.date_format),
                a.version,
                _num(a.score),
                p(e(a.result) + ("" if a.verified else " (reported, not verified)"), s.cell),
            ]
            for a in sorted(data.attempts, key=lambda a: (a.exam_date, a.credential, a.number))
        ),
    )
    widths = [0.9 * inch, 0.7 * inch, 1.2 * inch, 1.0 * inch, 0.7 * inch, 2.5 * inch]
    return table(rows, widths, right=(1, 4))


def _credentials(data: TranscriptData) -> Flowable:
    s = styles()
    if not data.credentials:
        return p("No credential awarded yet.", s.muted)
    rows = _headed(
        ("Credential", "Awarded", "Member id", "Designation"),
        (
            [
                p(f"<b>{e(c.code)}</b> {e(c.name)}", s.cell),
                p(e(formats.format_date(c.awarded_on, data.date_format)), s.cell),
                p(e(c.member_id), s.cell),
                p(e(c.apprentice), s.cell),
            ]
            for c in data.credentials
        ),
    )
    widths = [3.0 * inch, 1.2 * inch, 1.2 * inch, 1.6 * inch]
    return table(rows, widths)


def _certification(data: TranscriptData) -> list[Flowable]:
    return [_attempts(data), Spacer(1, 6), _credentials(data)]


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
