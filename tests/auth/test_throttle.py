"""Failed sign-ins are throttled per account and per address, with counters in the database."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import LoginThrottle
from school.auth.services.throttle import login_keys
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
        # per email: from this address and from anywhere; and the address itself
        assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 3 * 2 + 1
    _expire_windows(app, app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 1)
    login(client, "another@example.com", "wrong-password-x")
    with app.app_context():
        keys = set(db.session.scalars(select(LoginThrottle.key)))
    with app.test_request_context():
        assert keys == set(login_keys("another@example.com", "127.0.0.1"))


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
    from school.auth.services.throttle import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert address_key("203.0.113.5") == "203.0.113.5"


def _from(make_client, address: str):
    c = make_client()
    c.environ_base = {"REMOTE_ADDR": address}
    return c


def test_a_stranger_cannot_lock_a_user_out_of_their_own_device(app, client, make_client):
    email = _user(app)
    attacker = _from(make_client, "198.51.100.66")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(attacker, email, "wrong-password-x")
    assert login(attacker, email).status_code == 429
    assert login(client, email).status_code == 302  # the user, from their own address


def test_guesses_from_many_addresses_hit_the_account_total(app, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL", 6)
    email = _user(app)
    codes = [
        login(_from(make_client, f"198.51.100.{n}"), email, "wrong-password-x").status_code
        for n in range(1, 8)
    ]
    assert codes == [200] * 5 + [429, 429]
    assert login(_from(make_client, "203.0.113.1"), email).status_code == 429


def test_successful_sign_ins_give_their_attempt_back(app, client, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 5)
    email = _user(app)
    for n in range(3):
        assert login(make_client(), f"typo{n}@example.com", "wrong-password-x").status_code == 200
    for _ in range(3):  # a lab of students signing in from one address
        assert login(make_client(), email).status_code == 302
    assert login(make_client(), "typo9@example.com", "wrong-password-x").status_code == 200


def test_a_new_password_unlocks_the_account(app, client, make_client, mailbox):
    email = _user(app)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, email, "wrong-password-x")
    assert login(client, email).status_code == 429
    reset = make_client()
    reset.submit("/password/forgot", {"email": email})
    path = mailbox.last_link(email).split("localhost", 1)[1]
    form = reset.get(path).headers["Location"]
    new = "another-long-passphrase"
    assert reset.submit(form, {"password": new, "confirm": new}).status_code == 302
    assert login(client, email, new).status_code == 302


def test_a_password_changed_during_the_check_is_not_accepted(app):
    from school.auth.models import User
    from school.auth.passwords import hash_password
    from school.auth.services import signin
    from school.errors import DomainError
    from tests.factories import DEFAULT_PASSWORD

    email = _user(app)
    with app.test_request_context("/login", method="POST"):
        attempt = signin.start_login(email=email, ip="203.0.113.5")
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == email))
        user.password_hash = hash_password("changed-meanwhile-pw")  # e.g. a reset elsewhere
        db.session.commit()
        with pytest.raises(DomainError):
            signin.finish_login(attempt, password=DEFAULT_PASSWORD)
        db.session.rollback()


def probe_write_lock_during_password_checks(app, monkeypatch) -> list[str]:
    """Whether another connection could take SQLite's write lock while each password was
    being checked ("free" or "locked", one entry per check)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite locking")
    import sqlite3

    from school.auth.services import signin

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    seen: list[str] = []
    real_verify = signin.verify_password

    def verify_and_probe(stored, password):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError:
            seen.append("locked")
        finally:
            other.close()
        return real_verify(stored, password)

    monkeypatch.setattr(signin, "verify_password", verify_and_probe)
    return seen


def test_sqlite_write_lock_is_free_while_the_password_is_checked(app, client, monkeypatch):
    seen = probe_write_lock_during_password_checks(app, monkeypatch)
    assert login(client, _user(app)).status_code == 302
    assert seen == ["free"]


def test_pruning_does_not_deadlock_parallel_sign_ins(app):
    """Two sign-ins each restart an expired counter, then add a new one (which prunes
    expired rows). On PostgreSQL each prune used to wait for the other's restarted row."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL row locks (SQLite serialises writers with BEGIN IMMEDIATE)")
    import threading

    from school.auth.services import throttle

    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with app.app_context():
        for key in ("account:a@example.com", "account:b@example.com"):
            db.session.add(LoginThrottle(key=key, failures=3, window_started_at=old))
        db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    errors = []

    def sign_in(name: str) -> None:
        try:
            with app.test_request_context("/login", method="POST"):
                throttle._count(f"account:{name}@example.com")  # restart: row locked
                barrier.wait()
                throttle._count(f"ip:new-{name}")  # new key: prunes expired rows
                db.session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []


def test_the_longest_email_from_the_longest_address_fits_its_counter(app, client):
    email = "a" * 64 + "@" + ("b" * 61 + ".") * 3 + "c" * 3  # 254 characters
    assert len(email) == 254
    client.environ_base = {"REMOTE_ADDR": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"}
    assert login(client, email, "wrong-password-x").status_code == 200
    with app.app_context():
        keys = set(db.session.scalars(select(LoginThrottle.key)))
    with app.test_request_context():
        assert set(login_keys(email, "2001:db8:ffff:ffff::1")) <= keys
    assert max(len(key) for key in keys) <= 160


def test_a_typed_email_cannot_spell_another_users_counter(app, client, make_client):
    email = _user(app)
    attacker = _from(make_client, "198.51.100.66")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1):
        login(attacker, f"{email}|127.0.0.1", "wrong-password-x")
        login(attacker, f"{email}:127.0.0.1", "wrong-password-x")
    assert login(client, email).status_code == 302


def test_a_new_password_lifts_an_account_wide_lock(app, make_client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL", 3)
    email = _user(app)
    for n in range(3):
        login(_from(make_client, f"198.51.100.{n}"), email, "wrong-password-x")
    owner = _from(make_client, "203.0.113.9")
    assert login(owner, email).status_code == 429  # locked everywhere
    owner.submit("/password/forgot", {"email": email})
    form = owner.get(mailbox.last_link(email).split("localhost", 1)[1]).headers["Location"]
    new = "another-long-passphrase"
    assert owner.submit(form, {"password": new, "confirm": new}).status_code == 302
    assert login(_from(make_client, "203.0.113.10"), email, new).status_code == 302


def test_sqlite_write_lock_is_free_while_the_current_password_is_checked(
    app, client, login_as, monkeypatch
):
    login_as("student")
    seen = probe_write_lock_during_password_checks(app, monkeypatch)
    new = "another-long-passphrase"
    response = client.submit(
        "/account/password", {"current": "wrong-guess-xx", "password": new, "confirm": new}
    )
    assert response.status_code == 200
    assert seen == ["free"]
