"""Sessions end when the account is deactivated, the password changes, or the user signs out
everywhere; the signed-in user's own session survives its password change."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from school.auth.models import Role
from school.auth.services.password_changes import request_password_reset
from school.extensions import db
from school.mail import deliver_queued
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "a-brand-new-passphrase"


def _two_devices(app, make_client, **kwargs):
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        email, user_id = user.email, user.id
    laptop, phone = make_client(), make_client()
    assert login(laptop, email).status_code == 302
    assert login(phone, email).status_code == 302
    return email, user_id, laptop, phone


def test_deactivation_ends_existing_sessions(app, client, login_as, make_client):
    login_as("admin")
    email, user_id, laptop, _phone = _two_devices(app, make_client)
    assert laptop.get("/account").status_code == 200
    response = client.button(f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}")
    assert response.status_code == 302
    assert "is deactivated" in client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    response = laptop.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # Reactivation does not revive the old session.
    client.button(f"/admin/users/{user_id}/reactivate", page=f"/admin/users/{user_id}")
    assert laptop.get("/account").status_code == 302
    assert login(laptop, email).status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_client, mailbox):
    email, _id, laptop, phone = _two_devices(app, make_client)
    response = laptop.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert login(make_client(), email, DEFAULT_PASSWORD).status_code == 200  # old one refused
    assert login(make_client(), email, NEW_PASSWORD).status_code == 302
    assert [m["Subject"] for m in mailbox.to(email)] == ["Your password was changed"]


def test_password_change_needs_the_current_password(app, make_client):
    _email, _id, laptop, phone = _two_devices(app, make_client)
    response = laptop.submit(
        "/account/password",
        {"current": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your current password is not correct." in response.get_data(as_text=True)
    assert phone.get("/account").status_code == 200


def test_password_change_lists_every_problem_beside_its_field(app, make_client):
    _email, _id, laptop, _phone = _two_devices(app, make_client)
    html = laptop.submit(
        "/account/password", {"current": DEFAULT_PASSWORD, "password": "short", "confirm": "other"}
    ).get_data(as_text=True)
    assert 'id="password-error"' in html and "Use at least 10 characters." in html
    assert 'id="confirm-error"' in html and "The two passwords do not match." in html


def test_logout_everywhere(app, make_client):
    _email, _id, laptop, phone = _two_devices(app, make_client, role=Role.EMPLOYER)
    response = laptop.button("/account/logout-everywhere", page="/account")
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302


def test_remember_me_cookie_dies_with_the_session_version(app, make_client):
    with app.app_context():
        user = make_user()
        db.session.commit()
        email = user.email
    device = make_client()
    device.submit("/login", {"email": email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert device.get_cookie("remember_token") is not None
    device.delete_cookie("session")
    assert device.get("/account").status_code == 200  # restored from the remember cookie
    other = make_client()
    login(other, email)
    other.button("/account/logout-everywhere", page="/account")
    device.delete_cookie("session")
    assert device.get("/account").status_code == 302


def test_sign_out_ends_a_remembered_session(app, make_client):
    with app.app_context():
        email = make_user().email
        db.session.commit()
    device = make_client()
    device.submit("/login", {"email": email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert device.get_cookie("remember_token") is not None
    response = device.button("/logout", page="/account")
    assert response.status_code == 302
    assert device.get_cookie("remember_token") is None
    assert device.get("/account").status_code == 302


def test_a_new_sign_in_drops_an_earlier_users_remember_cookie(app, make_client, mailbox):
    """A shared computer: the first user was kept signed in; the second sets a password from
    an emailed link there. When the second user's session ends, the first must not come back."""
    with app.app_context():
        first = make_user().email
        second = make_user(password=None)
        db.session.commit()
        second_email = second.email
    with app.test_request_context("/password/forgot", method="POST"):
        request_password_reset(email=second_email, ip="127.0.0.1")
        db.session.commit()
        deliver_queued()
    shared = make_client()
    shared.submit("/login", {"email": first, "password": DEFAULT_PASSWORD, "remember": "y"})
    link = mailbox.last_link(second_email).split("localhost", 1)[1]
    form = shared.get(link).headers["Location"]
    assert (
        shared.submit(form, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    )
    shared.delete_cookie("session")  # the browser is closed
    assert shared.get("/account").status_code == 302


def test_remember_cookie_lasts_fourteen_days(app, make_client):
    with app.app_context():
        email = make_user().email
        db.session.commit()
    device = make_client()
    response = device.submit(
        "/login", {"email": email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    lifetime = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=13, hours=23) < lifetime <= dt.timedelta(days=14)


def test_change_password_lists_every_problem_in_one_answer(app, make_client):
    _email, _id, laptop, phone = _two_devices(app, make_client)
    html = laptop.submit(
        "/account/password", {"current": "", "password": "short", "confirm": ""}
    ).get_data(as_text=True)
    assert 'id="current-error"' in html and "Enter your current password." in html
    assert 'id="password-error"' in html and "Use at least 10 characters." in html
    assert 'id="confirm-error"' in html and "Type the new password again." in html
    assert phone.get("/account").status_code == 200  # nothing changed


def test_guessing_the_current_password_is_throttled(app, make_client):
    _email, _id, laptop, _phone = _two_devices(app, make_client)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    codes = [
        laptop.submit("/account/password", {"current": f"guess-{n}-xxxx", **data}).status_code
        for n in range(limit + 1)
    ]
    assert codes[: limit - 1] == [200] * (limit - 1) and codes[-1] == 429
    refused = laptop.submit("/account/password", {"current": DEFAULT_PASSWORD, **data})
    assert refused.status_code == 429
    assert "Wait 15 minutes and try again." in refused.get_data(as_text=True)


def test_a_kept_signed_in_device_stays_so_after_changing_the_password(app, make_client):
    with app.app_context():
        email = make_user().email
        db.session.commit()
    device = make_client()
    device.submit("/login", {"email": email, "password": DEFAULT_PASSWORD, "remember": "y"})
    old_cookie = device.get_cookie("remember_token").value
    device.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert device.get_cookie("remember_token").value != old_cookie
    device.delete_cookie("session")
    assert device.get("/account").status_code == 200
