"""Sign-in and sign-out."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from sqlalchemy import select

from school.audit import AuditEvent
from school.auth.models import LoginSession, Role, User
from school.database import utcnow
from school.extensions import db
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD, make_user


def _user(app, **kwargs) -> User:
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def test_login_and_logout(app, client):
    user = _user(app, role=Role.INSTRUCTOR, name="Ivy Instructor")
    response = login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Ivy" in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions == ["auth.login"]
        assert db.session.get(User, user.id).last_login_at is not None

    response = client.button("/logout", page="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # back to the sign-in page


def test_email_is_case_and_space_insensitive(app, client):
    user = _user(app, email="mixed@example.com")
    assert login(client, "  MIXED@Example.com ").status_code == 302
    assert client.get("/account").status_code == 200
    assert user.email == "mixed@example.com"


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, make_client):
    user = _user(app)
    wrong = login(client, user.email, "not-the-password")
    unknown = login(make_client(), "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    with app.app_context():
        failures = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
        ).all()
        assert {f.details["email"] for f in failures} == {user.email, "nobody@example.com"}


def test_form_keeps_the_email_and_shows_field_errors(client):
    response = client.submit("/login", {"email": "someone@example.com", "password": ""})
    html = response.get_data(as_text=True)
    assert 'value="someone@example.com"' in html
    assert 'id="password-error"' in html and "Enter your password." in html
    assert 'aria-invalid="true"' in html


def test_next_url_is_followed_only_within_the_site(app, client, make_client):
    user = _user(app, role=Role.ADMIN)
    response = client.submit(
        "/login?next=/admin/users", {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/users"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        other = make_client()
        response = other.submit(
            f"/login?next={evil}", {"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.headers["Location"] == "/", evil


def test_session_is_renewed_at_login(app, client):
    user = _user(app)
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        user_id, version, secret = session["_user_id"].split(":")
    assert (int(user_id), int(version)) == (user.id, user.session_version)
    with app.app_context():  # the server keeps only the secret's hash, with an expiry
        stored = db.session.scalars(select(LoginSession)).one()
        assert stored.user_id == user.id
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert stored.expires_at > utcnow() and not stored.remember


def test_password_hash_is_argon2id_and_rehashed_when_parameters_change(app, client):
    user = _user(app)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.password_hash.startswith("$argon2id$")
        weaker = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        stored.password_hash = weaker.hash(DEFAULT_PASSWORD)
        db.session.commit()
        old_hash = stored.password_hash
    assert login(client, user.email).status_code == 302
    with app.app_context():
        new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash
    assert f"m={app.config['PASSWORD_HASH_MEMORY_KIB']}," in new_hash
    assert PasswordHasher().verify(new_hash, DEFAULT_PASSWORD)


def test_deactivated_account_cannot_sign_in(app, client, make_client):
    user = _user(app, active=False)
    response = login(client, user.email)
    assert response.status_code == 200
    assert "This account is deactivated" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    # Without the right password, nothing reveals that the account exists.
    response = login(make_client(), user.email, "wrong-password-here")
    assert "Email or password is incorrect." in response.get_data(as_text=True)


def test_invited_user_without_password_cannot_sign_in(app, client):
    user = _user(app, password=None)
    response = login(client, user.email, "")
    assert response.status_code == 200
    response = login(client, user.email, "anything-at-all")
    assert "Email or password is incorrect." in response.get_data(as_text=True)


def test_signed_in_user_visiting_login_goes_to_dashboard(client, login_as):
    login_as("student")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_navigation_depends_on_role(client, make_client, login_as, app):
    login_as("admin")
    admin_page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in admin_page and 'href="/admin/audit"' in admin_page
    student = make_client()
    with app.app_context():
        s = make_user(role=Role.STUDENT)
        db.session.commit()
        email = s.email
    login(student, email)
    student_page = student.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in student_page
    assert "not enrolled in a cohort yet" in student_page
