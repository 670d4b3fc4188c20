"""The cohort placement report on a hand-built cohort whose every figure is worked out below.

Cohort PR-2027-01, report as of 2027-05-01 (T). Sites: H1, H2 hospital HIM departments,
P physician office, O outpatient clinic.

  student             enrollment  placement (site, stored status, required)   confirmed
  Ada Active          active      H1, active since 2027-03-01, 160              8 + 8 = 16
                                  (a further 8 h pending: not counted)
  O'Brien & <Sons>    graduated   H1, completed, 16, evaluated (all 5s)       16
  Иван Петров         graduated   P, completed, 16, evaluated                 16
  Dana Early          withdrawn   O, ended early, 160                         8
  Eve Scheduled       active      H2, active from 2027-06-01 (after T), 160   0
  Finn Unavailable    graduated   —
  Gil Unrelated       graduated   P, completed, 16, evaluated                 8
  Hal Unknown         graduated   —

  placement status: no placement 2 (Finn, Hal), scheduled 1 (Eve), active 1 (Ada),
  completed 3 (O'Brien, Иван, Gil), ended early 1 (Dana); 6 placed of 8.
  hours: confirmed 16+16+16+8+0+8 = 64 of required 160+16+16+160+160+16 = 528 (12.12%);
  hours reached 2 of 6 (O'Brien, Иван); complete (hours and evaluation) 2 of 8 (Gil has
  his evaluation but 8 of 16 hours).
  sites by setting type: hospital 2 sites (H1, H2) with 3 placements; physician office
  1 site with 2; outpatient clinic 1 site with 1; every other type 0.

Evaluations (icd, cpt, documentation, compliance, productivity, professionalism; hire):
  O'Brien  5 5 5 5 5 5  yes   average 5.0
  Иван     4 4 3 5 4 5  yes   average 25/6 = 4.2
  Gil      3 3 3 3 3 4  no    average 19/6 = 3.2
  per competency: icd 12/3 = 4.0, cpt 4.0, documentation 11/3 = 3.7, compliance 13/3 = 4.3,
  productivity 4.0, professionalism 14/3 = 4.7; would hire 2 of 3.

Graduates (5): O'Brien an in-field job at $40,000 (2027-06-01) and a related one at $60,000
later -> in field; Иван a related job at $50,000 -> related; Gil an unrelated job at
$90,000 -> unrelated; Finn documented unavailable; Hal nothing -> unknown.
  placement rate (F + R) / (G − U) = 2 / 4 = 50.00%.
  median starting salary: one salary per graduate, the earliest in-field or related job
  with one: O'Brien 40,000 and Иван 50,000 (Gil's job is unrelated) -> $45,000 from 2.

Verified CPC attempts: O'Brien failed 2027-06-10, passed 2027-08-01 (attempt 2); Иван
passed 2027-07-01 (1st); Gil failed 2027-07-15, and reported a pass he never had verified.
  CPC: sat 3, passed 2 (66.67%), passed on the first attempt 1 (33.33%).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal as D

import pytest
from pypdf import PdfReader
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from sqlalchemy import select

from school.auth.models import Role
from school.certifications.catalog import seed_catalog
from school.certifications.models import Attempt, AttemptResult, Credential
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.database import utcnow
from school.extensions import db
from school.internships.models import Evaluation, LogStatus, PlacementStatus, SettingType
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
    UnavailableReason,
)
from school.reports.placement import (
    CSV_COLUMNS,
    placement_report_csv,
    placement_report_data,
    render_placement_report,
    sites_chart,
)
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_log,
    make_placement,
    make_program,
    make_site,
    make_user,
)

T = dt.date(2027, 5, 1)
TRICKY = "O'Brien & <Sons>"
CYRILLIC = "Иван Петров"
CODE = "PR-2027-01"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing on CI (scripts/ensure-pdf-tools installs it)")
        pytest.skip(f"{tool} is not installed here (scripts/ensure-pdf-tools installs it)")
    return path


def text_of(pdf: bytes) -> str:
    """Every page's text, whitespace collapsed (cells wrap and lines break anywhere)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def _graduate(enrollment: Enrollment, on: dt.date = dt.date(2027, 5, 20)) -> None:
    enrollment.status = EnrollmentStatus.GRADUATED
    enrollment.status_date = on


