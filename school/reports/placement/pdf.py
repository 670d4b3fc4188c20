"""The PDF step of the cohort placement report: :func:`render_placement_report` turns
:class:`~school.reports.placement.report.PlacementReportData` into PDF bytes, a pure function
of it (DESIGN.md §3 rule 5)."""

from __future__ import annotations

from decimal import Decimal

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from school.formats import format_percent, percent_of
from school.reports.pdf import (
    ACCENT,
    FONT,
    INK,
    LINE,
    MUTED,
    Frame,
    build,
    document_header,
    e,
    fitted,
    p,
    style_value_axis,
    styles,
    table,
)
from school.reports.placement.report import (
    EMPLOYMENT_SHORT,
    PLACEMENT_STATES,
    PlacementReportData,
    StudentLine,
)

# --- formatting ----------------------------------------------------------------------------------


def hours_text(value: Decimal | None) -> str:
    """1234.50 -> "1,234.5"; None -> ""."""
    return "" if value is None else format(value.normalize(), ",f")


def money(value: Decimal | None) -> str:
    """$42,500 (cents only when there are some); None -> "—"."""
    if value is None:
        return "—"
    return f"${value:,.0f}" if value == value.to_integral() else f"${value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return format_percent(value)


# --- PDF -----------------------------------------------------------------------------------------

WIDTH = 7.1 * inch  # letter less the margins
PAD = 3  # the students table's cell padding, left and right
SITES_COLOUR = ACCENT
PLACEMENTS_COLOUR = colors.HexColor("#8fb8d6")


def _header(data: PlacementReportData) -> list[Flowable]:
    head = document_header(
        school=data.school,
        address=data.school_address,
        title="Cohort placement report",
        subtitle=f"{e(data.cohort)} · as of {e(data.as_of_label)}",
    )
    summary = p(
        f"<b>{e(data.cohort)}</b> · {e(data.program)} · {e(data.dates)} · "
        f"{len(data.students)} student{'' if len(data.students) == 1 else 's'}",
        styles().body,
    )
    return [*head, summary]


def _tiles(cells: list[tuple[str, str]]) -> Table:
    """A row of figures, each a big number over its label."""
    s = styles()
    big = s.title.clone("tile", fontSize=14, leading=17, spaceAfter=0, textColor=INK)
    row = [[p(e(value), big), p(e(label), s.muted)] for value, label in cells]
    width = WIDTH / len(cells)
    t = Table([row], colWidths=[width] * len(cells))
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.6, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return t


def _status(data: PlacementReportData) -> list[Flowable]:
    return [_tiles([(str(c.count), c.label) for c in data.states])]


