"""Writes for hour logs (students): logging a day's work, changing it while it waits for the
supervisor, withdrawing it. The program's daily cap holds over every placement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import User
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.internships.models import (
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
)
from school.internships.queries.hours import hours_logged_on
from school.internships.services.placements import QUARTER
from school.numbers import NumberRange
from school.web.templating import format_date


@dataclass(frozen=True)
class LogData:
    work_date: dt.date | None
    hours: str
    activities: str


HOURS_NUMBER = "Enter the hours as a number, e.g. 7.5."


QUARTERS = "Use quarter hours: .25, .5 or .75."


# A day's log (the program's daily cap is checked after); the log form's field reads the same.
LOG_HOURS = NumberRange(
    QUARTER,
    Decimal(24),
    "Enter hours between 0.25 and 24.",
    step=QUARTER,
    step_message=QUARTERS,
    places_message=QUARTERS,
)


def parse_hours(text: str) -> Decimal:
    """The hours of a day's log as typed; ValueError with the message to show."""
    return LOG_HOURS.read(text, not_a_number=HOURS_NUMBER)


def log_problems(
    placement: Placement, data: LogData, *, current: HourLog | None
) -> tuple[ProblemList, Decimal | None]:
    """Every rule a day's log breaks, and the hours as a number when they are one."""
    problems = DomainError.collect()
    today = school_today()
    if placement.status != PlacementStatus.ACTIVE:
        problems.add("", "This placement is closed; hours can no longer be logged.")
    elif today < placement.start_date:
        problems.add("", f"The placement starts on {format_date(placement.start_date)}.")
    day = data.work_date
    if day is None:
        problems.add("work_date", "Enter the day you worked.")
    elif day > today:
        problems.add("work_date", "Log a day once it has happened (not in the future).")
    elif not placement.start_date <= day <= placement.end_date:
        problems.add(
            "work_date",
            f"The placement runs from {format_date(placement.start_date)} to "
            f"{format_date(placement.end_date)}.",
        )
    hours: Decimal | None = None
    try:
        hours = parse_hours(data.hours)
    except ValueError as exc:
        problems.add("hours", str(exc))
    cap = placement.enrollment.cohort.program.daily_hour_cap
    if hours is not None and hours > cap:
        problems.add("hours", f"At most {cap.normalize():f} hours in one day.")
    elif hours is not None and day is not None:
        already = hours_logged_on(
            placement.enrollment_id, day, besides=current.id if current else None
        )
        if already + hours > cap:
            problems.add(
                "hours",
                f"{already.normalize():f} hours are already logged on {format_date(day)}; a day "
                f"holds at most {cap.normalize():f}.",
            )
    problems.text(
        "activities",
        data.activities,
        most=2000,
        missing="Describe what you did, e.g. coded 40 outpatient charts.",
    )
    return problems, hours


def _lock_placement(placement_id: int) -> None:
    """Serialise hour-log writes of one placement, so that two logs for the same day sent at
    once cannot both pass the daily cap: a row lock on PostgreSQL (SQLite write transactions
    are exclusive already)."""
    db.session.execute(select(Placement.id).where(Placement.id == placement_id).with_for_update())


def add_log(*, placement: Placement, data: LogData, by: User) -> HourLog:
    _lock_placement(placement.id)
    problems, hours = log_problems(placement, data, current=None)
    problems.raise_if_any()
    log = HourLog(
        placement=placement,
        work_date=data.work_date,
        hours=hours,
        activities=data.activities.strip(),
        status=LogStatus.PENDING,
        version=1,
    )
    db.session.add(log)
    db.session.flush()
    record_event(
        "hours.logged",
        subject=log,
        actor=by,
        details={"date": str(data.work_date), "hours": f"{hours}"},
    )
    return log


EDITABLE = (LogStatus.PENDING, LogStatus.NEEDS_INFO)


def edit_log(*, log: HourLog, data: LogData, by: User) -> None:
    """Change a pending or needs-info log; it goes back to the supervisor as pending."""
    if log.status not in EDITABLE:
        raise DomainError(f"A {log.status.value.replace('_', ' ')} log cannot be changed.")
    _lock_placement(log.placement_id)
    problems, hours = log_problems(log.placement, data, current=log)
    problems.raise_if_any()
    changed = db.session.execute(
        update(HourLog)
        .where(HourLog.id == log.id, HourLog.version == log.version, HourLog.status.in_(EDITABLE))
        .values(
            work_date=data.work_date,
            hours=hours,
            activities=data.activities.strip(),
            status=LogStatus.PENDING,
            version=HourLog.version + 1,
            submitted_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError("Your supervisor decided this log meanwhile; it was not changed.")
    record_event(
        "hours.edited",
        subject=log,
        actor=by,
        details={"date": str(data.work_date), "hours": f"{hours}"},
    )


def withdraw_log(*, log: HourLog, by: User) -> None:
    changed = db.session.execute(
        update(HourLog)
        .where(HourLog.id == log.id, HourLog.status.in_(EDITABLE))
        .values(status=LogStatus.WITHDRAWN, version=HourLog.version + 1)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError(
            "Only a log waiting for the supervisor (or for more information) can be withdrawn."
        )
    record_event("hours.withdrawn", subject=log, actor=by)
