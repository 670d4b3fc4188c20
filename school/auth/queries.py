"""Reads for account pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.database import utcnow
from school.extensions import db
from school.pagination import Page, contains_pattern, paginate

USER_SORTS = {
    "name": User.name,
    "email": User.email,
    "role": User.role,
    "created": User.created_at,
    "last_login": User.last_login_at,
}


def list_users(
    *,
    page: int,
    per_page: int,
    sort: str | None = None,
    direction: str | None = None,
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
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction,
        sortable=USER_SORTS,
        default_sort="name",
        tiebreak=User.id,
    )


@dataclass(frozen=True)
class UserDetail:
    user: User
    invitation_pending: bool
    invitation_expires_at: object | None


def user_detail(user: User) -> UserDetail:
    token = db.session.scalar(
        select(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == TokenPurpose.INVITATION,
            AuthToken.used_at.is_(None),
            AuthToken.revoked_at.is_(None),
        )
        .order_by(AuthToken.id.desc())
        .limit(1)
    )
    return UserDetail(
        user=user,
        invitation_pending=token is not None and token.expires_at > utcnow(),
        invitation_expires_at=token.expires_at if token else None,
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
