"""Cohorts: one start of a program, with dates and instructors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from school.auth.models import Role
from school.cohorts.models import Cohort
from school.extensions import db
from tests.factories import make_cohort, make_program, make_user


def _setup(app):
    with app.app_context():
        program = make_program(code="MBC-DIP")
        ivy = make_user(role=Role.INSTRUCTOR, name="Ivy Instructor")
        sam = make_user(role=Role.STUDENT, name="Sam Student")
        db.session.commit()
        return program.id, ivy.id, sam.id


def test_admin_creates_a_cohort_with_instructors(client, login_as, app):
    login_as("admin")
    program_id, ivy_id, _sam = _setup(app)
    form = client.get("/admin/cohorts/new").get_data(as_text=True)
    assert "Ivy Instructor" in form and "Sam Student" not in form  # only instructors offered
    response = client.submit(
        "/admin/cohorts/new",
        {
            "code": "mbc-2026-01",
            "program_id": str(program_id),
            "start_date": "2026-09-14",
            "end_date": "2027-06-18",
            "instructor_ids": [str(ivy_id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        assert cohort.code == "MBC-2026-01"
        assert [u.name for u in cohort.instructors] == ["Ivy Instructor"]
        assert cohort.start_date == dt.date(2026, 9, 14)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ivy Instructor" in page and "Sep 14, 2026 to Jun 18, 2027" in page


def test_cohort_problems_are_all_reported(client, login_as, app):
    login_as("admin")
    _program_id, _ivy, sam_id = _setup(app)
    with app.app_context():
        make_cohort(code="TAKEN-01")
        db.session.commit()
    html = client.submit(
        "/admin/cohorts/new",
        {
            "code": "taken-01",
            "program_id": "",
            "start_date": "14/09/2026",
            "end_date": "2026-01-01",
            "instructor_ids": [str(sam_id)],
        },
    ).get_data(as_text=True)
    assert "TAKEN-01 is already the code of another cohort." in html
    assert "Choose the program this cohort follows." in html
    assert "Enter a date like 2026-09-14." in html
    assert "Choose active instructors only." in html
    assert 'value="14/09/2026"' in html
    with app.app_context():
        assert db.session.scalar(select(Cohort.code).where(Cohort.code != "TAKEN-01")) is None


def test_end_must_come_after_start(client, login_as, app):
    login_as("admin")
    program_id, _ivy, _sam = _setup(app)
    html = client.submit(
        "/admin/cohorts/new",
        {"code": "X-1", "program_id": str(program_id), "start_date": "2026-09-14",
         "end_date": "2026-09-14"},
    ).get_data(as_text=True)  # fmt: skip
    assert "The last day must come after the first day." in html


def test_list_filters_by_program_and_status(client, login_as, app, set_today):
    login_as("admin")
    today = dt.date(2026, 11, 27)
    set_today(today)
    with app.app_context():
        diploma, prep = make_program(code="MBC-DIP"), make_program(code="CPC-PREP")
        make_cohort(program=diploma, code="MBC-2025-01", start=dt.date(2025, 1, 6), weeks=40)
        make_cohort(program=diploma, code="MBC-2026-02", start=dt.date(2026, 9, 14))
        make_cohort(program=prep, code="CPC-2027-01", start=dt.date(2027, 1, 11), weeks=12)
        db.session.commit()
        prep_id = prep.id

    def codes(query: str) -> list[str]:
        html = client.get(f"/admin/cohorts{query}").get_data(as_text=True)
        return [c for c in ("MBC-2025-01", "MBC-2026-02", "CPC-2027-01") if f">{c}<" in html]

    assert codes("") == ["MBC-2025-01", "MBC-2026-02", "CPC-2027-01"]
    assert codes("?status=finished") == ["MBC-2025-01"]
    assert codes("?status=running") == ["MBC-2026-02"]
    assert codes("?status=upcoming") == ["CPC-2027-01"]
    assert codes(f"?program={prep_id}") == ["CPC-2027-01"]
    html = client.get("/admin/cohorts?status=upcoming&program=999").get_data(as_text=True)
    assert "No cohort matches these filters." in html


def test_edit_cohort_changes_instructors(client, login_as, app):
    login_as("admin")
    program_id, ivy_id, _sam = _setup(app)
    with app.app_context():
        tom = make_user(role=Role.INSTRUCTOR, name="Tom Teacher")
        cohort = make_cohort(code="MBC-2026-01", instructors=[db.session.get(type(tom), ivy_id)])
        db.session.commit()
        cohort_id, tom_id = cohort.id, tom.id
    form = client.get(f"/admin/cohorts/{cohort_id}/edit").get_data(as_text=True)
    assert f'id="instructor-{ivy_id}" value="{ivy_id}" checked' in form
    response = client.submit(
        f"/admin/cohorts/{cohort_id}/edit",
        {"code": "MBC-2026-01", "program_id": str(program_id), "start_date": "2026-09-14",
         "end_date": "2027-06-18", "instructor_ids": [str(tom_id)]},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert [u.name for u in db.session.get(Cohort, cohort_id).instructors] == ["Tom Teacher"]


def test_cohort_list_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")

    def add(n):
        with app.app_context():
            program = make_program()
            teachers = [make_user(role=Role.INSTRUCTOR) for _ in range(2)]
            for _ in range(n):
                make_cohort(program=program, instructors=teachers)
            db.session.commit()

    add(2)
    with count_queries() as few:
        assert client.get("/admin/cohorts").status_code == 200
    add(30)
    with count_queries() as many:
        assert client.get("/admin/cohorts?page=2&sort=code").status_code == 200
    assert many.count == few.count <= 6
