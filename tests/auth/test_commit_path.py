"""Every write of the auth pages and of ``flask users`` commits through web.commit.save()
(issue 15): a write the database refuses as a lost race (a unique key or a guarded row that a
concurrent request took first) answers with the CONFLICT message or the page's own refusal,
never a 500, and nothing of the request is kept; only the sign-in throttle commits early.

Most races are forced by making the service's last flush fail as the database would
(IntegrityError or StaleDataError after the service did its writes); one, on PostgreSQL, has
another connection commit the same email between the invitation's check and its insert."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from school.audit import AuditEvent
from school.auth import sessions
from school.auth.models import AuthToken, LoginSession, LoginThrottle, Role, User
from school.auth.services import accounts, invitations, password_changes, signin, tokens
from school.errors import ProblemList
from school.extensions import db
from school.mail import deliver_queued
from school.web.commit import CONFLICT
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "plenty-long-passphrase"


def _race(kind: str) -> Exception:
    if kind == "unique":
        return IntegrityError("INSERT ...", {}, Exception("duplicate key value"))
    return StaleDataError("UPDATE matched 0 rows: another request changed it meanwhile")


def _lose_race(monkeypatch, owner, name: str, kind: str = "unique") -> list[str]:
    """Make ``owner.name`` do its writes, flush them, then fail as a lost race would."""
    original = getattr(owner, name)
    calls: list[str] = []

    def raced(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        db.session.flush()
        calls.append(name)
        raise _race(kind)

    monkeypatch.setattr(owner, name, raced)
    return calls


def _count(app, model, *where) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user(app, **kwargs) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        return user.email, user.id


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/account").status_code == 200


# --- sign-in, sign-out, password change ------------------------------------------------------


def test_a_sign_in_whose_session_is_refused_signs_no_one_in(app, client, monkeypatch):
    email, user_id = _user(app)
    calls = _lose_race(monkeypatch, sessions, "start_login_session")
    response = login(client, email)
    monkeypatch.undo()
    assert calls == ["start_login_session"]
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    assert not _signed_in(client)
    assert _count(app, LoginSession) == 0
    assert _count(app, AuditEvent, AuditEvent.action == "auth.login") == 0
    with app.app_context():
        assert db.session.get(User, user_id).last_login_at is None
        # The throttle's early commit stands: the attempt was counted before the check.
        assert db.session.scalar(select(func.max(LoginThrottle.failures))) == 1
    assert login(client, email).status_code == 302  # and the next try works


@pytest.mark.parametrize(
    ("url", "owner", "name"),
    [
        ("/logout", sessions, "end_login_session"),
        ("/account/logout-everywhere", signin, "logout_everywhere"),
    ],
)
def test_a_sign_out_refused_at_flush_ends_nothing(app, client, monkeypatch, url, owner, name):
    email, _ = _user(app)
    assert login(client, email).status_code == 302
    calls = _lose_race(monkeypatch, owner, name, "stale")
    response = client.button(url, page="/account")
    monkeypatch.undo()
    assert calls == [name]
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and CONFLICT in page.get_data(as_text=True)
    assert _count(app, LoginSession) == 1


def test_a_password_change_refused_changes_nothing(app, client, make_client, monkeypatch):
    email, _ = _user(app)
    assert login(client, email).status_code == 302
    calls = _lose_race(monkeypatch, password_changes, "change_password")
    response = client.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    monkeypatch.undo()
    assert calls == ["change_password"]
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    assert _signed_in(client)  # this browser's sign-in was not ended
    assert _count(app, AuditEvent, AuditEvent.action == "auth.password_changed") == 0
    assert login(make_client(), email).status_code == 302  # the old password still works
    assert login(make_client(), email, NEW_PASSWORD).status_code == 200


def test_a_refused_password_check_is_still_counted(app, client, monkeypatch):
    """The throttle's early commits are kept when the change itself is refused."""
    email, _ = _user(app)
    assert login(client, email).status_code == 302
    _lose_race(monkeypatch, password_changes, "change_password")
    client.submit(
        "/account/password",
        {"current": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(func.max(LoginThrottle.failures))) == 1


def test_a_refused_reset_request_sends_nothing(app, client, mailbox, monkeypatch):
    email, _ = _user(app)
    calls = _lose_race(monkeypatch, password_changes, "request_password_reset")
    response = client.submit("/password/forgot", {"email": email})
    monkeypatch.undo()
    assert calls == ["request_password_reset"]
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    assert _count(app, AuthToken) == 0
    assert mailbox.to(email) == []


# --- emailed links -----------------------------------------------------------------------------


def _reset_link(app, client, mailbox) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    email, _ = _user(app)
    assert client.submit("/password/forgot", {"email": email}).status_code == 200
    return email, urlsplit(mailbox.last_link(email)).path


def _invitation_link(app, client, mailbox) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        invitations.invite_user(
            email="newhire@example.com", name="New Hire", role=Role.INSTRUCTOR, invited_by=None
        )
        db.session.commit()
        deliver_queued()
    return "newhire@example.com", urlsplit(mailbox.last_link("newhire@example.com")).path


LINKS = [
    pytest.param(_reset_link, password_changes, "reset_password", id="reset"),
    pytest.param(_invitation_link, invitations, "accept_invitation", id="invitation"),
]


def _send_new_password(client, path):  # type: ignore[no-untyped-def]
    form = client.get(path).headers["Location"]
    return client.submit(form, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def _unused_tokens(app) -> int:  # type: ignore[no-untyped-def]
    return _count(app, AuthToken, AuthToken.used_at.is_(None), AuthToken.revoked_at.is_(None))


@pytest.mark.parametrize(("link", "owner", "name"), LINKS)
def test_a_new_password_refused_at_flush_keeps_the_link(
    app, client, mailbox, monkeypatch, link, owner, name
):
    _, path = link(app, client, mailbox)
    calls = _lose_race(monkeypatch, owner, name)
    response = _send_new_password(client, path)
    monkeypatch.undo()
    assert calls == [name]
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    assert not _signed_in(client)
    assert _unused_tokens(app) == 1
    assert _count(app, LoginSession) == 0
    assert _send_new_password(client, path).status_code == 302  # the link still works


@pytest.mark.parametrize(("link", "owner", "name"), LINKS)
def test_a_link_another_request_used_first_is_refused_and_nothing_kept(
    app, client, mailbox, monkeypatch, link, owner, name
):
    """Two requests with one link: the guarded update lets one win; the loser gets the
    expired-link page (410), and its own writes are rolled back."""
    email, path = link(app, client, mailbox)
    password_changed_at = select(User.password_changed_at).where(User.email == email)
    with app.app_context():
        before = db.session.scalar(password_changed_at)
    consume = tokens.consume_token

    def used_first(token):  # type: ignore[no-untyped-def]
        consume(token)  # the rival request's
        consume(token)  # ours: finds the link used

    monkeypatch.setattr(tokens, "consume_token", used_first)
    response = _send_new_password(client, path)
    monkeypatch.undo()
    assert response.status_code == 410
    assert not _signed_in(client)
    assert _unused_tokens(app) == 1
    with app.app_context():
        assert db.session.scalar(password_changed_at) == before


# --- administration ------------------------------------------------------------------------


def test_a_refused_invitation_creates_no_account_and_sends_nothing(
    app, client, login_as, mailbox, monkeypatch
):
    login_as("admin")
    calls = _lose_race(monkeypatch, invitations, "invite_user")
    response = client.submit(
        "/admin/users/invite",
        {"name": "New Hire", "email": "newhire@example.com", "role": "instructor"},
    )
    monkeypatch.undo()
    assert calls == ["invite_user"]
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    assert _count(app, User, User.email == "newhire@example.com") == 0
    assert mailbox.to("newhire@example.com") == []


def test_an_invitation_racing_the_same_email_answers_conflict(
    app, client, login_as, mailbox, monkeypatch, database_url
):
    """A real race: another connection commits an account with the same email after the
    service checked that there is none; the unique key refuses our insert."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: no race to lose")
    login_as("admin")
    rival = create_engine(database_url)
    check = ProblemList.raise_if_any

    def then_rival_commits(problems: ProblemList) -> None:
        check(problems)
        with Session(rival) as other:
            other.add(User(email="newhire@example.com", name="Rival", role=Role.INSTRUCTOR))
            other.commit()

    monkeypatch.setattr(ProblemList, "raise_if_any", then_rival_commits)
    try:
        response = client.submit(
            "/admin/users/invite",
            {"name": "New Hire", "email": "newhire@example.com", "role": "instructor"},
        )
    finally:
        monkeypatch.undo()
        rival.dispose()
    assert response.status_code == 200
    assert CONFLICT in response.get_data(as_text=True)
    with app.app_context():
        names = db.session.scalars(select(User.name).where(User.email == "newhire@example.com"))
        assert names.all() == ["Rival"]
    assert _count(app, AuthToken) == 0
    assert mailbox.to("newhire@example.com") == []


@pytest.mark.parametrize(
    ("action", "owner", "name", "active", "password"),
    [
        ("deactivate", accounts, "deactivate_user", True, DEFAULT_PASSWORD),
        ("reactivate", accounts, "reactivate_user", False, DEFAULT_PASSWORD),
        ("resend-invitation", invitations, "resend_invitation", True, None),
    ],
    ids=["deactivate", "reactivate", "resend-invitation"],
)
def test_a_refused_user_action_flashes_conflict_and_changes_nothing(
    app, client, login_as, mailbox, monkeypatch, action, owner, name, active, password
):
    login_as("admin")
    email, user_id = _user(app, active=active, password=password)
    calls = _lose_race(monkeypatch, owner, name, "stale")
    page = f"/admin/users/{user_id}"
    response = client.button(f"{page}/{action}", page=page)
    monkeypatch.undo()
    assert calls == [name]
    assert response.status_code == 302 and response.headers["Location"] == page
    shown = client.get(page).get_data(as_text=True)
    assert CONFLICT in shown
    with app.app_context():
        assert db.session.get(User, user_id).active is active
    assert _count(app, AuditEvent, AuditEvent.subject_id == str(user_id)) == 0
    assert _count(app, AuthToken) == 0
    assert mailbox.to(email) == []


# --- the command line ----------------------------------------------------------------------


def test_users_create_refused_at_flush_reports_conflict_and_writes_nothing(app, monkeypatch):
    calls = _lose_race(monkeypatch, accounts, "create_user")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "a@example.com", "--role", "admin", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    monkeypatch.undo()
    assert calls == ["create_user"]
    assert result.exit_code == 1
    assert f"error: {CONFLICT}" in result.output
    assert _count(app, User) == 0
