"""Invitations: an account without a password and an emailed link to choose one."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from school.audit import record_event
from school.auth.models import Role, TokenPurpose, User
from school.auth.queries import email_taken
from school.auth.services.accounts import email_problem, normalize_email
from school.auth.services.password_changes import password_from_link
from school.auth.services.tokens import issue_token
from school.errors import DomainError
from school.extensions import db
from school.mail import queue_email
from school.web.security import external_url


def _email_invitation(
    user: User, invited_by: User | None, *, replace_earlier: bool = False
) -> None:
    """Issue an invitation link for ``user`` and queue the email that carries it."""
    hours = int(current_app.config["INVITATION_TTL_HOURS"])
    secret = issue_token(
        user=user,
        purpose=TokenPurpose.INVITATION,
        ttl=dt.timedelta(hours=hours),
        created_by=invited_by,
        replace_earlier=replace_earlier,
    )
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
    if email_taken(email):
        problems.add("email", f"{email} already has an account.")
    problems.raise_if_any()
    user = User(email=email, name=name, role=role, active=True, invited_by=invited_by)
    db.session.add(user)
    db.session.flush()
    _email_invitation(user, invited_by)
    record_event("user.invited", subject=user, details={"email": email, "role": role.value})
    return user


def send_invitation(*, user: User, by: User | None) -> None:
    """Email a first invitation to an account created without one (a roster import)."""
    _email_invitation(user, by)
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
    _email_invitation(user, by, replace_earlier=True)
    record_event("user.invitation_resent", subject=user)


def accept_invitation(*, token_id: int, password: str, confirm: str) -> User:
    """Set the invited user's password from an opened invitation link (used once)."""
    user = password_from_link(token_id, TokenPurpose.INVITATION, password, confirm)
    record_event("user.invitation_accepted", subject=user, actor=user)
    return user
