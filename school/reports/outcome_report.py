"""The outcome rates of a period as a PDF (DESIGN.md §2 "Outcome rates"): the rates of every
program and of all programs with their numerators, denominators and thresholds, a bar chart
of the total's rates against their thresholds, and the counts behind them.

:func:`render_outcome_report` is pure: it takes the :class:`~school.outcomes.rates.Report`
that :func:`~school.outcomes.rates.outcome_rates` built and returns bytes (§3 rule 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer

from school.config import DEFAULTS
from school.formats import format_date
from school.outcomes import rates
from school.reports.pdf import (
    ACCENT,
    FONT,
    INK,
    MUTED,
    Frame,
    build,
    document_header,
    e,
    p,
    style_value_axis,
    styles,
    table,
)

WIDTH = 7.1 * inch  # letter less the margins
BELOW = colors.HexColor("#b03a2e")
THRESHOLD = colors.HexColor("#e08a00")  # amber: visible across a blue bar and on white
CHART_LABELS = {
    "retention": "Retention",
    "placement": "Placement",
    "participation": "Exam\nparticipation",
    "pass_rate": "Pass rate\n(any attempt)",
    "first_attempt_pass_rate": "Pass rate\n(first attempt)",
}
RATE_COLUMNS = 4  # programs per rates table
COUNT_COLUMNS = 4  # programs per counts table


def _rate(row: rates.Row, name: str, thresholds: Mapping[str, Decimal]) -> rates.Rate:
    r = row.rate(name)
    return rates.Rate(r.numerator, r.denominator, Decimal(thresholds[name]))


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _columns(report: rates.Report) -> list[tuple[str, rates.Row]]:
    """The programs, and "All programs" when there is more than one (as on the page)."""
    if len(report.rows) == 1:
        return [(report.rows[0].code, report.rows[0])]
    return [*((row.code, row) for row in report.rows), ("All programs", report.total)]


def _chunks(items: Sequence[tuple[str, rates.Row]], size: int) -> list[list[tuple[str, rates.Row]]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def _scope(report: rates.Report) -> str:
    if len(report.rows) == 1 and report.rows[0].program is not None:
        program = report.rows[0].program
        return f"{program.name} ({program.code})"
    return "All programs"


def _period(report: rates.Report, date_format: str) -> str:
    start, end = report.period.start, report.period.end
    return f"{format_date(start, date_format)} – {format_date(end, date_format)}"


def _header(
    report: rates.Report, school: str, school_address: str, date_format: str
) -> list[Flowable]:
    head = document_header(
        school=school,
        address=school_address,
        title="Outcome rates report",
        subtitle=f"{e(_period(report, date_format))} · {e(_scope(report))}",
    )
    # A period that has not ended is counted as of a day (``Report.as_of``).
    as_of = report.as_of
    unfinished = (
        f" The period has not ended: counted as of <b>{e(format_date(as_of, date_format))}</b>."
        if as_of
        else ""
    )
    intro = p(
        f"Period <b>{e(format_date(report.period.start, date_format))}</b> to "
        f"<b>{e(format_date(report.period.end, date_format))}</b> (both days included)."
        f"{unfinished} A rate "
        "is marked <b>below</b> when it falls under its threshold; with a denominator of 0 "
        "there is no rate (—).",
        styles().small,
    )
    return [*head, intro]


def _rates_tables(report: rates.Report, thresholds: Mapping[str, Decimal]) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    for chunk in _chunks(_columns(report), RATE_COLUMNS):
        rows: list[list[object]] = [
            [
                p("Rate", s.head),
                p("Threshold", s.head),
                *(p(e(code), s.head.clone("head_right", alignment=2)) for code, _ in chunk),
            ]
        ]
        for name in rates.RATES:
            cells: list[object] = [
                p(
                    f"{e(rates.RATE_LABELS[name])}<br/>"
                    f"<font color='#5b6670' size='7.5'>{e(rates.FORMULAS[name])}</font>",
                    s.cell,
                ),
                p(f"{_number(Decimal(thresholds[name]))}%", s.cell_right),
            ]
            for _code, row in chunk:
                r = _rate(row, name, thresholds)
                value = "—" if r.percent is None else f"<b>{r.percent}%</b>"
                if r.below:
                    value += " <font color='#b03a2e'><b>below</b></font>"
                cells.append(
                    p(
                        f"{value}<br/><font color='#5b6670' size='7.5'>"
                        f"{r.numerator} / {r.denominator}</font>",
                        s.cell_right,
                    )
                )
            rows.append(cells)
        widths = [2.3 * inch, 0.8 * inch, *([1.0 * inch] * len(chunk))]
        t = table(rows, widths, right=tuple(range(1, len(chunk) + 2)))
        t.hAlign = "LEFT"
        out += [t, Spacer(1, 6)]
    return out


CHART_X, CHART_Y, CHART_W, CHART_H = 40, 62, WIDTH - 60, 150  # the bars' area in the drawing


def _bars(values: Mapping[str, rates.Rate]) -> VerticalBarChart:
    """One bar per rate (red when below its threshold), its figures under it."""
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = CHART_X, CHART_Y, CHART_W, CHART_H
    chart.data = [[float(v.percent or 0) for v in values.values()]]
    # The figures go under the bars, not over them, where a threshold line could cross them.
    names = []
    for name, r in values.items():
        figure = "no rate" if r.value is None else f"{r.percent}% ({r.numerator} / {r.denominator})"
        names.append(f"{CHART_LABELS[name]}\n{figure}")
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.leading = 10
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.textAnchor = "middle"
    chart.categoryAxis.labels.dy = -4
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.strokeColor = MUTED
    chart.categoryAxis.tickDown = 0
    style_value_axis(chart.valueAxis, maximum=100, step=20)
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = ACCENT
    for i, r in enumerate(values.values()):
        if r.below:
            chart.bars[(0, i)].fillColor = BELOW
    chart.barWidth = 10
    chart.groupSpacing = 16
    return chart


def _threshold_line(x1: float, y1: float, x2: float, y2: float) -> Line:
    return Line(x1, y1, x2, y2, strokeColor=THRESHOLD, strokeWidth=1.6, strokeDashArray=[4, 2])


def _legend(drawing: Drawing, thresholds: Mapping[str, Decimal]) -> None:
    """The colours of the bars and the threshold's dashed line, under the chart."""
    y = 6
    x = CHART_X
    for colour, label in ((ACCENT, "At or above the threshold"), (BELOW, "Below the threshold")):
        drawing.add(Rect(x, y, 8, 8, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 12, y + 1, label, fontName=FONT, fontSize=8, fillColor=INK))
        x += 150
    drawing.add(_threshold_line(x, y + 4, x + 18, y + 4))
    same = len({Decimal(thresholds[n]) for n in rates.RATES}) == 1
    threshold_label = (
        f"Threshold ({_number(Decimal(thresholds[rates.RATES[0]]))}%)"
        if same
        else "Each rate's threshold"
    )
    drawing.add(String(x + 22, y + 1, threshold_label, fontName=FONT, fontSize=8, fillColor=INK))


