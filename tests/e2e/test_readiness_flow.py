"""An instructor records a student's exam-prep steps (a required task and two timed mock exams
at 70% or above) and the student's dashboard turns to "Ready for the exam". Real Chromium
against the live server; the refused score is checked to have saved nothing.

The school's real today is used throughout (the live server runs in another thread, so dates
are not monkeypatched): the cohort started 120 days ago and every result is in the past.

Screenshots of the key pages go to /tmp/e2e-shots/readiness-*.png."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from school.auth.models import Role
from school.certifications import services
from school.certifications.models import StepResult
from school.database import school_today
from school.extensions import db
from school.web.templating import format_date
from tests.e2e.helpers import DESKTOP, grid_row, shots, sign_in, sign_out
from tests.factories import make_cohort, make_enrollment, make_program, make_user

shot, phone_shot = shots("readiness")  # /tmp/e2e-shots/readiness-<name>.png

INSTRUCTOR_EMAIL, INSTRUCTOR_NAME = "grace.hopper@example.com", "Grace Hopper"
INSTRUCTOR_PASSWORD = "copper-lantern-orchard-52"
# An accented name, to check UTF-8 through the pages.
STUDENT_EMAIL, STUDENT_NAME = "zoe.lefevre@example.com", "Zoë Lefèvre"
STUDENT_PASSWORD = "quiet-harbour-lantern-7"
PROGRAM_CODE, COHORT_CODE = "MBC-PREP", "MBC-2026-PREP"

TASK, MOCK1, MOCK2 = "Coding guidelines review", "Timed mock 1", "Timed mock 2"
PLAN = [("task", TASK), ("mock_exam", MOCK1), ("mock_exam", MOCK2)]


def results(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StepResult)) or 0


def score_id(page, title: str) -> str:
    return page.get_by_label(f"{title}: score (%)", exact=True).get_attribute("id")


def record(page: Page, title: str, day: dt.date, score: str | None = None) -> None:
    """Fill one step's row and press its own Save button."""
    page.get_by_label(f"{title}: date", exact=True).fill(day.isoformat())
    if score is not None:
        page.get_by_label(f"{title}: score (%)", exact=True).fill(score)
    page.get_by_role("button", name=f"Save {title}", exact=True).click()


