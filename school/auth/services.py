"""Account writes: sign-in, throttling, invitations, password changes, (de)activation.

Services validate first and raise one :class:`DomainError` listing every problem; they flush
and never commit. The request or CLI command commits once; queued email goes out after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from school.audit import record_event
from school.auth.models import AuthToken, LoginThrottle, Role, TokenPurpose, User
from school.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from school.auth.sessions import end_all_login_sessions
from school.database import utcnow
from school.errors import DomainError, ProblemList, TooManyAttempts
from school.extensions import db
from school.mail import queue_email
from school.web.security import external_url


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why ``email`` cannot be an account's address, or None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"{email!r} is not a valid email address, like name@example.com."
    return None


# --- sign-in and throttling -------------------------------------------------------------


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]))


def address_key(ip: str) -> str:  # at most 64 characters
    """Throttle key of a client address. IPv6 clients get a whole /64 each, so one client
    cannot walk through its own addresses to escape the limit."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _email_key(email: str) -> str:
    # Hashed: whatever someone types as an email can never spell another counter's key.
    return hashlib.sha256(email.encode()).hexdigest()


def _login_keys(email: str, ip: str) -> dict[str, int]:
    """Sign-in counters and their limits, per-device first: the account from this address
    (so that a stranger elsewhere cannot lock a user out of their own device), the account
    from anywhere (a higher ceiling against guessing from many addresses), the address."""
    cfg = current_app.config
    account, address = _email_key(email), address_key(ip)
    return {
        f"dev:{account}:{address}": int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        f"acct:{account}": int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL"]),
        f"ip:{address}": int(cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    }


def _retry_after(keys: dict[str, int]) -> int | None:
    """Seconds until these keys are below their limits again, or None if they are now."""
    now = utcnow()
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [
        int((row.window_started_at + _window() - now).total_seconds()) + 1
        for row in rows
        if row.failures >= keys[row.key] and row.window_started_at + _window() > now
    ]
    return max(waits) if waits else None


def _count(key: str) -> int:
    """Add one to ``key``'s counter in one atomic statement and return the new count; a window
    that has closed starts again at 1."""
    now = utcnow()
    window_open_after = now - _window()
    count = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at > window_open_after)
        .values(failures=LoginThrottle.failures + 1)
        .returning(LoginThrottle.failures)
    ).scalar()
    if count is not None:
        return count
    restarted = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at <= window_open_after)
        .values(failures=1, window_started_at=now)
        .returning(LoginThrottle.failures)
    ).scalar()
    if restarted is not None:
        return restarted
    # A new key (any typed email makes one): first clear keys whose window has closed, so
    # the table stays as small as the last window's failures. Rows another sign-in has
    # locked are skipped (it is restarting them): waiting for them could deadlock.
    expired = (
        select(LoginThrottle.id)
        .where(LoginThrottle.window_started_at <= window_open_after)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.id.in_(expired)))
    try:
        with db.session.begin_nested():
            db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
    except IntegrityError:  # another request created it a moment ago
        return _count(key)
    return 1


def _take_attempt(keys: dict[str, int]) -> None:
    """Count an attempt against every key, or raise :class:`TooManyAttempts` if any key is
    at its limit. Counting first and checking the returned count means parallel requests
    can never get more attempts than the limit between them."""
    wait = _retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    counts = {key: _count(key) for key in keys}
    if any(counts[key] > limit for key, limit in keys.items()):
        raise TooManyAttempts(_retry_after(keys) or int(_window().total_seconds()))


def _give_back_attempt(keys: dict[str, int]) -> None:
    """The attempt was not a failure after all: this account from this address starts
    afresh; the account's and the address's totals get the one attempt back."""
    this_device, *totals = keys
    db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == this_device).values(failures=0)
    )
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_(totals), LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )


def _clear_account_counters(email: str) -> None:
    """A new password unlocks the account everywhere."""
    account = _email_key(email)
    db.session.execute(
        update(LoginThrottle)
        .where(
            or_(
                LoginThrottle.key == f"acct:{account}",
                LoginThrottle.key.startswith(f"dev:{account}:"),
            )
        )
        .values(failures=0)
    )


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
    _take_attempt(_login_keys(email, ip))
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
    keys = _login_keys(attempt.email, attempt.ip)
    if not ok or user is None or not user.active:
        record_event(
            "auth.login_failed",
            subject=user,
            details={
                "email": attempt.email,
                "reason": "inactive" if ok and user is not None else "bad_credentials",
            },
        )
        wait = _retry_after(keys)
        if wait is not None:
            raise TooManyAttempts(wait)
        if ok and user is not None:
            # Only someone who knows the password learns that the account is deactivated.
            raise DomainError({"": ["This account is deactivated. Contact the school's office."]})
        raise DomainError({"": ["Email or password is incorrect."]})

    _give_back_attempt(keys)
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


