"""Who may see or act on a user account (object-level rules)."""

from __future__ import annotations

from school.auth.models import Role, User


def can_manage_user(actor: User, user: User) -> bool:
    """Administrators manage every account; nobody else manages any."""
    return actor.role == Role.ADMIN
