"""The draft experience letter (apprentice designation removal): names in any script the
documents' embedded font covers, the placement's own dates in the school's date format,
confirmed hours only, refused without a confirmed hour (the page says why instead of
linking), and downloaded under a file name like the other documents'."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from markupsafe import escape
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import select

from school.auth.models import Role
from school.certifications.catalog import seed_catalog
from school.certifications.models import AwardedCredential, Credential
from school.extensions import db
from school.internships.models import LogStatus, Placement, PlacementStatus
from school.reports.letter import NO_HOURS, letter_data, render_letter
from tests.factories import make_enrollment, make_log, make_placement, make_site, make_user
from tests.reports.pdf_tools import document_text

TODAY = dt.date(2027, 8, 1)
VIETNAMESE = "Nguyễn Thị Minh Khai"
CYRILLIC = "Дмитрий Иванов"
EMBEDDED_DEJAVU = re.compile(r"^/[A-Z]{6}\+DejaVuSans(-Bold|-Oblique)?$")


def text_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font some text is shown in (Tj, TJ, ' and \" under the current Tf): its
    PostScript name, and whether its program is embedded in the file."""
    reader = PdfReader(io.BytesIO(pdf))
    used: dict[str, bool] = {}
    for page in reader.pages:
        resources = page["/Resources"]["/Font"]
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                font = resources[current].get_object()
                descriptor = (
                    font["/FontDescriptor"].get_object() if "/FontDescriptor" in font else {}
                )
                used[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return used


def _award(
    app,
    *,
    name: str,
    number: str | None = "S2026-0042",
    logs: tuple[tuple[dt.date, LogStatus], ...] = (),
    start: dt.date = dt.date(2026, 10, 6),
    end: dt.date = dt.date(2027, 2, 26),
    site: str | None = "Mercy General HIM",
) -> dict[str, int]:
    """A CPC-A holder with one placement (and its hour logs); returns the ids."""
    with app.app_context():
        seed_catalog()
        student = make_user(role=Role.STUDENT, name=name, password=None)
        student.student_number = number
        enrollment = make_enrollment(student=student)
        placement = make_placement(
            enrollment=enrollment,
            site=make_site(name=site),
            start=start,
            end=end,
        )
        for day, status in logs:
            make_log(placement=placement, day=day, status=status)
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        award = AwardedCredential(
            student_id=student.id, credential_id=cpc.id, awarded_on=dt.date(2027, 6, 1),
            member_id="01234567", apprentice=True,
        )  # fmt: skip
        db.session.add(award)
        db.session.commit()
        return {"award": award.id, "enrollment": enrollment.id, "placement": placement.id}


CONFIRMED_TWO_DAYS = (
    (dt.date(2026, 10, 13), LogStatus.CONFIRMED),
    (dt.date(2026, 11, 9), LogStatus.CONFIRMED),
    (dt.date(2026, 11, 10), LogStatus.PENDING),  # not counted
)


@pytest.mark.parametrize("name", [VIETNAMESE, CYRILLIC])
def test_a_vietnamese_or_cyrillic_name_prints_in_the_embedded_unicode_font(
    app, client, login_as, name
):
    login_as("admin")
    ids = _award(app, name=name, logs=CONFIRMED_TWO_DAYS)
    response = client.get(f"/admin/awards/{ids['award']}/experience-letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    text = document_text(pdf)
    assert f"This letter confirms that {name} completed 16 hours" in " ".join(text.split())
    assert f"Re: {name} (student S2026-0042), CPC, member 01234567" in text
    # Every word is drawn in the documents' DejaVu Sans, embedded (a subset), none in a
    # base-14 font such as Helvetica, which has no Vietnamese or Cyrillic letters.
    fonts = text_fonts(pdf)
    assert fonts and all(EMBEDDED_DEJAVU.match(name) for name in fonts), fonts
    assert all(fonts.values()), fonts


def test_the_letter_shows_the_placement_dates_and_confirmed_hours_only(app):
    """The dates are the placement's own (not its first and last logs), in the school's date
    format without zero padding; pending hours never count; user text is escaped."""
    ids = _award(app, name="Ann O'Brien & <Sons>", logs=CONFIRMED_TWO_DAYS)
    with app.app_context():
        placement = db.session.get(Placement, ids["placement"])
        award = db.session.get(AwardedCredential, ids["award"])
        data = letter_data(award, TODAY)
        (line,) = data.placements
        assert (line.start, line.end) == (placement.start_date, placement.end_date)
        assert (line.site, line.hours, line.duties) == (
            "Mercy General HIM", D(16), ("Coded outpatient charts",),
        )  # fmt: skip
        text = document_text(render_letter(data))
    assert "Oct 6, 2026 – Feb 26, 2027" in text
    assert "Oct 06" not in text and "Oct 13" not in text and "Nov 9" not in text
    assert "Prepared by Test Coding School on Aug 1, 2027" in " ".join(text.split())
    assert "Ann O'Brien & <Sons>" in text  # drawn as written, not read as a <Sons> tag
    assert "&amp;" not in text and "&lt;" not in text


def test_an_early_end_is_the_last_day_at_the_site(app):
    ids = _award(app, name="Ann Lee", logs=CONFIRMED_TWO_DAYS)
    with app.app_context():
        placement = db.session.get(Placement, ids["placement"])
        placement.status = PlacementStatus.ENDED_EARLY
        placement.ended_on = dt.date(2026, 12, 4)
        placement.end_reason = "Site closed"
        db.session.commit()
        data = letter_data(db.session.get(AwardedCredential, ids["award"]), TODAY)
        assert (data.placements[0].start, data.placements[0].end) == (
            dt.date(2026, 10, 6), dt.date(2026, 12, 4),
        )  # fmt: skip
        assert "Oct 6, 2026 – Dec 4, 2026" in document_text(render_letter(data))


def test_the_download_is_an_attachment_named_like_the_other_documents(app, client, login_as):
    login_as("admin")
    ids = _award(app, name="Ann Lee", logs=CONFIRMED_TWO_DAYS)
    response = client.get(f"/admin/awards/{ids['award']}/experience-letter.pdf")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="experience-letter-S2026-0042-CPC.pdf"'
    )
    unnumbered = _award(app, name="Bo Chan", number=None, logs=CONFIRMED_TWO_DAYS, site=None)
    with app.app_context():
        student_id = db.session.get(AwardedCredential, unnumbered["award"]).student_id
    response = client.get(f"/admin/awards/{unnumbered['award']}/experience-letter.pdf")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="experience-letter-student-{student_id}-CPC.pdf"'
    )


def test_without_a_confirmed_hour_the_letter_is_refused_with_the_reason(app, client, login_as):
    login_as("admin")
    ids = _award(app, name="Ann Lee", logs=((dt.date(2026, 10, 13), LogStatus.PENDING),))
    credentials = f"/admin/enrollments/{ids['enrollment']}/credentials"
    letter = f"/admin/awards/{ids['award']}/experience-letter.pdf"
    page = client.get(credentials).get_data(as_text=True)
    reason = str(escape(NO_HOURS))
    assert "No experience letter yet. " + reason in page  # the reason instead of the link
    assert letter not in page
    refused = client.get(letter)
    assert refused.status_code == 409 and refused.mimetype == "text/html"
    body = refused.get_data(as_text=True)
    assert "<strong>Ann Lee</strong>, CPC-A. " + reason in body and credentials in body
    with app.app_context():
        placement = db.session.get(Placement, ids["placement"])
        make_log(placement=placement, day=dt.date(2026, 10, 14), status=LogStatus.CONFIRMED)
        db.session.commit()
    page = client.get(credentials).get_data(as_text=True)
    assert reason not in page and f'href="{letter}"' in page
    assert client.get(letter).status_code == 200
