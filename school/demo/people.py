"""The demo's people: staff and student accounts, the running cohort's roster import and
invitations, and the demo password of the imported students who sign in."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from school.auth.models import User
from school.auth.passwords import hash_password
from school.auth.services import create_user, send_invitation
from school.database import utcnow
from school.demo.data import (
    DEMO_IMPORTED_LOGINS,
    DEMO_PASSWORD,
    DEMO_ROSTER_NAMES,
    DEMO_USERS,
    demo_email,
)
from school.extensions import db


def user_by_email(email: str) -> User:
    """The demo account of ``email`` (it exists: the loaders create accounts first)."""
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def create_accounts() -> list[User]:
    """The accounts of DEMO_USERS, with the demo password."""
    users = []
    with click.progressbar(DEMO_USERS, label="Demo accounts") as bar:
        for role, name, email in bar:
            users.append(create_user(email=email, name=name, role=role, password=DEMO_PASSWORD))
    return users


def roster_csv(names: list[tuple[str, str]], start: dt.date, *, first: int, exchange: str) -> bytes:
    """A registrar's roster CSV of ``names`` starting on ``start`` (it goes through the
    import): student numbers from ``first``, phones (555) ``exchange``-1000 + number."""
    lines = ["student_number,first_name,last_name,email,phone,start_date"]
    for i, (first_name, last) in enumerate(names, start=first):
        lines.append(
            f"S{start:%Y}-{i:04d},{first_name},{last},{demo_email(first_name, last)},"
            f"(555) {exchange}-{1000 + i},{start.isoformat()}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def running_roster(start: dt.date) -> bytes:
    """The rest of the running cohort, numbered after the four students of DEMO_USERS."""
    return roster_csv(DEMO_ROSTER_NAMES, start, first=5, exchange="010")


def invite_first_imported(registrar: User) -> None:
    """The registrar has invited the first two students of the imported roster."""
    for first, last in DEMO_ROSTER_NAMES[:2]:
        send_invitation(user=user_by_email(demo_email(first, last)), by=registrar)


def set_imported_passwords() -> None:
    """The demo password for the imported students of DEMO_IMPORTED_LOGINS (as if each had
    accepted the invitation)."""
    emails = [email for _role, _name, email in DEMO_IMPORTED_LOGINS]
    for student in db.session.scalars(select(User).where(User.email.in_(emails))):
        student.password_hash = hash_password(DEMO_PASSWORD)
        student.password_changed_at = utcnow()
    db.session.flush()