def _hours(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.placed:
        return [p("No student of this cohort has a placement yet.", s.muted)]
    share = percent_of(data.confirmed_hours, data.required_hours)
    cells = [
        (
            f"{hours_text(data.confirmed_hours)} / {hours_text(data.required_hours)}",
            f"Hours confirmed / required{'' if share is None else f' ({_pct(share)})'}",
        ),
        (f"{data.hours_met} of {data.placed}", "Placed students with their hours confirmed"),
        (
            f"{data.complete} of {len(data.students)}",
            "Externships complete (hours confirmed and evaluation in)",
        ),
    ]
    return [
        _tiles(cells),
        Spacer(1, 3),
        p(
            "Each student's open placement counts, else their latest one; only hours the "
            "supervisor confirmed count.",
            s.muted,
        ),
    ]


def sites_chart(data: PlacementReportData) -> Drawing:
    """Sites and placements per setting type, as horizontal bars with a legend."""
    n = len(data.settings)
    bar_area = n * 20
    drawing = Drawing(WIDTH, bar_area + 40)
    chart = HorizontalBarChart()
    chart.x, chart.y = 130, 30
    chart.width, chart.height = WIDTH - 130 - 40, bar_area
    # The chart draws its first category at the bottom: reverse to read top-down.
    settings = list(reversed(data.settings))
    # Within a group the first series is drawn lowest: placements first, sites above them.
    chart.data = [[c.placements for c in settings], [c.sites for c in settings]]
    chart.categoryAxis.categoryNames = [c.label for c in settings]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = MUTED
    chart.categoryAxis.tickLeft = 0
    top = max([1, *(c.placements for c in settings), *(c.sites for c in settings)])
    step = max(1, -(-top // 8))
    style_value_axis(chart.valueAxis, maximum=step * -(-top // step), step=step)
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = PLACEMENTS_COLOUR
    chart.bars[1].fillColor = SITES_COLOUR
    chart.barSpacing = 1
    chart.groupSpacing = 5
    chart.barLabelFormat = lambda v: str(int(v)) if v else ""
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.fillColor = INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 130, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = FONT
    legend.fontSize = 8
    legend.dx = legend.dy = 7
    legend.deltax = 110
    legend.colorNamePairs = [
        (SITES_COLOUR, "Sites"),
        (PLACEMENTS_COLOUR, "Placements of this cohort"),
    ]
    drawing.add(legend)
    return drawing


def _settings(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not any(c.placements for c in data.settings):
        return [p("No placement yet, so no site to count.", s.muted)]
    return [sites_chart(data)]


def _evaluations(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.evaluations:
        return [p("No supervisor evaluation yet.", s.muted)]
    rows: list[list[object]] = [[p("Competency", s.head), p("Average of 1–5", s.head)]]
    for c in data.competencies:
        rows.append([p(e(c.label), s.cell), p(_rating(c.average), s.cell_right)])
    word = "evaluation" if data.evaluations == 1 else "evaluations"
    return [
        _left(table(rows, [3.4 * inch, 1.2 * inch], right=(1,))),
        Spacer(1, 3),
        p(
            f"Based on {data.evaluations} {word}; the supervisor would hire the student in "
            f"{data.would_hire} of {data.evaluations}.",
            s.small,
        ),
    ]


def _rating(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _employment(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.graduates:
        return [p("No graduate in this cohort yet.", s.muted)]
    rows: list[list[object]] = [[p("Status", s.head), p("Graduates", s.head), p("Share", s.head)]]
    for c in data.employment:
        share = percent_of(c.count, data.graduates)
        rows.append(
            [p(e(c.label), s.cell), p(str(c.count), s.cell_right), p(_pct(share), s.cell_right)]
        )
    numerator, denominator = data.placement_rate
    rate = percent_of(numerator, denominator)
    out: list[Flowable] = [
        _left(table(rows, [3.4 * inch, 0.9 * inch, 0.9 * inch], right=(1, 2))),
        Spacer(1, 3),
        p(
            f"Placement rate (F + R) / (G − U): <b>{_pct(rate)}</b> ({numerator} / {denominator})"
            f" of {data.graduates} graduate{'' if data.graduates == 1 else 's'}.",
            s.small,
        ),
    ]
    if data.salaries:
        basis = (
            f"based on {data.salaries} salar{'y' if data.salaries == 1 else 'ies'}: each "
            "graduate's earliest job in field or in a related field with a salary recorded"
        )
    else:
        basis = "no salary recorded for a job in field or in a related field"
    out.append(p(f"Median starting salary: <b>{money(data.median_salary)}</b> ({basis}).", s.small))
    return out


def _exams(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.exams:
        return [p("No verified certification exam attempt yet.", s.muted)]
    rows: list[list[object]] = [
        [
            p(h, s.head)
            for h in (
                "Credential",
                "Sat",
                "Passed, any attempt",
                "Pass rate",
                "Passed, first attempt",
                "First-attempt rate",
            )
        ]
    ]
    for x in data.exams:
        rows.append(
            [
                p(e(x.credential), s.cell),
                p(str(x.sat), s.cell_right),
                p(str(x.passed), s.cell_right),
                p(_pct(x.pass_rate), s.cell_right),
                p(str(x.passed_first), s.cell_right),
                p(_pct(x.first_attempt_rate), s.cell_right),
            ]
        )
    widths = [1.0 * inch, 0.6 * inch, 1.5 * inch, 0.9 * inch, 1.55 * inch, 1.45 * inch]
    return [
        table(rows, widths, right=(1, 2, 3, 4, 5)),
        Spacer(1, 3),
        p(
            "Students of the cohort with a verified attempt; the first attempt is the earliest "
            "by exam date.",
            s.muted,
        ),
    ]


STUDENT_COLUMNS = (
    ("Student", 1.22 * inch),
    ("Number", 0.78 * inch),
    ("Status", 0.72 * inch),
    ("Placement site", 1.35 * inch),
    ("Hours", 0.72 * inch),
    ("Eval.", 0.42 * inch),
    ("Employment", 0.9 * inch),
    ("Exam", 0.99 * inch),
)
STUDENT_WIDTHS = [width for _head, width in STUDENT_COLUMNS]
NOTE = "<br/><font color='#5b6670' size='7'>{}</font>"


def _student_row(st: StudentLine, small: ParagraphStyle) -> list[object]:
    """One student's cells; short fixed-format cells are plain strings (drawn as they are,
    never read as markup): laying out a paragraph per cell is most of a long report's time."""
    state = PLACEMENT_STATES[st.placement]
    site = (
        e(st.site)
        + NOTE.format(
            e(state)
            + (" · requirements met" if st.complete and st.placement != "completed" else "")
        )
        if st.site
        else f"<font color='#5b6670'>{e(state)}</font>"
    )
    hours = (
        f"{hours_text(st.confirmed)} / {hours_text(st.required)}"
        if st.required is not None
        else "—"
    )
    return [
        fitted(st.name, STUDENT_WIDTHS[0] - 2 * PAD, small),
        st.student_number or "—",
        st.status,
        p(site, small),
        hours,
        _rating(st.evaluation),
        EMPLOYMENT_SHORT[st.employment] if st.employment else "—",
        fitted(st.exam or "—", STUDENT_WIDTHS[7] - 2 * PAD, small),
    ]


def _students(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.students:
        return [p("No student is enrolled in this cohort.", s.muted)]
    small = s.cell.clone("cell_small", fontSize=7.5, leading=9.5)
    rows: list[list[object]] = [[p(head, s.head) for head, _width in STUDENT_COLUMNS]]
    rows += [_student_row(st, small) for st in data.students]
    students = table(rows, STUDENT_WIDTHS, right=(4, 5))
    students.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("FONTSIZE", (0, 1), (-1, -1), 7.5),  # as ``small``: fitted cells are strings
                ("LEADING", (0, 1), (-1, -1), 9.5),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            ]
        )
    )
    return [
        students,
        Spacer(1, 3),
        p(
            "Hours: confirmed / required of the student's open (else latest) placement. "
            "Eval.: the supervisor's average rating of 1–5. Employment: graduates only.",
            s.muted,
        ),
    ]


def _left(t: Table) -> Table:
    t.hAlign = "LEFT"
    return t


def render_placement_report(data: PlacementReportData, *, compress: bool = True) -> bytes:
    """The placement report as PDF bytes: letter pages with "Page X of Y", the figures of
    the cohort, the sites chart, then one row per student (headers repeated on every page)."""
    s = styles()
    story: list[Flowable] = _header(data)
    for title, part in (
        ("Externship placement status", _status),
        ("Hours and completion", _hours),
        ("Sites by setting type", _settings),
        ("Supervisor evaluations", _evaluations),
        ("Graduates' employment", _employment),
        ("Certification exams", _exams),
    ):
        # A section never starts at the foot of one page and ends on the next.
        story.append(KeepTogether([p(e(title), s.h2), *part(data)]))
    # The students' table starts on a new page unless a few rows fit under its heading.
    story += [CondPageBreak(1.6 * inch), p("Students", s.h2), *_students(data)]
    frame = Frame(
        footer=f"{data.school} · {data.cohort} placement report · as of {data.as_of_label}"
    )
    return build(story, title=f"Placement report: {data.cohort}", frame=frame, compress=compress)
