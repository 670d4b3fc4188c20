"""Credential catalog, exam attempts (validation, numbering, verification) and pass figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from school.auth.models import Role, User
from school.certifications import queries
from school.certifications.catalog import seed_catalog
from school.certifications.models import Attempt, Credential
from school.certifications.services import exam_attempts
from school.errors import DomainError
from school.extensions import db
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD, make_cohort, make_enrollment, make_user

TODAY = dt.date(2027, 8, 1)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _credential(code: str) -> Credential:
    return db.session.scalar(select(Credential).where(Credential.code == code))


def _data(code, day, result, score=""):
    return exam_attempts.AttemptData(
        credential_id=_credential(code).id if code else None,
        exam_date=dt.date.fromisoformat(day) if day else None,
        exam_version="",
        score=score,
        result=result,
    )


def test_the_catalog_seeds_once_and_keeps_edits(app):
    with app.app_context():
        assert seed_catalog() == 9
        cca = _credential("CCA")
        assert (cca.scale_min, cca.pass_mark, cca.scale_max) == (D(100), D(300), D(400))
        assert _credential("CPC").has_apprentice and not _credential("CPMA").has_apprentice
        assert _credential("RHIA").ceus_required == D(30)
        _credential("CPC").exam_minutes = 300  # the body changed its exam
        db.session.commit()
        assert seed_catalog() == 0
        assert _credential("CPC").exam_minutes == 300


@pytest.mark.parametrize(
    ("code", "day", "result", "score", "field", "message"),
    [
        ("CPC", "2027-08-02", "passed", "", "exam_date", "not for a future date"),
        ("CPC", "2027-07-01", "passed", "101", "score", "CPC scores go from 0% to 100%."),
        ("CCA", "2027-07-01", "passed", "450", "score", "CCA scores go from 100 to 400."),
        ("CCA", "2027-07-01", "passed", "280", "result", "A score of 280 is a fail"),
        ("CPC", "2027-07-01", "failed", "75", "result", "A score of 75 is a pass"),
        ("CPC", "2027-07-01", "maybe", "", "result", "Choose passed or failed"),
        ("CPC", "2027-07-01", "passed", "abc", "score", "Enter the score as a number"),
        (
            None,
            "2027-07-01",
            "passed",
            "",
            "credential_id",
            "Choose a credential from the catalog.",
        ),
    ],
)
def test_attempt_rules_are_refused_at_the_field(app, code, day, result, score, field, message):
    with app.app_context():
        seed_catalog()
        admin = make_user(role=Role.ADMIN, password=None)
        student = make_user(role=Role.STUDENT, password=None)
        with pytest.raises(DomainError) as refused:
            exam_attempts.record_attempt(
                student=student, data=_data(code, day, result, score), by=admin
            )
        assert any(message in m for m in refused.value.problems[field]), refused.value.problems


def test_attempt_numbers_follow_date_order_whatever_the_entry_order(app):
    with app.app_context():
        seed_catalog()
        admin = make_user(role=Role.ADMIN, password=None)
        student = make_user(role=Role.STUDENT, password=None)
        for day, result in (
            ("2027-06-20", "passed"),
            ("2027-01-10", "failed"),
            ("2027-03-05", "failed"),
        ):
            exam_attempts.record_attempt(student=student, data=_data("CPC", day, result), by=admin)
        exam_attempts.record_attempt(
            student=student, data=_data("CCA", "2027-02-01", "passed"), by=admin
        )
        db.session.commit()
        numbered = queries.student_attempts(student.id)
        assert [
            (n.attempt.credential.code, str(n.attempt.exam_date), n.number) for n in numbered
        ] == [
            ("CPC", "2027-06-20", 3),
            ("CPC", "2027-03-05", 2),
            ("CCA", "2027-02-01", 1),
            ("CPC", "2027-01-10", 1),
        ]


def test_pass_figures_first_vs_any_and_unverified_reports_excluded(app):
    with app.app_context():
        seed_catalog()
        admin = make_user(role=Role.ADMIN, password=None)
        cohort = make_cohort()
        students = [
            make_enrollment(
                cohort=cohort, student=make_user(role=Role.STUDENT, password=None)
            ).student
            for _ in range(4)
        ]
        first_time, second_time, never, self_reported = students
        exam_attempts.record_attempt(
            student=first_time, data=_data("CPC", "2027-05-01", "passed", "81"), by=admin
        )
        exam_attempts.record_attempt(
            student=second_time, data=_data("CPC", "2027-05-01", "failed", "64"), by=admin
        )
        exam_attempts.record_attempt(
            student=second_time, data=_data("CPC", "2027-06-15", "passed"), by=admin
        )
        exam_attempts.record_attempt(
            student=never, data=_data("CPC", "2027-05-01", "failed"), by=admin
        )
        reported = exam_attempts.record_attempt(
            student=self_reported, data=_data("CPC", "2027-07-01", "passed"), by=self_reported
        )
        db.session.commit()
        assert reported.verified is False and reported.reported_by_student
        (cpc,) = queries.cohort_pass_figures(cohort.id)
        assert (cpc.sat, cpc.passed, cpc.passed_first) == (3, 2, 1)
        assert (cpc.pass_rate, cpc.first_attempt_rate) == (D("66.7"), D("33.3"))
        exam_attempts.verify_attempt(attempt=db.session.get(Attempt, reported.id), by=admin)
        db.session.commit()
        (cpc,) = queries.cohort_pass_figures(cohort.id)
        assert (cpc.sat, cpc.passed, cpc.passed_first) == (4, 3, 2)
        with pytest.raises(DomainError, match="already verified"):
            exam_attempts.verify_attempt(attempt=db.session.get(Attempt, reported.id), by=admin)


def test_student_reports_and_admin_verifies_through_the_pages(client, login_as, app, make_client):
    with app.app_context():
        seed_catalog()
        db.session.commit()
        cpc_id = _credential("CPC").id
    me = login_as("student")
    form = {
        "credential_id": str(cpc_id),
        "exam_date": "2027-07-01",
        "score": "77",
        "result": "passed",
    }
    assert client.submit("/certifications", form).status_code == 302
    page = client.get("/certifications").get_data(as_text=True)
    assert "Waiting for the school" in page and "77" in page
    with app.app_context():
        enrollment = make_enrollment(student=db.session.get(User, me.id))
        db.session.commit()
        enrollment_id = enrollment.id
        attempt_id = db.session.scalar(select(Attempt.id))
    admin = make_client()
    with app.app_context():
        boss = make_user(role=Role.ADMIN)
        db.session.commit()
        admin_email = boss.email
    assert login(admin, admin_email, DEFAULT_PASSWORD).status_code == 302
    url = f"/admin/enrollments/{enrollment_id}/attempts"
    response = admin.submit(
        f"/admin/attempts/{attempt_id}/verify", {"next": url}, page=url, follow_redirects=True
    )
    assert "CPC attempt verified." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).verified
