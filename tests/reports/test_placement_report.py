"""The cohort placement report's figures and PDF, on the hand-built cohort of
:mod:`tests.reports.placement_cohort` (its docstring works every figure out)."""

from __future__ import annotations

import subprocess
from decimal import Decimal as D

import pytest
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from sqlalchemy import select

from school.extensions import db
from school.internships.models import SettingType
from school.outcomes.models import (
    Job,
)
from school.reports.placement.data import placement_report_data
from school.reports.placement.pdf import render_placement_report, sites_chart
from tests.factories import (
    make_cohort,
)
from tests.reports.pdf_tools import flat_text, need
from tests.reports.placement_cohort import (
    CODE,
    CYRILLIC,
    TRICKY,
    T,
    cohort_of_graduates,
    hand_built_cohort,
)


def test_figures_of_the_hand_built_cohort(app):
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        data = placement_report_data(cohort_id, T)
    assert data.cohort == CODE
    assert len(data.students) == 8
    assert {c.key: c.count for c in data.states} == {
        "none": 2,
        "scheduled": 1,
        "active": 1,
        "completed": 3,
        "ended_early": 1,
    }
    assert data.placed == 6
    assert (data.confirmed_hours, data.required_hours) == (D(64), D(528))
    assert (data.hours_met, data.complete) == (2, 2)
    settings = {c.label: (c.sites, c.placements) for c in data.settings}
    assert settings["Hospital HIM department"] == (2, 3)
    assert settings["Physician office"] == (1, 2)
    assert settings["Outpatient clinic"] == (1, 1)
    assert settings["Remote"] == (0, 0)
    assert len(settings) == len(SettingType)
    assert (data.evaluations, data.would_hire) == (3, 2)
    assert [c.average for c in data.competencies] == [
        D("4.0"),
        D("4.0"),
        D("3.7"),
        D("4.3"),
        D("4.0"),
        D("4.7"),
    ]
    assert data.graduates == 5
    assert {c.key: c.count for c in data.employment} == {
        "in_field": 1,
        "related_field": 1,
        "unrelated": 1,
        "unavailable": 1,
        "unknown": 1,
    }
    assert data.placement_rate == (2, 4)
    assert (data.median_salary, data.salaries) == (D("45000.00"), 2)
    (cpc,) = data.exams
    assert (cpc.credential, cpc.sat, cpc.passed, cpc.passed_first) == ("CPC", 3, 2, 1)
    assert (cpc.pass_rate, cpc.first_attempt_rate) == (D("66.67"), D("33.33"))

    by_name = {s.name: s for s in data.students}
    ada = by_name["Ada Active"]
    assert (ada.placement, ada.confirmed, ada.required, ada.complete) == (
        "active",
        D(16),
        D(160),
        False,
    )
    obrien = by_name[TRICKY]
    assert (obrien.site, obrien.placement, obrien.complete) == (
        "Mercy General HIM",
        "completed",
        True,
    )
    assert (obrien.evaluation, obrien.employment) == (D("5.0"), "in_field")
    assert obrien.exam == "CPC passed (attempt 2)"
    ivan = by_name[CYRILLIC]
    assert (ivan.evaluation, ivan.employment, ivan.exam) == (
        D("4.2"),
        "related_field",
        "CPC passed (1st attempt)",
    )
    gil = by_name["Gil Unrelated"]
    assert (gil.confirmed, gil.complete, gil.evaluation) == (D(8), False, D("3.2"))
    assert gil.exam == "CPC not passed (1 attempt)"
    assert by_name["Eve Scheduled"].placement == "scheduled"
    assert by_name["Dana Early"].status == "Withdrawn"
    assert by_name["Dana Early"].employment == ""  # not a graduate
    assert by_name["Hal Unknown"].placement == "none"
    assert by_name["Hal Unknown"].employment == "unknown"
    assert by_name["Finn Unavailable"].employment == "unavailable"


