"""Server-side sign-ins: one :class:`LoginSession` row per signed-in browser.

Each sign-in gets a new random secret. The Flask-Login identity ("<user id>:<session
version>:<secret>", :meth:`User.get_id`) is kept in the session cookie and signed into the
"keep me signed in" cookie, so both cookies of one browser carry the same secret, and a new
sign-in gives both a new value. The database keeps the secret's SHA-256 and an expiry.

A request is signed in only while its sign-in's row exists and has not expired (and the user
is active with the same session version). Signing out deletes this browser's row, which makes
every cookie it ever held worthless and leaves the user's other devices signed in; signing out
everywhere, a new password and deactivation delete all of the user's rows.

Writes flush and never commit; the request commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import bindparam, delete, func, select

from school.auth.models import LoginSession, User
from school.database import utcnow
from school.extensions import db


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def lifetime(*, remember: bool) -> dt.timedelta:
    """How long a sign-in lasts on the server: the remember cookie's duration when the user
    asked to be kept signed in, else SESSION_MAX_HOURS."""
    if remember:
        duration = current_app.config["REMEMBER_COOKIE_DURATION"]
        return duration if isinstance(duration, dt.timedelta) else dt.timedelta(seconds=duration)
    return dt.timedelta(hours=float(current_app.config["SESSION_MAX_HOURS"]))


def start_login_session(*, user: User, remember: bool, ip: str, user_agent: str) -> str:
    """Record a new sign-in of ``user`` and return its secret, which is also set on ``user``
    (``user.login_secret``) so that ``user.get_id()`` carries it. Every expired sign-in, of
    any user, is deleted on the way (one statement), so the table holds only live ones even
    for accounts that never sign in again."""
    now = utcnow()
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    secret = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=_digest(secret),
            user_id=user.id,
            remember=remember,
            created_at=now,
            expires_at=now + lifetime(remember=remember),
            ip=ip[:45],
            user_agent=user_agent[:200] or None,
        )
    )
    db.session.flush()
    user.login_secret = secret
    return secret


def end_login_session(*, user: User) -> None:
    """Sign this browser out: delete the sign-in whose secret ``user`` carries (from the user
    loader). The user's other sign-ins stay."""
    if user.login_secret:
        db.session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user.id,
                LoginSession.token_hash == _digest(user.login_secret),
            )
        )
    user.login_secret = None


def end_all_login_sessions(*, user: User) -> None:
    """Delete every sign-in of ``user`` (sign out everywhere, a new password, deactivation).
    A caller that signs this browser in again does so afterwards."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


# The statements every signed-in request runs, built once (with bound parameters) rather than
# per request: SQLAlchemy then only looks up their compiled form. Same SQL as written inline.
_SIGNED_IN_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.active,
        User.session_version == bindparam("version"),
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
    )
)
_ALL_SESSIONS = (
    select(func.count())
    .select_from(LoginSession)
    .where(LoginSession.user_id == bindparam("user_id"), LoginSession.expires_at > bindparam("now"))
)
_OTHER_SESSIONS = _ALL_SESSIONS.where(LoginSession.token_hash != bindparam("token_hash"))


def parse_identity(identity: str) -> tuple[int, int, str] | None:
    """(user id, session version, secret) of a Flask-Login identity, or None if malformed."""
    parts = identity.split(":")
    if len(parts) != 3 or not parts[2]:
        return None
    try:
        return int(parts[0]), int(parts[1]), parts[2]
    except ValueError:
        return None


def load_signed_in_user(identity: str) -> User | None:
    """The user of a session or remember cookie's identity, in one SQL statement: only while
    the sign-in exists and has not expired, the account is active and its session version is
    the identity's. The returned user carries the secret (``login_secret``)."""
    parsed = parse_identity(identity)
    if parsed is None:
        return None
    user_id, version, secret = parsed
    if max(abs(user_id), abs(version)) >= 2**63:
        return None  # no such row, and the database drivers refuse such numbers
    user = db.session.scalar(
        _SIGNED_IN_USER,
        {"user_id": user_id, "version": version, "token_hash": _digest(secret), "now": utcnow()},
    )
    if user is not None:
        user.login_secret = secret
    return user


def count_other_sessions(*, user: User) -> int:
    """How many live sign-ins ``user`` has besides the one this request runs under."""
    now = utcnow()
    # A Core count on the session's connection: same SQL and transaction, no ORM steps.
    connection = db.session.connection()
    if user.login_secret:
        params = {"user_id": user.id, "now": now, "token_hash": _digest(user.login_secret)}
        return connection.execute(_OTHER_SESSIONS, params).scalar() or 0
    return connection.execute(_ALL_SESSIONS, {"user_id": user.id, "now": now}).scalar() or 0