def rates_chart(report: rates.Report, thresholds: Mapping[str, Decimal]) -> Drawing:
    """The total's rates as vertical bars (red when below the threshold) with each rate's
    threshold drawn as a dashed line across its bar; a rate without a denominator has no
    bar and reads "no rate"."""
    row = report.total
    drawing = Drawing(WIDTH, CHART_Y + CHART_H + 18)
    values = {name: _rate(row, name, thresholds) for name in rates.RATES}
    drawing.add(_bars(values))
    # One dashed line per rate at its threshold, across the rate's slot.
    slot = CHART_W / len(values)
    for i, name in enumerate(values):
        level = CHART_Y + CHART_H * float(Decimal(thresholds[name])) / 100
        drawing.add(
            _threshold_line(CHART_X + i * slot + 4, level, CHART_X + (i + 1) * slot - 4, level)
        )
    _legend(drawing, thresholds)
    return drawing


def _counts_tables(report: rates.Report) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    for chunk in _chunks(_columns(report), COUNT_COLUMNS):
        rows: list[list[object]] = [
            [
                p("Count", s.head),
                *(p(e(code), s.head.clone("head_right", alignment=2)) for code, _ in chunk),
            ]
        ]
        for key in rates.COUNTS:
            rows.append(
                [
                    p(
                        f"{e(rates.LABELS[key])} <font color='#5b6670'>({e(key)})</font>",
                        s.cell,
                    ),
                    *(p(str(row.counts[key]), s.cell_right) for _code, row in chunk),
                ]
            )
        widths = [3.1 * inch, *([1.0 * inch] * len(chunk))]
        t = table(rows, widths, right=tuple(range(1, len(chunk) + 1)))
        t.hAlign = "LEFT"
        out += [t, Spacer(1, 6)]
    return out