# --- emailed-link tokens ----------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def revoke_tokens(*, user: User, purposes: tuple[TokenPurpose, ...] = tuple(TokenPurpose)) -> None:
    """Make every outstanding link of this user (of these purposes) stop working."""
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            AuthToken.purpose.in_(purposes),
            AuthToken.used_at.is_(None),
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def issue_token(
    *,
    user: User,
    purpose: TokenPurpose,
    ttl: dt.timedelta,
    created_by: User | None = None,
    replace_earlier: bool = False,
) -> str:
    """Create a token and return its secret (only the hash is stored). With
    ``replace_earlier``, earlier unused links of the same purpose stop working."""
    now = utcnow()
    if replace_earlier:
        revoke_tokens(user=user, purposes=(purpose,))
    secret = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            token_hash=_digest(secret),
            purpose=purpose,
            user=user,
            created_at=now,
            expires_at=now + ttl,
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return secret


TOKEN_MESSAGES = {
    "unknown": "This link is not valid. Check that you copied the whole address from the email.",
    "used": "This link has already been used. Each link works once.",
    "revoked": "This link was replaced by a newer one. Use the most recent email you received.",
    "expired": "This link has expired.",
    "inactive": "This account has been deactivated. Contact the school.",
    "missing": "Open the link from your email again to continue (in this browser).",
}


class TokenInvalid(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(TOKEN_MESSAGES[reason])


def check_token(secret: str, purpose: TokenPurpose) -> AuthToken:
    """The token behind an emailed link, or :class:`TokenInvalid` saying why it cannot be
    used."""
    token = db.session.scalar(
        select(AuthToken).where(
            AuthToken.token_hash == _digest(secret), AuthToken.purpose == purpose
        )
    )
    return _usable(token)


def load_token(token_id: int, purpose: TokenPurpose) -> AuthToken:
    """A token by id, for a browser that has already opened its link (the view keeps the
    ids of opened links in the signed session), or :class:`TokenInvalid`."""
    token = db.session.get(AuthToken, token_id)
    return _usable(token if token is not None and token.purpose == purpose else None)


def _usable(token: AuthToken | None) -> AuthToken:
    if token is None:
        raise TokenInvalid("unknown")
    if token.used_at is not None:
        raise TokenInvalid("used")
    if token.revoked_at is not None:
        raise TokenInvalid("revoked")
    if token.expires_at <= utcnow():
        raise TokenInvalid("expired")
    if not token.user.active:
        raise TokenInvalid("inactive")
    return token


def _consume(token: AuthToken) -> None:
    # Guarded update: of two requests racing with the same link, exactly one wins.
    result = db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.id == token.id, AuthToken.used_at.is_(None), AuthToken.revoked_at.is_(None)
        )
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise TokenInvalid("used")


