"""New passwords: from a reset link, from the account page, and the checks and consequences
every new password shares (other sessions end, outstanding links die, counters clear).
Password hashing and the password rules are :mod:`school.auth.passwords`'s."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template
from sqlalchemy import select

from school.audit import record_event
from school.auth.models import TokenPurpose, User
from school.auth.passwords import hash_password, password_problems
from school.auth.services import tokens
from school.auth.services.accounts import end_every_session, normalize_email
from school.auth.services.throttle import (
    address_key,
    clear_account_counters,
    email_key,
    take_attempt,
)
from school.database import utcnow
from school.errors import DomainError, ProblemList, TooManyAttempts
from school.extensions import db
from school.mail import queue_email
from school.web.security import external_url


def set_password(
    user: User, password: str, confirm: str, problems: ProblemList | None = None
) -> None:
    """Set a new password after checking it; ``problems`` may already hold the caller's, so
    that one answer lists everything wrong with the form."""
    problems = problems or DomainError.collect()
    for message in password_problems(password or "", email=user.email, name=user.name):
        problems.add("password", message)
    if not confirm:
        problems.add("confirm", "Type the new password again.")
    elif password != confirm:
        problems.add("confirm", "The two passwords do not match.")
    problems.raise_if_any()
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    # Every session issued before this moment ends (a caller may then sign this browser in).
    end_every_session(user)
    # Any link still out there (reset or invitation) is dead too.
    tokens.revoke_tokens(user=user)
    clear_account_counters(user.email)


def request_password_reset(*, email: str, ip: str) -> None:
    """Email a reset link if the address belongs to an active account. Says nothing either way
    (the page answers the same), so the form cannot be used to find out who has an account.

    At most PASSWORD_RESET_MAX_PER_ACCOUNT emails per account per window, whoever asks, and a
    limit per address: the form cannot flood an inbox. Earlier links stay valid (each works
    once; all die when the password changes), so the owner always holds the links already
    sent, and asking again never breaks the link in hand.
    """
    email = normalize_email(email)
    cfg = current_app.config
    keys = {
        f"reset-acct:{email_key(email)}": int(cfg["PASSWORD_RESET_MAX_PER_ACCOUNT"]),
        f"reset-ip:{address_key(ip)}": int(cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    }
    try:
        take_attempt(keys)
    except TooManyAttempts:
        # Logged, not audited: a flood of requests must not grow the audit log without end.
        current_app.logger.warning("password reset requests throttled for %s from %s", email, ip)
        return
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        return
    minutes = int(cfg["PASSWORD_RESET_TTL_MINUTES"])
    secret = tokens.issue_token(
        user=user, purpose=TokenPurpose.PASSWORD_RESET, ttl=dt.timedelta(minutes=minutes)
    )
    queue_email(
        to=user.email,
        subject="Reset your password",
        body=render_template(
            "auth/email/password_reset.txt",
            user=user,
            link=external_url("auth.reset_password", token=secret),
            minutes=minutes,
        ),
    )
    # The requester is not signed in and not necessarily the account holder.
    record_event("auth.password_reset_requested", subject=user, details={"email": email})


def password_from_link(token_id: int, purpose: TokenPurpose, password: str, confirm: str) -> User:
    """Set the password of an opened link's user, using the link up (once)."""
    token = tokens.load_token(token_id, purpose)
    user = token.user
    tokens.consume_token(token)  # first: set_password revokes the user's outstanding links
    set_password(user, password, confirm)
    return user


def reset_password(*, token_id: int, password: str, confirm: str) -> User:
    """Set a new password from an opened reset link (used once)."""
    user = password_from_link(token_id, TokenPurpose.PASSWORD_RESET, password, confirm)
    _notify_password_changed(user)
    record_event("auth.password_reset", subject=user, actor=user)
    return user


def change_password(
    *, user: User, current: str, current_ok: bool, password: str, confirm: str
) -> None:
    """Change a signed-in user's password (``current_ok`` from
    :func:`~school.auth.services.signin.finish_password_check`). Other sessions end; the
    caller re-issues this one."""
    problems = DomainError.collect()
    if not current:
        problems.add("current", "Enter your current password.")
    elif not current_ok:
        problems.add("current", "Your current password is not correct.")
    set_password(user, password, confirm, problems)
    _notify_password_changed(user)
    record_event("auth.password_changed", subject=user)


def _notify_password_changed(user: User) -> None:
    queue_email(
        to=user.email,
        subject="Your password was changed",
        body=render_template(
            "auth/email/password_changed.txt",
            user=user,
            link=external_url("auth.forgot_password"),
        ),
    )
