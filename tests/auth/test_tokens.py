"""Invitation and password-reset links: single use, expiring, purpose-bound, tamper-proof."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select

from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.extensions import db
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "plenty-long-passphrase"


def _invite(client, login_as, mailbox, email="newhire@example.com", role="instructor") -> str:
    login_as("admin")
    response = client.submit(
        "/admin/users/invite", {"name": "New Hire", "email": email, "role": role}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.button("/logout", page="/")
    return urlsplit(mailbox.last_link(email)).path


def _set_password(client, path, password=NEW_PASSWORD, confirm=None, *, token_page=None):
    """Send the set-password form; ``token_page`` supplies the CSRF token when the link's own
    page no longer shows the form (a form left open in another tab)."""
    data = {"password": password, "confirm": confirm or password}
    return client.submit(path, data, page=token_page)


def test_invitation_sets_password_signs_in_and_is_single_use(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    page = client.get(path)
    assert page.status_code == 200
    assert "Welcome, New Hire" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"

    response = _set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hello, New" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newhire@example.com"))
        assert user.role == Role.INSTRUCTOR and user.has_password

    client.button("/logout", page="/")
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert login(client, "newhire@example.com", NEW_PASSWORD).status_code == 302


def test_second_submit_of_a_used_link_changes_nothing(client, login_as, mailbox, make_client):
    path = _invite(client, login_as, mailbox)
    first, second = make_client(), make_client()
    form_first = first.get(path)
    form_second = second.get(path)  # both have the form open
    assert form_first.status_code == form_second.status_code == 200
    assert _set_password(first, path).status_code == 302
    response = second.post(
        path,
        data={
            "csrf_token": csrf_token_from(form_second.get_data(as_text=True)),
            "password": "someone-elses-password",
            "confirm": "someone-elses-password",
        },
    )
    assert response.status_code == 410
    assert login(make_client(), "newhire@example.com", "someone-elses-password").status_code == 200
    assert login(make_client(), "newhire@example.com", NEW_PASSWORD).status_code == 302


def test_expired_invitation_is_refused(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    with app.app_context():
        token = db.session.scalar(select(AuthToken))
        token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert _set_password(client, path, token_page="/login").status_code == 410


def test_tampered_token_is_refused(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (flipped, secret[:-2], secret + "x"):
        response = client.get(f"/invitation/{bad}")
        assert response.status_code == 410
        assert "not valid" in response.get_data(as_text=True)


def test_token_is_bound_to_its_purpose(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{secret}").status_code == 410


def test_resent_invitation_replaces_the_old_link(client, login_as, mailbox, app):
    old_path = _invite(client, login_as, mailbox)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "newhire@example.com"))
    admin = login_as("admin")
    assert admin
    client.button(f"/admin/users/{user_id}/resend-invitation", page=f"/admin/users/{user_id}")
    new_path = urlsplit(mailbox.last_link("newhire@example.com")).path
    assert new_path != old_path
    assert "replaced by a newer one" in client.get(old_path).get_data(as_text=True)
    assert client.get(new_path).status_code == 200


def test_weak_password_is_refused_beside_the_field_and_link_stays_usable(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    html = _set_password(client, path, "short").get_data(as_text=True)
    assert 'id="password-error"' in html and "Use at least 10 characters." in html
    html = _set_password(client, path, NEW_PASSWORD, "different-passphrase").get_data(as_text=True)
    assert "The two passwords do not match." in html
    assert _set_password(client, path).status_code == 302


def _user(app, **kwargs):
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        return user.email


def test_password_reset_by_emailed_link(app, client, mailbox, make_client):
    email = _user(app)
    other_device = make_client()
    login(other_device, email)
    response = client.submit("/password/forgot", {"email": email})
    assert "Check your email" in response.get_data(as_text=True)
    path = urlsplit(mailbox.last_link(email)).path
    assert path.startswith("/password/reset/")
    assert _set_password(client, path).status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # other sessions ended
    assert login(make_client(), email, DEFAULT_PASSWORD).status_code == 200
    assert login(make_client(), email, NEW_PASSWORD).status_code == 302
    assert client.get(path).status_code == 410
    assert [m["Subject"] for m in mailbox.to(email)] == [
        "Reset your password",
        "Your password was changed",
    ]


def test_reset_for_unknown_or_deactivated_email_looks_the_same_and_sends_nothing(
    app, client, mailbox
):
    known = client.submit("/password/forgot", {"email": _user(app)}).get_data(as_text=True)
    unknown_email = "nobody@example.com"
    unknown = client.submit("/password/forgot", {"email": unknown_email}).get_data(as_text=True)
    inactive_email = _user(app, active=False)
    inactive = client.submit("/password/forgot", {"email": inactive_email}).get_data(as_text=True)
    for page in (known, unknown, inactive):
        assert "Check your email" in page
    assert mailbox.to(unknown_email) == [] and mailbox.to(inactive_email) == []


def test_reset_link_expires(app, client, mailbox):
    email = _user(app)
    client.submit("/password/forgot", {"email": email})
    path = urlsplit(mailbox.last_link(email)).path
    with app.app_context():
        token = db.session.scalar(
            select(AuthToken).where(AuthToken.purpose == TokenPurpose.PASSWORD_RESET)
        )
        minutes = app.config["PASSWORD_RESET_TTL_MINUTES"]
        assert token.expires_at - token.created_at == dt.timedelta(minutes=minutes)
        token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert "expired" in client.get(path).get_data(as_text=True)


def test_reset_link_dies_when_the_password_is_changed_another_way(
    app, client, mailbox, make_client
):
    email = _user(app)
    client.submit("/password/forgot", {"email": email})
    path = urlsplit(mailbox.last_link(email)).path
    device = make_client()
    login(device, email)
    device.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert client.get(path).status_code == 410


def test_tokens_are_stored_hashed(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(AuthToken.token_hash))
    assert secret not in stored and len(stored) == 64