def _evaluate(placement, ratings: tuple[int, ...], hire: bool) -> None:
    names = (
        "icd_accuracy",
        "cpt_accuracy",
        "documentation_review",
        "compliance",
        "productivity",
        "professionalism",
    )
    db.session.add(
        Evaluation(
            placement_id=placement.id,
            **dict(zip(names, ratings, strict=True)),
            would_hire=hire,
            submitted_by_id=placement.supervisor_id,
        )
    )


def _job(enrollment: Enrollment, kind: Classification, salary: int | None, start: str) -> None:
    db.session.add(
        Job(
            enrollment_id=enrollment.id,
            employer="Mercy General",
            job_title="Coder",
            setting=JobSetting.HOSPITAL,
            start_date=dt.date.fromisoformat(start),
            classification=kind,
            full_time=True,
            annual_salary=None if salary is None else D(salary),
            source=Source.DOCUMENTS,
            version=1,
        )
    )


def _attempt(student_id: int, credential_id: int, day: str, passed: bool, verified=True) -> None:
    db.session.add(
        Attempt(
            student_id=student_id,
            credential_id=credential_id,
            exam_date=dt.date.fromisoformat(day),
            result=AttemptResult.PASSED if passed else AttemptResult.FAILED,
            reported_by_student=not verified,
            verified_at=utcnow() if verified else None,
        )
    )


def _confirm(placement, hours: list[int], start=dt.date(2027, 3, 2)) -> None:
    for i, h in enumerate(hours):
        make_log(
            placement=placement,
            day=start + dt.timedelta(days=i),
            hours=D(h),
            status=LogStatus.CONFIRMED,
        )


def _cohort(app) -> int:
    """The cohort of the module docstring; returns its id."""
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        cohort = make_cohort(program=make_program(), code=CODE, start=dt.date(2026, 9, 14))
        supervisor = make_user(role=Role.EMPLOYER, password=None)
        h1 = make_site(name="Mercy General HIM", supervisors=[supervisor])
        h2 = make_site(name="St. Luke's HIM", supervisors=[supervisor])
        p = make_site(name="Lakeside Family Practice", supervisors=[supervisor])
        p.setting_type = SettingType.PHYSICIAN_OFFICE
        o = make_site(name="Riverside Outpatient", supervisors=[supervisor])
        o.setting_type = SettingType.OUTPATIENT

        def student(name: str, number: str) -> Enrollment:
            user = make_user(role=Role.STUDENT, name=name, password=None)
            user.student_number = number
            return make_enrollment(cohort=cohort, student=user)

        def place(enrollment, site, required, status=PlacementStatus.ACTIVE, **dates):
            pl = make_placement(
                enrollment=enrollment,
                site=site,
                supervisor=supervisor,
                required_hours=D(required),
                **dates,
            )
            pl.status = status
            return pl

        ada = student("Ada Active", "S-001")
        pl = place(ada, h1, 160)
        _confirm(pl, [8, 8])
        make_log(placement=pl, day=dt.date(2027, 4, 2), hours=D(8))  # pending

        obrien = student(TRICKY, "S-002")
        pl = place(obrien, h1, 16, PlacementStatus.COMPLETED)
        _confirm(pl, [8, 8])
        _evaluate(pl, (5, 5, 5, 5, 5, 5), True)
        _graduate(obrien)
        _job(obrien, Classification.IN_FIELD, 40000, "2027-06-01")
        _job(obrien, Classification.RELATED, 60000, "2028-01-01")
        _attempt(obrien.student_id, cpc.id, "2027-08-01", True)  # entered out of order
        _attempt(obrien.student_id, cpc.id, "2027-06-10", False)

        ivan = student(CYRILLIC, "S-003")
        pl = place(ivan, p, 16, PlacementStatus.COMPLETED)
        _confirm(pl, [8, 8])
        _evaluate(pl, (4, 4, 3, 5, 4, 5), True)
        _graduate(ivan)
        _job(ivan, Classification.RELATED, 50000, "2027-07-01")
        _attempt(ivan.student_id, cpc.id, "2027-07-01", True)

        dana = student("Dana Early", "S-004")
        pl = place(dana, o, 160, PlacementStatus.ENDED_EARLY)
        _confirm(pl, [8])
        dana.status = EnrollmentStatus.WITHDRAWN
        dana.status_date = dt.date(2027, 3, 20)

        eve = student("Eve Scheduled", "S-005")
        place(eve, h2, 160, start=dt.date(2027, 6, 1), end=dt.date(2027, 8, 31))

        finn = student("Finn Unavailable", "S-006")
        _graduate(finn)
        db.session.add(
            Unavailability(
                enrollment_id=finn.id,
                reason=UnavailableReason.MILITARY,
                documented_on=dt.date(2027, 6, 1),
                note="Deployed",
            )
        )

        gil = student("Gil Unrelated", "S-007")
        pl = place(gil, p, 16, PlacementStatus.COMPLETED)
        _confirm(pl, [8])
        _evaluate(pl, (3, 3, 3, 3, 3, 4), False)
        _graduate(gil)
        _job(gil, Classification.UNRELATED, 90000, "2027-06-15")
        _attempt(gil.student_id, cpc.id, "2027-07-15", False)
        _attempt(gil.student_id, cpc.id, "2027-09-01", True, verified=False)

        hal = student("Hal Unknown", "S-008")
        _graduate(hal)
        db.session.commit()
        return cohort.id


