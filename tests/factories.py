"""Small factories with keyword-only defaults. They add and flush; the caller commits."""

from __future__ import annotations

import itertools

from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.database import utcnow
from school.extensions import db

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(
    *,
    role: Role = Role.STUDENT,
    email: str | None = None,
    name: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role.value}{n}@example.com",
        name=name or f"{role.value.title()} Person {n}",
        role=role,
        active=active,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user
