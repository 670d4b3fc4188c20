"""The former hand-written commits of certifications (verifying an attempt, removing an
apprentice designation, ``flask credentials seed``) go through web.commit.save(): a
concurrent change that makes the service's flush fail answers CONFLICT, never a 500, and
writes nothing."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school.audit import AuditEvent
from school.auth.models import Role
from school.certifications.catalog import seed_catalog
from school.certifications.cli import credentials_cli
from school.certifications.models import Attempt, AwardedCredential, Credential
from school.certifications.services import awards, exam_attempts
from school.extensions import db
from school.web.commit import CONFLICT
from tests.factories import make_enrollment, make_user

TODAY = dt.date(2027, 8, 1)
RACES = [
    IntegrityError("INSERT …", {}, Exception("duplicate key value")),
    StaleDataError("UPDATE matched 0 rows"),
]


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _losing(monkeypatch, service, name: str, error: Exception) -> None:
    """The service does its work, then its flush fails as if a concurrent request won."""
    real = getattr(service, name)

    def raced(**kwargs):
        real(**kwargs)
        db.session.flush()
        raise error

    monkeypatch.setattr(service, name, raced)


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _code(code: str) -> Credential:
    return db.session.scalar(select(Credential).where(Credential.code == code))


@pytest.mark.parametrize("error", RACES, ids=["integrity", "stale"])
def test_verifying_an_attempt_that_loses_a_race(client, login_as, app, monkeypatch, error):
    login_as("admin")
    with app.app_context():
        seed_catalog()
        student = make_user(role=Role.STUDENT, password=None)
        enrollment = make_enrollment(student=student)
        attempt = exam_attempts.record_attempt(
            student=student,
            data=exam_attempts.AttemptData(_code("CPC").id, dt.date(2027, 7, 1), "", "", "passed"),
            by=student,
        )
        db.session.commit()
        attempt_id, enrollment_id, events = attempt.id, enrollment.id, _events()
    _losing(monkeypatch, exam_attempts, "verify_attempt", error)
    url = f"/admin/enrollments/{enrollment_id}/attempts"
    response = client.submit(f"/admin/attempts/{attempt_id}/verify", {"next": url}, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and CONFLICT in unescape(page.get_data(as_text=True))
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert not attempt.verified and attempt.verified_by_id is None
        assert _events() == events


@pytest.mark.parametrize("error", RACES, ids=["integrity", "stale"])
def test_removing_an_apprentice_designation_that_loses_a_race(
    client, login_as, app, monkeypatch, error
):
    login_as("admin")
    with app.app_context():
        seed_catalog()
        admin = make_user(role=Role.ADMIN, password=None)
        enrollment = make_enrollment(student=make_user(role=Role.STUDENT, password=None))
        award = awards.award_credential(
            student=enrollment.student, credential_id=_code("CPC").id,
            awarded_on=dt.date(2027, 6, 1), member_id="01234567", apprentice=True, by=admin,
        )  # fmt: skip
        db.session.commit()
        award_id, enrollment_id, events = award.id, enrollment.id, _events()
    _losing(monkeypatch, awards, "remove_apprentice", error)
    url = f"/admin/enrollments/{enrollment_id}/credentials"
    response = client.submit(
        f"/admin/awards/{award_id}/apprentice-removed",
        {"removed_on": "2027-07-20", "enrollment_id": str(enrollment_id)},
        page=url,
    )
    assert response.status_code == 302 and response.headers["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and CONFLICT in unescape(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(AwardedCredential, award_id).apprentice_removed_on is None
        assert _events() == events


def test_the_seed_command_that_loses_a_race_says_so_and_adds_nothing(app, monkeypatch):
    def raced() -> int:
        added = seed_catalog()
        db.session.flush()
        raise RACES[0]
        return added

    monkeypatch.setattr("school.certifications.cli.seed_catalog", raced)
    result = app.test_cli_runner().invoke(credentials_cli, ["seed"])
    assert result.exit_code == 1 and CONFLICT in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 0