def test_figures_of_the_hand_built_cohort(app):
    cohort_id = _cohort(app)
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
    cohort_id = _cohort(app)
    with app.app_context():
        data = placement_report_data(cohort_id, T)
    pdf = render_placement_report(data)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
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
    cohort_id = _cohort(app)
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
    text = text_of(render_placement_report(data))
    for label in ("Hospital HIM department", "Physician office", "Outpatient clinic", "Remote"):
        assert label in text
    assert "Placements of this cohort" in text


def test_empty_cohort_renders_with_empty_states(app):
    with app.app_context():
        cohort = make_cohort(code="PR-EMPTY")
        db.session.commit()
        data = placement_report_data(cohort.id, T)
    text = text_of(render_placement_report(data))
    assert "No student of this cohort has a placement yet." in text
    assert "No graduate in this cohort yet." in text
    assert "No verified certification exam attempt yet." in text
    assert "No student is enrolled in this cohort." in text
    assert data.median_salary is None


def test_median_without_salaries_is_a_dash(app):
    cohort_id = _cohort(app)
    with app.app_context():
        for job in db.session.scalars(select(Job)):
            job.annual_salary = None
        db.session.commit()
        data = placement_report_data(cohort_id, T)
    assert (data.median_salary, data.salaries) == (None, 0)
    assert "Median starting salary: — (no salary recorded" in text_of(render_placement_report(data))


def test_unknown_cohort_is_a_lookup_error(app):
    with app.app_context(), pytest.raises(LookupError):
        placement_report_data(999999, T)


def test_qpdf_finds_the_pdf_clean(app, tmp_path):
    qpdf = need("qpdf")
    cohort_id = _cohort(app)
    with app.app_context():
        pdf = render_placement_report(placement_report_data(cohort_id, T))
    path = tmp_path / "placement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def _students(app, n: int) -> int:
    """A cohort of ``n`` graduates, each with a placement, hours, an evaluation, a job with a
    salary and a verified attempt."""
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        cohort = make_cohort()
        for i in range(n):
            en = make_enrollment(cohort=cohort)
            pl = make_placement(enrollment=en, required_hours=D(8))
            _confirm(pl, [8])
            _evaluate(pl, (4, 4, 4, 4, 4, 4), True)
            _graduate(en)
            _job(en, Classification.IN_FIELD, 40000 + i, "2027-06-01")
            _attempt(en.student_id, cpc.id, "2027-07-01", i % 2 == 0)
        db.session.commit()
        return cohort.id


def test_statements_do_not_grow_with_the_number_of_students(app, count_queries):
    small, large = _students(app, 2), _students(app, 9)
    counts = []
    for cohort_id in (small, large):
        with app.app_context(), count_queries() as q:
            data = placement_report_data(cohort_id, T)
        counts.append(q.count)
        assert data.complete == len(data.students)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts


