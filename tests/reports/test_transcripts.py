"""Progress transcripts: every section in the PDF's text, tricky and non-Latin names, pages
that grow with repeated headers, a clean structure (qpdf), the QR code read back from the
rendered page, official issue with its hash and disclosure row, the verification page, and a
batch that reads the database in the same number of statements at any size."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
from decimal import Decimal as D
from html import unescape

from sqlalchemy import func, select

from school.auth.models import Role
from school.certifications import services as cert_services
from school.certifications.catalog import seed_catalog
from school.certifications.models import (
    Attempt,
    AttemptResult,
    AwardedCredential,
    Credential,
    StepResult,
)
from school.cohorts.models import Assessment, Course, Enrollment, Score
from school.database import utcnow
from school.extensions import db
from school.internships.models import Evaluation, LogStatus
from school.reports import services
from school.reports.models import Disclosure, IssuedCopy, IssuedTranscript
from school.reports.transcript.data import Official, transcripts_data
from school.reports.transcript.pdf import render_transcript
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_log,
    make_placement,
    make_program,
    make_user,
)
from tests.reports.pdf_tools import need, page_texts

TRICKY = "Siobhán O'Brien & <Sons>"
CYRILLIC = "Иван Петров"


def _student(app, *, name=TRICKY, courses=3, code=None, number=None) -> int:
    """A student with a graded course, a confirmed externship and its evaluation, an
    exam-prep plan with results, two exam attempts and an awarded credential."""
    with app.app_context():
        seed_catalog()
        program = make_program(courses=courses, name="Medical Billing & Coding <Diploma>")
        cohort = make_cohort(program=program, code=code)
        student = make_user(role=Role.STUDENT, name=name, password=None)
        student.student_number = number
        enrollment = make_enrollment(cohort=cohort, student=student)
        first = db.session.scalar(
            select(Course).where(Course.program_id == program.id, Course.sequence == 1)
        )
        exam = Assessment(
            cohort_id=cohort.id,
            course_id=first.id,
            sequence=1,
            name="Final",
            weight=D(100),
            max_points=D(100),
        )
        db.session.add(exam)
        db.session.flush()
        db.session.add(Score(assessment_id=exam.id, enrollment_id=enrollment.id, points=D("91.5")))
        placement = make_placement(enrollment=enrollment)
        make_log(placement=placement, day=dt.date(2027, 3, 2), status=LogStatus.CONFIRMED)
        db.session.add(
            Evaluation(
                placement_id=placement.id,
                icd_accuracy=5,
                cpt_accuracy=4,
                documentation_review=4,
                compliance=5,
                productivity=4,
                professionalism=5,
                would_hire=True,
                submitted_by_id=placement.supervisor_id,
            )
        )
        cert_services.add_step(
            program=program, kind="task", title="Guidelines review", required=True
        )
        mock = cert_services.add_step(
            program=program, kind="mock_exam", title="Mock exam A", required=True
        )
        db.session.add(
            StepResult(
                enrollment_id=enrollment.id,
                step_id=mock.id,
                completed_on=dt.date(2027, 4, 1),
                score=D(74),
            )
        )
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        for day, result in (
            (dt.date(2027, 5, 1), AttemptResult.FAILED),
            (dt.date(2027, 6, 12), AttemptResult.PASSED),
        ):
            db.session.add(
                Attempt(
                    student_id=student.id,
                    credential_id=cpc.id,
                    exam_date=day,
                    result=result,
                    verified_at=utcnow(),
                    exam_version="2027",
                )
            )
        db.session.add(
            AwardedCredential(
                student_id=student.id,
                credential_id=cpc.id,
                awarded_on=dt.date(2027, 6, 20),
                member_id="01234567",
                apprentice=True,
            )
        )
        db.session.commit()
        return enrollment.id


def _render(app, eid, official=None) -> bytes:
    with app.app_context():
        data = transcripts_data([eid], utcnow())[eid]
        return render_transcript(data.with_official(official) if official else data)


def test_every_section_is_in_the_text_and_user_text_is_escaped(app):
    eid = _student(app, code="MBC-2026-TR", number="S2026-0042")
    pdf = _render(app, eid)
    text = "\n".join(page_texts(pdf))
    for expected in (
        "Progress transcript",
        "Unofficial copy",
        "UNOFFICIAL",
        TRICKY,
        "S2026-0042",
        "Medical Billing & Coding <Diploma>",
        "MBC-2026-TR",
        "Coursework",
        "C001",
        "91.50%",
        "Credits attempted",
        "GPA",
        "Externship",
        "160 h",
        "Average 4.5 of 5",
        "would hire",
        "Exam preparation",
        "Guidelines review",
        "Mock exam A",
        "74%",
        "Readiness:",
        "Certification",
        "CPC",
        "Failed",
        "Passed",
        "01234567",
        "Apprentice designation",
        "Page 1 of",
        "Issued",
    ):
        assert expected in text, expected
    assert "&amp;" not in text and "&lt;" not in text  # escaped for ReportLab, not doubled


def test_a_non_latin_name_is_printed_not_boxes(app):
    eid = _student(app, name=CYRILLIC)
    pdf = _render(app, eid)
    assert CYRILLIC in page_texts(pdf)[0]
    assert b"DejaVuSans" in pdf  # the embedded Unicode font, not a base-14 font


def test_many_courses_flow_over_pages_with_repeated_headers(app):
    short = _render(app, _student(app, courses=3))
    long = _render(app, _student(app, name="Ann Many", courses=70))
    pages = page_texts(long)
    assert len(page_texts(short)) < len(pages) and len(pages) >= 3
    # The coursework table continues on page 2 under its own header row.
    assert "C050" in pages[1] or "C040" in pages[1]
    assert re.search(r"Code\s+Course\s+Credits", pages[1])
    assert all(f"Page {i} of {len(pages)}" in t for i, t in enumerate(pages, start=1))
    assert all("UNOFFICIAL" in t for t in pages)


def test_the_structure_is_clean(app, tmp_path):
    qpdf = need("qpdf")
    path = tmp_path / "t.pdf"
    path.write_bytes(_render(app, _student(app)))
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_the_qr_code_reads_back_as_the_verification_url(app, tmp_path):
    pdftoppm, zbarimg = need("pdftoppm"), need("zbarimg")
    url = "https://records.example.edu/verify/TR-ABCD-EFGH"
    pdf = _render(app, _student(app), Official("TR-ABCD-EFGH", "Mercy HR", "Employment", url))
    (tmp_path / "t.pdf").write_bytes(pdf)
    subprocess.run(
        [
            pdftoppm,
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "t.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run([zbarimg, "-q", "--raw", str(png)], capture_output=True, text=True)
    assert decoded.stdout.strip() == url
    text = page_texts(pdf)[0]
    assert "Official progress transcript" in text and "UNOFFICIAL" not in text
    assert "TR-ABCD-EFGH" in text and url in text.replace("\n", "")


def issue_through_pages(client, enrollment_id: int, fields: dict[str, str]):
    """Fill the issue form, then press "Issue and record the disclosure" on the confirmation
    page (its CSRF token and hidden fields read from that page, as a browser sends them)."""
    confirm = client.submit(f"/admin/enrollments/{enrollment_id}/transcripts", fields)
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    html = confirm.get_data(as_text=True)
    assert "Issue and record the disclosure" in html
    form = re.search(
        r'<form method="post" action="([^"]+/transcripts/issue)">(.*?)</form>', html, re.S
    )
    assert form, html
    hidden = {}
    for tag in re.findall(r"<input [^>]*>", form.group(2)):
        assert 'type="hidden"' in tag, tag  # nothing left to type on this page
        name = re.search(r'name="(\w+)"', tag).group(1)
        hidden[name] = unescape(re.search(r'value="([^"]*)"', tag).group(1))
    assert set(hidden) == {"csrf_token", "recipient", "purpose", "requested_by", "issue_key"}
    return client.post(form.group(1), data=hidden)


def test_admin_issues_an_official_copy_that_the_public_page_verifies(
    client, login_as, app, make_client
):
    eid = _student(app, number="S2026-0042")
    login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    refused = client.submit(page, {"recipient": " ", "purpose": "", "requested_by": ""})
    assert refused.status_code == 400
    assert "Enter who receives it" in refused.get_data(as_text=True)
    issued_page = issue_through_pages(
        client,
        eid,
        {
            "recipient": "Mercy <HR> & Co",
            "purpose": "Employment verification",
            "requested_by": "the student (signed request)",
        },
    )
    assert issued_page.status_code == 302 and "issued=" in issued_page.headers["Location"]
    listing = client.get(issued_page.headers["Location"]).get_data(as_text=True)
    button = re.search(r'<form method="post" action="(/admin/transcripts/\d+/download)"', listing)
    assert button and "Download TR-" in listing
    download_url = button.group(1)
    assert client.get(download_url).status_code == 405  # a button (it is audited), never a link
    response = client.button(download_url, page=page)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="transcript-S2026-0042-TR-[A-Z2-9-]{9}\.pdf"', disposition
    ), disposition
    pdf = response.get_data()
    assert client.button(download_url, page=page).get_data() == pdf  # the same bytes again
    with app.app_context():
        issued = db.session.scalar(select(IssuedTranscript))
        assert issued.sha256 == hashlib.sha256(pdf).hexdigest() and issued.size == len(pdf)
        assert issued.pages == len(page_texts(pdf))
        disclosure = db.session.scalar(select(Disclosure))
        assert (disclosure.recipient, disclosure.transcript_id) == ("Mercy <HR> & Co", issued.id)
        assert disclosure.requested_by == "the student (signed request)"
        serial = issued.serial
    assert serial in page_texts(pdf)[0]
    # The public page, signed out.
    public = make_client()
    shown = public.get(f"/verify/{serial}")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Valid" in html and "Mercy &lt;HR&gt; &amp; Co" in html
    same = public.submit(
        f"/verify/{serial}",
        {"file": (io.BytesIO(pdf), "copy.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert "<strong>Yes.</strong>" in same.get_data(as_text=True)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01  # one byte
    other = public.submit(
        f"/verify/{serial}",
        {"file": (io.BytesIO(bytes(changed)), "copy.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert "<strong>No.</strong>" in other.get_data(as_text=True)
    assert public.get("/verify/TR-ZZZZ-ZZZZ").status_code == 404
    # The records it shows change: the copy as issued is still given out, byte for byte.
    with app.app_context():
        score = db.session.scalar(select(Score))
        score.points = D("60")
        db.session.commit()
    again = client.button(download_url, page=page)
    assert again.status_code == 200 and again.get_data() == pdf
    # Revoked: the page says so.
    with app.app_context():
        tid = db.session.scalar(select(IssuedTranscript.id))
    refused = client.submit(f"/admin/transcripts/{tid}/revoke", {"reason": ""}, page=page)
    shown = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Say why it is revoked" in shown
    with app.app_context():
        assert db.session.get(IssuedTranscript, tid).revoked_at is None
    done = client.submit(
        f"/admin/transcripts/{tid}/revoke", {"reason": "Issued to the wrong office"}, page=page
    )
    assert f"{serial} revoked." in client.get(done.headers["Location"]).get_data(as_text=True)
    twice = client.submit(f"/admin/transcripts/{tid}/revoke", {"reason": "Again"}, page=page)
    assert f"{serial} was already revoked." in client.get(twice.headers["Location"]).get_data(
        as_text=True
    )
    revoked = public.get(f"/verify/{serial}").get_data(as_text=True)
    assert "Revoked" in revoked and "Issued to the wrong office" in revoked
    # A revoked copy is never sent again (tests/reports/test_official_copies.py).
    refused = client.button(download_url, page=page)
    assert refused.status_code == 302 and refused.mimetype != "application/pdf"


def test_the_student_sees_their_disclosure_log_and_downloads_only_their_own(
    client, login_as, app, make_client
):
    eid = _student(app)
    other = _student(app, name="Bo Other")
    with app.app_context():
        enrollment = db.session.get(Enrollment, eid)
        services.issue_official(
            [enrollment],
            services.Request("State licensing board", "Licensure", "the student"),
            by=None,
        )
        db.session.commit()
        email = enrollment.student.email
        enrollment.student.password_hash = None
        from school.auth.passwords import hash_password

        enrollment.student.password_hash = hash_password("a-long-student-passphrase")
        db.session.commit()
    from tests.conftest import login

    student = make_client()
    assert login(student, email, "a-long-student-passphrase").status_code == 302
    home = student.get("/").get_data(as_text=True)
    assert "Who received my records" in home and "State licensing board" in home
    pdf = student.get("/transcript.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = page_texts(pdf.get_data())[0]
    assert TRICKY in text and "Bo Other" not in text
    # Another student's transcript is out of reach: 404 on the student's own route, 403 on
    # the admins'; their own enrollment by id works.
    assert student.get(f"/enrollments/{other}/transcript.pdf").status_code == 404
    assert student.get(f"/enrollments/{eid}/transcript.pdf").status_code == 200
    assert student.get(f"/admin/enrollments/{other}/transcript.pdf").status_code == 403
    assert student.get(f"/admin/enrollments/{other}/transcripts").status_code == 403


def test_a_batch_reads_the_same_number_of_statements_at_any_size(app, count_queries):
    ids = [_student(app, name=f"Student {i}") for i in range(2)]
    with app.app_context():
        with count_queries() as few:
            data = transcripts_data(ids[:1], utcnow())
        assert len(data) == 1
    ids += [_student(app, name=f"Student {i}") for i in range(2, 8)]
    with app.app_context():
        with count_queries() as many:
            data = transcripts_data(ids, utcnow())
        assert len(data) == 8 and data[ids[5]].student == "Student 5"
    assert many.count == few.count


def test_cli_issues_official_copies_for_a_cohort(app, tmp_path):
    eid = _student(app, code="MBC-2026-TR", number="S2026-0042")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "reports",
            "transcripts",
            "--cohort",
            "MBC-2026-TR",
            "--out",
            str(tmp_path),
            "--official",
            "--recipient",
            "Registrar",
            "--purpose",
            "Archive",
        ]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.pdf"))
    assert len(files) == 1 and files[0].name.startswith("transcript-S2026-0042-TR-")
    with app.app_context():
        issued = db.session.scalar(select(IssuedTranscript))
        assert issued.enrollment_id == eid
        assert issued.sha256 == hashlib.sha256(files[0].read_bytes()).hexdigest()
        assert db.session.get(IssuedCopy, issued.id).pdf == files[0].read_bytes()
        assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 1
    bad = runner.invoke(args=["reports", "transcript", "NOPE", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "no enrolled student" in bad.output
    missing = runner.invoke(
        args=["reports", "transcript", "S2026-0042", "--out", str(tmp_path / "y.pdf"), "--official"]
    )
    assert missing.exit_code != 0 and "--recipient" in missing.output
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_the_school_header_prints_the_address_and_logo(app, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 120), (31, 95, 139)).save(logo)
    app.config.update(SCHOOL_ADDRESS="12 River Road\nSpringfield, IL 62701", SCHOOL_LOGO=str(logo))
    eid = _student(app)
    pdf = _render(app, eid)
    text = page_texts(pdf)[0]
    assert "12 River Road" in text and "Springfield, IL 62701" in text
    assert b"/Subtype /Image" in pdf
    app.config.update(SCHOOL_LOGO=str(tmp_path / "missing.png"))  # a wrong path: no logo
    assert b"/Subtype /Image" not in _render(app, eid)
