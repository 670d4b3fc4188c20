"""The cohort placement report: one query builds frozen :class:`PlacementReportData` in a
fixed number of SQL statements whatever the cohort's size; :func:`render_placement_report`
turns it into PDF bytes and :func:`placement_report_csv` into a CSV text, neither touching
the database (DESIGN.md §3 rule 5).

What it counts, for every enrollment of the cohort (any status):

- each student's externship is their open placement, else their latest one (as on the
  placements board); its state is no placement, scheduled (open, not begun), active,
  completed or ended early;
- hours are the confirmed hours of that placement against its required hours; it is
  *complete* when the confirmed hours reach the requirement and the evaluation is in;
- sites by setting type count the distinct sites of every placement of the cohort, and the
  placements there;
- evaluation averages are over every evaluation of the cohort's placements;
- graduates' employment is the outcome rates' classification (best job: in field, related,
  unrelated, else documented unavailable, else unknown);
- the median starting salary takes one salary per graduate: that of their earliest job in
  field or in a related field that has a salary recorded;
- certification figures count verified attempts (:func:`pass_figures`, as the cohort's exam page).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.certifications.models import Attempt, AttemptResult
from school.certifications.queries import pass_figures
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.csvfile import csv_text
from school.extensions import db
from school.formats import format_percent, percent_of
from school.internships.models import RATINGS, Evaluation, Placement, PlacementStatus, SettingType
from school.internships.queries import placement_totals
from school.outcomes.models import Classification, Job
from school.outcomes.queries import STATUSES, outcome_status
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
from school.web.templating import format_date

PLACEMENT_STATES = {
    "none": "No placement",
    "scheduled": "Scheduled",
    "active": "Active",
    "completed": "Completed",
    "ended_early": "Ended early",
}
EMPLOYMENT_SHORT = {
    "in_field": "In field",
    "related_field": "Related field",
    "unrelated": "Unrelated",
    "unavailable": "Unavailable",
    "unknown": "Unknown",
}
ENROLLMENT_STATES = {
    EnrollmentStatus.ACTIVE: "Active",
    EnrollmentStatus.LEAVE_OF_ABSENCE: "Leave of absence",
    EnrollmentStatus.WITHDRAWN: "Withdrawn",
    EnrollmentStatus.GRADUATED: "Graduated",
}
ONE = Decimal("0.1")


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class SettingCount:
    label: str
    sites: int
    placements: int


@dataclass(frozen=True)
class Competency:
    label: str
    average: Decimal | None  # of 1–5, one decimal; None without any evaluation


@dataclass(frozen=True)
class ExamLine:
    credential: str
    sat: int
    passed: int
    passed_first: int
    pass_rate: Decimal | None  # percent, two decimals (formats.percent_of)
    first_attempt_rate: Decimal | None


@dataclass(frozen=True)
class StudentLine:
    name: str
    student_number: str
    status: str  # enrollment status, e.g. "Graduated"
    site: str  # "" without a placement
    setting: str  # the site's setting type label, "" without a placement
    placement: str  # key of PLACEMENT_STATES
    confirmed: Decimal | None  # None without a placement
    required: Decimal | None
    complete: bool
    evaluation: Decimal | None  # the placement's evaluation average
    employment: str  # key of STATUSES for a graduate, "" otherwise
    exam: str  # e.g. "CPC passed (1st attempt)", "" when no verified attempt


@dataclass(frozen=True)
class PlacementReportData:
    school: str
    school_address: str
    cohort: str
    program: str
    dates: str  # the cohort's first and last day, as printed
    as_of: dt.date
    as_of_label: str
    students: tuple[StudentLine, ...]
    states: tuple[Count, ...]  # every key of PLACEMENT_STATES, in order
    placed: int
    confirmed_hours: Decimal
    required_hours: Decimal
    hours_met: int
    complete: int
    settings: tuple[SettingCount, ...]  # every setting type, in the enum's order
    evaluations: int
    would_hire: int
    competencies: tuple[Competency, ...]
    graduates: int
    employment: tuple[Count, ...]  # every key of STATUSES, in order
    median_salary: Decimal | None
    salaries: int  # how many salaries the median is taken from
    exams: tuple[ExamLine, ...]

    def employed(self, key: str) -> int:
        return next(c.count for c in self.employment if c.key == key)

    @property
    def placement_rate(self) -> tuple[int, int]:
        """(F + R, G − U), the outcome rates' placement fraction for the cohort."""
        return (
            self.employed("in_field") + self.employed("related_field"),
            self.graduates - self.employed("unavailable"),
        )


