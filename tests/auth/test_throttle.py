"""Failed sign-ins are throttled per account and per address, with counters in the database."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import LoginThrottle
from school.extensions import db
from tests.conftest import login
from tests.factories import make_user

MESSAGE = "Too many failed sign-in attempts."


def _user(app):
    with app.app_context():
        user = make_user()
        db.session.commit()
        return user.email


def _expire_windows(app, seconds: int) -> None:
    with app.app_context():
        for row in db.session.scalars(select(LoginThrottle)):
            row.window_started_at -= dt.timedelta(seconds=seconds)
        db.session.commit()


def test_account_is_locked_after_repeated_failures_then_unlocks(app, client):
    email = _user(app)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        assert login(client, email, "wrong-password-x").status_code == 200
    locked = login(client, email, "wrong-password-x")
    assert locked.status_code == 429
    assert MESSAGE in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0

    # Even the right password is refused while locked.
    assert login(client, email).status_code == 429
    assert client.get("/account").status_code == 302

    _expire_windows(app, app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 1)
    assert login(client, email).status_code == 302
    assert client.get("/account").status_code == 200


def test_unknown_email_is_locked_the_same_way(app, client):
    _user(app)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    responses = [login(client, "ghost@example.com", "wrong-password-x") for _ in range(limit)]
    assert [r.status_code for r in responses] == [200] * (limit - 1) + [429]
    assert MESSAGE in responses[-1].get_data(as_text=True)


def test_lock_of_one_account_does_not_lock_another(app, client, make_client):
    email = _user(app)
    other = _user(app)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, email, "wrong-password-x")
    assert login(make_client(), other).status_code == 302


def test_success_resets_the_account_counter(app, client, make_client):
    email = _user(app)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        login(client, email, "wrong-password-x")
    assert login(client, email).status_code == 302
    fresh = make_client()
    for _ in range(limit - 1):
        assert login(fresh, email, "wrong-password-x").status_code == 200


def test_address_is_locked_after_failures_across_accounts(app, client, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 4)
    email = _user(app)
    for n in range(4):
        response = login(make_client(), f"guess{n}@example.com", "wrong-password-x")
    assert response.status_code == 429
    # The same address, a real account and the right password: still refused.
    assert login(client, email).status_code == 429
    # Another address is not affected.
    other = make_client()
    other.environ_base = {"REMOTE_ADDR": "198.51.100.7"}
    assert login(other, email).status_code == 302


def test_counters_of_closed_windows_are_pruned(app, client):
    for n in range(3):
        login(client, f"typo{n}@example.com", "wrong-password-x")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 4
    _expire_windows(app, app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 1)
    login(client, "another@example.com", "wrong-password-x")
    with app.app_context():
        keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert keys == {"account:another@example.com", "ip:127.0.0.1"}


def test_parallel_guesses_never_get_more_password_checks_than_the_limit(app, make_client):
    email = _user(app)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    clients = [make_client() for _ in range(3 * limit)]
    for c in clients:
        c.get("/login")  # each has its CSRF token before the burst

    def guess(c):
        return login(c, email, "wrong-password-x").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(guess, clients))
    # A guess that finishes after the limit was reached answers 429 too, so fewer than
    # limit - 1 may see the plain error; none gets anything else.
    assert set(codes) <= {200, 429} and codes.count(429) >= len(clients) - (limit - 1)
    with app.app_context():
        checked = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "auth.login_failed")
        )
    assert checked == limit  # passwords actually verified


def test_ipv6_clients_are_throttled_per_64_network():
    from school.auth.services import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert address_key("203.0.113.5") == "203.0.113.5"
