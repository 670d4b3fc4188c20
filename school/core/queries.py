"""Reads for the dashboard, the outbox and the audit log."""

from __future__ import annotations

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.extensions import db
from school.mail import OutboxMessage
from school.pagination import Page, paginate


def list_outbox(*, page: int, per_page: int, status: str | None = None) -> Page[OutboxMessage]:
    stmt = select(OutboxMessage)
    if status == "pending":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None))
    elif status == "failed":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
    elif status == "sent":
        stmt = stmt.where(OutboxMessage.sent_at.is_not(None))
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort="created",
        direction="desc",
        sortable={"created": OutboxMessage.created_at},
        default_sort="created",
        tiebreak=OutboxMessage.id.desc(),
    )


def count_unsent_mail() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )


AUDIT_SORTS = {"when": AuditEvent.occurred_at, "action": AuditEvent.action}


def list_audit_events(
    *,
    page: int,
    per_page: int,
    sort: str | None = None,
    direction: str | None = "desc",
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
) -> Page[AuditEvent]:
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction or "desc",
        sortable=AUDIT_SORTS,
        default_sort="when",
        tiebreak=AuditEvent.id.desc(),
    )


def recent_audit_events(limit: int = 8) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
