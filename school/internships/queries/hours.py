"""Reads about hour logs: hour totals per placement, a placement's logs and the logs
waiting for a supervisor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from school.cohorts.models import Enrollment
from school.extensions import db
from school.internships.models import (
    HourLog,
    LogStatus,
    Placement,
    site_supervisors,
)


@dataclass(frozen=True)
class Totals:
    confirmed: Decimal
    pending: Decimal
    required: Decimal

    @property
    def percent(self) -> int:
        """Confirmed share of the requirement, 0–100, for a progress bar."""
        if not self.required:
            return 0
        return min(100, int(self.confirmed * 100 / self.required))

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.required - self.confirmed)


def summed_hours(status: LogStatus) -> Any:
    """The hours of the logs in ``status`` (0 without any), summed over the selected logs."""
    return func.coalesce(func.sum(case((HourLog.status == status, HourLog.hours))), 0)


def placement_totals(placement_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(confirmed, pending) hours per placement, one statement."""
    if not placement_ids:
        return {}
    rows = db.session.execute(
        select(
            HourLog.placement_id, summed_hours(LogStatus.CONFIRMED), summed_hours(LogStatus.PENDING)
        )
        .where(HourLog.placement_id.in_(placement_ids))
        .group_by(HourLog.placement_id)
    ).all()
    return {pid: (Decimal(str(c)), Decimal(str(p))) for pid, c, p in rows}


def totals_of(placement: Placement) -> Totals:
    confirmed, pending = placement_totals([placement.id]).get(
        placement.id, (Decimal(0), Decimal(0))
    )
    return Totals(confirmed, pending, placement.required_hours)


def confirmed_hours(placement_id: int) -> Decimal:
    total = db.session.scalar(
        select(func.coalesce(func.sum(HourLog.hours), 0)).where(
            HourLog.placement_id == placement_id, HourLog.status == LogStatus.CONFIRMED
        )
    )
    return Decimal(str(total))


# Logs that count toward a day's cap of hours.
COUNTED = (LogStatus.PENDING, LogStatus.CONFIRMED, LogStatus.NEEDS_INFO)


def hours_logged_on(enrollment_id: int, day: dt.date, *, besides: int | None) -> Decimal:
    """Hours the enrollment has logged on ``day`` in logs that count toward the daily cap, over
    all its placements, leaving out the log ``besides`` (one being edited)."""
    already = db.session.scalar(
        select(func.coalesce(func.sum(HourLog.hours), 0))
        .join(Placement, Placement.id == HourLog.placement_id)
        .where(
            Placement.enrollment_id == enrollment_id,
            HourLog.work_date == day,
            HourLog.status.in_(COUNTED),
            HourLog.id != (besides or 0),
        )
    )
    return Decimal(str(already))


def placement_logs(placement_id: int) -> list[HourLog]:
    return list(
        db.session.scalars(
            select(HourLog)
            .where(HourLog.placement_id == placement_id)
            .options(joinedload(HourLog.decided_by))
            .order_by(HourLog.work_date.desc(), HourLog.id.desc())
        )
    )


def pending_for_supervisor(user_id: int) -> list[HourLog]:
    """Pending logs of every placement at the supervisor's sites, oldest first (two
    statements)."""
    my_sites = select(site_supervisors.c.site_id).where(site_supervisors.c.user_id == user_id)
    return list(
        db.session.scalars(
            select(HourLog)
            .join(Placement, Placement.id == HourLog.placement_id)
            .where(Placement.site_id.in_(my_sites), HourLog.status == LogStatus.PENDING)
            .options(
                joinedload(HourLog.placement).joinedload(Placement.site),
                joinedload(HourLog.placement)
                .joinedload(Placement.enrollment)
                .joinedload(Enrollment.student),
            )
            .order_by(HourLog.submitted_at, HourLog.id)
        )
    )


def count_pending_for_supervisor(user_id: int) -> int:
    my_sites = select(site_supervisors.c.site_id).where(site_supervisors.c.user_id == user_id)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(HourLog)
            .join(Placement, Placement.id == HourLog.placement_id)
            .where(Placement.site_id.in_(my_sites), HourLog.status == LogStatus.PENDING)
        )
        or 0
    )


def decidable_logs(user_id: int, log_ids: set[int]) -> list[int]:
    """Those of ``log_ids`` that belong to the supervisor's sites (one statement, whatever
    the number chosen)."""
    if not log_ids:
        return []
    my_sites = select(site_supervisors.c.site_id).where(site_supervisors.c.user_id == user_id)
    return sorted(
        db.session.scalars(
            select(HourLog.id)
            .join(Placement, Placement.id == HourLog.placement_id)
            .where(HourLog.id.in_(log_ids), Placement.site_id.in_(my_sites))
        )
    )
