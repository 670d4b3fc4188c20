"""Users, emailed-link tokens and login-throttle counters."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Enum, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.database import UTCDateTime, utcnow
from school.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"
    EMPLOYER = "employer"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Administrator",
            Role.INSTRUCTOR: "Instructor",
            Role.STUDENT: "Student",
            Role.EMPLOYER: "Employer",
        }[self]


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, values stored as text."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class User(db.Model):
    """A person who signs in. Emails are stored lower-cased and are unique.

    ``session_version`` is part of the login session's identity: bumping it (logout everywhere,
    password change, deactivation) ends every session issued before.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Students only: the school's own number (matches roster imports), the name split as the
    # registrar keeps it, and a phone number.
    student_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(60))
    last_name: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(30))

    invited_by: Mapped[User | None] = relationship(remote_side=[id])

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "<id>:<session_version>:<secret of this browser's sign-in>" (school.auth.sessions):
        # kept in the session and signed into the remember cookie. Without a secret it
        # identifies no sign-in, so it loads no one.
        return f"{self.id}:{self.session_version}:{self.login_secret or ''}"

    @property
    def login_secret(self) -> str | None:
        """The secret of the sign-in this request runs under, set by the sign-in or by the
        user loader; never stored (the database keeps only its SHA-256)."""
        return getattr(self, "_login_secret", None)

    @login_secret.setter
    def login_secret(self, secret: str | None) -> None:
        self._login_secret = secret

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose name)


class AuthToken(db.Model):
    """A single-use, expiring, purpose-bound secret sent by email.

    Only the SHA-256 of the secret is stored, so a database leak does not leak live links.
    """

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "purpose"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginSession(db.Model):
    """One signed-in browser: the session cookie and the "keep me signed in" cookie both carry
    its secret, and only the SHA-256 of it is stored. Signing out deletes the row, so every
    cookie of that browser is worthless afterwards while the user's other devices stay signed
    in. ``expires_at`` is the server-side end of the session (the remember duration for a
    kept sign-in, else the session lifetime)."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        Index("ix_login_sessions_user_id", "user_id"),
        # Each sign-in deletes the expired rows of every user (the purge reads this index).
        Index("ix_login_sessions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed sign-in counter for one key (``account:<email>`` or ``ip:<address>``).

    A fixed window opens at the first failure; reaching the limit inside it locks the key until
    the window closes.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (
        UniqueConstraint("key", name="uq_login_throttles_key"),
        Index("ix_login_throttles_window_started_at", "window_started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The longest, "dev:<sha256 of email>:<address>", is 4 + 64 + 1 + 64 characters.
    key: Mapped[str] = mapped_column(String(160))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def users_link_table(name: str, key: str, owner: str) -> Table:
    """A many-to-many table ``name`` between the rows ``owner`` ("<table>.<column>", the
    column ``key`` here) and users (a cohort's instructors, a site's supervisors): deleting
    the row deletes its links; a user still linked cannot be deleted. Indexed both ways."""
    return Table(
        name,
        db.metadata,
        Column(key, ForeignKey(owner, ondelete="CASCADE"), primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True),
        Index(f"ix_{name}_user_id", "user_id"),
    )
