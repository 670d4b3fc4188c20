"""The cohort placement report leaving the school: its CSV, the admin's downloads and the
command line, on the hand-built cohort of :mod:`tests.reports.placement_cohort`."""

from __future__ import annotations

import csv
import io

from school.auth.models import Role
from school.cohorts.models import Cohort
from school.extensions import db
from school.reports.placement.csv import CSV_COLUMNS, placement_report_csv
from school.reports.placement.data import placement_report_data
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_user,
)
from tests.reports.pdf_tools import flat_text
from tests.reports.placement_cohort import (
    CODE,
    CYRILLIC,
    TRICKY,
    T,
    hand_built_cohort,
)


def test_csv_has_a_row_per_student_and_neutralised_formulas(app):
    cohort_id = hand_built_cohort(app)
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
    cohort_id = hand_built_cohort(app)
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
    assert CYRILLIC in flat_text(response.data)

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
    cohort_id = hand_built_cohort(app)
    login_as(Role.INSTRUCTOR)
    assert client.get(f"/admin/cohorts/{cohort_id}/placement-report.pdf").status_code == 403
    assert client.get(f"/admin/cohorts/{cohort_id}/placement-report.csv").status_code == 403


# --- command line ------------------------------------------------------------------------------


def test_cli_writes_the_pdf_and_the_csv(app, tmp_path):
    hand_built_cohort(app)
    runner = app.test_cli_runner()
    out = tmp_path / "placement.pdf"
    result = runner.invoke(args=["reports", "placement", "--cohort", CODE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Placement report of {CODE} (8 student(s)) written to {out}." in result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert CYRILLIC in flat_text(pdf)
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
    hand_built_cohort(app)
    out = tmp_path / "placement.xls"
    result = app.test_cli_runner().invoke(
        args=["reports", "placement", "--cohort", CODE, "--out", str(out), "--format", "xls"]
    )
    assert result.exit_code == 2
    assert "xls" in result.output
    assert not out.exists()
