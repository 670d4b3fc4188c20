"""Enrollments and their lifecycle: enroll, leave of absence, return, withdrawal, re-entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.cohorts.models import (
    Assessment,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    Score,
)
from school.cohorts.services import enrollments as enrollment_services
from school.errors import DomainError
from school.extensions import db
from school.internships.models import LogStatus, Placement, PlacementStatus
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_log,
    make_placement,
    make_user,
)

START = dt.date(2026, 9, 14)
TODAY = dt.date(2027, 6, 1)


@pytest.fixture(autouse=True)
def school_today(set_today):
    """These tests record changes up to TODAY; changes cannot be dated in the future."""
    set_today(TODAY)


def _cohort(app, code="MBC-2026-01"):
    with app.app_context():
        cohort = make_cohort(code=code, start=START)
        db.session.commit()
        return cohort.id


def test_enrolling_a_new_email_creates_a_student_and_invites_them(client, login_as, app, mailbox):
    login_as("admin")
    cohort_id = _cohort(app)
    response = client.submit(
        f"/admin/cohorts/{cohort_id}/enroll",
        {"email": "Alicia.Moreno@Example.com", "name": "Alicia Moreno", "start_date": "2026-09-14"},
    )
    assert response.status_code == 302
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.student.role == Role.STUDENT
        assert enrollment.student.email == "alicia.moreno@example.com"
        assert enrollment.status == EnrollmentStatus.ACTIVE
        assert [(c.from_status, c.to_status) for c in enrollment.changes] == [
            (None, EnrollmentStatus.ACTIVE)
        ]
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.invited", "enrollment.created"} <= actions
    assert mailbox.to("alicia.moreno@example.com")
    page = client.get(f"/admin/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Alicia Moreno" in page and "1 active" in page


def test_enrollment_refusals_are_listed(client, login_as, app):
    login_as("admin")
    cohort_id = _cohort(app)
    with app.app_context():
        make_user(role=Role.INSTRUCTOR, email="teacher@example.com")
        student = make_user(role=Role.STUDENT, email="already@example.com")
        cohort = db.session.get(type(make_cohort()), cohort_id)
        make_enrollment(cohort=cohort, student=student)
        db.session.commit()
    cases = [
        (
            {"email": "teacher@example.com", "start_date": "2026-09-14"},
            "is not a student account (instructor)",
        ),
        ({"email": "already@example.com", "start_date": "2026-09-14"}, "is already enrolled"),
        ({"email": "new@example.com", "name": "", "start_date": "2026-09-14"}, "Enter the student"),
        ({"email": "new@example.com", "name": "N", "start_date": "2030-01-01"}, "ends on"),
        (
            {"email": "new@example.com", "name": "N", "start_date": ""},
            "Enter the student&#39;s first day",
        ),
    ]
    for data, message in cases:
        html = client.submit(f"/admin/cohorts/{cohort_id}/enroll", data).get_data(as_text=True)
        assert message in html, message
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "new@example.com")) is None


def _enrolled(app):
    with app.app_context():
        enrollment = make_enrollment(cohort=make_cohort(start=START))
        db.session.commit()
        return enrollment.id


def _change(client, enrollment_id, **data):
    return client.submit(
        f"/admin/enrollments/{enrollment_id}/status",
        data,
        page=f"/admin/enrollments/{enrollment_id}",
    )


def test_leave_of_absence_and_return(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    html = _change(client, enrollment_id, to_status="leave_of_absence", effective_date="2026-11-02")
    text = html.get_data(as_text=True)
    assert "Enter the reason" in text and "Enter the last day the student attended." in text

    response = _change(
        client,
        enrollment_id,
        to_status="leave_of_absence",
        effective_date="2026-11-02",
        last_attendance_date="2026-10-30",
        reason="Medical leave",
    )
    assert response.status_code == 302
    response = _change(client, enrollment_id, to_status="active", effective_date="2026-12-07")
    assert response.status_code == 302
    with app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        assert enrollment.status == EnrollmentStatus.ACTIVE
        assert enrollment.status_date == dt.date(2026, 12, 7)
        loa = enrollment.changes[1]
        assert (loa.to_status, loa.reason, loa.last_attendance_date) == (
            EnrollmentStatus.LEAVE_OF_ABSENCE,
            "Medical leave",
            dt.date(2026, 10, 30),
        )
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert "Active → Leave of absence" in page and "Medical leave" in page


def test_refused_changes(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    cases = [
        ({"to_status": "graduated", "effective_date": "2026-10-01"}, "Not yet met: C"),
        ({"to_status": "active", "effective_date": "2026-10-01"}, "the possible changes are"),
        (
            {"to_status": "withdrawn", "effective_date": "2026-09-01", "reason": "Moved",
             "last_attendance_date": "2026-09-01"},
            "cannot take effect before Sep 14, 2026",
        ),
        (
            {"to_status": "withdrawn", "effective_date": "2026-10-01", "reason": "Moved",
             "last_attendance_date": "2026-10-05"},
            "cannot be after the change",
        ),
    ]  # fmt: skip
    for data, message in cases:
        assert message in _change(client, enrollment_id, **data).get_data(as_text=True), message
    with app.app_context():
        assert db.session.get(Enrollment, enrollment_id).status == EnrollmentStatus.ACTIVE


def test_withdrawal_is_final_and_a_reentry_links_back(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    other_cohort = _cohort(app, code="MBC-2027-01")
    response = _change(
        client,
        enrollment_id,
        to_status="withdrawn",
        effective_date="2026-10-15",
        last_attendance_date="2026-10-09",
        reason="Family relocation",
    )
    assert response.status_code == 302
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert "Change status" not in page and "Re-entry" in page

    response = client.submit(
        f"/admin/enrollments/{enrollment_id}/reentry",
        {"cohort_id": str(other_cohort), "start_date": "2027-01-11"},
        page=f"/admin/enrollments/{enrollment_id}",
    )
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(select(Enrollment).where(Enrollment.id != enrollment_id))
        assert new.reentry_of_id == enrollment_id and new.status == EnrollmentStatus.ACTIVE
        assert new.changes[0].reason == "Re-entry"
        new_id = new.id
    page = client.get(f"/admin/enrollments/{new_id}").get_data(as_text=True)
    assert "Re-entry of" in page and "MBC-2026" in page and "Family relocation" in page


def test_reentry_needs_a_withdrawn_enrollment(app):
    enrollment_id = _enrolled(app)
    with app.test_request_context("/", method="POST"):
        earlier = db.session.get(Enrollment, enrollment_id)
        with pytest.raises(DomainError, match="Only a withdrawn enrollment"):
            enrollment_services.reenter_student(
                earlier=earlier, cohort=earlier.cohort, start_date=START, by=None
            )


def test_a_change_made_meanwhile_wins_and_the_late_one_is_refused(app):
    enrollment_id = _enrolled(app)
    with app.test_request_context("/", method="POST"):
        enrollment = db.session.get(Enrollment, enrollment_id)  # read: active
        db.session.execute(  # ...another admin withdraws the student meanwhile
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(status=EnrollmentStatus.WITHDRAWN)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(DomainError, match="changed by someone else"):
            enrollment_services.change_enrollment_status(
                enrollment=enrollment,
                to_status=EnrollmentStatus.LEAVE_OF_ABSENCE,
                effective_date=dt.date(2026, 10, 1),
                reason="x",
                last_attendance_date=dt.date(2026, 9, 30),
                by=None,
            )
        db.session.rollback()
        assert (
            db.session.scalar(
                select(EnrollmentChange.id).where(EnrollmentChange.from_status.is_not(None))
            )
            is None
        )


def test_roster_and_list_query_counts_do_not_grow(client, login_as, app, count_queries):
    login_as("admin")
    with app.app_context():
        cohort = make_cohort(start=START)
        for _ in range(10):
            make_enrollment(cohort=cohort)
        db.session.commit()
        cohort_id = cohort.id
    with count_queries() as few:
        assert client.get(f"/admin/cohorts/{cohort_id}").status_code == 200
    with count_queries() as few_list:
        assert client.get("/admin/cohorts").status_code == 200
    with app.app_context():
        cohort = db.session.get(type(cohort), cohort_id)
        for _ in range(40):
            make_enrollment(cohort=cohort)
        db.session.commit()
    with count_queries() as many:
        html = client.get(f"/admin/cohorts/{cohort_id}").get_data(as_text=True)
    with count_queries() as many_list:
        assert client.get("/admin/cohorts").status_code == 200
    assert "50 active" in html
    assert many.count == few.count and many_list.count == few_list.count


def test_changes_cannot_be_dated_in_the_future(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    html = _change(
        client, enrollment_id, to_status="withdrawn", effective_date="2099-10-15",
        last_attendance_date="2026-10-09", reason="Moved",
    ).get_data(as_text=True)  # fmt: skip
    assert "Record a change on or after the day it takes effect." in html


def test_withdrawal_from_leave_keeps_the_last_day_attended_before_the_leave(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    _change(
        client, enrollment_id, to_status="leave_of_absence", effective_date="2026-10-15",
        last_attendance_date="2026-10-09", reason="Medical",
    )  # fmt: skip
    html = _change(
        client, enrollment_id, to_status="withdrawn", effective_date="2026-12-15",
        last_attendance_date="2026-12-10", reason="Did not return",
    ).get_data(as_text=True)  # fmt: skip
    assert "their last day attended was Oct 9, 2026" in html
    ok = _change(
        client, enrollment_id, to_status="withdrawn", effective_date="2026-12-15",
        last_attendance_date="2026-10-09", reason="Did not return",
    )  # fmt: skip
    assert ok.status_code == 302


def _withdrawn(client, app) -> tuple[int, str]:
    enrollment_id = _enrolled(app)
    _change(
        client, enrollment_id, to_status="withdrawn", effective_date="2026-10-15",
        last_attendance_date="2026-10-09", reason="Moved",
    )  # fmt: skip
    with app.app_context():
        return enrollment_id, db.session.get(Enrollment, enrollment_id).student.email


def test_a_withdrawn_enrollment_is_re_entered_once_and_after_the_withdrawal(client, login_as, app):
    login_as("admin")
    enrollment_id, _email = _withdrawn(client, app)
    later = _cohort(app, code="MBC-2027-01")
    page = f"/admin/enrollments/{enrollment_id}"
    too_early = client.submit(
        f"/admin/enrollments/{enrollment_id}/reentry",
        {"cohort_id": str(later), "start_date": "2026-10-01"}, page=page,
    ).get_data(as_text=True)  # fmt: skip
    assert "A re-entry starts after the withdrawal (Oct 15, 2026)." in too_early
    first = client.submit(
        f"/admin/enrollments/{enrollment_id}/reentry",
        {"cohort_id": str(later), "start_date": "2026-10-20"}, page=page,
    )  # fmt: skip
    assert first.status_code == 302
    with app.app_context():
        earlier = db.session.get(Enrollment, enrollment_id)
        with app.test_request_context("/", method="POST"), pytest.raises(DomainError):
            enrollment_services.reenter_student(
                earlier=earlier, cohort=earlier.cohort, start_date=dt.date(2026, 11, 1), by=None
            )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 2


def test_a_withdrawn_student_returns_only_as_a_reentry(client, login_as, app):
    login_as("admin")
    _enrollment_id, email = _withdrawn(client, app)
    other = _cohort(app, code="MBC-2027-01")
    html = client.submit(
        f"/admin/cohorts/{other}/enroll", {"email": email, "start_date": "2026-10-20"}
    ).get_data(as_text=True)
    assert "record a re-entry from that enrollment instead" in html


def test_a_student_is_enrolled_in_one_cohort_at_a_time(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    other = _cohort(app, code="MBC-2027-01")
    with app.app_context():
        email = db.session.get(Enrollment, enrollment_id).student.email
    html = client.submit(
        f"/admin/cohorts/{other}/enroll", {"email": email, "start_date": "2026-10-20"}
    ).get_data(as_text=True)
    assert "is already enrolled in" in html


def test_enrollment_email_must_be_an_email(client, login_as, app):
    login_as("admin")
    cohort_id = _cohort(app)
    html = client.submit(
        f"/admin/cohorts/{cohort_id}/enroll",
        {"email": "not an email", "name": "N", "start_date": "2026-09-14"},
    ).get_data(as_text=True)
    assert "Enter a valid email address" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the admin


def test_huge_ids_are_not_found_rather_than_errors(client, login_as):
    login_as("admin")
    huge = 10**20
    assert client.get(f"/admin/programs/{huge}").status_code == 404
    assert client.get(f"/admin/cohorts?program={huge}").status_code == 200
    assert client.get(f"/admin/users/{huge}").status_code == 404


def test_a_cohort_with_students_keeps_its_program_and_its_students_dates(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    with app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        cohort_id, code = enrollment.cohort_id, enrollment.cohort.code
        other_program = make_cohort().program_id
        db.session.commit()
    html = client.submit(
        f"/admin/cohorts/{cohort_id}/edit",
        {"code": code, "program_id": str(other_program), "start_date": "2026-09-01",
         "end_date": "2026-09-10"},
    ).get_data(as_text=True)  # fmt: skip
    assert "Students are enrolled: the cohort keeps its program." in html
    assert "A student starts on Sep 14, 2026; the cohort cannot end before." in html


def test_enrolling_with_a_student_number(client, login_as, app):
    login_as("admin")
    cohort_id = _cohort(app)
    with app.app_context():
        holder = make_user(role=Role.STUDENT, email="holder@example.com", password=None)
        holder.student_number = "S-1"
        db.session.commit()
    url = f"/admin/cohorts/{cohort_id}/enroll"
    form = {"email": "new@example.com", "name": "New Person", "start_date": "2026-09-14"}
    page = client.submit(url, form | {"student_number": "S-1"}).get_data(as_text=True)
    assert "S-1 is the number of" in page
    page = client.submit(url, form | {"student_number": "S 1!"}).get_data(as_text=True)
    assert "Use 1–20 letters, digits or dashes" in page
    assert client.submit(url, form | {"student_number": "s-2"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(
            select(User.student_number).where(User.email == "new@example.com")
        ) == ("S-2")


def test_the_database_keeps_one_open_enrollment_per_student(app):
    """The service checks first; the partial unique index holds when two requests pass the
    check at the same moment (the second gets the conflict message, see web.CONFLICT)."""
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        student = make_user(role=Role.STUDENT, password=None)
        first = make_enrollment(cohort=make_cohort(), student=student)
        db.session.commit()
        with pytest.raises(IntegrityError):
            make_enrollment(cohort=make_cohort(), student=student)
        db.session.rollback()
        first = db.session.get(Enrollment, first.id)
        first.status = EnrollmentStatus.WITHDRAWN  # a closed one does not count
        db.session.commit()
        make_enrollment(cohort=make_cohort(), student=db.session.get(User, student.id))
        db.session.commit()


# --- an admin's enrollment page: the placement, its hours, grades, phone --------------------


def _graded_enrollment_with_placement(app, *, phone="(555) 010-2030"):
    """An enrollment with a phone, one course scored (85%, a B) and an open placement with
    8 confirmed and 4 pending hours of 160."""
    with app.app_context():
        enrollment = make_enrollment(cohort=make_cohort(start=START))
        enrollment.student.phone = phone
        course = enrollment.cohort.program.courses[0]
        exam = Assessment(
            cohort_id=enrollment.cohort_id,
            course_id=course.id,
            sequence=1,
            name="Final",
            weight=Decimal(100),
            max_points=Decimal(100),
        )
        db.session.add(exam)
        db.session.flush()
        db.session.add(Score(assessment_id=exam.id, enrollment_id=enrollment.id, points=85))
        placement = make_placement(enrollment=enrollment, required_hours=Decimal(160))
        placement.site.name = "Mercy General HIM"
        make_log(placement=placement, day=dt.date(2027, 4, 13), status=LogStatus.CONFIRMED)
        make_log(placement=placement, day=dt.date(2027, 4, 14), hours=Decimal(4))
        db.session.commit()
        return enrollment.id, enrollment.cohort_id, placement.id


def test_enrollment_page_shows_the_open_placement_grades_and_phone_with_links(
    client, login_as, app, set_today
):
    set_today(dt.date(2027, 4, 15))
    login_as("admin")
    enrollment_id, cohort_id, placement_id = _graded_enrollment_with_placement(app)
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    # The placement, its hours and a link to it; no second placement offered.
    assert "Externship at Mercy General HIM" in page
    assert f'href="/admin/placements/{placement_id}"' in page
    assert "<strong>8</strong> of 160 hours confirmed" in page
    assert "4 waiting for the supervisor" in page
    assert "Not sent yet" in page  # the evaluation
    assert "Place at an externship site" not in page
    assert f"/admin/enrollments/{enrollment_id}/placement" not in page
    # The grades summary, linked to the progress page and the cohort's gradebook.
    assert "<dt>GPA</dt><dd>3.00</dd>" in page
    assert "3 earned of 9 required (3 attempted)" in page
    assert f'href="/enrollments/{enrollment_id}/progress"' in page
    assert f'href="/cohorts/{cohort_id}/gradebook"' in page
    # The phone, as a link a phone can dial.
    assert '<a href="tel:5550102030">(555) 010-2030</a>' in page


def test_enrollment_page_offers_a_placement_only_without_an_open_one(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    place = f'href="/admin/enrollments/{enrollment_id}/placement"'
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert place in page and "Place at an externship site" in page
    assert "Not placed yet: 160 hours at an externship site are required." in page
    assert "none on file" in page  # no phone
    with app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        placement = make_placement(enrollment=enrollment)
        db.session.commit()
        placement_id = placement.id
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert place not in page and f'href="/admin/placements/{placement_id}"' in page
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.status = PlacementStatus.ENDED_EARLY
        placement.ended_on = dt.date(2027, 3, 20)
        placement.end_reason = "Site closed"
        db.session.commit()
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert place in page and "Place at another site" in page
    assert "Ended early on Mar 20, 2027: Site closed" in page
    with app.app_context():
        enrollment = db.session.get(Enrollment, enrollment_id)
        enrollment.status = EnrollmentStatus.WITHDRAWN
        db.session.commit()
    page = client.get(f"/admin/enrollments/{enrollment_id}").get_data(as_text=True)
    assert place not in page  # a withdrawn student is not placed


def test_enrollment_page_statements_do_not_grow(client, login_as, app, count_queries):
    """The page reads the same number of statements with one hour log, course score and
    change as with many (and another enrollment in the student's history)."""
    login_as("admin")
    enrollment_id, _cohort_id, placement_id = _graded_enrollment_with_placement(app)
    url = f"/admin/enrollments/{enrollment_id}"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        enrollment = placement.enrollment
        for day in range(1, 29):
            make_log(placement=placement, day=dt.date(2027, 3, day), status=LogStatus.CONFIRMED)
        for course in enrollment.cohort.program.courses[1:]:
            exam = Assessment(
                cohort_id=enrollment.cohort_id,
                course_id=course.id,
                sequence=1,
                name="Final",
                weight=Decimal(100),
                max_points=Decimal(100),
            )
            db.session.add(exam)
            db.session.flush()
            db.session.add(Score(assessment_id=exam.id, enrollment_id=enrollment.id, points=90))
        for day in (2, 9, 16):
            db.session.add(
                EnrollmentChange(
                    enrollment_id=enrollment.id,
                    from_status=EnrollmentStatus.ACTIVE,
                    to_status=EnrollmentStatus.ACTIVE,
                    effective_date=dt.date(2026, 11, day),
                    recorded_by_id=None,
                )
            )
        earlier = make_enrollment(cohort=make_cohort(start=dt.date(2025, 9, 15)))
        earlier.student_id = enrollment.student_id
        earlier.status = EnrollmentStatus.WITHDRAWN
        db.session.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert "<strong>232</strong> of 160 hours confirmed" in page
    assert many.count == few.count


def test_a_refused_graduation_lists_what_is_missing_once(client, login_as, app):
    login_as("admin")
    enrollment_id = _enrolled(app)
    response = _change(client, enrollment_id, to_status="graduated", effective_date="2027-05-28")
    page = response.get_data(as_text=True)
    missing = [
        "Not yet met: C001 Course 1: no result yet.",
        "Not yet met: C002 Course 2: no result yet.",
        "Not yet met: C003 Course 3: no result yet.",
        "Not yet met: Externship: no placement yet (160 hours required).",
    ]
    for item in missing:
        assert page.count(item) == 1, item
        assert f"<li>{item}</li>" in page
    assert "no result yet. Not yet met" not in page  # not run together into a paragraph
    # One sentence says how many, beside the field and in the summary linking to it.
    refused = "Graduation is refused: 4 requirements are not yet met (listed below)."
    assert page.count(refused) == 2
    assert f'<a href="#to_status">New status: {refused}</a>' in page
    with app.app_context():
        assert db.session.get(Enrollment, enrollment_id).status == EnrollmentStatus.ACTIVE