def _programs(report: rates.Report) -> list[Flowable]:
    s = styles()
    named = [row.program for row in report.rows if row.program is not None]
    if not named:
        return [p("No program on record.", s.muted)]
    return [
        p(
            "Programs: "
            + "; ".join(f"<b>{e(pr.code)}</b> {e(pr.name)}" for pr in named)
            + ("." if len(named) == 1 else "; <b>All programs</b>: their total."),
            s.small,
        )
    ]


def render_outcome_report(
    report: rates.Report,
    thresholds: Mapping[str, Decimal],
    *,
    school: str = "",
    school_address: str = "",
    date_format: str = DEFAULTS["DATE_FORMAT"],
    compress: bool = True,
) -> bytes:
    """The outcome rates of ``report`` as PDF bytes (letter, "Page X of Y"): rates per
    program and in total with numerator / denominator, threshold and a "below" mark; a bar
    chart of the total's rates against the thresholds; the counts per program and in total.
    ``thresholds`` (percent per rate, as :func:`rates.thresholds_from` gives) decide the
    marks and the lines drawn; dates are written with ``date_format`` (the school's
    ``DATE_FORMAT``)."""
    s = styles()
    story: list[Flowable] = _header(report, school, school_address, date_format)
    story += [
        p("Rates", s.h2),
        *_programs(report),
        Spacer(1, 4),
        *_rates_tables(report, thresholds),
    ]
    scope = "all programs" if len(report.rows) != 1 else report.rows[0].code
    story.append(
        KeepTogether(
            [
                p(f"Rates against the threshold ({e(scope)})", s.h2),
                rates_chart(report, thresholds),
            ]
        )
    )
    counts = [p("Counts", s.h2), *_counts_tables(report)]
    if not report.total.balanced:
        counts.append(
            p(
                "<font color='#b03a2e'>The enrollment counts do not balance "
                "(BE + NS + RE ≠ EE + G + W): an enrollment's dates are inconsistent.</font>",
                s.small,
            )
        )
    counts.append(
        p(
            "BE: active or on leave when the period began. NS / RE: first day inside the period "
            "(RE returns after a withdrawal). EE: active or on leave after its last day. G / W: "
            "graduated / withdrew inside the period. Each graduate counts once by their best "
            "job: F in field, R related field, X unrelated, else U documented unavailable, else "
            "K unknown. sat / passed / passed_first: graduates with a verified exam attempt "
            "since their first day, any attempt passed, the first attempt passed.",
            s.muted,
        )
    )
    story.append(KeepTogether(counts))
    period = _period(report, date_format)
    frame = Frame(footer=f"{school + ' · ' if school else ''}Outcome rates {period}")
    return build(story, title=f"Outcome rates {period}", frame=frame, compress=compress)
