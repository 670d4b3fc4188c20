"""Confirmation of hours by emailed link: each supervisor is emailed one link for the pending
logs of their sites, and decides the whole batch on the page it opens, all or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, render_template
from sqlalchemy import select

from school.audit import record_event
from school.auth.models import User
from school.errors import DomainError
from school.extensions import db
from school.internships.models import (
    DecisionChannel,
    HourLog,
    LogStatus,
    Placement,
    site_supervisors,
)
from school.internships.services.decisions import DECISIONS, Outcome, decide_logs
from school.links import LinkInvalid, LinkPurpose, consume_link, issue_link, load_link
from school.mail import queue_email
from school.web.security import external_url

LINK_PURPOSE = LinkPurpose.HOURS_CONFIRMATION


def request_confirmations(*, by: User | None) -> int:
    """Email each supervisor one link for the pending logs of their sites (replacing any
    earlier unused link of theirs). Returns the number of emails queued."""
    rows = db.session.execute(
        select(site_supervisors.c.user_id, HourLog.id, HourLog.version)
        .join(Placement, Placement.site_id == site_supervisors.c.site_id)
        .join(HourLog, HourLog.placement_id == Placement.id)
        .where(HourLog.status == LogStatus.PENDING)
        .order_by(site_supervisors.c.user_id, HourLog.id)
    ).all()
    batches: dict[int, dict[int, int]] = {}
    for user_id, log_id, version in rows:
        batches.setdefault(user_id, {})[log_id] = version
    ttl = dt.timedelta(days=int(current_app.config["HOURS_LINK_TTL_DAYS"]))
    sent = 0
    for user_id, items in batches.items():
        supervisor = db.session.get(User, user_id)
        if supervisor is None or not supervisor.active:
            continue
        link, secret = issue_link(
            purpose=LINK_PURPOSE,
            email=supervisor.email,
            user=supervisor,
            ttl=ttl,
            items=sorted(items.items()),
        )
        queue_email(
            to=supervisor.email,
            subject=f"{len(items)} externship hour log{'s' if len(items) != 1 else ''} to confirm",
            body=render_template(
                "internships/email/confirm_hours.txt",
                supervisor=supervisor,
                count=len(items),
                link=external_url("internships.open_confirmation", token=secret),
                expires=link.expires_at,
            ),
        )
        record_event(
            "hours.confirmation_requested",
            subject_type="users",
            subject_id=supervisor.id,
            actor=by,
            details={"logs": len(items), "link": link.id},
        )
        sent += 1
    return sent


@dataclass(frozen=True)
class LinkDecision:
    decision: str  # confirm, reject, needs_info
    note: str


def decide_by_link(
    *,
    link_id: int,
    signature: str,
    decisions: dict[int, LinkDecision],
    ip: str | None,
    user_agent: str | None,
) -> Outcome:
    """Record a supervisor's decisions on the batch of an emailed link, all or nothing: the
    link must be usable, every log of its batch still pending at the version it was sent
    with, each log decided, a note given to reject or ask for information, and the name typed
    as signature. The link is used up in the same transaction."""
    link = load_link(link_id, LINK_PURPOSE)
    batch = _unchanged_batch([(item.subject_id, item.version) for item in link.items])
    signature = _checked_signature(signature, decisions, batch)
    consume_link(link)
    supervisor = link.user
    assert supervisor is not None
    decided: list[int] = []
    already: list[int] = []
    for lid in sorted(decisions):
        d = decisions[lid]
        outcome = decide_logs(
            log_ids=[lid],
            decision=d.decision,
            note=d.note,
            by=supervisor,
            via=DecisionChannel.LINK,
            ip=ip,
            user_agent=user_agent,
            signature=signature,
            versions={lid: batch[lid]},
        )
        decided += outcome.decided
        already += outcome.already
    if already:  # changed between the check above and the update: nothing at all
        raise LinkInvalid("changed")
    return Outcome(decided=decided, already=[])


def _unchanged_batch(items: list[tuple[int, int]]) -> dict[int, int]:
    """The link's batch (log id → the version it was sent with); LinkInvalid("changed") unless
    every log of it is still pending at that version."""
    batch = dict(items)
    current = {
        log.id: log
        for log in db.session.scalars(select(HourLog).where(HourLog.id.in_(list(batch))))
    }
    if any(
        lid not in current
        or current[lid].status != LogStatus.PENDING
        or current[lid].version != version
        for lid, version in batch.items()
    ):
        raise LinkInvalid("changed")
    return batch


def _checked_signature(
    signature: str, decisions: dict[int, LinkDecision], batch: dict[int, int]
) -> str:
    """The typed signature, its spaces tidied, or a DomainError: a signature of at most 120
    characters, a decision for every log of the batch, a note (at most 1,000 characters) to
    reject or ask for information."""
    problems = DomainError.collect()
    signature = " ".join(signature.split())
    if not signature:
        problems.add("signature", "Type your full name as your signature.")
    elif len(signature) > 120:
        problems.add("signature", "Use at most 120 characters.")
    if set(decisions) != set(batch):
        problems.add("", "Decide every log of this email (the page was out of date).")
    for lid, d in decisions.items():
        if d.decision not in DECISIONS:
            problems.add(f"decision-{lid}", "Choose confirm, reject or needs more information.")
        elif d.decision != "confirm" and not d.note.strip():
            problems.add(f"note-{lid}", "Say why, for the student (a note is required).")
        if len(d.note) > 1000:
            problems.add(f"note-{lid}", "Use at most 1,000 characters.")
    problems.raise_if_any()
    return signature
