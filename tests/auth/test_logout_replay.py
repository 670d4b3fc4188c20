"""Signing out ends the sign-in on the server (issue 14, defect 2): cookies copied from a
browser before it signed out — the session cookie or the "keep me signed in" cookie — sign no
one in afterwards, while the user's other devices stay signed in. Each sign-in gets its own
remember-cookie value and a server-side expiry.

A "thief" is another client given copies of a device's cookies, as someone who had copied
them from the browser (or its disk) would replay them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from school.auth.models import LoginSession, Role, User
from school.auth.sessions import load_signed_in_user, start_login_session
from school.database import utcnow
from school.extensions import db
from school.web.commit import CONFLICT
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user

COOKIES = ("session", "remember_token")
NEW_PASSWORD = "a-brand-new-passphrase"


def _user(app, **kwargs) -> tuple[str, int]:
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        return user.email, user.id


def _sign_in(device, email: str, *, remember: bool = False):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = device.submit("/login", data)
    assert response.status_code == 302
    return response


def _copy(device, names: tuple[str, ...] = COOKIES) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The device's cookies of these names, as a thief would copy them."""
    cookies = {name: device.get_cookie(name) for name in names}
    assert all(cookies.values()), f"missing cookies: {cookies}"
    return {name: cookie.value for name, cookie in cookies.items()}


def _replay(make_client, cookies: dict[str, str]):  # type: ignore[no-untyped-def]
    thief = make_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def _signed_in(device) -> bool:  # type: ignore[no-untyped-def]
    response = device.get("/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def _rows(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        )


def test_a_session_cookie_kept_from_before_logout_is_refused(app, make_client):
    email, _id = _user(app)
    device = make_client()
    _sign_in(device, email)
    session_cookie = _copy(device, ("session",))
    assert _signed_in(_replay(make_client, session_cookie))  # a copy works while signed in
    assert device.button("/logout", page="/account").status_code == 302
    assert not _signed_in(device)
    assert not _signed_in(_replay(make_client, session_cookie))


def test_a_remember_cookie_kept_from_before_logout_is_refused(app, make_client):
    email, _id = _user(app)
    device = make_client()
    _sign_in(device, email, remember=True)
    remember_cookie = _copy(device, ("remember_token",))
    assert _signed_in(_replay(make_client, remember_cookie))
    device.button("/logout", page="/account")
    assert device.get_cookie("remember_token") is None
    assert not _signed_in(_replay(make_client, remember_cookie))
    assert not _signed_in(_replay(make_client, _copy(device, ("session",))))


def test_logout_of_a_session_restored_from_the_remember_cookie_ends_that_cookie(app, make_client):
    email, _id = _user(app)
    device = make_client()
    _sign_in(device, email, remember=True)
    device.delete_cookie("session")  # the browser was closed and opened again
    assert _signed_in(device)  # restored from the remember cookie
    cookies = _copy(device)
    device.button("/logout", page="/account")
    assert not _signed_in(_replay(make_client, cookies))
    assert not _signed_in(_replay(make_client, {"remember_token": cookies["remember_token"]}))


def test_every_sign_in_gets_its_own_remember_cookie(app, make_client):
    email, _id = _user(app)
    laptop, phone = make_client(), make_client()
    _sign_in(laptop, email, remember=True)
    first = laptop.get_cookie("remember_token").value
    laptop.button("/logout", page="/account")
    _sign_in(laptop, email, remember=True)
    second = laptop.get_cookie("remember_token").value
    _sign_in(phone, email, remember=True)
    third = phone.get_cookie("remember_token").value
    assert len({first, second, third}) == 3
    # The first sign-in ended with its logout; the other two are live.
    assert not _signed_in(_replay(make_client, {"remember_token": first}))
    assert _signed_in(_replay(make_client, {"remember_token": second}))
    assert _signed_in(_replay(make_client, {"remember_token": third}))


def test_sign_ins_expire_on_the_server(app, make_client):
    email, user_id = _user(app)
    kept, brief = make_client(), make_client()
    _sign_in(kept, email, remember=True)
    _sign_in(brief, email)
    with app.app_context():
        rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        lifetimes = [(row.remember, row.expires_at - row.created_at) for row in rows]
    assert lifetimes == [
        (True, dt.timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])),
        (False, dt.timedelta(hours=app.config["SESSION_MAX_HOURS"])),
    ]
    assert app.config["SESSION_MAX_HOURS"] == 12
    kept_cookies, brief_cookies = _copy(kept), _copy(brief, ("session",))

    # Both sign-ins reach their end (time passes on the server, as far as the rows know).
    with app.app_context():
        ended = db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user_id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        assert ended.rowcount == 2
        db.session.commit()
    assert not _signed_in(kept)
    assert not _signed_in(_replay(make_client, kept_cookies))
    assert not _signed_in(_replay(make_client, {"remember_token": kept_cookies["remember_token"]}))
    assert not _signed_in(brief)
    assert not _signed_in(_replay(make_client, brief_cookies))

    # The next sign-in clears the user's expired rows, so the table does not grow.
    _sign_in(make_client(), email)
    assert _rows(app, user_id) == 1


