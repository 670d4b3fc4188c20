"""Programs and their curricula (admin)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.cohorts.models import Course, Program
from school.errors import DomainError
from school.extensions import db
from tests.factories import make_program

GOOD = {
    "code": "mbc-dip",
    "name": "Medical Billing and Coding Diploma",
    "target_credential": "cpc",
    "clock_hours": "720",
    "externship_hours": "160",
    "daily_hour_cap": "10",
    "pass_mark": "70",
    "scale_a": "90",
    "scale_b": "80",
    "scale_c": "70",
    "scale_d": "60",
}


def _program(app, code: str) -> Program:
    with app.app_context():
        program = db.session.scalar(select(Program).where(Program.code == code))
        db.session.expunge_all()
        return program


def test_admin_creates_a_program_with_exact_decimals(client, login_as, app):
    login_as("admin")
    response = client.submit("/admin/programs/new", {**GOOD, "daily_hour_cap": "7.5"})
    assert response.status_code == 302
    program = _program(app, "MBC-DIP")
    assert program.target_credential == "CPC"
    assert program.daily_hour_cap == Decimal("7.50") and isinstance(program.pass_mark, Decimal)
    assert response.headers["Location"] == f"/admin/programs/{program.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Medical Billing and Coding Diploma" in page and "160 hours, at most 7.5 a day" in page
    assert "No courses yet" in page
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("program.%")))
            == "program.created"
        )


def test_every_problem_is_listed_beside_its_field_and_nothing_is_saved(client, login_as, app):
    login_as("admin")
    with app.app_context():
        make_program(code="TAKEN")
        db.session.commit()
    bad = {
        **GOOD,
        "code": "taken",
        "name": "",
        "clock_hours": "seven hundred",
        "externship_hours": "-5",
        "daily_hour_cap": "30",
        "scale_b": "95",
    }
    html = client.submit("/admin/programs/new", bad).get_data(as_text=True)
    # Shape (not a number) and rules (taken code, ranges) are all reported in one answer.
    assert 'id="name-error"' in html
    assert 'id="clock_hours-error"' in html and "Enter a whole number, e.g. 720." in html
    assert 'value="seven hundred"' in html  # what was typed is kept
    assert "TAKEN is already the code of another program." in html
    assert "Externship hours go from 0 (none) to 5,000." in html
    assert "A day&#39;s cap must be more than 0 and at most 24 hours." in html
    assert "The scale must go down from A to D" in html
    with app.app_context():
        assert db.session.scalar(select(Program.code).where(Program.code != "TAKEN")) is None


def test_edit_program_keeps_its_own_code(client, login_as, app):
    login_as("admin")
    with app.app_context():
        program_id = make_program(code="CPC-PREP").id
        db.session.commit()
    form = client.get(f"/admin/programs/{program_id}/edit").get_data(as_text=True)
    assert 'value="CPC-PREP"' in form
    response = client.submit(
        f"/admin/programs/{program_id}/edit", {**GOOD, "code": "CPC-PREP", "name": "CPC Exam Prep"}
    )
    assert response.status_code == 302
    assert _program(app, "CPC-PREP").name == "CPC Exam Prep"


def test_courses_are_added_in_order_and_can_be_reordered(client, login_as, app):
    login_as("admin")
    with app.app_context():
        program_id = make_program(courses=0).id
        db.session.commit()
    for code, title in (("MT101", "Medical Terminology"), ("AP101", "Anatomy and Physiology")):
        response = client.submit(
            f"/admin/programs/{program_id}/courses/new",
            {"code": code, "title": title, "credit_hours": "3.5", "clock_hours": "60"},
        )
        assert response.status_code == 302
    duplicate = client.submit(
        f"/admin/programs/{program_id}/courses/new",
        {"code": "mt101", "title": "Again", "credit_hours": "3", "clock_hours": "60"},
    ).get_data(as_text=True)
    assert "MT101 is already a course of this program." in duplicate

    page = client.get(f"/admin/programs/{program_id}").get_data(as_text=True)
    assert page.index("Medical Terminology") < page.index("Anatomy and Physiology")
    assert "<td>7</td>" in page  # total credits: 3.5 + 3.5

    with app.app_context():
        second = db.session.scalar(select(Course.id).where(Course.code == "AP101"))
    client.button(f"/admin/courses/{second}/move/up", page=f"/admin/programs/{program_id}")
    page = client.get(f"/admin/programs/{program_id}").get_data(as_text=True)
    assert page.index("Anatomy and Physiology") < page.index("Medical Terminology")
    # The first course cannot move further up.
    client.button(f"/admin/courses/{second}/move/up", page=f"/admin/programs/{program_id}")
    assert "AP101 is already the first course." in client.get(
        f"/admin/programs/{program_id}"
    ).get_data(as_text=True)


def test_program_list_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")

    def add(n):
        with app.app_context():
            for _ in range(n):
                make_program(courses=4)
            db.session.commit()

    add(2)
    with count_queries() as few:
        html = client.get("/admin/programs").get_data(as_text=True)
    assert "Showing 1–2 of 2 programs" in html
    add(25)
    with count_queries() as many:
        client.get("/admin/programs?page=2&sort=name")
    assert many.count == few.count <= 4


def test_program_page_query_count_does_not_grow_with_courses(client, login_as, app, count_queries):
    login_as("admin")
    with app.app_context():
        small, large = make_program(courses=2).id, make_program(courses=30).id
        db.session.commit()
    with count_queries() as few:
        client.get(f"/admin/programs/{small}")
    with count_queries() as many:
        client.get(f"/admin/programs/{large}")
    assert many.count == few.count


def test_empty_program_list(client, login_as):
    login_as("admin")
    assert "No programs yet." in client.get("/admin/programs").get_data(as_text=True)


def test_numbers_that_are_not_finite_or_too_large_are_refused(client, login_as, app):
    login_as("admin")
    html = client.submit(
        "/admin/programs/new",
        {**GOOD, "pass_mark": "NaN", "scale_a": "Infinity", "clock_hours": "99999999999"},
    ).get_data(as_text=True)
    assert html.count("Enter a number, e.g. 7.5.") >= 2
    assert "Clock hours go from 0 to 10,000." in html
    with app.app_context():
        assert db.session.scalar(select(Program.id)) is None


def test_more_decimal_places_than_kept_are_refused(client, login_as, app):
    login_as("admin")
    html = client.submit(
        "/admin/programs/new", {**GOOD, "daily_hour_cap": "0.001", "scale_a": "90.004"}
    ).get_data(as_text=True)
    for name in ("daily_hour_cap", "scale_a"):  # beside each field (and in the summary)
        error = html[html.index(f'id="{name}-error"') :]
        assert error[: error.index("</p>")].endswith("Use at most 2 decimal places.")
    with app.app_context():
        program_id = make_program().id
        db.session.commit()
    html = client.submit(
        f"/admin/programs/{program_id}/courses/new",
        {"code": "X1", "title": "X", "credit_hours": "3.25", "clock_hours": "10"},
    ).get_data(as_text=True)
    assert "Use at most 1 decimal place, e.g. 3.5." in html


def test_a_code_taken_at_the_same_moment_is_a_message_not_a_500(client, login_as, app, monkeypatch):
    """Two admins creating MBC-DIP at once: both pass the check, the database refuses the
    second INSERT; the second admin is told so, and nothing of theirs is saved."""
    login_as("admin")
    with app.app_context():
        make_program(code="MBC-DIP")
        db.session.commit()
    monkeypatch.setattr(
        "school.cohorts.services.programs.program_problems", lambda *a, **k: DomainError.collect()
    )
    response = client.submit(
        "/admin/programs/new",
        {
            "code": "MBC-DIP", "name": "Again", "target_credential": "CPC", "clock_hours": "10",
            "externship_hours": "0", "daily_hour_cap": "10", "pass_mark": "70",
            "scale_a": "90", "scale_b": "80", "scale_c": "70", "scale_d": "60",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "Someone else saved a conflicting change at the same moment" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Program)) == 1
