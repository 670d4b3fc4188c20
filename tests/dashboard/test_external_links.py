"""Links in emails never follow the request's Host header, in development and tests too
(issue 14, defect 6: development reset links followed a forged Host)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from school.extensions import db
from school.mail import OutboxMessage
from tests.conftest import csrf_token_from
from tests.factories import make_user


def _request_reset(client, email: str) -> None:
    evil = {"base_url": "http://evil.example"}
    page = client.get("/password/forgot", **evil)
    client.post(
        "/password/forgot",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": email},
        **evil,
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "http://127.0.0.1:5000/password/reset/"),
        ({"HOST": "school.test", "PORT": 8080}, "http://school.test:8080/password/reset/"),
    ],
)
def test_development_links_use_the_served_address_not_the_host_header(
    make_app, mailbox, settings, expected
):
    app = make_app(TESTING=False, ENV="development", **settings)
    assert app.config["ENV"] == "development"
    with app.app_context():
        email = make_user().email
        db.session.commit()
    _request_reset(app.test_client(), email)
    with app.app_context():  # development keeps email in the outbox
        body = db.session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.to_address == email)
        )
    assert body is not None
    link = re.findall(r"https?://\S+", body)[0]
    assert link.startswith(expected), link
    assert "evil.example" not in body


def test_test_links_use_localhost_whatever_the_host_header(app, client, mailbox):
    with app.app_context():
        email = make_user().email
        db.session.commit()
    _request_reset(client, email)
    assert mailbox.last_link(email).startswith("http://localhost/password/reset/")
