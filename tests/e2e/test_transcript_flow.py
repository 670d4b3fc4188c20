"""A student downloads their unofficial transcript; an admin issues an official one to an
employer (the form's errors first); anyone holding the serial checks on the public page that
a copy is exactly the one issued, and that a copy changed by one byte is not; the student
sees the release in "Who received my records". Downloading the copy again is a button (the
download is recorded in the audit log). Real Chromium against the live server; the
PDFs are read back with pypdf.

Screenshots of the key pages go to /tmp/e2e-shots/transcript-*.png."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import Role
from school.cohorts.models import Assessment, Score
from school.database import school_today
from school.extensions import db
from school.reports.models import Disclosure, IssuedTranscript
from tests.e2e.helpers import DESKTOP, shots, sign_in, sign_out
from tests.factories import make_cohort, make_enrollment, make_program, make_user

shot, phone_shot = shots("transcript")  # /tmp/e2e-shots/transcript-<name>.png

ADMIN_EMAIL, ADMIN_NAME = "ada.admin@example.com", "Ada Lovelace"
ADMIN_PASSWORD = "brass-kettle-meadow-31"
# An accent and an apostrophe: UTF-8 and HTML escaping from the database to the PDF.
STUDENT_EMAIL, STUDENT_NAME = "zoe.obrien@example.com", "Zoë O'Brien"
STUDENT_PASSWORD = "quiet-harbour-lantern-7"
STUDENT_NUMBER = "S-2042"
PROGRAM_CODE, COHORT_CODE = "MBC-TR", "MBC-2026-TR"

RECIPIENT = "Mercy General Hospital, Human Resources"
PURPOSE = "Employment verification"
REQUESTED_BY = "The student (signed request of Nov 20)"
SERIAL = re.compile(r"\bTR-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")


def first_page_text(path: Path) -> str:
    return PdfReader(path).pages[0].extract_text() or ""


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_student_downloads_admin_issues_and_anyone_verifies_a_transcript(
    app: Flask, live_server: str, page: Page, browser: Browser, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    with app.app_context():
        today = school_today()
        make_user(role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME, password=ADMIN_PASSWORD)
        student = make_user(
            role=Role.STUDENT, email=STUDENT_EMAIL, name=STUDENT_NAME, password=STUDENT_PASSWORD
        )
        student.student_number = STUDENT_NUMBER
        cohort = make_cohort(
            program=make_program(code=PROGRAM_CODE, courses=2),
            code=COHORT_CODE,
            start=today - dt.timedelta(days=90),
        )
        enrollment = make_enrollment(cohort=cohort, student=student)
        # The first course fully scored (85% and 90% → 88%, a B), the second not started.
        first = cohort.program.courses[0]
        for seq, name, weight, max_points, points in (
            (1, "Quizzes", "40", "100", "85"),
            (2, "Final", "60", "50", "45"),
        ):
            assessment = Assessment(
                cohort_id=cohort.id,
                course_id=first.id,
                sequence=seq,
                name=name,
                weight=Decimal(weight),
                max_points=Decimal(max_points),
            )
            db.session.add(assessment)
            db.session.flush()
            db.session.add(
                Score(
                    assessment_id=assessment.id,
                    enrollment_id=enrollment.id,
                    points=Decimal(points),
                )
            )
        db.session.commit()
        cohort_id, enrollment_id = cohort.id, enrollment.id
        first_code, first_title = first.code, first.title

    # --- (1) The student downloads their unofficial transcript. ------------------------------
    sign_in(page, live_server, STUDENT_EMAIL, STUDENT_PASSWORD)
    disclosures = page.get_by_role("region", name="Who received my records")
    expect(disclosures).to_contain_text("No record of yours has been released to anyone.")
    shot(page, "1-student-dashboard")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my transcript (unofficial PDF)").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == f"transcript-{STUDENT_NUMBER}-unofficial.pdf"
    assert download.suggested_filename.endswith("-unofficial.pdf")
    unofficial = tmp_path / download.suggested_filename
    download.save_as(unofficial)
    assert unofficial.read_bytes().startswith(b"%PDF-")
    text = first_page_text(unofficial)
    assert STUDENT_NAME in text
    assert "UNOFFICIAL" in text
    assert "Progress transcript" in text
    assert "Official progress transcript" not in text
    assert STUDENT_NUMBER in text
    assert first_code in text and first_title in text
    expect(page).to_have_url(f"{live_server}/")  # the download left the dashboard in place
    sign_out(page)

    # --- (2) The admin opens the enrollment, then its transcripts. ---------------------------
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server}/admin/cohorts/{cohort_id}")
    page.get_by_role("link", name=STUDENT_NAME, exact=True).click()
    expect(page).to_have_url(f"{live_server}/admin/enrollments/{enrollment_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(STUDENT_NAME)
    page.get_by_role("link", name="Transcripts", exact=True).click()
    transcripts_url = f"{live_server}/admin/enrollments/{enrollment_id}/transcripts"
    expect(page).to_have_url(transcripts_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{STUDENT_NAME} transcripts")
    expect(page.get_by_text("No official transcript issued yet.")).to_be_visible()

    # The empty form: each field's error stands beside it, and nothing is issued.
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_url(transcripts_url)
    expect(page.get_by_role("alert")).to_contain_text("Please correct these:")
    for label, field_id, message in (
        ("Recipient", "recipient", "Enter who receives it"),
        ("Purpose", "purpose", "Enter the purpose"),
        ("Requested by", "requested_by", "Enter who asked for it"),
    ):
        box = page.get_by_label(label, exact=True)
        expect(box).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#{field_id}-error")
        expect(error).to_contain_text(message)
        expect(box).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
        # Beside the field: in the same .field wrapper as its label and input.
        wrapper = page.locator(".field.has-error").filter(has=box)
        expect(wrapper.locator(".error")).to_contain_text(message)
        # ... and the summary links to the field.
        expect(page.locator(f'.form-errors a[href="#{field_id}"]')).to_contain_text(message)
    assert count(app, IssuedTranscript) == 0
    assert count(app, Disclosure) == 0
    shot(page, "2-official-form-errors")
    phone_shot(page, "2b-official-form-errors-phone")

    page.get_by_label("Recipient", exact=True).fill(RECIPIENT)
    page.get_by_label("Purpose", exact=True).fill(PURPOSE)
    page.get_by_label("Requested by", exact=True).fill("someone else")
    page.get_by_role("button", name="Continue", exact=True).click()
    # A confirmation first: who gets what and why; nothing is written yet. "Change the
    # details" goes back to the form with what was typed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue this official transcript?")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(STUDENT_NAME)
    expect(facts).to_contain_text(RECIPIENT)
    expect(facts).to_contain_text(PURPOSE)
    expect(facts).to_contain_text("someone else")
    assert count(app, IssuedTranscript) == 0 and count(app, Disclosure) == 0
    shot(page, "2c-official-confirm")
    page.get_by_role("button", name="Change the details", exact=True).click()
    expect(page.get_by_label("Recipient", exact=True)).to_have_value(RECIPIENT)
    page.get_by_label("Requested by", exact=True).fill(REQUESTED_BY)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.locator("dl.facts")).to_contain_text(REQUESTED_BY)
    assert count(app, IssuedTranscript) == 0
    page.get_by_role("button", name="Issue and record the disclosure", exact=True).click()
    # Issued: the page says so (no stale errors) and offers the PDF for download.
    expect(page.get_by_role("status")).to_contain_text(f"issued to {RECIPIENT}")
    expect(page.locator(".form-errors")).to_have_count(0)
    assert count(app, IssuedTranscript) == 1
    assert count(app, Disclosure) == 1
    shot(page, "3a-after-issue")
    with page.expect_download() as download_info:
        page.get_by_role("status").get_by_role("button", name=re.compile(r"^Download TR-")).click()
    download = download_info.value
    assert download.failure() is None
    official = tmp_path / download.suggested_filename
    download.save_as(official)
    assert official.read_bytes().startswith(b"%PDF-")
    text = first_page_text(official)
    assert "Official progress transcript" in text
    assert "UNOFFICIAL" not in text
    assert STUDENT_NAME in text
    assert RECIPIENT in text
    found = SERIAL.search(text)
    assert found, text
    serial = found.group(0)
    assert download.suggested_filename == f"transcript-{STUDENT_NUMBER}-{serial}.pdf"
    assert f"{live_server}/verify/{serial}" in text.replace("\n", "")
    assert count(app, IssuedTranscript) == 1  # downloading issues nothing more
    with app.app_context():  # ... and is recorded: who sent which copy again, to whom
        sent = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "transcript.downloaded")
        ).all()
        assert [(e.details["serial"], e.details["recipient"]) for e in sent] == [
            (serial, RECIPIENT)
        ]
    expect(page).to_have_url(re.compile(r"/transcripts\?issued=\d+$"))  # the page stays

    # Reloaded, the page lists what was issued.
    page.goto(transcripts_url)
    issued = page.locator("tbody tr").filter(has=page.get_by_role("link", name=serial))
    expect(issued).to_have_count(1)
    expect(issued.locator('td[data-label="Recipient and purpose"]')).to_contain_text(RECIPIENT)
    expect(issued.locator('td[data-label="Requested by"]')).to_have_text(REQUESTED_BY)
    expect(issued.locator('td[data-label="Issued by"]')).to_contain_text(ADMIN_NAME)
    expect(issued.locator('td[data-label="Status"] .tag')).to_have_text("Valid")
    expect(page.get_by_label(f"Reason for revoking {serial}", exact=True)).to_be_visible()
    shot(page, "3-official-issued")
    sign_out(page)

    # --- (3) Anyone with the serial verifies a copy, signed out. -----------------------------
    context = browser.new_context(viewport=DESKTOP)
    try:
        anon = context.new_page()
        verify_url = f"{live_server}/verify/{serial}"
        anon.goto(verify_url)
        expect(anon.get_by_role("heading", level=1)).to_have_text(f"Transcript {serial}")
        expect(anon.locator(".tag-ok")).to_have_text("Valid")
        facts = anon.locator("dl.facts")
        expect(facts).to_contain_text(STUDENT_NAME)
        expect(facts).to_contain_text(RECIPIENT)
        expect(facts).to_contain_text(PURPOSE)
        expect(facts).to_contain_text(COHORT_CODE)
        expect(anon.get_by_role("banner").get_by_role("button", name="Sign out")).to_have_count(0)
        shot(anon, "4-verify")
        phone_shot(anon, "4b-verify-phone")

        upload = anon.get_by_label("The PDF you received", exact=True)
        check = anon.get_by_role("button", name="Check the file")

        # No file chosen: said beside the field.
        check.click()
        expect(anon.locator(".field.has-error .error")).to_have_text("Choose the PDF file.")
        expect(upload).to_have_attribute("aria-invalid", "true")

        # The very file issued.
        upload.set_input_files(official)
        check.click()
        expect(anon).to_have_url(verify_url)
        verdict = anon.get_by_role("status").filter(has_text="Yes.")
        expect(verdict).to_contain_text(
            f"This file is exactly the transcript issued under {serial}"
        )
        expect(anon.get_by_role("alert")).to_have_count(0)
        shot(anon, "5-verify-yes")
        phone_shot(anon, "5b-verify-yes-phone")

        # The same file with one byte changed.
        data = bytearray(official.read_bytes())
        data[len(data) // 2] ^= 0x01
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(bytes(data))
        assert tampered.stat().st_size == official.stat().st_size
        upload.set_input_files(tampered)
        check.click()
        expect(anon).to_have_url(verify_url)
        refusal = anon.get_by_role("alert").filter(has_text="No.")
        expect(refusal).to_contain_text(f"This file is not the transcript issued under {serial}")
        expect(anon.get_by_text("Yes.", exact=True)).to_have_count(0)
        shot(anon, "6-verify-no")
        phone_shot(anon, "6b-verify-no-phone")
    finally:
        context.close()

    # --- (4) The student sees the release on their dashboard. --------------------------------
    sign_in(page, live_server, STUDENT_EMAIL, STUDENT_PASSWORD)
    page.reload()
    disclosures = page.get_by_role("region", name="Who received my records")
    expect(disclosures.get_by_text("No record of yours has been released")).to_have_count(0)
    rows = disclosures.locator("tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator('td[data-label="Record"]')).to_contain_text("Official progress transcript")
    expect(row.locator('td[data-label="Record"]')).to_contain_text(serial)
    expect(row.locator('td[data-label="Recipient"]')).to_have_text(RECIPIENT)
    expect(row.locator('td[data-label="Purpose"]')).to_have_text(PURPOSE)
    expect(row.locator('td[data-label="Requested by"]')).to_have_text(REQUESTED_BY)
    expect(row.locator('td[data-label="Released by"]')).to_contain_text(ADMIN_NAME)
    shot(page, "7-student-disclosures")
    phone_shot(page, "7b-student-disclosures-phone")