def test_csv_has_a_row_per_student_and_neutralised_formulas(app):
    cohort_id = _cohort(app)
    with app.app_context():
        formula = make_user(role=Role.STUDENT, name='=HYPERLINK("http://x")', password=None)
        make_enrollment(cohort=db.session.get(Cohort, cohort_id), student=formula)
        db.session.commit()
        text = placement_report_csv(placement_report_data(cohort_id, T))
    assert text.startswith("\ufeff")  # spreadsheets read the accents right
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 1 + 9
    by_name = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in by_name
    obrien = by_name[TRICKY]
    assert obrien == {
        "student": TRICKY,
        "student_number": "S-002",
        "enrollment_status": "Graduated",
        "placement_site": "Mercy General HIM",
        "setting_type": "Hospital HIM department",
        "placement_status": "Completed",
        "confirmed_hours": "16",
        "required_hours": "16",
        "externship_complete": "yes",
        "evaluation_average": "5.0",
        "employment_status": "In field",
        "exam_result": "CPC passed (attempt 2)",
    }
    assert by_name[CYRILLIC]["employment_status"] == "Related field"
    assert by_name["Hal Unknown"]["placement_status"] == "No placement"
    assert by_name["Hal Unknown"]["confirmed_hours"] == ""


# --- downloads ---------------------------------------------------------------------------------


def test_admin_downloads_the_pdf_and_the_csv(app, client, login_as):
    cohort_id = _cohort(app)
    login_as(Role.ADMIN)
    board = client.get(f"/admin/cohorts/{cohort_id}/placements").get_data(as_text=True)
    assert f"/admin/cohorts/{cohort_id}/placement-report.pdf" in board
    assert f"/admin/cohorts/{cohort_id}/placement-report.csv" in board

    response = client.get(f"/admin/cohorts/{cohort_id}/placement-report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="placement-report-{CODE}.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert CYRILLIC in text_of(response.data)

    response = client.get(f"/admin/cohorts/{cohort_id}/placement-report.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="placement-report-{CODE}.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert CYRILLIC in response.get_data(as_text=True)


def test_download_file_name_is_chosen_by_the_server(app, client, login_as):
    with app.app_context():
        cohort = make_cohort(code='A"B/..\\C; x')
        db.session.commit()
        cohort_id = cohort.id
    login_as(Role.ADMIN)
    for ext in ("pdf", "csv"):
        response = client.get(f"/admin/cohorts/{cohort_id}/placement-report.{ext}")
        assert response.status_code == 200
        assert (
            response.headers["Content-Disposition"]
            == f'attachment; filename="placement-report-A-B-C-x.{ext}"'
        )


def test_others_may_not_download(app, client, login_as):
    cohort_id = _cohort(app)
    login_as(Role.INSTRUCTOR)
    assert client.get(f"/admin/cohorts/{cohort_id}/placement-report.pdf").status_code == 403
    assert client.get(f"/admin/cohorts/{cohort_id}/placement-report.csv").status_code == 403


# --- command line ------------------------------------------------------------------------------


def test_cli_writes_the_pdf_and_the_csv(app, tmp_path):
    _cohort(app)
    runner = app.test_cli_runner()
    out = tmp_path / "placement.pdf"
    result = runner.invoke(args=["reports", "placement", "--cohort", CODE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Placement report of {CODE} (8 student(s)) written to {out}." in result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert CYRILLIC in text_of(pdf)
    assert not (tmp_path / "placement.pdf.part").exists()

    out_csv = tmp_path / "placement.csv"
    result = runner.invoke(
        args=["reports", "placement", "--cohort", CODE, "--out", str(out_csv), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 9


def test_cli_refuses_an_unknown_cohort_and_writes_nothing(app, tmp_path):
    out = tmp_path / "placement.pdf"
    result = app.test_cli_runner().invoke(
        args=["reports", "placement", "--cohort", "NOPE-1", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "there is no cohort 'NOPE-1'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_an_unknown_format(app, tmp_path):
    _cohort(app)
    out = tmp_path / "placement.xls"
    result = app.test_cli_runner().invoke(
        args=["reports", "placement", "--cohort", CODE, "--out", str(out), "--format", "xls"]
    )
    assert result.exit_code == 2
    assert "xls" in result.output
    assert not out.exists()
