"""A student logs externship hours, their supervisor confirms them from the emailed link
without signing in, and the student sees the confirmed total. Real Chromium against the live
server, real SMTP; each refused form is checked to have saved nothing.

The school's real today is used throughout (the live server runs in another thread, so dates
are not monkeypatched): the placement runs from 30 days ago to 60 days ahead.

Screenshots of the key pages go to /tmp/e2e-shots/externship-*.png."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Page, expect
from pytest_playwright.pytest_playwright import CreateContextCallback
from sqlalchemy import func, select

from school.auth.models import Role
from school.database import school_today
from school.extensions import db
from school.internships.models import DecisionChannel, HourLog, LogStatus
from tests.conftest import Mailbox
from tests.e2e.helpers import DESKTOP, shots, sign_in
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_placement,
    make_program,
    make_site,
    make_user,
)

shot, phone_shot = shots("externship")  # /tmp/e2e-shots/externship-<name>.png

STUDENT_EMAIL, STUDENT_NAME = "maya.okafor@example.com", "Maya Okafor"
STUDENT_PASSWORD = "amber-kettle-meadow-31"
BOSS_EMAIL, BOSS_NAME = "grace.liu@riverside-clinic.example.com", "Grace Liu"
SITE_NAME = "Riverside Family Clinic"
FIRST_ACTIVITIES = "Coded 40 ED charts"
SECOND_ACTIVITIES = "Abstracted 25 outpatient records for HCC review"


def log_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(HourLog)) or 0


def log_statuses(app: Flask) -> list[LogStatus]:
    with app.app_context():
        return list(db.session.scalars(select(HourLog.status).order_by(HourLog.work_date)))


def test_student_logs_hours_supervisor_confirms_by_link_student_sees_the_total(
    app: Flask, live_server: str, mailbox: Mailbox, page: Page, new_context: CreateContextCallback
) -> None:
    with app.app_context():
        today = school_today()
        student = make_user(
            role=Role.STUDENT, email=STUDENT_EMAIL, name=STUDENT_NAME, password=STUDENT_PASSWORD
        )
        boss = make_user(role=Role.EMPLOYER, email=BOSS_EMAIL, name=BOSS_NAME, password=None)
        cohort = make_cohort(program=make_program(), start=today - dt.timedelta(days=120))
        make_placement(
            enrollment=make_enrollment(cohort=cohort, student=student),
            site=make_site(name=SITE_NAME, supervisors=[boss]),
            supervisor=boss,
            start=today - dt.timedelta(days=30),
            end=today + dt.timedelta(days=60),
            required_hours=Decimal("16"),
        )
        db.session.commit()
    yesterday = today - dt.timedelta(days=1)

    # --- The student opens their externship page from the main nav. ------------------------
    sign_in(page, live_server, STUDENT_EMAIL, STUDENT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Externship hours").click()
    expect(page).to_have_url(f"{live_server}/externship")
    expect(page.get_by_role("heading", name="Externship hours", level=1)).to_be_visible()
    expect(page.get_by_text(f"{SITE_NAME},")).to_be_visible()
    expect(page.get_by_text("No hours logged yet.")).to_be_visible()
    bar = page.locator(".hours p")
    expect(bar).to_have_text("0 of 16 hours confirmed (0.00%); 16 to go.")

    work_date = page.locator("#work_date")
    hours = page.get_by_label("Hours", exact=True)
    activities = page.get_by_label("What you did", exact=True)
    log_button = page.get_by_role("button", name="Log hours")
    expect(work_date).to_have_value(today.isoformat())
    expect(work_date).to_have_attribute("max", today.isoformat())

    # A bad log: not in quarter hours, and no activities. The messages stand beside the fields.
    hours.fill("7.3")
    log_button.click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct these:")
    expect(page.locator("#hours-error")).to_contain_text("Use quarter hours")
    expect(page.locator("#activities-error")).to_contain_text("Describe what you did")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(activities).to_have_attribute("aria-invalid", "true")
    expect(hours).to_have_value("7.3")
    expect(page).to_have_title(f"Error: Externship hours · {app.config['SCHOOL_NAME']}")
    assert log_count(app) == 0
    shot(page, "1-log-refused")
    phone_shot(page, "1b-log-refused-phone")

    # Yesterday, 8 hours.
    work_date.fill(yesterday.isoformat())
    hours.fill("8")
    activities.fill(FIRST_ACTIVITIES)
    log_button.click()
    expect(page.get_by_role("status")).to_have_text(
        "Hours logged; your supervisor will confirm them."
    )
    expect(bar).to_have_text(
        "0 of 16 hours confirmed (0.00%); 8 waiting for the supervisor; 16 to go."
    )
    # Today, 8 hours (the day worked is today by default).
    expect(work_date).to_have_value(today.isoformat())
    hours.fill("8")
    activities.fill(SECOND_ACTIVITIES)
    log_button.click()
    expect(page.get_by_role("status")).to_contain_text("Hours logged")
    expect(bar).to_contain_text("16 waiting for the supervisor")
    expect(bar).to_have_text(
        "0 of 16 hours confirmed (0.00%); 16 waiting for the supervisor; 16 to go."
    )
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=FIRST_ACTIVITIES).locator('td[data-label="Status"]')).to_have_text(
        "Waiting for the supervisor"
    )
    expect(rows.filter(has_text=SECOND_ACTIVITIES).locator('td[data-label="Hours"]')).to_have_text(
        "8"
    )
    assert log_statuses(app) == [LogStatus.PENDING, LogStatus.PENDING]
    with app.app_context():
        assert sorted(db.session.scalars(select(HourLog.work_date))) == [yesterday, today]
    shot(page, "2-logged")
    phone_shot(page, "2b-logged-phone")

    # --- The school emails each supervisor one link (the `flask hours` command). ------------
    result = app.test_cli_runner().invoke(args=["hours", "request-confirmation"])
    assert result.exit_code == 0, result.output
    assert "1 supervisor emailed." in result.output
    assert len(mailbox.to(BOSS_EMAIL)) == 1
    link = urlsplit(mailbox.last_link(BOSS_EMAIL))
    assert link.path.startswith("/hours/confirm/"), link
    token = link.path.rsplit("/", 1)[1]
    # From the command line the link is built on EXTERNAL_URL (or a development default):
    # serve its path from the live server.
    confirm_url = f"{live_server}{link.path}"

    # --- The supervisor, not signed in, opens it in their own browser. ----------------------
    boss_page = new_context(viewport=DESKTOP).new_page()
    boss_page.goto(confirm_url)
    expect(boss_page).to_have_url(re.compile(rf"{re.escape(live_server)}/hours/confirm/batch/\d+"))
    assert token not in boss_page.url
    expect(boss_page.get_by_role("heading", name="Externship hours to confirm")).to_be_visible()
    expect(boss_page.get_by_text(f"For {BOSS_NAME} · this link works once")).to_be_visible()
    batch = boss_page.locator("table tbody tr")
    expect(batch).to_have_count(2)
    for row in batch.all():
        expect(row.get_by_role("rowheader")).to_have_text(STUDENT_NAME)
    expect(batch.nth(0).locator('td[data-label="What was done"]')).to_have_text(FIRST_ACTIVITIES)
    expect(batch.nth(1).locator('td[data-label="What was done"]')).to_have_text(SECOND_ACTIVITIES)
    decisions = boss_page.get_by_label(f"Decision for {STUDENT_NAME}, ")
    expect(decisions).to_have_count(2)
    for decision in decisions.all():
        expect(decision).to_have_value("confirm")
        expect(decision.locator("option:checked")).to_have_text("Confirm")
    expect(boss_page.get_by_label(f"Note for {STUDENT_NAME}, ")).to_have_count(2)
    shot(boss_page, "3-supervisor-batch")
    phone_shot(boss_page, "3b-supervisor-batch-phone")

    # Without a signature, nothing is recorded.
    record = boss_page.get_by_role("button", name="Record my decisions")
    signature = boss_page.get_by_label("Your full name, as signature", exact=True)
    expect(signature).to_have_value("")
    record.click()
    expect(boss_page.locator("#signature-error")).to_have_text(
        "Type your full name as your signature."
    )
    expect(signature).to_have_attribute("aria-invalid", "true")
    expect(boss_page.get_by_role("alert")).to_contain_text("Type your full name as your signature.")
    expect(decisions).to_have_count(2)
    for decision in decisions.all():
        expect(decision).to_have_value("confirm")
    assert log_statuses(app) == [LogStatus.PENDING, LogStatus.PENDING]
    shot(boss_page, "4-supervisor-no-signature")

    signature.fill(BOSS_NAME)
    record.click()
    expect(boss_page.get_by_role("heading", name=f"Thank you, {BOSS_NAME}")).to_be_visible()
    expect(boss_page.get_by_text("Your decision on 2 hour logs is recorded.")).to_be_visible()
    with app.app_context():
        logs = db.session.scalars(select(HourLog).order_by(HourLog.work_date)).all()
        assert [(log.status, log.decided_via, log.decision_signature) for log in logs] == [
            (LogStatus.CONFIRMED, DecisionChannel.LINK, BOSS_NAME)
        ] * 2
    shot(boss_page, "5-supervisor-done")

    # The link works once.
    boss_page.goto(confirm_url)
    expect(boss_page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(boss_page.get_by_text("already been used")).to_be_visible()
    shot(boss_page, "6-link-used")

    # --- The student sees the confirmed total, on the externship page and the dashboard. ----
    page.reload()
    expect(bar).to_have_text("16 of 16 hours confirmed (100.00%).")
    progress = page.get_by_label("Confirmed hours", exact=True)
    expect(progress).to_have_js_property("max", 16)
    expect(progress).to_have_js_property("value", 16)
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row.locator('td[data-label="Status"]')).to_have_text("Confirmed")
    # A confirmed log can no longer be changed or withdrawn.
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    shot(page, "7-student-confirmed")
    phone_shot(page, "7b-student-confirmed-phone")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    card = page.locator("#externship")
    expect(card.get_by_role("heading", name=f"Externship at {SITE_NAME}")).to_be_visible()
    expect(card).to_contain_text(f"supervisor {BOSS_NAME}")
    expect(card.locator(".hours p")).to_have_text("16 of 16 hours confirmed (100.00%).")
    expect(card.get_by_text("16 of 16 hours confirmed (100.00%)")).to_be_visible()
    shot(page, "8-student-dashboard")
    phone_shot(page, "8b-student-dashboard-phone")