def test_instructor_records_two_mock_exams_and_the_student_sees_ready(
    app: Flask, live_server: str, page: Page
) -> None:
    page.set_viewport_size(DESKTOP)
    with app.app_context():
        today = school_today()
        teacher = make_user(
            role=Role.INSTRUCTOR,
            email=INSTRUCTOR_EMAIL,
            name=INSTRUCTOR_NAME,
            password=INSTRUCTOR_PASSWORD,
        )
        cohort = make_cohort(
            program=make_program(code=PROGRAM_CODE),
            code=COHORT_CODE,
            start=today - dt.timedelta(days=120),
            instructors=[teacher],
        )
        for kind, title in PLAN:
            services.add_step(program=cohort.program, kind=kind, title=title, required=True)
        student = make_user(
            role=Role.STUDENT, email=STUDENT_EMAIL, name=STUDENT_NAME, password=STUDENT_PASSWORD
        )
        enrollment = make_enrollment(cohort=cohort, student=student)
        db.session.commit()
        enrollment_id = enrollment.id
        task_day = today - dt.timedelta(days=10)
        mock1_day = today - dt.timedelta(days=5)
        mock2_day = today - dt.timedelta(days=2)
        shown = {day: format_date(day) for day in (task_day, mock1_day, mock2_day)}
    record_url = f"{live_server}/enrollments/{enrollment_id}/exam-prep"

    # --- The student sees that they are not ready yet, and what is missing. ------------------
    sign_in(page, live_server, STUDENT_EMAIL, STUDENT_PASSWORD)
    card = page.locator("#exam-prep")
    expect(card.get_by_role("heading", name="Exam readiness")).to_be_visible()
    expect(card.get_by_text("Not ready yet.")).to_be_visible()
    missing = card.locator(".verdict li")
    expect(missing).to_have_text(
        [
            f"Task not done: {TASK}.",
            re.compile(r"^2 more timed mock exams at 70% or above"),
        ]
    )
    steps = card.locator("ol.steps li")
    expect(steps).to_have_count(3)
    for item in steps.all():
        expect(item).to_contain_text("not yet")
    shot(page, "1-student-not-ready")
    phone_shot(page, "1b-student-not-ready-phone")
    sign_out(page)

    # --- The instructor finds the student from their dashboard. ------------------------------
    sign_in(page, live_server, INSTRUCTOR_EMAIL, INSTRUCTOR_PASSWORD)
    cohorts = page.locator("tbody tr").filter(
        has=page.get_by_role("link", name=COHORT_CODE, exact=True)
    )
    expect(cohorts).to_have_count(1)
    cohorts.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", name=COHORT_CODE, level=1)).to_be_visible()
    tabs = page.get_by_role("navigation", name=COHORT_CODE)
    expect(tabs.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    tabs.get_by_role("link", name="Exam readiness").click()
    expect(page).to_have_url(re.compile(r"/cohorts/\d+/exam-prep$"))
    grid_url = page.url
    expect(tabs.get_by_role("link", name="Exam readiness")).to_have_attribute(
        "aria-current", "page"
    )
    row = grid_row(page, STUDENT_NAME)
    expect(row).to_have_count(1)
    readiness_cell = row.locator('td[data-label="Readiness"]')
    expect(readiness_cell.locator(".tag")).to_have_text("Not yet")
    # What is missing, briefly (the page states the rule once, above the table).
    expect(readiness_cell).to_contain_text("1 task to do · 2 more mocks")
    for title in (TASK, MOCK1, MOCK2):
        expect(row.locator(f'td[data-label="{title}"]')).to_have_text("—")
    shot(page, "2-grid-not-yet")
    row.get_by_role("link", name=STUDENT_NAME, exact=True).click()
    expect(page).to_have_url(record_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{STUDENT_NAME} exam prep")
    expect(page.locator(".verdict")).to_contain_text("Not ready yet.")

    # A task row has a date but no score.
    expect(page.get_by_label(f"{TASK}: date", exact=True)).to_have_value("")
    expect(page.get_by_label(f"{TASK}: score (%)", exact=True)).to_have_count(0)

    # A score that is not a number: refused beside the cell, nothing saved.
    record(page, MOCK1, mock1_day, "abc")
    expect(page).to_have_url(record_url)
    expect(page).to_have_title(re.compile(rf"^Error: {re.escape(STUDENT_NAME)}: exam"))
    # The summary links to the cell in error.
    summary_link = page.locator(".form-errors a")
    expect(summary_link).to_have_text(re.compile(rf"{MOCK1}, score \(%\): Enter the score"))
    assert summary_link.get_attribute("href") == "#" + score_id(page, MOCK1)
    score = page.get_by_label(f"{MOCK1}: score (%)", exact=True)
    expect(score).to_have_attribute("aria-invalid", "true")
    expect(score).to_have_value("abc")
    expect(page.get_by_label(f"{MOCK1}: date", exact=True)).to_have_value(mock1_day.isoformat())
    error = page.locator("td.has-error .error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Enter the score as a percentage")
    expect(score).to_have_attribute("aria-describedby", error.get_attribute("id") or "")
    expect(page.get_by_role("alert")).to_contain_text("Enter the score as a percentage")
    # The other rows are untouched.
    expect(page.get_by_label(f"{MOCK2}: score (%)", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label(f"{MOCK2}: score (%)", exact=True)).to_have_value("")
    assert results(app) == 0
    shot(page, "3-score-refused")
    phone_shot(page, "3b-score-refused-phone")

    # The task, then the two mock exams, each saved from its own row.
    for title, day, value in (
        (TASK, task_day, None),
        (MOCK1, mock1_day, "72"),
        (MOCK2, mock2_day, "81.5"),
    ):
        record(page, title, day, value)
        expect(page).to_have_url(record_url)
        expect(page.get_by_role("status")).to_have_text(f"{title} recorded for {STUDENT_NAME}.")
        expect(page.get_by_label(f"{title}: date", exact=True)).to_have_value(day.isoformat())
        if value is not None:
            expect(page.get_by_label(f"{title}: score (%)", exact=True)).to_have_value(value)
    assert results(app) == 3
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("Ready for the exam")
    expect(verdict).to_have_class(re.compile(r"\bverdict-ready\b"))
    expect(page.get_by_role("alert")).to_have_count(0)
    shot(page, "4-record-ready")
    phone_shot(page, "4b-record-ready-phone")

    # Back on the cohort's grid, the student is ready.
    page.get_by_role("link", name=f"{COHORT_CODE} exam readiness").click()
    expect(page).to_have_url(grid_url)
    row = grid_row(page, STUDENT_NAME)
    expect(row.locator('td[data-label="Readiness"]')).to_have_text("Ready")
    expect(row.locator(f'td[data-label="{TASK}"]')).to_have_text("Done")
    expect(row.locator(f'td[data-label="{MOCK1}"]')).to_have_text("72%")
    expect(row.locator(f'td[data-label="{MOCK2}"]')).to_have_text("81.5%")
    shot(page, "5-grid-ready")
    phone_shot(page, "5b-grid-ready-phone")
    sign_out(page)

    # --- The student sees the verdict and the scores on their dashboard. ---------------------
    sign_in(page, live_server, STUDENT_EMAIL, STUDENT_PASSWORD)
    card = page.locator("#exam-prep")
    expect(card.locator(".verdict")).to_contain_text("Ready for the exam")
    expect(card.get_by_text("Not ready yet.")).to_have_count(0)
    expect(steps.filter(has_text=TASK)).to_contain_text(f"done {shown[task_day]}")
    expect(steps.filter(has_text=MOCK1)).to_contain_text(f"72% on {shown[mock1_day]}")
    expect(steps.filter(has_text=MOCK2)).to_contain_text(f"81.5% on {shown[mock2_day]}")
    shot(page, "6-student-ready")
    phone_shot(page, "6b-student-ready-phone")