def test_any_sign_in_purges_every_expired_sign_in_in_one_statement(app, make_client, count_queries):
    """An account that never signs in again must not keep its rows forever: whoever signs in
    next deletes every expired sign-in (one DELETE), and live ones of others stay."""
    gone_email, gone_id = _user(app)  # signs in once, then never again
    live_email, live_id = _user(app)
    email, user_id = _user(app)
    _sign_in(make_client(), gone_email, remember=True)
    _sign_in(make_client(), gone_email)
    _sign_in(make_client(), live_email)
    with app.app_context():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == gone_id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()
    assert _rows(app, gone_id) == 2
    _sign_in(make_client(), email)  # another user
    assert (_rows(app, gone_id), _rows(app, live_id), _rows(app, user_id)) == (0, 1, 1)

    with app.app_context():
        user = db.session.get(User, user_id)
        with count_queries() as sent:
            start_login_session(user=user, remember=False, ip="127.0.0.1", user_agent="test")
        db.session.rollback()
    deletes = [s for s in sent.statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 1
    assert "login_sessions" in deletes[0] and "user_id" not in deletes[0]


def test_logout_on_one_device_leaves_the_others_signed_in(app, make_client):
    email, user_id = _user(app)
    laptop, phone, tablet = make_client(), make_client(), make_client()
    _sign_in(laptop, email, remember=True)
    _sign_in(phone, email, remember=True)
    _sign_in(tablet, email)
    laptop_cookies = _copy(laptop)
    phone_remember = _copy(phone, ("remember_token",))
    laptop.button("/logout", page="/account")
    assert not _signed_in(laptop)
    assert not _signed_in(_replay(make_client, laptop_cookies))
    assert _signed_in(phone) and _signed_in(tablet)
    assert _signed_in(_replay(make_client, phone_remember))  # the phone's kept sign-in too
    assert _rows(app, user_id) == 2


def test_the_account_page_counts_the_other_devices(app, make_client):
    email, _id = _user(app)
    laptop, phone, tablet = make_client(), make_client(), make_client()
    _sign_in(laptop, email)
    assert "You are not signed in anywhere else." in laptop.get("/account").get_data(True)
    _sign_in(phone, email)
    assert "also signed in on 1 other device (or browser)" in laptop.get("/account").get_data(True)
    _sign_in(tablet, email)
    assert "also signed in on 2 other devices (or browsers)" in laptop.get("/account").get_data(
        True
    )
    tablet.button("/logout", page="/account")
    assert "also signed in on 1 other device (or browser)" in laptop.get("/account").get_data(True)


def test_logout_everywhere_ends_every_device_and_its_cookies(app, make_client):
    email, user_id = _user(app, role=Role.EMPLOYER)
    laptop, phone = make_client(), make_client()
    _sign_in(laptop, email, remember=True)
    _sign_in(phone, email, remember=True)
    laptop_cookies, phone_cookies = _copy(laptop), _copy(phone)
    assert laptop.button("/account/logout-everywhere", page="/account").status_code == 302
    assert not _signed_in(laptop) and not _signed_in(phone)
    for cookies in (laptop_cookies, phone_cookies):
        assert not _signed_in(_replay(make_client, cookies))
        assert not _signed_in(_replay(make_client, {"remember_token": cookies["remember_token"]}))
    assert _rows(app, user_id) == 0
    _sign_in(laptop, email)
    assert "You are not signed in anywhere else." in laptop.get("/account").get_data(True)


def test_password_change_keeps_this_device_and_ends_the_others(app, make_client):
    email, user_id = _user(app)
    laptop, phone = make_client(), make_client()
    _sign_in(laptop, email, remember=True)
    _sign_in(phone, email, remember=True)
    laptop_before, phone_cookies = _copy(laptop), _copy(phone)
    response = laptop.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(laptop)
    assert "You are not signed in anywhere else." in laptop.get("/account").get_data(True)
    assert _signed_in(_replay(make_client, _copy(laptop)))  # the laptop's new cookies work
    assert not _signed_in(phone)
    assert not _signed_in(_replay(make_client, phone_cookies))
    assert not _signed_in(_replay(make_client, {"remember_token": phone_cookies["remember_token"]}))
    assert not _signed_in(_replay(make_client, laptop_before))  # the laptop's old sign-in too
    assert _rows(app, user_id) == 1


def test_deactivation_deletes_the_users_sign_ins(app, client, login_as, make_client):
    login_as("admin")
    email, user_id = _user(app)
    device = make_client()
    _sign_in(device, email, remember=True)
    assert _rows(app, user_id) == 1
    client.button(f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}")
    assert _rows(app, user_id) == 0
    assert not _signed_in(device)


def test_an_identity_without_a_live_sign_in_loads_no_one(app, make_client):
    """A session signed before this change ("<id>:<version>") or with a made-up secret is
    refused, even though its signature is the app's own."""
    email, user_id = _user(app)
    device = make_client()
    _sign_in(device, email)
    with device.session_transaction() as session:
        identity = session["_user_id"]
    for forged in (f"{user_id}:1", f"{user_id}:1:", f"{user_id}:1:not-the-secret", "x:1:y"):
        other = make_client()
        with other.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        assert not _signed_in(other), forged
    other = make_client()
    with other.session_transaction() as session:
        session["_user_id"] = identity
    assert _signed_in(other)


def test_loading_the_signed_in_user_is_one_statement(app, make_client, count_queries):
    email, user_id = _user(app)
    device = make_client()
    _sign_in(device, email)
    with device.session_transaction() as session:
        identity = session["_user_id"]
    with app.app_context(), count_queries() as queries:
        user = load_signed_in_user(identity)
        assert user is not None and user.id == user_id
        assert user.get_id() == identity
    assert queries.count == 1


@pytest.mark.parametrize("url", ["/logout", "/account/logout-everywhere"])
def test_a_sign_out_the_database_refuses_ends_nothing_and_says_so(
    app, make_client, monkeypatch, url
):
    """Signing out commits through the request's one commit path (web.commit.save):
    a commit refused as a lost race is rolled back and shown, never a 500, and the browser
    and its sign-in stay as they were."""
    email, user_id = _user(app)
    device = make_client()
    _sign_in(device, email, remember=True)
    token = csrf_token_from(device.get("/account").get_data(as_text=True))
    refused = []

    def commit() -> None:
        refused.append(url)
        raise StaleDataError("another request changed the rows meanwhile")

    monkeypatch.setattr(db.session, "commit", commit)
    response = device.post(url, data={"csrf_token": token})
    monkeypatch.undo()
    assert refused == [url]
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert _rows(app, user_id) == 1
    page = device.get("/account")
    assert page.status_code == 200  # still signed in
    assert CONFLICT in page.get_data(as_text=True)
    assert _signed_in(_replay(make_client, _copy(device)))
