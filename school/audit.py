"""The append-only audit log: who changed or disclosed what, when (UTC), from where."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from school.bulk import bulk_insert
from school.database import UTCDateTime, utcnow
from school.extensions import db


class AuditEvent(db.Model):
    """One audited action. Rows are never updated or deleted (enforced by DB triggers too)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # No ON DELETE: a user with audited actions cannot be deleted (accounts are deactivated).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A snapshot, so the log still reads right if the account is renamed or removed.
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(60))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])


def record_event(
    action: str,
    *,
    subject: Any = None,
    subject_type: str | None = None,
    subject_id: Any = None,
    actor: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change it records).

    ``subject`` may be a model instance (its table name and id are used). The actor defaults
    to the signed-in user, the client address and user agent to the current request's.
    """
    if subject is not None:
        subject_type = subject_type or subject.__tablename__
        if subject_id is None:
            db.session.flush()
            subject_id = subject.id
    event_row = AuditEvent(
        **_who(actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        details=details or {},
    )
    db.session.add(event_row)
    return event_row


def _who(actor: Any) -> dict[str, Any]:
    """When, by whom and from where, for an event recorded now."""
    from school.web.security import client_ip, user_agent

    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if actor is not None:
        label = f"{actor.name} <{actor.email}>"
    else:
        label = "someone not signed in" if has_request_context() else "command line"
    return {
        "occurred_at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_label": label,
        "ip": client_ip() if has_request_context() else None,
        "user_agent": user_agent() if has_request_context() else None,
    }


def record_events(
    action: str, subject_type: str, items: list[tuple[Any, dict[str, Any]]], *, actor: Any = None
) -> None:
    """Many events of one action at once (bulk imports): ``items`` are (subject id, details).
    One INSERT statement, in the current transaction."""
    if not items:
        return
    who = _who(actor)
    bulk_insert(
        AuditEvent,
        [
            {
                **who,
                "action": action,
                "subject_type": subject_type,
                "subject_id": str(sid),
                "details": details,
            }
            for sid, details in items
        ],
    )


# How an action reads on admin pages; later features add theirs. Unknown codes show as is.
ACTION_LABELS = {
    "auth.login": "Signed in",
    "auth.login_failed": "Failed sign-in",
    "auth.logout_everywhere": "Signed out everywhere",
    "auth.password_changed": "Changed password",
    "auth.password_reset_requested": "Asked for a password reset",
    "auth.password_reset": "Reset password by emailed link",
    "user.created": "Created account",
    "user.invited": "Invited user",
    "user.invitation_resent": "Sent a new invitation",
    "user.invitation_accepted": "Accepted invitation",
    "user.deactivated": "Deactivated account",
    "user.reactivated": "Reactivated account",
    "program.created": "Created program",
    "enrollment.created": "Enrolled student",
    "enrollment.reentered": "Recorded re-entry",
    "enrollment.status_changed": "Changed enrollment status",
    "gradebook.assessments_saved": "Saved assessments",
    "gradebook.grades_saved": "Saved grades",
    "roster.imported": "Imported roster",
    "student.updated": "Updated student details (import)",
    "site.created": "Added externship site",
    "site.updated": "Edited externship site",
    "site.agreement_added": "Recorded affiliation agreement",
    "site.supervisor_added": "Added site supervisor",
    "placement.created": "Placed student at a site",
    "placement.ended_early": "Ended placement early",
    "placement.evaluated": "Evaluated extern",
    "placement.evaluation_corrected": "Corrected an extern's evaluation",
    "placement.completed": "Placement completed",
    "hours.logged": "Logged externship hours",
    "hours.edited": "Edited hour log",
    "hours.withdrawn": "Withdrew hour log",
    "hours.confirmed": "Confirmed hours",
    "hours.rejected": "Rejected hours",
    "hours.needs_info": "Asked for more information on hours",
    "hours.confirmation_requested": "Emailed hour-confirmation link",
    "credential.updated": "Edited credential",
    "attempt.recorded": "Recorded exam attempt",
    "attempt.reported": "Reported own exam attempt",
    "attempt.verified": "Verified exam attempt",
    "plan.step_added": "Added exam-prep step",
    "plan.rule_set": "Set readiness rule",
    "plan.step_recorded": "Recorded exam-prep step",
    "credential.awarded": "Recorded awarded credential",
    "credential.apprentice_removed": "Removed apprentice designation",
    "ceu.added": "Recorded CEUs",
    "job.recorded": "Recorded graduate's job",
    "job.edited": "Edited graduate's job",
    "job.removed": "Removed graduate's job",
    "job.verification_requested": "Emailed employment-verification link",
    "job.employer_verified": "Employer verified employment",
    "outcome.unavailable": "Recorded graduate unavailable for employment",
    "outcome.unavailable_cleared": "Removed unavailable-for-employment record",
    "transcript.issued": "Issued official transcript",
    "transcript.downloaded": "Downloaded official transcript (to send again)",
    "transcript.revoked": "Revoked official transcript",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
