"""CSRF protection stays on in tests: a form post without a valid token is refused and changes
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import LoginThrottle, User
from school.extensions import db


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_csrf_is_enabled(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_login_post_without_token_is_refused(client, app):
    response = client.post("/login", data={"email": "a@example.com", "password": "whatever-pw"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _count(app, LoginThrottle) == 0
    assert _count(app, AuditEvent) == 0


def test_invite_without_token_is_refused_and_creates_nothing(client, login_as, app, mailbox):
    login_as("admin")
    users_before = _count(app, User)
    response = client.post(
        "/admin/users/invite",
        data={"name": "Eve", "email": "eve@example.com", "role": "admin"},
    )
    assert response.status_code == 400
    assert _count(app, User) == users_before
    assert mailbox.to("eve@example.com") == []


def test_token_from_another_session_is_refused(client, make_client, login_as, app):
    login_as("admin")
    other = make_client()
    foreign_page = other.get("/login").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post(
        "/account/logout-everywhere", data={"csrf_token": csrf_token_from(foreign_page)}
    )
    assert response.status_code == 400
    assert client.get("/account").status_code == 200  # still signed in


def test_logout_is_not_possible_with_get(client, login_as):
    login_as("student")
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200
