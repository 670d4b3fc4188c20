"""Sign-in in two steps around the slow password check, the same check of a signed-in user's
current password, and signing out everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.auth.passwords import hash_password, needs_rehash, verify_password
from school.auth.services.accounts import normalize_email
from school.auth.services.throttle import give_back_attempt, login_keys, retry_after, take_attempt
from school.auth.sessions import end_all_login_sessions
from school.database import utcnow
from school.errors import DomainError, TooManyAttempts
from school.extensions import db


@dataclass(frozen=True)
class LoginAttempt:
    """What :func:`finish_login` needs after the attempt was counted and committed."""

    email: str
    ip: str
    user_id: int | None
    password_hash: str | None


def start_login(*, email: str, ip: str) -> LoginAttempt:
    """First step of a sign-in. Raises :class:`TooManyAttempts` while the account or the
    address is locked (the same answer whether or not the email exists); otherwise counts the
    attempt as a failure until :func:`finish_login` says otherwise.

    The caller commits between the two steps: the count is then visible to parallel requests
    before the slow password check, and on SQLite the write lock is not held during it.
    """
    email = normalize_email(email)
    take_attempt(login_keys(email, ip))
    row = db.session.execute(
        select(User.id, User.password_hash).where(User.email == email)
    ).one_or_none()
    return LoginAttempt(email, ip, row.id if row else None, row.password_hash if row else None)


def finish_login(attempt: LoginAttempt, *, password: str) -> User:
    """Second step: check the password (before touching the database). Returns the user, or
    raises :class:`DomainError` (one message for a wrong email or password) or
    :class:`TooManyAttempts` when this failure reached the limit."""
    ok = verify_password(attempt.password_hash, password)
    user = db.session.get(User, attempt.user_id) if attempt.user_id is not None else None
    if user is not None and user.password_hash != attempt.password_hash:
        ok = False  # the password changed while we were checking
    keys = login_keys(attempt.email, attempt.ip)
    if not ok or user is None or not user.active:
        record_event(
            "auth.login_failed",
            subject=user,
            details={
                "email": attempt.email,
                "reason": "inactive" if ok and user is not None else "bad_credentials",
            },
        )
        wait = retry_after(keys)
        if wait is not None:
            raise TooManyAttempts(wait)
        if ok and user is not None:
            # Only someone who knows the password learns that the account is deactivated.
            raise DomainError({"": ["This account is deactivated. Contact the school's office."]})
        raise DomainError({"": ["Email or password is incorrect."]})

    give_back_attempt(keys)
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_event("auth.login", subject=user, actor=user)
    return user


def logout_everywhere(*, user: User) -> None:
    """End every session of this user, this one included."""
    end_all_login_sessions(user=user)
    user.session_version = User.session_version + 1
    record_event("auth.logout_everywhere", subject=user)
    db.session.flush()
    db.session.refresh(user)


def start_password_check(*, user: User, ip: str) -> LoginAttempt:
    """Count a check of a signed-in user's current password like a sign-in attempt (someone
    holding a stolen session must not guess it without limit). Raises
    :class:`TooManyAttempts` at the limit. The caller commits before
    :func:`finish_password_check`, as for sign-in."""
    take_attempt(login_keys(user.email, ip))
    return LoginAttempt(user.email, ip, user.id, user.password_hash)


def finish_password_check(attempt: LoginAttempt, *, current: str) -> bool:
    """Whether ``current`` is the password (checked before touching the database); a match
    gives the attempt back. The caller commits."""
    ok = verify_password(attempt.password_hash, current)
    user = db.session.get(User, attempt.user_id)
    if user is None or user.password_hash != attempt.password_hash:
        return False  # changed meanwhile
    if ok:
        give_back_attempt(login_keys(attempt.email, attempt.ip))
    return ok