def _exam_result(attempts: list[Attempt]) -> str:
    """One student's verified attempts as a short result, per credential."""
    by_credential: dict[str, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_credential[a.credential.code].append(a)
    parts = []
    for code in sorted(by_credential):
        tries = sorted(by_credential[code], key=lambda a: (a.exam_date, a.id))
        passed_at = next(
            (n for n, a in enumerate(tries, 1) if a.result == AttemptResult.PASSED), None
        )
        if passed_at == 1:
            parts.append(f"{code} passed (1st attempt)")
        elif passed_at is not None:
            parts.append(f"{code} passed (attempt {passed_at})")
        else:
            word = "attempt" if len(tries) == 1 else "attempts"
            parts.append(f"{code} not passed ({len(tries)} {word})")
    return "; ".join(parts)


def placement_report_data(cohort_id: int, today: dt.date) -> PlacementReportData:
    """Everything the placement report of a cohort shows, as of ``today``, in eight SQL
    statements at most whatever the number of students (cohort, enrollments with their
    employment status, placements, hours, evaluations, salaries, attempts, pass figures).
    Raises :class:`LookupError` for an unknown cohort."""
    cohort = db.session.get(Cohort, cohort_id, options=[joinedload(Cohort.program)])
    if cohort is None:
        raise LookupError(f"There is no cohort {cohort_id}.")
    config = current_app.config
    rows = db.session.execute(
        select(Enrollment, outcome_status().label("employment"))
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.cohort_id == cohort_id)
        .options(joinedload(Enrollment.student))
        .order_by(func.coalesce(User.last_name, User.name), User.name, Enrollment.id)
    ).all()
    of_cohort = select(Enrollment.id).where(Enrollment.cohort_id == cohort_id)

    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.enrollment_id.in_(of_cohort))
            .options(joinedload(Placement.site))
            .order_by(Placement.start_date, Placement.id)
        )
    )
    chosen: dict[int, Placement] = {}
    for pl in placements:
        current = chosen.get(pl.enrollment_id)
        if current is None or current.status != PlacementStatus.ACTIVE:
            chosen[pl.enrollment_id] = pl  # the open one, else the latest
    hours = placement_totals([pl.id for pl in chosen.values()])
    evaluations = {
        ev.placement_id: ev
        for ev in db.session.scalars(
            select(Evaluation).where(
                Evaluation.placement_id.in_(
                    select(Placement.id).where(Placement.enrollment_id.in_(of_cohort))
                )
            )
        )
    }

    salaries: dict[int, Decimal] = {}
    for enrollment_id, salary in db.session.execute(
        select(Job.enrollment_id, Job.annual_salary)
        .join(Enrollment, Enrollment.id == Job.enrollment_id)
        .where(
            Enrollment.cohort_id == cohort_id,
            Enrollment.status == EnrollmentStatus.GRADUATED,
            Job.classification.in_((Classification.IN_FIELD, Classification.RELATED)),
            Job.annual_salary.is_not(None),
        )
        .order_by(Job.enrollment_id, Job.start_date, Job.id)
    ):
        salaries.setdefault(enrollment_id, Decimal(salary))  # the earliest job's

    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for a in db.session.scalars(
        select(Attempt)
        .where(
            Attempt.student_id.in_(
                select(Enrollment.student_id).where(Enrollment.cohort_id == cohort_id)
            ),
            Attempt.verified_at.is_not(None),
        )
        .options(joinedload(Attempt.credential))
    ):
        attempts[a.student_id].append(a)
    figures = pass_figures([a for tries in attempts.values() for a in tries])

    students = []
    states = dict.fromkeys(PLACEMENT_STATES, 0)
    employment = dict.fromkeys(STATUSES, 0)
    confirmed_total = required_total = Decimal(0)
    hours_met = complete = graduates = 0
    for en, status in rows:
        pl = chosen.get(en.id)
        state = pl.state(today) if pl else "none"
        states[state] += 1
        confirmed = required = None
        done = False
        ev = evaluations.get(pl.id) if pl else None
        if pl is not None:
            confirmed = hours.get(pl.id, (Decimal(0), Decimal(0)))[0]
            required = pl.required_hours
            confirmed_total += confirmed
            required_total += required
            if confirmed >= required:
                hours_met += 1
                done = ev is not None
                complete += done
        graduated = en.status == EnrollmentStatus.GRADUATED
        if graduated:
            graduates += 1
            employment[status] += 1
        students.append(
            StudentLine(
                name=en.student.name,
                student_number=en.student.student_number or "",
                status=ENROLLMENT_STATES[en.status],
                site=pl.site.name if pl else "",
                setting=pl.site.setting_type.label if pl else "",
                placement=state,
                confirmed=confirmed,
                required=required,
                complete=done,
                evaluation=ev.average if ev else None,
                employment=status if graduated else "",
                exam=_exam_result(attempts.get(en.student_id, [])),
            )
        )

    sites: dict[SettingType, set[int]] = defaultdict(set)
    at_setting: dict[SettingType, int] = defaultdict(int)
    for pl in placements:
        sites[pl.site.setting_type].add(pl.site_id)
        at_setting[pl.site.setting_type] += 1
    evs = list(evaluations.values())
    competencies = tuple(
        Competency(
            label,
            (Decimal(sum(getattr(ev, name) for ev in evs)) / len(evs)).quantize(ONE, ROUND_HALF_UP)
            if evs
            else None,
        )
        for name, label in RATINGS
    )
    paid = sorted(salaries.values())
    median = (
        Decimal(statistics.median(paid)).quantize(Decimal("0.01"), ROUND_HALF_UP) if paid else None
    )
    program = cohort.program
    return PlacementReportData(
        school=config["SCHOOL_NAME"],
        school_address=config.get("SCHOOL_ADDRESS") or "",
        cohort=cohort.code,
        program=f"{program.name} ({program.code})",
        dates=f"{format_date(cohort.start_date)} – {format_date(cohort.end_date)}",
        as_of=today,
        as_of_label=format_date(today),
        students=tuple(students),
        states=tuple(Count(k, label, states[k]) for k, label in PLACEMENT_STATES.items()),
        placed=len(rows) - states["none"],
        confirmed_hours=confirmed_total,
        required_hours=required_total,
        hours_met=hours_met,
        complete=complete,
        settings=tuple(
            SettingCount(t.label, len(sites.get(t, ())), at_setting.get(t, 0)) for t in SettingType
        ),
        evaluations=len(evs),
        would_hire=sum(1 for ev in evs if ev.would_hire),
        competencies=competencies,
        graduates=graduates,
        employment=tuple(Count(k, label, employment[k]) for k, label in STATUSES.items()),
        median_salary=median,
        salaries=len(paid),
        exams=tuple(
            ExamLine(
                f.credential,
                f.sat,
                f.passed,
                f.passed_first,
                percent_of(f.passed, f.sat),
                percent_of(f.passed_first, f.sat),
            )
            for f in figures
        ),
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


def _students(data: PlacementReportData) -> list[Flowable]:
    s = styles()
    if not data.students:
        return [p("No student is enrolled in this cohort.", s.muted)]
    small = s.cell.clone("cell_small", fontSize=7.5, leading=9.5)
    note = "<br/><font color='#5b6670' size='7'>{}</font>"
    head = [
        p(h, s.head)
        for h in (
            "Student",
            "Number",
            "Status",
            "Placement site",
            "Hours",
            "Eval.",
            "Employment",
            "Exam",
        )
    ]
    widths = [
        1.22 * inch,
        0.78 * inch,
        0.72 * inch,
        1.35 * inch,
        0.72 * inch,
        0.42 * inch,
        0.9 * inch,
        0.99 * inch,
    ]
    rows: list[list[object]] = [head]
    for st in data.students:
        state = PLACEMENT_STATES[st.placement]
        site = (
            e(st.site)
            + note.format(
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
        # Short fixed-format cells are plain strings (drawn as they are, never read as
        # markup): laying out a paragraph per cell is most of a long report's time.
        rows.append(
            [
                fitted(st.name, widths[0] - 2 * PAD, small),
                st.student_number or "—",
                st.status,
                p(site, small),
                hours,
                _rating(st.evaluation),
                EMPLOYMENT_SHORT[st.employment] if st.employment else "—",
                fitted(st.exam or "—", widths[7] - 2 * PAD, small),
            ]
        )
    students = table(rows, widths, right=(4, 5))
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


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "student",
    "student_number",
    "enrollment_status",
    "placement_site",
    "setting_type",
    "placement_status",
    "confirmed_hours",
    "required_hours",
    "externship_complete",
    "evaluation_average",
    "employment_status",
    "exam_result",
)


def placement_report_csv(data: PlacementReportData) -> str:
    """One row per student (the PDF's table, with the setting type and completion spelled
    out); cells a spreadsheet would run as a formula are neutralised."""
    rows = [
        [
            st.name,
            st.student_number,
            st.status,
            st.site,
            st.setting,
            PLACEMENT_STATES[st.placement],
            "" if st.confirmed is None else f"{st.confirmed.normalize():f}",
            "" if st.required is None else f"{st.required.normalize():f}",
            "yes" if st.complete else "no",
            "" if st.evaluation is None else f"{st.evaluation:.1f}",
            EMPLOYMENT_SHORT.get(st.employment, ""),
            st.exam,
        ]
        for st in data.students
    ]
    return csv_text(CSV_COLUMNS, rows)
