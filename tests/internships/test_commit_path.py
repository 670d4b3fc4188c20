"""The externship pages that used to commit by hand now go through web.commit.save(): when a
concurrent request wins the race (the database refuses the flush or the commit with an
IntegrityError or a StaleDataError), each answers with CONFLICT where its user looks (flashed
after a button, beside the form, on the link page, or on the command line), never a 500, and
nothing of the refused request is written."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school.audit import AuditEvent
from school.auth.models import Role
from school.extensions import db
from school.internships.models import HourLog, LogStatus
from school.internships.services import decisions as decision_services
from school.internships.services import hours as hour_services
from school.internships.services import links as link_services
from school.links import EmailedLink
from school.mail import OutboxMessage
from school.web.commit import CONFLICT
from tests.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    make_enrollment,
    make_log,
    make_placement,
    make_site,
    make_user,
)
from tests.internships.test_links import _link_from, _path, _request, _two_logs

TODAY = dt.date(2027, 4, 15)

RACES = [
    pytest.param(
        IntegrityError("INSERT INTO audit_events ...", {}, Exception("duplicate key")),
        id="unique-key",
    ),
    pytest.param(
        StaleDataError("UPDATE statement on table 'hour_logs' expected 1 row; 0 were matched."),
        id="stale-row",
    ),
]


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _race(monkeypatch, services: ModuleType, name: str, error: Exception) -> None:
    """``services.<name>`` does its whole work (flushed), then the database refuses it as
    it would when a concurrent request committed a conflicting change first."""
    real = getattr(services, name)

    def lost(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)
        db.session.flush()
        raise error

    monkeypatch.setattr(services, name, lost)


def _hour_events() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_type == "hour_logs", AuditEvent.action.like("hours.%"))
    )


@pytest.mark.parametrize("error", RACES)
def test_withdrawing_a_log_that_lost_a_race_flashes_the_conflict(client, app, monkeypatch, error):
    with app.app_context():
        student = make_user(role=Role.STUDENT)
        placement = make_placement(enrollment=make_enrollment(student=student))
        log = make_log(placement=placement, day=dt.date(2027, 4, 14))
        db.session.commit()
        log_id, email = log.id, student.email
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    _race(monkeypatch, hour_services, "withdraw_log", error)
    response = client.button(f"/externship/logs/{log_id}/withdraw", page="/externship")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CONFLICT in page and "Log withdrawn." not in page
    with app.app_context():
        log = db.session.get(HourLog, log_id)
        assert (log.status, log.version) == (LogStatus.PENDING, 1)
        assert _hour_events() == 0


@pytest.mark.parametrize("error", RACES)
def test_a_supervisor_decision_that_lost_a_race_shows_the_conflict_beside_the_form(
    client, app, monkeypatch, error
):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        placement = make_placement(site=make_site(supervisors=[boss]), supervisor=boss)
        log = make_log(placement=placement, day=dt.date(2027, 4, 14))
        db.session.commit()
        log_id, email = log.id, boss.email
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    _race(monkeypatch, decision_services, "decide_logs", error)
    response = client.submit("/supervisor/hours", {"log_id": [str(log_id)], "decision": "confirm"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert CONFLICT in page and "confirmed." not in page
    with app.app_context():
        assert db.session.get(HourLog, log_id).status == LogStatus.PENDING
        assert _hour_events() == 0


@pytest.mark.parametrize("error", RACES)
def test_a_link_decision_that_lost_a_race_shows_the_conflict_on_the_link_page(
    client, app, mailbox, monkeypatch, set_today, error
):
    logs = _two_logs(app)
    assert _request(app) == 1
    opened = client.get(_path(_link_from(mailbox, "boss@site.example.com")))
    batch_url = opened.headers["Location"]
    _race(monkeypatch, link_services, "decide_by_link", error)
    response = client.submit(
        batch_url,
        {f"decision-{i}": "confirm" for i in logs} | {"signature": "Grace Liu"},
    )
    assert response.status_code == 400
    assert CONFLICT in response.get_data(as_text=True)
    with app.app_context():
        assert [db.session.get(HourLog, i).status for i in logs] == [LogStatus.PENDING] * 2
        assert db.session.scalar(select(EmailedLink.used_at)) is None
        assert _hour_events() == 0
    # The link still works once the race is over.
    monkeypatch.undo()
    set_today(TODAY)
    response = client.submit(
        batch_url, {f"decision-{i}": "confirm" for i in logs} | {"signature": "Grace Liu"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("error", RACES)
def test_requesting_confirmations_that_lost_a_race_flashes_the_conflict(
    client, login_as, app, monkeypatch, error
):
    _two_logs(app)
    login_as("admin")
    _race(monkeypatch, link_services, "request_confirmations", error)
    response = client.button("/admin/hours/request-confirmation", page="/admin/sites")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CONFLICT in page and "emailed a confirmation link" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailedLink)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("error", RACES)
def test_the_command_that_lost_a_race_says_so_and_fails(app, monkeypatch, error):
    _two_logs(app)
    _race(monkeypatch, link_services, "request_confirmations", error)
    result = app.test_cli_runner().invoke(args=["hours", "request-confirmation"])
    assert result.exit_code == 1
    assert CONFLICT in result.output and "emailed" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailedLink)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