def _set_password(
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
    end_all_login_sessions(user=user)
    user.session_version = (user.session_version or 0) + 1
    # Any link still out there (reset or invitation) is dead too.
    revoke_tokens(user=user)
    _clear_account_counters(user.email)


# --- invitations ------------------------------------------------------------------------


def _send_invitation(user: User, secret: str, invited_by: User | None) -> None:
    hours = int(current_app.config["INVITATION_TTL_HOURS"])
    link = external_url("auth.accept_invitation", token=secret)
    queue_email(
        to=user.email,
        subject=f"You are invited to {current_app.config['SCHOOL_NAME']}",
        body=render_template(
            "auth/email/invitation.txt", user=user, link=link, hours=hours, invited_by=invited_by
        ),
    )


def invite_user(*, email: str, name: str, role: Role, invited_by: User | None) -> User:
    """Create an account without a password and email a link to set one."""
    email = normalize_email(email)
    name = name.strip()
    problems = DomainError.collect()
    if not name:
        problems.add("name", "Enter the person's name.")
    bad_email = email_problem(email)
    if bad_email:
        problems.add("email", bad_email)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        problems.add("email", f"{email} already has an account.")
    problems.raise_if_any()
    user = User(email=email, name=name, role=role, active=True, invited_by=invited_by)
    db.session.add(user)
    db.session.flush()
    ttl = dt.timedelta(hours=int(current_app.config["INVITATION_TTL_HOURS"]))
    secret = issue_token(user=user, purpose=TokenPurpose.INVITATION, ttl=ttl, created_by=invited_by)
    _send_invitation(user, secret, invited_by)
    record_event("user.invited", subject=user, details={"email": email, "role": role.value})
    return user


def send_invitation(*, user: User, by: User | None) -> None:
    """Email a first invitation to an account created without one (a roster import)."""
    ttl = dt.timedelta(hours=int(current_app.config["INVITATION_TTL_HOURS"]))
    secret = issue_token(user=user, purpose=TokenPurpose.INVITATION, ttl=ttl, created_by=by)
    _send_invitation(user, secret, by)
    record_event(
        "user.invited", subject=user, details={"email": user.email, "role": user.role.value}
    )


def resend_invitation(*, user: User, by: User) -> None:
    """A fresh invitation link (the earlier one stops working)."""
    problems = DomainError.collect()
    if user.has_password:
        problems.add("", f"{user.email} has already set a password.")
    if not user.active:
        problems.add("", "Reactivate the account before sending an invitation.")
    problems.raise_if_any()
    ttl = dt.timedelta(hours=int(current_app.config["INVITATION_TTL_HOURS"]))
    secret = issue_token(
        user=user, purpose=TokenPurpose.INVITATION, ttl=ttl, created_by=by, replace_earlier=True
    )
    _send_invitation(user, secret, by)
    record_event("user.invitation_resent", subject=user)


def accept_invitation(*, token_id: int, password: str, confirm: str) -> User:
    """Set the invited user's password from an opened invitation link (used once)."""
    token = load_token(token_id, TokenPurpose.INVITATION)
    user = token.user
    _consume(token)  # first: _set_password revokes the user's outstanding links
    _set_password(user, password, confirm)
    record_event("user.invitation_accepted", subject=user, actor=user)
    return user


# --- passwords --------------------------------------------------------------------------


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
        f"reset-acct:{_email_key(email)}": int(cfg["PASSWORD_RESET_MAX_PER_ACCOUNT"]),
        f"reset-ip:{address_key(ip)}": int(cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    }
    try:
        _take_attempt(keys)
    except TooManyAttempts:
        # Logged, not audited: a flood of requests must not grow the audit log without end.
        current_app.logger.warning("password reset requests throttled for %s from %s", email, ip)
        return
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        return
    minutes = int(cfg["PASSWORD_RESET_TTL_MINUTES"])
    secret = issue_token(
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


def reset_password(*, token_id: int, password: str, confirm: str) -> User:
    """Set a new password from an opened reset link (used once)."""
    token = load_token(token_id, TokenPurpose.PASSWORD_RESET)
    user = token.user
    _consume(token)  # first: _set_password revokes the user's outstanding links
    _set_password(user, password, confirm)
    _notify_password_changed(user)
    record_event("auth.password_reset", subject=user, actor=user)
    return user


def start_password_check(*, user: User, ip: str) -> LoginAttempt:
    """Count a check of a signed-in user's current password like a sign-in attempt (someone
    holding a stolen session must not guess it without limit). Raises
    :class:`TooManyAttempts` at the limit. The caller commits before
    :func:`finish_password_check`, as for sign-in."""
    _take_attempt(_login_keys(user.email, ip))
    return LoginAttempt(user.email, ip, user.id, user.password_hash)


def finish_password_check(attempt: LoginAttempt, *, current: str) -> bool:
    """Whether ``current`` is the password (checked before touching the database); a match
    gives the attempt back. The caller commits."""
    ok = verify_password(attempt.password_hash, current)
    user = db.session.get(User, attempt.user_id)
    if user is None or user.password_hash != attempt.password_hash:
        return False  # changed meanwhile
    if ok:
        _give_back_attempt(_login_keys(attempt.email, attempt.ip))
    return ok


def change_password(
    *, user: User, current: str, current_ok: bool, password: str, confirm: str
) -> None:
    """Change a signed-in user's password (``current_ok`` from
    :func:`finish_password_check`). Other sessions end; the caller re-issues this one."""
    problems = DomainError.collect()
    if not current:
        problems.add("current", "Enter your current password.")
    elif not current_ok:
        problems.add("current", "Your current password is not correct.")
    _set_password(user, password, confirm, problems)
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


# --- accounts -----------------------------------------------------------------------------


def create_user(*, email: str, name: str, role: Role, password: str) -> User:
    """Create an account with a password (command line)."""
    email = normalize_email(email)
    problems = DomainError.collect()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254:
        problems.add("email", f"{email!r} is not an email address.")
    if not name.strip():
        problems.add("name", "Enter a name.")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
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
    end_all_login_sessions(user=user)
    user.session_version = (user.session_version or 0) + 1
    revoke_tokens(user=user)  # reactivation must not revive old links
    record_event("user.deactivated", subject=user)


def reactivate_user(*, user: User, by: User) -> None:
    if user.active:
        raise DomainError(f"{user.email} is already active.")
    user.active = True
    user.deactivated_at = None
    record_event("user.reactivated", subject=user)
