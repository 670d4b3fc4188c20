"""Supervisors' decisions on hour logs: confirm, reject or ask for more information. Each
decision is a guarded UPDATE (``WHERE status = 'pending'``), so a log is decided once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import User
from school.database import utcnow
from school.errors import DomainError
from school.extensions import db
from school.internships.models import (
    DecisionChannel,
    HourLog,
    LogStatus,
)
from school.internships.services.placements import refresh_completion

DECISIONS = {
    "confirm": LogStatus.CONFIRMED,
    "reject": LogStatus.REJECTED,
    "needs_info": LogStatus.NEEDS_INFO,
}


@dataclass(frozen=True)
class Outcome:
    decided: list[int]
    already: list[int]  # decided by someone else first (or changed): left as they were


def decide_logs(
    *,
    log_ids: Sequence[int],
    decision: str,
    note: str,
    by: User,
    via: DecisionChannel,
    ip: str | None,
    user_agent: str | None,
    signature: str | None = None,
    versions: dict[int, int] | None = None,
) -> Outcome:
    """Confirm, reject or ask for more information on pending logs, each exactly once: a
    guarded UPDATE takes only a log still pending (and, with ``versions``, unchanged since it
    was shown), so of two people deciding one log at once, one wins and the other's log is
    reported in ``already``. Rejecting and asking for information need a note. The caller
    has checked the logs belong to ``by``'s sites."""
    status, note = _checked_decision(decision, note, log_ids)
    values = {
        "status": status,
        "version": HourLog.version + 1,
        "decided_at": utcnow(),
        "decided_by_id": by.id,
        "decided_via": via,
        "decision_note": note or None,
        "decision_signature": signature,
        "decision_ip": ip,
        "decision_user_agent": (user_agent or "")[:400] or None,
    }
    decided: list[int] = []
    already: list[int] = []
    for log_id in log_ids:
        version = None if versions is None else versions.get(log_id, -1)
        if _decide_one(log_id, version, values):
            decided.append(log_id)
            record_event(
                f"hours.{status.value}",
                subject_type="hour_logs",
                subject_id=log_id,
                actor=by,
                details={"via": via.value, "note": note, "signature": signature or ""},
            )
        else:
            already.append(log_id)
    if status == LogStatus.CONFIRMED and decided:
        placements = db.session.scalars(
            select(HourLog.placement_id).where(HourLog.id.in_(decided)).distinct()
        ).all()
        refresh_completion(list(placements))
    db.session.expire_all()
    return Outcome(decided=decided, already=already)


def _checked_decision(decision: str, note: str, log_ids: Sequence[int]) -> tuple[LogStatus, str]:
    """The status ``decision`` gives and the stripped note, or a DomainError: a known decision,
    a note to reject or ask for information (at most 1,000 characters), at least one log."""
    status = DECISIONS.get(decision)
    problems = DomainError.collect()
    if status is None:
        problems.add("decision", "Choose confirm, reject or needs more information.")
    note = note.strip()
    if status in (LogStatus.REJECTED, LogStatus.NEEDS_INFO) and not note:
        problems.add("note", "Say why, for the student (a note is required).")
    if len(note) > 1000:
        problems.add("note", "Use at most 1,000 characters.")
    if not log_ids:
        problems.add("", "Choose at least one log.")
    problems.raise_if_any()
    assert status is not None
    return status, note


def _decide_one(log_id: int, version: int | None, values: dict[str, Any]) -> bool:
    """Write the decision ``values`` to the log if it is still pending (and, given a
    ``version``, still at it): a guarded UPDATE. False when someone else took it first."""
    guard = [HourLog.id == log_id, HourLog.status == LogStatus.PENDING]
    if version is not None:
        guard.append(HourLog.version == version)
    changed = db.session.execute(
        update(HourLog).where(*guard).values(**values).execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1
