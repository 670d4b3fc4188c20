"""An administrator follows up two graduates with no employment record, records a job for one
(a refused empty form first), asks the employer to verify it; the employer, not signed in,
corrects the job title from the emailed link and signs; the job then shows as employer
verified, and the outcome rates show placement at 1 of 2 graduates (50%, below 70%) with the
two graduates behind the G count. Real Chromium against the live server, real SMTP.

The school's real today is used throughout (the live server runs in another thread, so dates
are not monkeypatched): both graduated inside the last completed reporting year.

Screenshots of the key pages go to /tmp/e2e-shots/outcomes-*.png."""

from __future__ import annotations

import datetime as dt
import re
from email.header import decode_header, make_header
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Page, expect
from pytest_playwright.pytest_playwright import CreateContextCallback
from sqlalchemy import func, select

from school.auth.models import Role
from school.cohorts.models import EnrollmentStatus
from school.database import school_today
from school.extensions import db
from school.internships.models import SettingType
from school.outcomes.models import Classification, Job, Source
from school.outcomes.rates import reporting_year
from school.web.templating import format_date
from tests.conftest import Mailbox
from tests.e2e.helpers import DESKTOP, shots, sign_in, wait_for_mail
from tests.factories import make_cohort, make_enrollment, make_program, make_user

shot, phone_shot = shots("outcomes")  # /tmp/e2e-shots/outcomes-<name>.png

ADMIN_EMAIL, ADMIN_NAME = "rosa.career@example.com", "Rosa Career"
ADMIN_PASSWORD = "velvet-compass-harbor-88"
# An accented name, to check UTF-8 through the pages and the email.
HIRED_NAME, OTHER_NAME = "Tomás Herrera", "Priya Raman"
PROGRAM_CODE, COHORT_CODE = "MBC-OUT", "MBC-2025-OUT"
EMPLOYER = "Mercy General Hospital"
EMPLOYER_EMAIL = "hr@mercy-general.example.com"
TITLE, CORRECTED_TITLE = "Medical Coder", "Medical Coder II"
SIGNER = "Dana Whitfield"


def jobs(app: Flask) -> list[Job]:
    with app.app_context():
        found = db.session.scalars(select(Job)).all()
        db.session.expunge_all()
        return list(found)


def job_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job)) or 0


