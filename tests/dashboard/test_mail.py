"""Email: outbox rows written with the change, delivered over real SMTP after the commit."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from school.extensions import db
from school.mail import OutboxMessage, deliver_pending, deliver_queued, queue_email
from tests.conftest import free_port

INVITE = {"name": "Rita Registrar", "email": "rita@example.com", "role": "admin"}


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_invitation_is_delivered_over_smtp_and_its_link_works(client, login_as, mailbox, app):
    login_as("admin")
    client.submit("/admin/users/invite", INVITE)
    [message] = mailbox.to("rita@example.com")
    assert message["Subject"] == "You are invited to Test Coding School"
    assert message["X-Envelope-To"] == "rita@example.com"
    body = mailbox.body(message)
    assert "Rita Registrar" in body and "expires in 72 hours" in body
    [row] = _outbox(app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None

    client.button("/logout", page="/")
    path = urlsplit(mailbox.last_link("rita@example.com")).path
    form_url = client.get(path).headers["Location"]
    response = client.submit(
        form_url, {"password": "registrar-pass-99", "confirm": "registrar-pass-99"}
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200  # signed in, as an admin


def test_refused_invitation_sends_no_email(client, login_as, mailbox, app):
    login_as("admin", email="rita@example.com")
    client.submit("/admin/users/invite", INVITE)  # duplicate email: refused
    assert mailbox.messages == []
    assert _outbox(app) == []


def test_rolled_back_message_is_never_sent(app, mailbox):
    with app.app_context():
        queue_email(to="ghost@example.com", subject="never", body="rolled back")
        db.session.rollback()
        queue_email(to="real@example.com", subject="kept", body="committed")
        db.session.commit()
        assert deliver_queued() == 1
    assert [m["Subject"] for m in mailbox.messages] == ["kept"]
    assert [m.to_address for m in _outbox(app)] == ["real@example.com"]


def test_unreachable_server_keeps_the_message_for_a_retry(client, login_as, mailbox, app):
    login_as("admin")
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        response = client.submit("/admin/users/invite", INVITE)
    finally:
        app.config["MAIL_PORT"] = real_port
    assert response.status_code == 302  # the invitation itself is saved
    [row] = _outbox(app)
    assert row.sent_at is None and row.attempts == 1 and "cannot connect" in row.last_error
    assert "Failed after 1 try" in client.get("/admin/outbox?status=failed").get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)" in result.output
    assert len(mailbox.to("rita@example.com")) == 1
    [row] = _outbox(app)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    # Sending again sends nothing twice.
    assert "Sent 0 message(s)" in app.test_cli_runner().invoke(args=["outbox", "send"]).output


def test_without_mail_server_messages_wait_on_the_outbox_page(client, login_as, mailbox, app):
    login_as("admin")
    server = app.config["MAIL_SERVER"]
    app.config["MAIL_SERVER"] = None
    try:
        client.submit("/admin/users/invite", INVITE)
        assert mailbox.messages == []
        listing = client.get("/admin/outbox").get_data(as_text=True)
        assert "No mail server is configured" in listing
        assert "Waiting" in listing
        [row] = _outbox(app)
        message_page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
        link = re.search(r'href="(http://localhost/invitation/[^"]+)"', message_page).group(1)
    finally:
        app.config["MAIL_SERVER"] = server
    client.button("/logout", page="/")
    form_url = client.get(urlsplit(link).path).headers["Location"]
    response = client.submit(
        form_url, {"password": "registrar-pass-99", "confirm": "registrar-pass-99"}
    )
    assert response.status_code == 302


def test_message_bodies_are_not_shown_when_a_mail_server_is_configured(client, login_as, app):
    login_as("admin")
    client.submit("/admin/users/invite", INVITE)
    [row] = _outbox(app)
    assert client.get(f"/admin/outbox/{row.id}").status_code == 404
    assert f"/admin/outbox/{row.id}" not in client.get("/admin/outbox").get_data(as_text=True)


def test_outbox_page_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")

    def add(n):
        with app.app_context():
            for i in range(n):
                db.session.add(OutboxMessage(to_address=f"p{i}@example.com", subject="s", body="b"))
            db.session.commit()

    add(2)
    with count_queries() as few:
        client.get("/admin/outbox")
    add(30)
    with count_queries() as many:
        client.get("/admin/outbox?page=3")
    assert many.count == few.count


def test_savepoints_do_not_confuse_delivery(app, mailbox):
    with app.app_context():
        queue_email(to="kept@example.com", subject="kept", body="outer transaction")
        savepoint = db.session.begin_nested()
        queue_email(to="undone@example.com", subject="undone", body="rolled-back savepoint")
        savepoint.rollback()
        db.session.commit()
        assert deliver_queued() == 1

        with db.session.begin_nested():
            queue_email(to="released@example.com", subject="x", body="savepoint released")
        db.session.rollback()  # ...but the outer transaction rolled back
        assert deliver_queued() == 0
    assert [m["To"] for m in mailbox.messages] == ["kept@example.com"]


def test_a_refused_recipient_does_not_stop_the_others(app, mailbox):
    with app.app_context():
        queue_email(to="ghost@refused.example.com", subject="one", body="b")
        queue_email(to="real@example.com", subject="two", body="b")
        db.session.commit()
        assert deliver_queued() == 1
    assert [m["To"] for m in mailbox.messages] == ["real@example.com"]
    refused, delivered = _outbox(app)
    assert refused.sent_at is None and "No such mailbox" in refused.last_error
    assert delivered.sent_at is not None


def test_smtp_failure_after_connecting_keeps_the_request_and_the_message(
    client, login_as, mailbox, app, monkeypatch
):
    login_as("admin")
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", True)  # the test server has no TLS
    response = client.submit("/admin/users/invite", INVITE)
    assert response.status_code == 302  # the invitation is saved all the same
    [row] = _outbox(app)
    assert row.sent_at is None and row.attempts == 1
    assert "STARTTLS" in row.last_error or "starttls" in row.last_error.lower()
    assert mailbox.messages == []


def test_a_refused_recipient_is_not_retried(app, mailbox):
    with app.app_context():
        queue_email(to="ghost@refused.example.com", subject="one", body="b")
        db.session.commit()
        deliver_queued()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 0 message(s)" in result.output
    [row] = _outbox(app)
    assert row.refused_at is not None and row.attempts == 1


def test_two_senders_at_once_send_each_message_once(app, mailbox):
    with app.app_context():
        for n in range(20):
            db.session.add(OutboxMessage(to_address=f"p{n}@example.com", subject="s", body="b"))
        db.session.commit()

    def send() -> int:
        with app.app_context():
            return deliver_pending()

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(lambda _: send(), range(2)))
    assert sum(counts) == 20
    recipients = [m["To"] for m in mailbox.messages]
    assert sorted(recipients) == sorted(f"p{n}@example.com" for n in range(20))
    assert all(row.sent_at is not None and row.attempts == 1 for row in _outbox(app))


def test_email_goes_out_after_the_response_not_before(app, mailbox):
    """The page does not wait for the mail server (and its timing does not tell whether an
    email was sent): delivery runs when the server closes the response."""
    from flask.testing import FlaskClient

    from tests.conftest import csrf_token_from
    from tests.factories import make_user

    with app.app_context():
        email = make_user().email
        db.session.commit()
    browser = FlaskClient(app)  # a plain client: it does not close responses by itself
    token = csrf_token_from(browser.get("/password/forgot").get_data(as_text=True))
    response = browser.post("/password/forgot", data={"csrf_token": token, "email": email})
    assert "Check your email" in response.get_data(as_text=True)
    assert mailbox.to(email) == []  # answered, nothing sent yet
    response.close()  # what the WSGI server does after sending the body
    assert [m["Subject"] for m in mailbox.to(email)] == ["Reset your password"]


def test_a_file_response_still_sends_its_email(make_app, mailbox, tmp_path):
    """send_file responses bypass call_on_close; their queued email must go out anyway."""
    from flask import send_file

    from school.auth.access import public

    app = make_app(WTF_CSRF_ENABLED=False)  # a bare route, no form
    document = tmp_path / "transcript.txt"
    document.write_text("a document")

    @app.route("/download", methods=["POST"])
    @public
    def download():
        queue_email(to="registrar@example.com", subject="Disclosed", body="sent a file")
        db.session.commit()
        return send_file(document)

    response = app.test_client().post("/download")
    assert response.get_data() == b"a document"
    response.close()
    assert [m["Subject"] for m in mailbox.to("registrar@example.com")] == ["Disclosed"]


def test_outbox_ids_are_never_reused_on_sqlite(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite table definition")
    with app.app_context(), db.engine.connect() as conn:
        ddl = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'outbox_messages'"
        ).scalar()
    assert "AUTOINCREMENT" in ddl