def test_every_section_and_figure_is_in_the_pdf(app):
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        data = placement_report_data(cohort_id, T)
    pdf = render_placement_report(data)
    assert pdf.startswith(b"%PDF")
    text = flat_text(pdf)
    for section in (
        "Cohort placement report",
        "Test Coding School",  # the school's name from the config
        "Externship placement status",
        "Hours and completion",
        "Sites by setting type",
        "Supervisor evaluations",
        "Graduates' employment",
        "Certification exams",
        "Students",
    ):
        assert section in text, section
    assert f"{CODE} · as of May 1, 2027" in text
    assert f"{len(data.students)} students" in text and data.program in text  # the summary line
    # Status tiles, hours and completion.
    for label in ("No placement", "Scheduled", "Active", "Completed", "Ended early"):
        assert label in text
    assert "64 / 528" in text
    assert "(12.12%)" in text
    assert "2 of 6" in text
    assert "2 of 8" in text
    # Evaluations, employment, salary, exams.
    assert "ICD-10-CM coding accuracy" in text
    assert "Based on 3 evaluations; the supervisor would hire the student in 2 of 3." in text
    for label in ("Employed in field", "Employed, related field", "Unknown (follow up)"):
        assert label in text
    assert "(F + R) / (G − U): 50.00% (2 / 4) of 5 graduates" in text
    assert "Median starting salary: $45,000 (based on 2 salaries" in text
    assert "66.67%" in text
    assert "33.33%" in text
    assert "20.00%" in text  # each employment status: 1 of 5 graduates
    # The students' table: the tricky and the Cyrillic names as written, their rows.
    assert TRICKY in text
    assert "&amp;" not in text
    assert "&lt;" not in text
    assert CYRILLIC in text
    assert "CPC passed (attempt 2)" in text
    assert "S-008" in text
    assert "Page 1 of" in text


def test_the_sites_chart_is_a_bar_chart_of_every_setting_type(app):
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        data = placement_report_data(cohort_id, T)
    drawing = sites_chart(data)
    (chart,) = [c for c in drawing.contents if isinstance(c, HorizontalBarChart)]
    names = list(chart.categoryAxis.categoryNames)
    assert set(names) == {t.label for t in SettingType}
    placements, sites = chart.data
    hospital = names.index("Hospital HIM department")
    assert (sites[hospital], placements[hospital]) == (2, 3)
    office = names.index("Physician office")
    assert (sites[office], placements[office]) == (1, 2)
    assert chart.categoryAxis.labels.fontName == "DejaVuSans"
    # Drawn into the PDF: its labels are text there.
    text = flat_text(render_placement_report(data))
    for label in ("Hospital HIM department", "Physician office", "Outpatient clinic", "Remote"):
        assert label in text
    assert "Placements of this cohort" in text


def test_empty_cohort_renders_with_empty_states(app):
    with app.app_context():
        cohort = make_cohort(code="PR-EMPTY")
        db.session.commit()
        data = placement_report_data(cohort.id, T)
    text = flat_text(render_placement_report(data))
    assert "No student of this cohort has a placement yet." in text
    assert "No graduate in this cohort yet." in text
    assert "No verified certification exam attempt yet." in text
    assert "No student is enrolled in this cohort." in text
    assert data.median_salary is None


def test_median_without_salaries_is_a_dash(app):
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        for job in db.session.scalars(select(Job)):
            job.annual_salary = None
        db.session.commit()
        data = placement_report_data(cohort_id, T)
    assert (data.median_salary, data.salaries) == (None, 0)
    text = flat_text(render_placement_report(data))
    assert "Median starting salary: — (no salary recorded" in text


def test_unknown_cohort_is_a_lookup_error(app):
    with app.app_context(), pytest.raises(LookupError):
        placement_report_data(999999, T)


def test_qpdf_finds_the_pdf_clean(app, tmp_path):
    qpdf = need("qpdf")
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        pdf = render_placement_report(placement_report_data(cohort_id, T))
    path = tmp_path / "placement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_statements_do_not_grow_with_the_number_of_students(app, count_queries):
    small, large = cohort_of_graduates(app, 2), cohort_of_graduates(app, 9)
    counts = []
    for cohort_id in (small, large):
        with app.app_context(), count_queries() as q:
            data = placement_report_data(cohort_id, T)
        counts.append(q.count)
        assert data.complete == len(data.students)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts
