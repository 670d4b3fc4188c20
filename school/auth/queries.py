"""Reads for account pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, or_, select

from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.database import utcnow
from school.extensions import db
from school.pagination import Listing, Page, Sorts, contains_pattern, paginate

USER_SORTS = Sorts(
    {
        "name": User.name,
        "email": User.email,
        "role": User.role,
        "created": User.created_at,
        "last_login": User.last_login_at,
    },
    default="name",
    tiebreak=User.id,
)


def list_users(
    listing: Listing,
    *,
    role: Role | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Page[User]:
    """One page of accounts, filtered by role, status (active, invited, deactivated) and a
    search in name or email. Two statements whatever the number of users."""
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if status == "active":
        stmt = stmt.where(User.active, User.password_hash.is_not(None))
    elif status == "invited":
        stmt = stmt.where(User.active, User.password_hash.is_(None))
    elif status == "deactivated":
        stmt = stmt.where(User.active.is_(False))
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return paginate(db.session, stmt, listing, USER_SORTS)


@dataclass(frozen=True)
class UserDetail:
    """An account as its admin page shows it. ``invitation`` says where an account without
    a password stands: ``not_invited`` (e.g. imported without an invitation), ``pending``
    (a live link, until ``invitation_expires_at``), ``expired`` or ``withdrawn`` (its last
    link was revoked, e.g. at deactivation); ``sections`` are what other domains add
    (:func:`add_user_section`)."""

    user: User
    invitation: str
    invitation_expires_at: dt.datetime | None
    sections: list[tuple[str, Mapping[str, Any]]]

    @property
    def invitation_pending(self) -> bool:
        return self.invitation == "pending"


def user_detail(user: User) -> UserDetail:
    """One statement for the last invitation, plus the sections' own."""
    token = db.session.scalar(
        select(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.purpose == TokenPurpose.INVITATION)
        .order_by(AuthToken.id.desc())
        .limit(1)
    )
    if token is None:
        invitation = "not_invited"
    elif token.used_at is not None:
        invitation = "accepted"
    elif token.revoked_at is not None:
        invitation = "withdrawn"
    elif token.expires_at <= utcnow():
        invitation = "expired"
    else:
        invitation = "pending"
    return UserDetail(
        user=user,
        invitation=invitation,
        invitation_expires_at=token.expires_at if token else None,
        sections=user_sections(user),
    )


def invited_among(users: Iterable[User]) -> set[int]:
    """The ids of those of ``users`` without a password who were ever sent an invitation
    (one statement, for a page of the users list)."""
    ids = [u.id for u in users if not u.has_password]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AuthToken.user_id)
            .where(AuthToken.user_id.in_(ids), AuthToken.purpose == TokenPurpose.INVITATION)
            .distinct()
        )
    )


@dataclass(frozen=True)
class UserSection:
    """A part of an admin's user page that another domain adds for accounts of one role (the
    cohorts package lists a student's enrollments) without this package importing it.
    ``load(user)`` reads what ``template`` needs, as ``section``, in a fixed number of
    statements."""

    role: Role
    template: str
    load: Callable[[User], Mapping[str, Any]]


SECTIONS_KEY = "school.user_sections"


def add_user_section(app: Flask, section: UserSection) -> None:
    app.extensions.setdefault(SECTIONS_KEY, []).append(section)


def user_sections(user: User) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (s.template, s.load(user))
        for s in current_app.extensions.get(SECTIONS_KEY, [])
        if s.role == user.role
    ]


def email_taken(email: str) -> bool:
    """Whether an account already has this (normalized) address."""
    return bool(
        db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    )


def count_users_by_role() -> dict[Role, int]:
    rows = db.session.execute(
        select(User.role, func.count()).where(User.active).group_by(User.role)
    ).all()
    counts = dict.fromkeys(Role, 0)
    counts.update({role: n for role, n in rows})
    return counts


def count_pending_invitations() -> int:
    """Active accounts whose holder has not set a password yet (the users list's "invited"
    filter shows the same people, expired links included)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.active, User.password_hash.is_(None))
        )
        or 0
    )
