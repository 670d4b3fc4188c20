"""Official copies are stored byte for byte at issue: a re-download (a POST, audited) serves
the stored bytes whatever changed in the student's records since, only while they still
have the SHA-256 recorded at issue and the transcript is not revoked; a transcript without a
stored copy says so on the pages that list it (which never load the PDFs); every valid
official transcript of the demo school downloads; `flask reports store-copies` stores the
copies that can still be reproduced. Issuing asks for confirmation first: see
test_issue_confirmation.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
from decimal import Decimal as D

from sqlalchemy import delete, func, select, update

from school.audit import AuditEvent
from school.auth.passwords import hash_password
from school.cohorts.models import Assessment, Course, Enrollment, Score
from school.demo.data import DEMO_PASSWORD, DEMO_USERS
from school.extensions import db
from school.internships.models import LogStatus, Placement
from school.reports import queries, services
from school.reports.models import Disclosure, IssuedCopy, IssuedTranscript
from school.reports.transcript.data import transcripts_data
from school.reports.transcript.pdf import render_transcript
from school.web.templating import format_date
from tests.conftest import Client, login
from tests.factories import make_log
from tests.reports.test_transcripts import _student

FIELDS = {
    "recipient": "Mercy <HR> & Co",
    "purpose": "Employment verification",
    "requested_by": "the student (signed request)",
}


def _issue(app, eid: int, recipient: str = "State licensing board") -> tuple[int, bytes]:
    with app.app_context():
        (item,) = services.issue_official(
            [db.session.get(Enrollment, eid)],
            services.Request(recipient, "Licensure", "the student"),
            by=None,
        )
        db.session.commit()
        return item.transcript.id, item.pdf


def _rendered_again(app, tid: int) -> bytes:
    """The transcript rendered now from today's records with the issue's serial and time:
    what a re-download produced before copies were stored."""
    with app.app_context():
        t = db.session.get(IssuedTranscript, tid)
        data = transcripts_data([t.enrollment_id], t.issued_at)[t.enrollment_id]
        return render_transcript(
            data.with_official(services.official_of(t.serial, t.recipient, t.purpose))
        )


def _counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(model))
            for model in (IssuedTranscript, IssuedCopy, Disclosure, AuditEvent)
        )


def _download(client: Client, tid: int, eid: int):  # type: ignore[no-untyped-def]
    """Press the transcript's "Download" button on its enrollment's transcripts page."""
    return client.button(
        f"/admin/transcripts/{tid}/download", page=f"/admin/enrollments/{eid}/transcripts"
    )


# --- stored bytes ------------------------------------------------------------------------------


def test_issuing_stores_the_exact_bytes_with_their_hash(app):
    eid = _student(app)
    tid, pdf = _issue(app, eid)
    with app.app_context():
        copy = db.session.get(IssuedCopy, tid)
        transcript = db.session.get(IssuedTranscript, tid)
        assert copy.pdf == pdf and hashlib.sha256(copy.pdf).hexdigest() == transcript.sha256
        assert copy.stored_at == transcript.issued_at
        assert transcript.has_copy is True
        assert queries.stored_copy(transcript) == pdf


def test_the_copy_downloads_byte_for_byte_after_a_new_score(client, login_as, app):
    eid = _student(app, number="S-0042")
    tid, pdf = _issue(app, eid)
    with app.app_context():  # a second assessment of the course, scored after the issue
        enrollment = db.session.get(Enrollment, eid)
        course = db.session.scalar(
            select(Course).where(Course.program_id == enrollment.cohort.program_id).limit(1)
        )
        quiz = Assessment(
            cohort_id=enrollment.cohort_id,
            course_id=course.id,
            sequence=2,
            name="Late quiz",
            weight=D(10),
            max_points=D(10),
        )
        db.session.add(quiz)
        db.session.flush()
        db.session.add(Score(assessment_id=quiz.id, enrollment_id=eid, points=D(2)))
        db.session.commit()
    assert _rendered_again(app, tid) != pdf  # the records it shows did change
    login_as("admin")
    response = _download(client, tid, eid)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == pdf
    assert response.headers["Cache-Control"] == "no-store"


def test_the_copy_downloads_byte_for_byte_after_a_confirmed_hour(client, login_as, app):
    eid = _student(app)
    tid, pdf = _issue(app, eid)
    with app.app_context():
        placement = db.session.scalar(select(Placement).where(Placement.enrollment_id == eid))
        make_log(placement=placement, day=dt.date(2027, 3, 3), status=LogStatus.CONFIRMED)
        db.session.commit()
    assert _rendered_again(app, tid) != pdf
    login_as("admin")
    response = _download(client, tid, eid)
    assert response.status_code == 200 and response.get_data() == pdf


def test_a_tampered_copy_is_not_served_and_is_logged(client, login_as, app, caplog):
    eid = _student(app)
    tid, pdf = _issue(app, eid)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    with app.app_context():
        db.session.execute(
            update(IssuedCopy).where(IssuedCopy.transcript_id == tid).values(pdf=bytes(changed))
        )
        db.session.commit()
        serial = db.session.get(IssuedTranscript, tid).serial
    login_as("admin")
    before = _counts(app)
    with caplog.at_level(logging.ERROR, logger="school.reports.queries"):
        response = _download(client, tid, eid)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/enrollments/{eid}/transcripts"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{serial}: stored copy unavailable" in page
    [record] = [r for r in caplog.records if r.name == "school.reports.queries"]
    assert record.levelno == logging.ERROR and serial in record.getMessage()
    assert "fails its SHA-256 check" in record.getMessage()
    assert _counts(app) == before  # nothing was sent: no audit event


def test_the_verification_page_recognises_the_stored_bytes(client, login_as, app, make_client):
    eid = _student(app)
    tid, _pdf = _issue(app, eid)
    with app.app_context():
        stored = db.session.get(IssuedCopy, tid).pdf
        serial = db.session.get(IssuedTranscript, tid).serial
    public = make_client()
    same = public.submit(
        f"/verify/{serial}",
        {"file": (io.BytesIO(stored), "copy.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert "<strong>Yes.</strong>" in same.get_data(as_text=True)
    other = public.submit(
        f"/verify/{serial}",
        {"file": (io.BytesIO(stored + b"\n"), "copy.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert "<strong>No.</strong>" in other.get_data(as_text=True)


# --- sending a copy again ---------------------------------------------------------------------


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_a_download_is_a_button_that_records_who_sent_the_copy_again(client, login_as, app):
    eid = _student(app)
    tid, pdf = _issue(app, eid, "Mercy <HR>")
    admin = login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    html = client.get(page).get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/admin/transcripts/{tid}/download"[^>]*>(.*?)</form>',
        html,
        re.S,
    )
    assert form and 'name="csrf_token"' in form.group(1)
    assert re.search(r'<button type="submit"[^>]*>Download<span', form.group(1))
    assert f'href="/admin/transcripts/{tid}/download"' not in html  # no link to follow
    before = _counts(app)
    assert client.get(f"/admin/transcripts/{tid}/download").status_code == 405
    forged = client.post(f"/admin/transcripts/{tid}/download")  # no CSRF token
    assert forged.status_code == 400 and forged.mimetype != "application/pdf"
    assert _counts(app) == before
    for _ in range(2):  # each time it is sent again, an event
        response = _download(client, tid, eid)
        assert response.status_code == 200 and response.get_data() == pdf
    events = _audit(app, "transcript.downloaded")
    assert len(events) == 2
    with app.app_context():
        serial = db.session.get(IssuedTranscript, tid).serial
    for event in events:
        assert (event.subject_type, event.subject_id) == ("official_transcripts", str(tid))
        assert event.actor_id == admin.id
        assert event.details == {"serial": serial, "recipient": "Mercy <HR>"}
    # Nothing else is written: no new transcript, copy or disclosure.
    assert _counts(app)[:3] == before[:3]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Downloaded official transcript (to send again)" in log


def test_a_revoked_copy_is_refused_and_offers_no_download(client, login_as, app):
    eid = _student(app)
    tid, _pdf = _issue(app, eid, "Wrong office")
    kept, _ = _issue(app, eid, "Right office")
    with app.app_context():
        transcript = db.session.get(IssuedTranscript, tid)
        services.revoke(transcript, "Sent to the wrong office", by=None)
        db.session.commit()
        serial = transcript.serial
        revoked_on = format_date(transcript.revoked_at)
    login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    html = client.get(page).get_data(as_text=True)
    row = re.search(r"<tr>(?:(?!</tr>).)*Wrong office(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "/download" not in row and "Revoked: not to be sent again" in row
    assert f'action="/admin/transcripts/{kept}/download"' in html
    # Even the notice of its issue (a page kept open) offers no download any more.
    notice = client.get(f"{page}?issued={tid}").get_data(as_text=True)
    assert f"/admin/transcripts/{tid}/download" not in notice and "revoked since" in notice
    before = _counts(app)
    response = _download(client, tid, eid)  # a page opened before it was revoked
    assert response.status_code == 302 and response.headers["Location"] == page
    assert response.mimetype != "application/pdf"
    shown = client.get(page).get_data(as_text=True)
    assert f"{serial} was revoked on {revoked_on} and must not be sent again." in shown
    assert _counts(app) == before and _audit(app, "transcript.downloaded") == []


# --- pages listing issued transcripts ----------------------------------------------------------


def _drop_copy(app, tid: int) -> None:
    """As the upgrade leaves a transcript whose records had changed: no stored copy."""
    with app.app_context():
        db.session.execute(delete(IssuedCopy).where(IssuedCopy.transcript_id == tid))
        db.session.commit()


def test_the_admin_page_says_when_a_stored_copy_is_unavailable_and_never_loads_copies(
    client, login_as, app, count_queries
):
    eid = _student(app)
    first, _ = _issue(app, eid)
    login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    with count_queries() as one:
        assert client.get(page).status_code == 200
    lost, _ = _issue(app, eid, "Lost office")
    _issue(app, eid, "Third office")
    _drop_copy(app, lost)
    with count_queries() as three:
        html = client.get(page).get_data(as_text=True)
    assert three.count == one.count
    for statement in one.statements + three.statements:
        assert "official_transcript_copies.pdf" not in statement
    assert f'<form method="post" action="/admin/transcripts/{first}/download"' in html
    assert f"/admin/transcripts/{lost}/download" not in html
    row = re.search(r"<tr>(?:(?!</tr>).)*Lost office(?:(?!</tr>).)*</tr>", html, re.S)
    assert row and "Stored copy unavailable" in row.group(0)
    assert html.count("Stored copy unavailable") == 1
    # Its download says so too (a page opened before the upgrade).
    response = _download(client, lost, eid)
    assert response.status_code == 302
    assert "stored copy unavailable" in client.get(response.headers["Location"]).get_data(True)


def test_the_students_disclosure_log_says_when_a_stored_copy_is_unavailable(
    make_client, app, count_queries
):
    eid = _student(app)
    with app.app_context():
        student = db.session.get(Enrollment, eid).student
        student.password_hash = hash_password("a-long-student-passphrase")
        email = student.email
        db.session.commit()
    _issue(app, eid, "Kept office")
    browser = make_client()
    assert login(browser, email, "a-long-student-passphrase").status_code == 302
    with count_queries() as one:
        assert browser.get("/").status_code == 200
    lost, _ = _issue(app, eid, "Lost office")
    _issue(app, eid, "Third office")
    _drop_copy(app, lost)
    with count_queries() as three:
        html = browser.get("/").get_data(as_text=True)
    assert three.count == one.count
    assert not any("official_transcript_copies.pdf" in s for s in three.statements)
    row = re.search(r"<tr>(?:(?!</tr>).)*Lost office(?:(?!</tr>).)*</tr>", html, re.S)
    assert row and "Stored copy unavailable" in row.group(0)
    assert html.count("Stored copy unavailable") == 1


# --- the demo school ---------------------------------------------------------------------------


def test_every_official_transcript_of_the_demo_school_downloads(app, make_app):
    """`flask demo` run in a shell and the site served at another address (as `make run`
    may be): the copies printed the CLI's verification address, and the site gives out
    exactly those bytes, before and after the students' records move on; the copy the demo
    revoked is refused."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        transcripts = list(db.session.scalars(select(IssuedTranscript)))
        valid = {t.id: t.sha256 for t in transcripts if t.revoked_at is None}
        revoked = [t.id for t in transcripts if t.revoked_at is not None]
    assert (len(valid), len(revoked)) == (2, 1)
    served = make_app(EXTERNAL_URL="http://127.0.0.1:8080")
    served.test_client_class = Client
    client = served.test_client()
    registrar = next(email for role, _name, email in DEMO_USERS if role.value == "admin")
    assert login(client, registrar, DEMO_PASSWORD).status_code == 302

    def download(tid: int):  # type: ignore[no-untyped-def]
        return client.button(f"/admin/transcripts/{tid}/download", page="/account")

    for tid, sha256 in valid.items():
        response = download(tid)
        assert response.status_code == 200, tid
        assert hashlib.sha256(response.get_data()).hexdigest() == sha256
    with app.app_context():  # a day later, the records have moved on: still the same copies
        db.session.execute(update(Score).values(points=Score.points * D("0.5")))
        db.session.commit()
    for tid, sha256 in valid.items():
        response = download(tid)
        assert response.status_code == 200, tid
        assert hashlib.sha256(response.get_data()).hexdigest() == sha256
    (tid,) = revoked
    response = download(tid)
    assert response.status_code == 302 and response.mimetype != "application/pdf"