def test_admin_records_a_job_employer_verifies_it_and_the_placement_rate_shows(
    app: Flask, live_server: str, mailbox: Mailbox, page: Page, new_context: CreateContextCallback
) -> None:
    page.set_viewport_size(DESKTOP)
    with app.app_context():
        today = school_today()
        year = reporting_year(today, month=int(app.config["REPORTING_YEAR_START_MONTH"]))
        make_user(role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME, password=ADMIN_PASSWORD)
        cohort = make_cohort(
            program=make_program(code=PROGRAM_CODE),
            code=COHORT_CODE,
            start=year.start - dt.timedelta(days=200),
        )
        graduated = {
            HIRED_NAME: year.start + dt.timedelta(days=100),
            OTHER_NAME: year.start + dt.timedelta(days=200),
        }
        ids = {}
        for name, day in graduated.items():
            enrollment = make_enrollment(
                cohort=cohort, student=make_user(role=Role.STUDENT, name=name, password=None)
            )
            enrollment.status = EnrollmentStatus.GRADUATED
            enrollment.status_date = day
            ids[name] = enrollment.id
        db.session.commit()
    assert year.start <= min(graduated.values()) <= max(graduated.values()) <= year.end < today
    first_day = graduated[HIRED_NAME] + dt.timedelta(days=14)

    # --- The follow-up list: both graduates have no record. --------------------------------
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page).to_have_url(f"{live_server}/admin/graduates")
    expect(page.get_by_role("heading", name="Graduates and employment", level=1)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Employment status")
    tabs.get_by_role("link", name="Unknown (follow up) (2)").click()
    expect(page).to_have_url(re.compile(r"/admin/graduates\?status=unknown$"))
    expect(tabs.get_by_role("link", name="Unknown (follow up) (2)")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_text("The follow-up list:")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    for name in graduated:
        row = rows.filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row.locator('td[data-label="Employment"]')).to_have_text("Unknown (follow up)")
        expect(row.locator('td[data-label="Cohort"]')).to_have_text(COHORT_CODE)
    shot(page, "1-follow-up")

    # --- One graduate's page; record a job, refused empty first. ----------------------------
    page.get_by_role("link", name=HIRED_NAME, exact=True).click()
    expect(page).to_have_url(f"{live_server}/admin/graduates/{ids[HIRED_NAME]}")
    expect(page.get_by_role("heading", name=f"{HIRED_NAME} employment", level=1)).to_be_visible()
    expect(page.get_by_text("No job recorded yet.")).to_be_visible()
    page.get_by_role("link", name="Record a job").click()
    expect(page).to_have_url(f"{live_server}/admin/graduates/{ids[HIRED_NAME]}/jobs/new")
    record = page.get_by_role("button", name="Record job")
    record.click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct these:")
    employer = page.get_by_label("Employer", exact=True)
    expect(page.locator("#employer-error")).to_have_text("Enter the employer's name.")
    expect(employer).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#job_title-error")).to_contain_text("Enter the job title")
    expect(page.locator("#setting-error")).to_have_text("Choose the kind of workplace.")
    expect(page.locator("#start_date-error")).to_have_text("Enter the first day of the job.")
    expect(page.locator("#classification-error")).to_contain_text("Choose in field")
    expect(page.locator("#hours-error")).to_have_text("Choose full time or part time.")
    expect(page.locator("#source-error")).to_contain_text("Choose how you know")
    assert job_count(app) == 0
    shot(page, "2-job-refused")
    phone_shot(page, "2b-job-refused-phone")

    employer.fill(EMPLOYER)
    page.get_by_label("Job title", exact=True).fill(TITLE)
    page.get_by_label("Kind of workplace", exact=True).select_option(
        label=SettingType.HOSPITAL.label
    )
    page.get_by_label("First day of the job", exact=True).fill(first_day.isoformat())
    page.get_by_label("In field", exact=True).check()
    page.get_by_label("Full time", exact=True).check()
    page.get_by_label("Employer contact email (for verification)").fill(EMPLOYER_EMAIL)
    page.get_by_label(Source.DOCUMENTS.label, exact=True).check()
    record.click()

    # --- Back on the graduate's page: the job, and the employer asked to verify it. ---------
    expect(page).to_have_url(f"{live_server}/admin/graduates/{ids[HIRED_NAME]}")
    expect(page.get_by_role("status")).to_have_text("Job recorded.")
    job_rows = page.locator("table tbody tr")
    expect(job_rows).to_have_count(1)
    job_row = job_rows.first
    expect(job_row.locator('td[data-label="Employer"]')).to_contain_text(EMPLOYER)
    expect(job_row.locator('td[data-label="Employer"]')).to_contain_text(EMPLOYER_EMAIL)
    expect(job_row.locator('td[data-label="Job"]')).to_have_text(TITLE)
    expect(job_row.locator('td[data-label="Field"]')).to_have_text("In field")
    expect(job_row.locator('td[data-label="Hours"]')).to_have_text("Full time")
    expect(job_row.locator('td[data-label="Verification"]')).to_have_text(Source.DOCUMENTS.label)
    (saved,) = jobs(app)
    assert (saved.employer, saved.job_title, saved.start_date, saved.version) == (
        EMPLOYER,
        TITLE,
        first_day,
        1,
    )
    assert (saved.setting, saved.classification, saved.full_time, saved.source) == (
        SettingType.HOSPITAL,
        Classification.IN_FIELD,
        True,
        Source.DOCUMENTS,
    )
    shot(page, "3-job-recorded")

    job_row.get_by_role("button", name="Ask the employer to verify").click()
    expect(page.get_by_role("status")).to_have_text("Verification link emailed to the employer.")
    wait_for_mail(mailbox, EMPLOYER_EMAIL)
    (email,) = mailbox.to(EMPLOYER_EMAIL)
    subject = str(make_header(decode_header(email["Subject"])))
    assert subject == f"Please confirm {HIRED_NAME}'s employment"
    body = mailbox.body(email)
    assert f"Job title:  {TITLE}" in body
    assert f"employment of {HIRED_NAME}, one of our graduates, at {EMPLOYER}" in body
    link = urlsplit(mailbox.last_link(EMPLOYER_EMAIL))
    assert link.path.startswith("/employment/verify/"), link
    token = link.path.rsplit("/", 1)[1]

    # --- The employer, not signed in, opens the link in their own browser. -----------------
    boss_page = new_context(viewport=DESKTOP).new_page()
    boss_page.goto(f"{live_server}{link.path}")
    expect(boss_page).to_have_url(
        re.compile(rf"{re.escape(live_server)}/employment/verify/job/\d+$")
    )
    assert token not in boss_page.url
    expect(boss_page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(
        boss_page.get_by_role("heading", name=f"Confirm {HIRED_NAME}'s employment")
    ).to_be_visible()
    title = boss_page.get_by_label("Job title", exact=True)
    expect(title).to_have_value(TITLE)
    expect(boss_page.get_by_label("First day of the job", exact=True)).to_have_value(
        first_day.isoformat()
    )
    expect(boss_page.get_by_label("Full time", exact=True)).to_be_checked()
    shot(boss_page, "4-employer-form")
    phone_shot(boss_page, "4b-employer-form-phone")
    title.fill(CORRECTED_TITLE)
    boss_page.get_by_label("Your full name (signature)", exact=True).fill(SIGNER)
    boss_page.get_by_role("button", name="Confirm employment").click()
    expect(boss_page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(boss_page.get_by_text(f"The employment at {EMPLOYER} is confirmed.")).to_be_visible()
    shot(boss_page, "5-employer-thanks")
    (verified,) = jobs(app)
    assert (verified.job_title, verified.source, verified.verified_by_name) == (
        CORRECTED_TITLE,
        Source.EMPLOYER_LINK,
        SIGNER,
    )
    assert verified.verified_by_email == EMPLOYER_EMAIL

    # The link works once.
    boss_page.goto(f"{live_server}{link.path}")
    expect(boss_page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(boss_page.get_by_role("button", name="Confirm employment")).to_have_count(0)
    assert jobs(app)[0].job_title == CORRECTED_TITLE

    # --- The admin sees the job verified by the employer, with the corrected title. ---------
    page.reload()
    expect(job_row.locator('td[data-label="Job"]')).to_have_text(CORRECTED_TITLE)
    verification = job_row.locator('td[data-label="Verification"]')
    expect(verification.locator(".tag")).to_have_text("Employer verified")
    expect(verification).to_contain_text(f"{SIGNER} <{EMPLOYER_EMAIL}>")
    expect(job_row.get_by_role("button", name="Ask the employer to verify")).to_have_count(0)
    shot(page, "6-employer-verified")

    # --- Outcome rates for the reporting year: placement 1 of 2, below the threshold. -------
    page.get_by_role("link", name="Graduates", exact=True).click()  # the breadcrumb
    expect(page.get_by_role("heading", name="Graduates and employment", level=1)).to_be_visible()
    page.get_by_role("link", name="Outcome rates").click()
    expect(page.get_by_role("heading", name="Outcome rates", level=1)).to_be_visible()
    page.get_by_label("First day", exact=True).fill(year.start.isoformat())
    page.get_by_label("Last day", exact=True).fill(year.end.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"from={year.start}&to={year.end}"))
    placement = page.locator("table.rates tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(r"^Placement"))
    )
    cell = placement.locator(f'td[data-label="{PROGRAM_CODE}"]')
    expect(cell.locator("strong")).to_have_text("50.00%")
    expect(cell.locator(".tag")).to_have_text("Below 70%")
    expect(cell).to_contain_text("1 / 2")
    shot(page, "7-rates")
    phone_shot(page, "7b-rates-phone")

    # --- The graduates count (G) lists the students behind it. ------------------------------
    page.get_by_role("link", name=re.compile(r"^2 — Graduates \(")).click()
    expect(page).to_have_url(re.compile(r"/admin/outcomes/students\?.*count=G"))
    expect(page.get_by_role("heading", name=re.compile(r"^Graduates \(G\)"))).to_be_visible()
    behind = page.locator("table tbody tr")
    expect(behind).to_have_count(2)
    for name, day in graduated.items():
        row = behind.filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_have_count(1)
        expect(row.locator('td[data-label="Status"]')).to_contain_text("Graduated")
        with app.app_context():
            expect(row.locator('td[data-label="Since"]')).to_have_text(format_date(day))
    shot(page, "8-graduates-behind")
