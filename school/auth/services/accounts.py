"""Accounts: email addresses, accounts created from the command line, (de)activation."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from school.audit import record_event
from school.auth.models import Role, User
from school.auth.passwords import hash_password, password_problems
from school.auth.queries import email_taken
from school.auth.services.tokens import revoke_tokens
from school.auth.sessions import end_all_login_sessions
from school.database import utcnow
from school.errors import DomainError
from school.extensions import db


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why ``email`` cannot be an account's address, or None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"{email!r} is not a valid email address, like name@example.com."
    return None


def create_user(*, email: str, name: str, role: Role, password: str) -> User:
    """Create an account with a password (command line)."""
    email = normalize_email(email)
    problems = DomainError.collect()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        problems.add("email", f"{email!r} is not an email address.")
    if not name.strip():
        problems.add("name", "Enter a name.")
    if email_taken(email):
        problems.add("email", f"{email} already has an account.")
    for message in password_problems(password, email=email, name=name):
        problems.add("password", message)
    problems.raise_if_any()
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        active=True,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record_event("user.created", subject=user, details={"email": email, "role": role.value})
    return user


def end_every_session(user: User) -> None:
    """Every session of ``user`` issued before this moment ends."""
    end_all_login_sessions(user=user)
    user.session_version = (user.session_version or 0) + 1


def deactivate_user(*, user: User, by: User) -> None:
    """Stop an account from signing in and end its sessions. Its records stay."""
    problems = DomainError.collect()
    if user.id == by.id:
        problems.add("", "You cannot deactivate your own account.")
    if not user.active:
        problems.add("", f"{user.email} is already deactivated.")
    if user.role == Role.ADMIN and user.active:
        # Lock the active admins' rows: two admins deactivating each other at once must not
        # leave the school with none (SQLite is already serialised by BEGIN IMMEDIATE).
        admins = db.session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN, User.active, User.password_hash.is_not(None))
            .with_for_update()
        ).all()
        if user.id in admins and len(admins) <= 1:
            problems.add("", "This is the last active administrator.")
    problems.raise_if_any()
    user.active = False
    user.deactivated_at = utcnow()
    end_every_session(user)
    revoke_tokens(user=user)  # reactivation must not revive old links
    record_event("user.deactivated", subject=user)


def reactivate_user(*, user: User, by: User) -> None:
    if user.active:
        raise DomainError(f"{user.email} is already active.")
    user.active = True
    user.deactivated_at = None
    record_event("user.reactivated", subject=user)