# --- storing the copies of transcripts issued before copies were kept -------------------------


def test_store_copies_stores_what_still_renders_to_its_hash_and_can_run_again(app):
    kept_eid, changed_eid = _student(app), _student(app, name="Bo Other")
    kept, kept_pdf = _issue(app, kept_eid)
    changed, _ = _issue(app, changed_eid)
    valid, valid_pdf = _issue(app, kept_eid, "Third office")  # has its copy: left alone
    for tid in (kept, changed):
        _drop_copy(app, tid)  # as if issued before copies were kept
    with app.app_context():  # the second student's records changed since the issue
        placement = db.session.scalar(
            select(Placement).where(Placement.enrollment_id == changed_eid)
        )
        make_log(placement=placement, day=dt.date(2027, 3, 3), status=LogStatus.CONFIRMED)
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "store-copies"])
    assert result.exit_code == 0, result.output
    assert "1 copy(ies) stored byte for byte; 1 without a stored copy" in result.output

    def copies() -> dict[int, bytes]:
        with app.app_context():
            return dict(db.session.execute(select(IssuedCopy.transcript_id, IssuedCopy.pdf)).all())

    assert copies() == {kept: kept_pdf, valid: valid_pdf}  # committed
    with app.app_context():
        assert queries.stored_copy(db.session.get(IssuedTranscript, kept)) == kept_pdf
        assert db.session.get(IssuedTranscript, changed).has_copy is False
    again = runner.invoke(args=["reports", "store-copies"])
    assert again.exit_code == 0, again.output
    assert "0 copy(ies) stored byte for byte; 1 without a stored copy" in again.output
    assert copies() == {kept: kept_pdf, valid: valid_pdf}
