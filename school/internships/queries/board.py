"""Reads for a cohort's placements board: each current student's placement, hours and
pace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.cohorts.models import Enrollment
from school.cohorts.queries import cohort_roster
from school.extensions import db
from school.internships.models import (
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
)
from school.internships.queries.hours import Totals, placement_totals

STALE_PENDING_DAYS = 7


@dataclass(frozen=True)
class BoardRow:
    enrollment: Enrollment
    placement: Placement | None
    totals: Totals | None
    oldest_pending: dt.datetime | None
    expected: Decimal | None  # hours a steady pace would have confirmed by today

    @property
    def behind(self) -> bool:
        return (
            self.totals is not None
            and self.expected is not None
            and self.totals.confirmed < self.expected
        )

    def stale(self, now: dt.datetime) -> bool:
        return self.oldest_pending is not None and (
            now - self.oldest_pending > dt.timedelta(days=STALE_PENDING_DAYS)
        )


def expected_hours(placement: Placement, today: dt.date) -> Decimal:
    """A steady pace: the requirement spread evenly over the placement's days."""
    days = (placement.end_date - placement.start_date).days + 1
    elapsed = min(max((today - placement.start_date).days + 1, 0), days)
    quarters = (placement.required_hours * elapsed * 4 / days).to_integral_value()
    return quarters / 4


def placements_board(cohort_id: int, today: dt.date) -> list[BoardRow]:
    """The cohort's current students (active or on leave) with their open (else latest)
    placement, hours, the oldest pending log and the steady-pace expectation. Four
    statements at any size."""
    enrollments = cohort_roster(cohort_id, current_only=True)
    ids = [e.id for e in enrollments]
    placements: dict[int, Placement] = {}
    for p in db.session.scalars(
        select(Placement)
        .where(Placement.enrollment_id.in_(ids))
        .options(joinedload(Placement.site), joinedload(Placement.supervisor))
        .order_by(Placement.start_date)
    ):
        current = placements.get(p.enrollment_id)
        if current is None or current.status != PlacementStatus.ACTIVE:
            placements[p.enrollment_id] = p  # the open one, else the latest
    pids = [p.id for p in placements.values()]
    totals = placement_totals(pids)
    oldest = dict(
        db.session.execute(
            select(HourLog.placement_id, func.min(HourLog.submitted_at))
            .where(HourLog.placement_id.in_(pids), HourLog.status == LogStatus.PENDING)
            .group_by(HourLog.placement_id)
        ).all()
    )
    zero = (Decimal(0), Decimal(0))
    rows = []
    for e in enrollments:
        p = placements.get(e.id)
        rows.append(
            BoardRow(
                enrollment=e,
                placement=p,
                totals=Totals(*totals.get(p.id, zero), p.required_hours) if p else None,
                oldest_pending=oldest.get(p.id) if p else None,
                expected=expected_hours(p, today)
                if p and p.status == PlacementStatus.ACTIVE
                else None,
            )
        )
    return rows
