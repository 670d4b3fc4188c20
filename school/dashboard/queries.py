"""Reads for the dashboard, the outbox and the audit log."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.dashboard.audit_names import (
    DETAIL_REFERENCES,
    Named,
    name_records,
    record_id,
    subject_of,
)
from school.extensions import db
from school.mail import OutboxMessage
from school.pagination import Listing, Page, Sorts, paginate

OUTBOX_ORDER = Sorts(
    {"created": OutboxMessage.created_at},
    default="created",
    tiebreak=OutboxMessage.id.desc(),
    direction="desc",
)


def list_outbox(listing: Listing, *, status: str | None = None) -> Page[OutboxMessage]:
    """One page of the outbox, newest first, filtered by pending, failed or sent."""
    stmt = select(OutboxMessage)
    if status == "pending":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None))
    elif status == "failed":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
    elif status == "sent":
        stmt = stmt.where(OutboxMessage.sent_at.is_not(None))
    return paginate(db.session, stmt, Listing(listing.page, listing.per_page), OUTBOX_ORDER)


def count_unsent_mail() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )


AUDIT_SORTS = Sorts(
    {"when": AuditEvent.occurred_at, "action": AuditEvent.action},
    default="when",
    tiebreak=AuditEvent.id.desc(),
    direction="desc",
)
# Sign-ins and sign-outs, successful or not: hidden unless asked for, so that changes and
# disclosures are not buried under them.
SIGN_IN_ACTIONS = ("auth.login", "auth.login_failed", "auth.logout")


@dataclass(frozen=True)
class Fields:
    """An object stored in an entry's details (e.g. one grade change), key by key."""

    fields: list[tuple[str, Any]]


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log as the page shows it: the event, its record by name (None
    when it has none; ``#id`` when the record is gone or of a kind not named here), and its
    details with ids of known records replaced by :class:`Named` and ISO dates by dates."""

    event: AuditEvent
    subject: Named | None
    details: list[tuple[str, Any]]
    actor_name: str
    actor_email: str


def list_audit_events(
    listing: Listing,
    *,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    sign_ins: bool = False,
) -> Page[AuditRow]:
    """One page of the audit log, newest first by default, without sign-ins unless
    ``sign_ins``. Records are named in at most one statement per kind of record on the page
    (:data:`school.dashboard.audit_names.NAMERS`), whatever the number of entries:
    2 + len(NAMERS) statements at most."""
    stmt = select(AuditEvent)
    if not sign_ins:
        stmt = stmt.where(AuditEvent.action.not_in(SIGN_IN_ACTIONS))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    result = paginate(db.session, stmt, listing, AUDIT_SORTS)
    return result.with_items(audit_rows(result.items))


# --- the entries as the page shows them (records named by school.dashboard.audit_names) --------

# Keys of ``details`` whose values are codes or serials (shown unbroken).
CODE_KEYS = frozenset({"serial", "code", "cohort", "program", "course", "credential"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
ACTOR = re.compile(r"(?P<name>.*?) <(?P<email>[^<>]+)>(?P<rest>.*)")


def _detail(key: str, value: Any, names: Mapping[tuple[str, int], Named]) -> Any:
    """A detail as the page shows it: a known record by name, an ISO date or moment as a
    date or datetime, lists and objects item by item; anything else as stored."""
    if isinstance(value, dict):
        return Fields([(k, _detail(k, v, names)) for k, v in value.items()])
    if isinstance(value, list):
        return [_detail(key, v, names) for v in value]
    if key in DETAIL_REFERENCES and (number := record_id(value)) is not None:
        return names.get((DETAIL_REFERENCES[key], number), value)
    if isinstance(value, str):
        if ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        if ISO_MOMENT.fullmatch(value):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
    return value


def _actor(label: str) -> tuple[str, str]:
    """The name and email of the snapshot "Name <email>" (the rest, e.g. "(employer, by
    emailed link)", stays with the name); a label without an email is all name."""
    m = ACTOR.fullmatch(label)
    if m is None:
        return label, ""
    return (m["name"] + m["rest"]).strip(), m["email"]


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Name the records ``events`` refer to (subjects, and ids in their details): one
    statement per kind of record among them (:func:`audit_names.name_records`)."""
    events = list(events)
    names = name_records(events)
    rows = []
    for e in events:
        details = [(k, _detail(k, v, names)) for k, v in (e.details or {}).items()]
        name, email = _actor(e.actor_label)
        rows.append(AuditRow(e, subject_of(e, names), details, name, email))
    return rows


def recent_audit_events(limit: int = 8) -> list[AuditEvent]:
    """The latest changes for an admin's home page: sign-ins and sign-outs left out, as on
    the audit log by default."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.not_in(SIGN_IN_ACTIONS))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
