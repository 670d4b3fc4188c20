"""Confirming hours from an emailed link: happy path, reuse, expiry, tampering, a changed
batch, another supervisor's logs; the email goes through the SMTP test server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from school.audit import AuditEvent
from school.auth.models import Role
from school.extensions import db
from school.internships.models import DecisionChannel, HourLog, LogStatus
from school.internships.services import hours as hour_services
from school.internships.services import links as link_services
from school.links import EmailedLink
from tests.factories import make_enrollment, make_log, make_placement, make_site, make_user

TODAY = dt.date(2027, 4, 15)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _two_logs(app, boss_email="boss@site.example.com"):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER, email=boss_email, name="Grace Liu", password=None)
        site = make_site(supervisors=[boss])
        logs = []
        for name in ("Ann", "Bo"):
            placement = make_placement(
                enrollment=make_enrollment(student=make_user(role=Role.STUDENT, name=name)),
                site=site,
                supervisor=boss,
            )
            logs.append(make_log(placement=placement, day=dt.date(2027, 4, 14)).id)
        db.session.commit()
        return logs


def _request(app) -> int:
    with app.test_request_context():
        sent = link_services.request_confirmations(by=None)
        db.session.commit()
    with app.app_context():
        from school.mail import deliver_pending

        deliver_pending()
    return sent


def _link_from(mailbox, email) -> str:
    assert len(mailbox.to(email)) == 1
    link = mailbox.last_link(email)
    assert "/hours/confirm/" in link
    return link


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_supervisor_confirms_everything_from_the_emailed_link(client, app, mailbox):
    logs = _two_logs(app)
    assert _request(app) == 1
    link = _link_from(mailbox, "boss@site.example.com")
    opened = client.get(_path(link))
    assert opened.status_code == 302
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    batch_url = opened.headers["Location"]
    assert "/hours/confirm/batch/" in batch_url and link.rsplit("/", 1)[1] not in batch_url
    page = client.get(batch_url)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Ann" in page.get_data(as_text=True) and "Bo" in page.get_data(as_text=True)
    # The signature is required; nothing is recorded without it.
    refused = client.submit(
        batch_url, {f"decision-{logs[0]}": "confirm", f"decision-{logs[1]}": "confirm"}
    )
    assert refused.status_code == 400
    assert "Type your full name as your signature." in refused.get_data(as_text=True)
    done = client.submit(
        batch_url,
        {
            f"decision-{logs[0]}": "confirm",
            f"decision-{logs[1]}": "needs_info",
            f"note-{logs[1]}": "Which charts did you code?",
            "signature": "Grace Liu",
        },
    )
    assert done.status_code == 200
    assert "Your decision on 2 hour logs is recorded." in done.get_data(as_text=True)
    with app.app_context():
        first, second = (db.session.get(HourLog, i) for i in logs)
        assert (first.status, first.decided_via, first.decision_signature) == (
            LogStatus.CONFIRMED,
            DecisionChannel.LINK,
            "Grace Liu",
        )
        assert first.decision_ip == "127.0.0.1"
        assert (second.status, second.decision_note) == (
            LogStatus.NEEDS_INFO,
            "Which charts did you code?",
        )
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "hour_logs")
        ).all()
        assert sorted(e.action for e in events) == ["hours.confirmed", "hours.needs_info"]
        assert all(e.details["via"] == "link" for e in events)
    # Used once: opening it again, or posting again, changes nothing and says why.
    again = client.get(_path(link))
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    replay = client.submit(batch_url, {"signature": "Grace Liu"}, page="/login")
    assert replay.status_code == 410


def test_an_expired_or_tampered_link_changes_nothing(client, app, mailbox):
    logs = _two_logs(app)
    _request(app)
    link = _link_from(mailbox, "boss@site.example.com")
    tampered = client.get(_path(link)[:-3] + "abc")
    assert tampered.status_code == 410 and "not valid" in tampered.get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            update(EmailedLink).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        )
        db.session.commit()
    expired = client.get(_path(link))
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/hours/confirm/batch/1").status_code == 410  # never opened here
    with app.app_context():
        assert {db.session.get(HourLog, i).status for i in logs} == {LogStatus.PENDING}


def test_a_changed_batch_refuses_the_whole_link(client, app, mailbox):
    logs = _two_logs(app)
    _request(app)
    batch_url = client.get(_path(_link_from(mailbox, "boss@site.example.com"))).headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    with app.app_context():  # the student edits one log after the email went out
        log = db.session.get(HourLog, logs[1])
        hour_services.edit_log(
            log=log,
            data=hour_services.LogData(dt.date(2027, 4, 14), "6", "Changed"),
            by=log.placement.enrollment.student,
        )
        db.session.commit()
    from tests.conftest import csrf_token_from

    response = client.post(
        batch_url,
        data={
            "csrf_token": csrf_token_from(page),
            f"decision-{logs[0]}": "confirm",
            f"decision-{logs[1]}": "confirm",
            "signature": "Grace Liu",
        },
    )
    assert response.status_code == 410
    assert "changed after it was sent" in response.get_data(as_text=True)
    with app.app_context():
        assert {db.session.get(HourLog, i).status for i in logs} == {LogStatus.PENDING}
        assert db.session.scalar(select(EmailedLink.used_at)) is None


def test_a_link_covers_only_its_supervisors_logs_and_a_new_one_replaces_it(client, app, mailbox):
    mine = _two_logs(app)
    theirs = _two_logs(app, boss_email="other@site.example.com")
    assert _request(app) == 2
    batch_url = client.get(_path(_link_from(mailbox, "boss@site.example.com"))).headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert f"decision-{theirs[0]}" not in page
    # A forged field for another supervisor's log is ignored; theirs stays pending.
    response = client.submit(
        batch_url,
        {
            f"decision-{mine[0]}": "confirm", f"decision-{mine[1]}": "confirm",
            f"decision-{theirs[0]}": "confirm", "signature": "Grace Liu",
        },
    )  # fmt: skip
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(HourLog, theirs[0]).status == LogStatus.PENDING
        assert db.session.get(HourLog, mine[0]).status == LogStatus.CONFIRMED
    # Asking again sends the other supervisor a new link; their first one stops working.
    first = _link_from(mailbox, "other@site.example.com")
    mailbox.clear()
    assert _request(app) == 1
    assert client.get(_path(first)).status_code == 410


def test_admin_button_and_cli_send_the_links(client, login_as, app, mailbox):
    _two_logs(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hours", "request-confirmation"])
    assert result.exit_code == 0 and "1 supervisor emailed." in result.output
    assert mailbox.to("boss@site.example.com")
    login_as("admin")
    response = client.button(
        "/admin/hours/request-confirmation", page="/admin/sites", follow_redirects=True
    )
    assert "1 supervisor emailed a confirmation link." in response.get_data(as_text=True)
