"""An administrator creates a cohort and imports its roster; its instructor sets up a course's
assessments and enters grades; a student sees the result on their dashboard. Real Chromium
against the live server; each refused form is checked to have saved nothing.

Screenshots of the key pages go to /tmp/e2e-shots/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.cohorts.models import Assessment, Enrollment, Score
from school.database import school_today, utcnow
from school.extensions import db
from tests.e2e.helpers import grid_row, shots, sign_in, sign_out
from tests.factories import DEFAULT_PASSWORD, make_program, make_user

shot, phone_shot = shots("gradebook")  # /tmp/e2e-shots/gradebook-<name>.png

ADMIN_EMAIL, ADMIN_NAME = "ada.admin@example.com", "Ada Lovelace"
INSTRUCTOR_EMAIL, INSTRUCTOR_NAME = "grace.hopper@example.com", "Grace Hopper"
PROGRAM_CODE = "MBC-E2E"
COHORT_CODE = "MBC-2026-E2E"

# The roster: one accented name, to check UTF-8 from the file to the pages.
STUDENT = ("S-1001", "Zoë", "Lefèvre", "zoe.lefevre@example.com")
ROSTER = [
    STUDENT,
    ("S-1002", "Omar", "Haddad", "omar.haddad@example.com"),
    ("S-1003", "Mei", "Tanaka", "mei.tanaka@example.com"),
]
STUDENT_NAME = f"{STUDENT[1]} {STUDENT[2]}"
STUDENT_PASSWORD = "quiet-harbour-lantern-7"


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_admin_imports_a_roster_instructor_grades_student_sees_the_result(
    app: Flask, live_server: str, page: Page, tmp_path: Path
) -> None:
    with app.app_context():
        make_user(role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME)
        make_user(role=Role.INSTRUCTOR, email=INSTRUCTOR_EMAIL, name=INSTRUCTOR_NAME)
        program = make_program(code=PROGRAM_CODE, courses=3)
        program_label = f"{program.code} — {program.name}"
        db.session.commit()
        # A cohort that is running at the school's today.
        today = school_today()
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=300)

    # --- The admin creates the cohort. ------------------------------------------------------
    sign_in(page, live_server, ADMIN_EMAIL, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/admin/cohorts/new")
    expect(page.get_by_role("heading", name="New cohort")).to_be_visible()
    page.get_by_label("Code").fill(COHORT_CODE)
    page.get_by_label("Program").select_option(label=program_label)
    page.get_by_label("First day of class").fill(start.isoformat())
    page.get_by_label("Last day").fill(end.isoformat())
    page.get_by_role("group", name="Instructors").get_by_label(INSTRUCTOR_NAME).check()
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_text(f"Cohort {COHORT_CODE} created.")).to_be_visible()
    expect(page.get_by_role("heading", name=COHORT_CODE)).to_be_visible()
    expect(page.get_by_text("No students are enrolled in this cohort yet.")).to_be_visible()

    # --- ... and imports its roster, without invitations. -----------------------------------
    roster = tmp_path / "roster.csv"
    lines = ["student_number,first_name,last_name,email", *(",".join(r) for r in ROSTER)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.get_by_role("link", name="Import a roster").click()
    expect(page.get_by_role("heading", name=f"Import a roster into {COHORT_CODE}")).to_be_visible()
    page.get_by_label("Roster file (CSV)").set_input_files(roster)
    invite = page.get_by_label("Email each new student an invitation")
    expect(invite).not_to_be_checked()
    page.get_by_role("button", name="Import").click()
    expect(
        page.get_by_text(
            f"Roster imported into {COHORT_CODE}: 3 rows read; 3 enrolled (3 new accounts); "
            "0 updated; 0 already on the roster, unchanged."
        )
    ).to_be_visible()
    students = page.locator("#students")
    for number, first, last, email in ROSTER:
        row = students.locator("tbody tr").filter(
            has=page.get_by_role("link", name=f"{first} {last}", exact=True)
        )
        expect(row).to_have_count(1)
        expect(row.locator('td[data-label="Student no."]')).to_have_text(number)
        expect(row.locator('td[data-label="Email"]')).to_have_text(email)
        expect(row.locator('td[data-label="Status"]')).to_have_text("Active")
    expect(students.get_by_text("3 active")).to_be_visible()
    shot(page, "1-cohort-after-import")
    sign_out(page)

    # The imported student chooses a password (here, directly: no invitation was sent).
    with app.app_context():
        student = db.session.scalar(select(User).where(User.email == STUDENT[3]))
        assert student is not None
        assert student.role == Role.STUDENT and student.student_number == STUDENT[0]
        assert student.password_hash is None
        student.password_hash = hash_password(STUDENT_PASSWORD)
        student.password_changed_at = utcnow()
        db.session.commit()

    # --- The instructor sets up the first course's assessments. -----------------------------
    sign_in(page, live_server, INSTRUCTOR_EMAIL, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cohorts")).to_be_visible()
    page.get_by_role("link", name=COHORT_CODE, exact=True).click()
    page.get_by_role("navigation", name=COHORT_CODE).get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("heading", name="Courses")).to_be_visible()
    first_course = page.locator("tbody tr").first
    expect(first_course.get_by_text("Not set up")).to_be_visible()
    first_course.get_by_role("link", name="Course 1").click()
    expect(page.get_by_role("heading", name="C001 Course 1")).to_be_visible()
    page.get_by_role("link", name="Set up assessments").click()
    expect(page.get_by_role("heading", name="C001 Course 1: assessments")).to_be_visible()

    def fill_row(n: int, name: str, weight: str, out_of: str) -> None:
        page.get_by_label(f"Row {n} name", exact=True).fill(name)
        page.get_by_label(f"Row {n} weight (%)", exact=True).fill(weight)
        page.get_by_label(f"Row {n} out of (points)", exact=True).fill(out_of)

    # Weights that add up to 90% are refused; what was typed stays.
    fill_row(1, "Quizzes", "40", "100")
    fill_row(2, "Final exam", "50", "50")
    page.get_by_role("button", name="Save assessments").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved.")
    expect(summary).to_contain_text("The weights add up to 90%; they must add up to 100%.")
    expect(page.get_by_label("Row 2 name", exact=True)).to_have_value("Final exam")
    expect(page.get_by_label("Row 2 weight (%)", exact=True)).to_have_value("50")
    assert count(app, Assessment) == 0
    shot(page, "2-assessments-weights-refused")

    page.get_by_label("Row 2 weight (%)", exact=True).fill("60")
    page.get_by_role("button", name="Save assessments").click()
    expect(page.get_by_text("Assessments of C001 saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="C001 Course 1")).to_be_visible()
    assert count(app, Assessment) == 2

    # --- ... and enters the student's scores: a typo first, then the right figures. ---------
    quizzes = page.get_by_label(f"{STUDENT_NAME}, Quizzes (out of 100)", exact=True)
    final = page.get_by_label(f"{STUDENT_NAME}, Final exam (out of 50)", exact=True)
    with app.app_context():
        enrollment_id = db.session.scalar(
            select(Enrollment.id).join(Enrollment.student).where(User.email == STUDENT[3])
        )
        quizzes_id = db.session.scalar(select(Assessment.id).where(Assessment.name == "Quizzes"))
    expect(quizzes).to_have_id(f"score-{enrollment_id}-{quizzes_id}")

    quizzes.fill("abc")
    final.fill("45")
    page.get_by_role("button", name="Save grades").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(quizzes).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#score-{enrollment_id}-{quizzes_id}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Enter a number")
    expect(quizzes).to_have_accessible_description("Enter a number, e.g. 87.5.")
    expect(quizzes).to_have_value("abc")
    expect(final).to_have_value("45")
    assert count(app, Score) == 0
    shot(page, "3-grid-refused")

    quizzes.fill("85")
    page.get_by_role("button", name="Save grades").click()
    expect(page.get_by_text("2 changes saved in C001.")).to_be_visible()
    expect(quizzes).to_have_value("85")
    expect(final).to_have_value("45")
    # 85/100 at 40% and 45/50 at 60%: 34 + 54 = 88.00%, a B.
    row = grid_row(page, STUDENT_NAME)
    expect(row.locator('td[data-label="Result"]')).to_have_text("88.00% B")
    for _, first, last, _ in ROSTER[1:]:
        expect(grid_row(page, f"{first} {last}").locator('td[data-label="Result"]')).to_have_text(
            "—"
        )
    assert count(app, Score) == 2
    shot(page, "4-grid-saved")
    phone_shot(page, "5-grid-saved-phone")

    # The gradebook's course list and the cohort overview follow.
    tabs = page.get_by_role("navigation", name=COHORT_CODE)
    tabs.get_by_role("link", name="Gradebook").click()
    first_course = page.locator("tbody tr").first
    expect(first_course.locator('td[data-label="Assessments"]')).to_have_text("2, weights 100%")
    expect(first_course.locator('td[data-label="Scores entered"]')).to_have_text("2")
    tabs.get_by_role("link", name="Overview").click()
    overview = page.locator("tbody tr").filter(
        has=page.get_by_role("link", name=STUDENT_NAME, exact=True)
    )
    expect(overview.locator('td[data-label="Student no."]')).to_have_text(STUDENT[0])
    expect(overview.locator('td[data-label="GPA"]')).to_have_text("3.00")
    expect(overview.locator('td[data-label="Credits earned"]')).to_have_text("3 / 9")
    shot(page, "5b-overview")
    sign_out(page)

    # --- The student sees the result on their dashboard. ------------------------------------
    sign_in(page, live_server, STUDENT[3], STUDENT_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Zoë")).to_be_visible()
    course = page.locator("#courses tbody tr").filter(has_text="C001")
    expect(course.locator('td[data-label="Percent"]')).to_have_text("88.00%")
    expect(course.locator('td[data-label="Grade"]')).to_have_text("B")
    expect(course.locator('td[data-label="Status"]')).to_have_text("Passed")
    gpa = page.get_by_role("region", name="Standing").locator(".tile").filter(has_text="GPA")
    expect(gpa.locator(".tile-number")).to_have_text("3.00")
    shot(page, "6-student-dashboard")
    phone_shot(page, "7-student-dashboard-phone")
