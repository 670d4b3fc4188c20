"""The outcome report PDF on a small hand-built school whose figures are worked out below.

Period P = 2025-07-01 – 2026-06-30. Program "OA" (named with tricky characters) has the
students; program "OB" (named in Cyrillic) has nobody.

  enrollment  first day   status on record            counts in
  a1          2025-01-10  active                      BE EE
  a2          2025-02-01  graduated 2025-12-01        BE G   in-field job          -> F
  a3          2025-03-01  graduated 2026-03-01        BE G   documented unavailable -> U
  a4          2025-09-01  graduated 2026-05-01        NS G   unrelated job         -> X
  a5          2025-08-01  withdrew 2025-10-01         NS W

  BE 3, NS 2, RE 0, EE 1, G 3, W 1 (3 + 2 + 0 = 1 + 3 + 1); F 1, R 0, X 1, U 1, K 0.
  Verified CPC attempts: a2 passed 2026-01-10 (first); a4 failed 2026-05-10, passed
  2026-06-10. sat 2, passed 2, passed_first 1.

  retention     (EE + G) / (BE + NS + RE) = 4 / 5 = 80.00%
  placement     (F + R) / (G − U)         = 1 / 2 = 50.00%   below 70%
  participation sat / G                   = 2 / 3 = 66.67%   below 70%
  pass rate     passed / sat              = 2 / 2 = 100.00%
  first attempt passed_first / sat        = 1 / 2 = 50.00%   below 70%
  OB: every rate "—" over 0 / 0. All programs = OA.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from decimal import Decimal as D

import pytest
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Line
from sqlalchemy import select

from school.auth.models import Role
from school.certifications.catalog import seed_catalog
from school.certifications.models import Attempt, AttemptResult, Credential
from school.cohorts.models import Enrollment, EnrollmentStatus, Program
from school.database import utcnow
from school.extensions import db
from school.outcomes import rates
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
    UnavailableReason,
)
from school.reports.outcome_report import BELOW, rates_chart, render_outcome_report
from tests.factories import make_cohort, make_program, make_user
from tests.reports.pdf_tools import flat_text, need

P = rates.Period(dt.date(2025, 7, 1), dt.date(2026, 6, 30))
THRESHOLDS = dict.fromkeys(rates.RATES, D(70))
TRICKY = "O'Brien & <Sons> Coding"
CYRILLIC = "Медицинское кодирование"


def _school(app) -> None:
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        program = make_program(code="OA", name=TRICKY)
        make_program(code="OB", name=CYRILLIC)
        cohort = make_cohort(program=program, start=dt.date(2025, 1, 10))
        ids = {}

        def enroll(name, start, status, since):
            e = Enrollment(
                cohort=cohort,
                student=make_user(role=Role.STUDENT, password=None, name=f"Student {name}"),
                status=status,
                start_date=dt.date.fromisoformat(start),
                status_date=dt.date.fromisoformat(since),
            )
            db.session.add(e)
            db.session.flush()
            ids[name] = e

        enroll("a1", "2025-01-10", EnrollmentStatus.ACTIVE, "2025-01-10")
        enroll("a2", "2025-02-01", EnrollmentStatus.GRADUATED, "2025-12-01")
        enroll("a3", "2025-03-01", EnrollmentStatus.GRADUATED, "2026-03-01")
        enroll("a4", "2025-09-01", EnrollmentStatus.GRADUATED, "2026-05-01")
        enroll("a5", "2025-08-01", EnrollmentStatus.WITHDRAWN, "2025-10-01")
        for name, kind in (("a2", Classification.IN_FIELD), ("a4", Classification.UNRELATED)):
            db.session.add(
                Job(
                    enrollment_id=ids[name].id,
                    employer="Mercy General",
                    job_title="Coder",
                    setting=JobSetting.HOSPITAL,
                    start_date=dt.date(2026, 6, 1),
                    classification=kind,
                    full_time=True,
                    source=Source.DOCUMENTS,
                    version=1,
                )
            )
        db.session.add(
            Unavailability(
                enrollment_id=ids["a3"].id,
                reason=UnavailableReason.HEALTH,
                documented_on=dt.date(2026, 4, 1),
                note="Documented",
            )
        )
        for name, day, passed in (
            ("a2", "2026-01-10", True),
            ("a4", "2026-06-10", True),
            ("a4", "2026-05-10", False),
        ):
            db.session.add(
                Attempt(
                    student_id=ids[name].student_id,
                    credential_id=cpc.id,
                    exam_date=dt.date.fromisoformat(day),
                    result=AttemptResult.PASSED if passed else AttemptResult.FAILED,
                    verified_at=utcnow(),
                )
            )
        db.session.commit()


def _report(app, thresholds=THRESHOLDS) -> rates.Report:
    with app.app_context():
        return rates.outcome_rates(P, thresholds)


def test_counts_behind_the_report(app):
    """The figures the PDF prints (the rates themselves are tested in tests/outcomes)."""
    _school(app)
    report = _report(app)
    oa = report.rows[0]
    assert oa.code == "OA"
    assert {k: oa.counts[k] for k in ("BE", "NS", "RE", "EE", "G", "W")} == {
        "BE": 3,
        "NS": 2,
        "RE": 0,
        "EE": 1,
        "G": 3,
        "W": 1,
    }
    assert [oa.rate(n).percent for n in rates.RATES] == [
        D("80.00"),
        D("50.00"),
        D("66.67"),
        D("100.00"),
        D("50.00"),
    ]


def test_every_section_rate_and_count_is_in_the_pdf(app):
    _school(app)
    report = _report(app)
    pdf = render_outcome_report(
        report, THRESHOLDS, school="Test Coding School", school_address="12 River Road"
    )
    assert pdf.startswith(b"%PDF")
    text = flat_text(pdf)
    for section in (
        "Outcome rates report",
        "Test Coding School",
        "12 River Road",
        "Jul 1, 2025 – Jun 30, 2026",  # the school's date format, as on the page
        "Period Jul 1, 2025 to Jun 30, 2026",
        "Rates",
        "Rates against the threshold (all programs)",
        "Counts",
    ):
        assert section in text, section
    # Program names escaped and in Cyrillic, columns per program and in total.
    assert TRICKY in text
    assert "&amp;" not in text
    assert CYRILLIC in text
    assert "All programs" in text
    # Rates with numerator / denominator, thresholds and the "below" marks.
    for label in rates.RATE_LABELS.values():
        assert label in text, label
    for formula in rates.FORMULAS.values():
        assert formula in text, formula
    assert "80.00% 4 / 5" in text
    assert "50.00% below 1 / 2" in text
    assert "66.67% below 2 / 3" in text
    assert "100.00% 2 / 2" in text
    assert "— 0 / 0" in text  # OB: no rate
    assert text.count("70%") >= 5
    # Counts, with their codes.
    for key, label in rates.LABELS.items():
        assert f"{label} ({key})" in text, key
    assert "Beginning enrollment (BE) 3 0 3" in text  # OA, OB, all programs
    assert "Page 1 of" in text


def test_the_chart_shows_the_totals_rates_against_the_threshold(app):
    _school(app)
    report = _report(app)
    drawing = rates_chart(report, THRESHOLDS)
    (chart,) = [c for c in drawing.contents if isinstance(c, VerticalBarChart)]
    assert chart.data == [[80.0, 50.0, 66.67, 100.0, 50.0]]
    assert chart.valueAxis.valueMax == 100
    # Bars below their threshold are red: placement, participation, first attempt.
    assert [chart.bars[(0, i)].fillColor == BELOW for i in range(5)] == [
        False,
        True,
        True,
        False,
        True,
    ]
    # A dashed threshold line over each rate at 70% of the chart's height (and one in the
    # legend).
    dashed = [x for x in drawing.contents if isinstance(x, Line) and x.strokeDashArray]
    levels = {round(line.y1, 3) for line in dashed[:5]}
    assert levels == {round(chart.y + chart.height * 0.7, 3)}
    assert len(dashed) == 6
    text = flat_text(render_outcome_report(report, THRESHOLDS))
    assert "Threshold (70%)" in text
    assert "Below the threshold" in text


def test_a_rate_of_its_own_threshold(app):
    _school(app)
    thresholds = {**THRESHOLDS, "placement": D(40)}
    report = _report(app, thresholds)
    drawing = rates_chart(report, thresholds)
    (chart,) = [c for c in drawing.contents if isinstance(c, VerticalBarChart)]
    assert chart.bars[(0, 1)].fillColor != BELOW  # 50% is not below 40%
    placement_line = [x for x in drawing.contents if isinstance(x, Line) and x.strokeDashArray][1]
    assert round(placement_line.y1, 3) == round(chart.y + chart.height * 0.4, 3)
    text = flat_text(render_outcome_report(report, thresholds))
    assert "50.00% 1 / 2" in text  # no "below" mark
    assert "40%" in text
    assert "Each rate's threshold" in text


def test_one_program_has_no_total_column(app):
    _school(app)
    with app.app_context():
        oa = db.session.scalar(select(Program).where(Program.code == "OA"))
        report = rates.outcome_rates(P, THRESHOLDS, program_id=oa.id)
    text = flat_text(render_outcome_report(report, THRESHOLDS))
    assert f"{TRICKY} (OA)" in text
    assert "All programs" not in text
    assert CYRILLIC not in text


def test_a_period_not_yet_over_says_as_of_when(app):
    _school(app)
    report = dataclasses.replace(_report(app), as_of=dt.date(2026, 3, 31))
    text = flat_text(render_outcome_report(report, THRESHOLDS))
    assert "The period has not ended: counted as of Mar 31, 2026." in text
    other = flat_text(render_outcome_report(report, THRESHOLDS, date_format="%d/%m/%Y"))
    assert "counted as of 31/03/2026." in other and "01/07/2025 – 30/06/2026" in other


def test_qpdf_finds_the_pdf_clean(app, tmp_path):
    qpdf = need("qpdf")
    _school(app)
    path = tmp_path / "outcomes.pdf"
    path.write_bytes(render_outcome_report(_report(app), THRESHOLDS, school="School"))
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


# --- download and command line -------------------------------------------------------------------


def test_admin_downloads_the_pdf_from_the_rates_page(app, client, login_as):
    _school(app)
    login_as(Role.ADMIN)
    page = client.get("/admin/outcomes?from=2025-07-01&to=2026-06-30").get_data(as_text=True)
    assert "/admin/outcomes.pdf?from=2025-07-01&amp;to=2026-06-30" in page
    response = client.get("/admin/outcomes.pdf?from=2025-07-01&to=2026-06-30")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="outcomes-20250701-20260630.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "80.00% 4 / 5" in flat_text(response.data)

    one = client.get("/admin/outcomes.pdf?from=2025-07-01&to=2026-06-30&program=OA")
    assert one.status_code == 200
    assert (
        one.headers["Content-Disposition"]
        == 'attachment; filename="outcomes-20250701-20260630-OA.pdf"'
    )


@pytest.mark.parametrize(
    "query",
    ["from=bad", "from=2026-07-01&to=2025-06-30", "from=2025-07-01", "program=NOPE"],
)
def test_a_wrong_period_or_program_is_400(app, client, login_as, query):
    login_as(Role.ADMIN)
    assert client.get(f"/admin/outcomes.pdf?{query}").status_code == 400


def test_cli_writes_the_pdf(app, tmp_path):
    _school(app)
    out = tmp_path / "outcomes.pdf"
    result = app.test_cli_runner().invoke(
        args=[
            "reports",
            "outcomes",
            "--from",
            "2025-07-01",
            "--to",
            "2026-06-30",
            "--format",
            "pdf",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 program(s) and TOTAL written to" in result.output
    text = flat_text(out.read_bytes())
    assert "66.67% below 2 / 3" in text
    assert not (tmp_path / "outcomes.pdf.part").exists()


def test_cli_refuses_bad_input_and_writes_nothing(app, tmp_path):
    _school(app)
    out = tmp_path / "outcomes.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["reports", "outcomes", "--program", "NOPE", "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "there is no program 'NOPE'" in result.output
    result = runner.invoke(
        args=["reports", "outcomes", "--from", "2025-07-01", "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []
