"""The admin's page of an account: where an account without a password stands (never
invited, invited, link expired), and for a student, a link to each of their records."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.auth.services.tokens import issue_token
from school.cohorts.models import EnrollmentStatus
from school.database import utcnow
from school.extensions import db
from tests.factories import make_cohort, make_enrollment, make_program, make_user


def _status(html: str) -> str:
    match = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", html, re.S)
    assert match, "no status on the page"
    return " ".join(match.group(1).split())


def _row_of(html: str, name: str) -> str:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    (row,) = [r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if name in r]
    return row


def _students(app) -> dict[str, int]:
    """Three students without a password: imported (never invited), invited (a live link),
    and invited long ago (the link expired)."""
    with app.app_context():
        imported = make_user(role=Role.STUDENT, name="Ivy Imported", password=None)
        invited = make_user(role=Role.STUDENT, name="Ian Invited", password=None)
        lapsed = make_user(role=Role.STUDENT, name="Lea Lapsed", password=None)
        issue_token(user=invited, purpose=TokenPurpose.INVITATION, ttl=dt.timedelta(hours=72))
        issue_token(user=lapsed, purpose=TokenPurpose.INVITATION, ttl=dt.timedelta(hours=72))
        db.session.flush()
        token = db.session.scalars(select(AuthToken).where(AuthToken.user_id == lapsed.id)).one()
        token.expires_at = utcnow() - dt.timedelta(days=1)
        db.session.commit()
        return {"imported": imported.id, "invited": invited.id, "lapsed": lapsed.id}


def test_a_student_imported_without_an_invitation_is_not_called_invited(client, login_as, app):
    login_as("admin")
    ids = _students(app)

    imported = client.get(f"/admin/users/{ids['imported']}").get_data(as_text=True)
    assert _status(imported) == "No password yet — not invited"
    assert "expired" not in imported and "replaced" not in imported
    assert "Send an invitation link" in imported and "Send a new invitation link" not in imported

    invited = client.get(f"/admin/users/{ids['invited']}").get_data(as_text=True)
    assert _status(invited).startswith("Invited, link valid until ")
    assert "Send a new invitation link" in invited

    lapsed = client.get(f"/admin/users/{ids['lapsed']}").get_data(as_text=True)
    assert _status(lapsed).startswith("Invited, the link expired ")

    listing = client.get("/admin/users?status=invited").get_data(as_text=True)
    assert "Not invited" in _row_of(listing, "Ivy Imported")
    assert ">Invited<" in _row_of(listing, "Ian Invited")
    assert ">Invited<" in _row_of(listing, "Lea Lapsed")
    assert "Not invited" not in _row_of(listing, "Lea Lapsed")


def test_the_users_list_reads_invitations_in_one_statement(client, login_as, app, count_queries):
    login_as("admin")
    with app.app_context():
        make_user(role=Role.STUDENT, password=None)
        db.session.commit()
    with count_queries() as few:
        client.get("/admin/users")
    _students(app)
    with app.app_context():
        for _ in range(4):
            make_user(role=Role.STUDENT, password=None)
        db.session.commit()
    with count_queries() as many:
        client.get("/admin/users")
    assert many.count == few.count


def test_a_students_page_links_to_each_enrollment_its_grades_and_transcripts(client, login_as, app):
    login_as("admin")
    with app.app_context():
        student = make_user(role=Role.STUDENT, name="Rosa Díaz")
        student.student_number = "S2026-0042"
        program = make_program(name="Medical Billing and Coding Diploma")
        first = make_enrollment(
            cohort=make_cohort(program=program, code="MBC-2025-03", start=dt.date(2025, 3, 3)),
            student=student,
        )
        first.status, first.status_date = EnrollmentStatus.WITHDRAWN, dt.date(2025, 6, 2)
        db.session.flush()
        second = make_enrollment(
            cohort=make_cohort(program=program, code="MBC-2026-09", start=dt.date(2026, 9, 14)),
            student=student,
        )
        db.session.commit()
        student_id, enrollments = student.id, [second.id, first.id]  # newest first

    page = client.get(f"/admin/users/{student_id}").get_data(as_text=True)
    assert '<span class="code">S2026-0042</span>' in page
    section = page.split("<h2>Enrollments and records</h2>", 1)[1].split("</section>", 1)[0]
    assert section.index("MBC-2026-09") < section.index("MBC-2025-03")
    assert "Sep 14, 2026" in section and "Mar 3, 2025" in section
    for eid in enrollments:
        links = [
            f"/admin/enrollments/{eid}",
            f"/enrollments/{eid}/progress",
            f"/admin/enrollments/{eid}/transcripts",
            f"/admin/enrollments/{eid}/transcript.pdf",
        ]
        for link in links:
            assert f'href="{link}"' in section, link
            response = client.get(link)
            assert response.status_code == 200, link
        assert client.get(links[3]).mimetype == "application/pdf"


def test_a_student_without_enrollments_says_so_and_other_roles_have_no_section(
    client, login_as, app
):
    login_as("admin")
    with app.app_context():
        student = make_user(role=Role.STUDENT)
        instructor = make_user(role=Role.INSTRUCTOR)
        db.session.commit()
        student_id, instructor_id = student.id, instructor.id
    assert "Not enrolled in any cohort yet." in client.get(f"/admin/users/{student_id}").get_data(
        as_text=True
    )
    other = client.get(f"/admin/users/{instructor_id}").get_data(as_text=True)
    assert "Enrollments and records" not in other


def test_the_records_section_takes_one_statement_whatever_the_enrollments(
    client, login_as, app, count_queries
):
    login_as("admin")
    with app.app_context():
        student = make_user(role=Role.STUDENT)
        make_enrollment(student=student).status = EnrollmentStatus.WITHDRAWN
        db.session.commit()
        student_id = student.id
    with count_queries() as one:
        client.get(f"/admin/users/{student_id}")
    with app.app_context():
        student = db.session.get(User, student_id)
        for _ in range(4):  # earlier enrollments, each withdrawn (one open at a time)
            earlier = make_enrollment(student=student)
            earlier.status = EnrollmentStatus.WITHDRAWN
            db.session.flush()
        db.session.commit()
    with count_queries() as five:
        html = client.get(f"/admin/users/{student_id}").get_data(as_text=True)
    assert html.count("Grades and progress") == 5
    assert five.count == one.count
