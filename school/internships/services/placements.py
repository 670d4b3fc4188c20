"""Writes for placements: placing an enrollment at a site, ending a placement early and
completing it once its hours are confirmed and its evaluation is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import User
from school.cohorts.models import OPEN_STATUSES, Enrollment
from school.database import school_today
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.internships.models import (
    Evaluation,
    Placement,
    PlacementStatus,
    Site,
)
from school.internships.queries.hours import confirmed_hours
from school.internships.queries.sites import agreement_in_force, supervises
from school.numbers import NumberRange
from school.web.templating import format_date

QUARTER = Decimal("0.25")


# A placement's required hours (the placement form's field reads the same range).
IN_QUARTERS = "Enter 0.25 to 2,000 hours, in quarter hours."


REQUIRED_HOURS = NumberRange(
    QUARTER, Decimal(2000), IN_QUARTERS, step=QUARTER, places_message=IN_QUARTERS
)


@dataclass(frozen=True)
class PlacementData:
    site_id: int | None
    supervisor_id: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    required_hours: Decimal | None


def create_placement(*, enrollment: Enrollment, data: PlacementData, by: User | None) -> Placement:
    """Place an enrollment at a site. Refused while the enrollment has an open placement,
    at an inactive site or one without an agreement in force on the start date, with a
    supervisor who is not attached to the site."""
    problems = DomainError.collect()
    _enrollment_problems(problems, enrollment)
    site = _site_and_dates_problems(problems, data)
    supervisor = _supervisor_problems(problems, data, site)
    hours = data.required_hours
    if hours is None:
        problems.add("required_hours", "Enter the hours required.")
    elif problem := REQUIRED_HOURS.problem(hours):
        problems.add("required_hours", problem)
    problems.raise_if_any()
    placement = Placement(
        enrollment=enrollment,
        site=site,
        supervisor=supervisor,
        start_date=data.start_date,
        end_date=data.end_date,
        required_hours=hours,
        status=PlacementStatus.ACTIVE,
    )
    db.session.add(placement)
    db.session.flush()
    record_event(
        "placement.created",
        subject=placement,
        details={"site": site.name if site else "", "student": enrollment.student.email},
    )
    return placement


def _enrollment_problems(problems: ProblemList, enrollment: Enrollment) -> None:
    """The enrollment is current and has no open placement."""
    if enrollment.status not in OPEN_STATUSES:
        problems.add("", f"The enrollment is {enrollment.status.label.lower()}.")
    open_one = db.session.scalar(
        select(Placement).where(
            Placement.enrollment_id == enrollment.id, Placement.status == PlacementStatus.ACTIVE
        )
    )
    if open_one is not None:
        problems.add(
            "",
            f"{enrollment.student.name} already has an open placement at {open_one.site.name}; "
            "end it first.",
        )


def _site_and_dates_problems(problems: ProblemList, data: PlacementData) -> Site | None:
    """The site is chosen and active, the dates are in order and an agreement with the site is
    in force on the first day. Returns the chosen site."""
    site = db.session.get(Site, data.site_id) if data.site_id else None
    if site is None:
        problems.add("site_id", "Choose the site.")
    elif not site.active:
        problems.add("site_id", f"{site.name} is marked inactive.")
    if data.start_date is None:
        problems.add("start_date", "Enter the first day at the site.")
    if data.end_date is None:
        problems.add("end_date", "Enter the last day at the site.")
    elif data.start_date is not None and data.end_date < data.start_date:
        problems.add("end_date", "The last day is on or after the first.")
    uncovered = (
        site is not None
        and site.active
        and data.start_date is not None
        and agreement_in_force(site, data.start_date) is None
    )
    if uncovered:
        assert site is not None and data.start_date is not None
        problems.add(*_agreement_problem(site, data.start_date))
    return site


def _supervisor_problems(
    problems: ProblemList, data: PlacementData, site: Site | None
) -> User | None:
    """The supervisor is chosen and supervises at the site. Returns the chosen supervisor."""
    supervisor = db.session.get(User, data.supervisor_id) if data.supervisor_id else None
    if supervisor is None:
        problems.add("supervisor_id", "Choose the supervisor.")
    elif site is not None and not supervises(supervisor, site.id):
        problems.add("supervisor_id", f"{supervisor.name} does not supervise at {site.name}.")
    return supervisor


def _agreement_problem(site: Site, start: dt.date) -> tuple[str, str]:
    """Why no agreement covers ``start``: none on file, expired, or not yet signed."""
    latest = site.agreements[0] if site.agreements else None
    if latest is None:
        return "site_id", f"{site.name} has no affiliation agreement on file."
    if latest.expires_on < start:
        return (
            "site_id",
            f"The agreement with {site.name} expired on {format_date(latest.expires_on)}; "
            "record the renewed agreement first.",
        )
    return (
        "start_date",
        f"The agreement with {site.name} starts on {format_date(latest.signed_on)}.",
    )


def end_placement(*, placement: Placement, ended_on: dt.date | None, reason: str) -> None:
    """End a placement before it is complete (the student left the site, the site closed)."""
    problems = DomainError.collect()
    if placement.status != PlacementStatus.ACTIVE:
        problems.add("", f"This placement is already {placement.status.value.replace('_', ' ')}.")
    if ended_on is None:
        problems.add("ended_on", "Enter the last day at the site.")
    elif ended_on > school_today():
        problems.add("ended_on", "Record the end on or after the day it happens.")
    if not reason.strip():
        problems.add("reason", "Enter the reason (kept in the record).")
    problems.raise_if_any()
    changed = db.session.execute(
        update(Placement)
        .where(Placement.id == placement.id, Placement.status == PlacementStatus.ACTIVE)
        .values(status=PlacementStatus.ENDED_EARLY, ended_on=ended_on, end_reason=reason.strip())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError("This placement was changed by someone else; reload and try again.")
    record_event("placement.ended_early", subject=placement, details={"reason": reason.strip()})


def refresh_completion(placement_ids: Sequence[int]) -> list[int]:
    """Complete each open placement whose confirmed hours reach the requirement and whose
    evaluation is in (guarded: an ended or completed one stays as it is). Returns the ids
    completed now."""
    done: list[int] = []
    for pid in sorted(set(placement_ids)):
        placement = db.session.get(Placement, pid)
        if placement is None or placement.status != PlacementStatus.ACTIVE:
            continue
        evaluated = db.session.scalar(select(Evaluation.id).where(Evaluation.placement_id == pid))
        if evaluated is None or confirmed_hours(pid) < placement.required_hours:
            continue
        changed = db.session.execute(
            update(Placement)
            .where(Placement.id == pid, Placement.status == PlacementStatus.ACTIVE)
            .values(status=PlacementStatus.COMPLETED)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if changed == 1:
            done.append(pid)
            record_event("placement.completed", subject_type="placements", subject_id=pid)
    return done
