"""Writes for externships: sites and agreements, supervisors, placements, hour logs and their
decisions. Validate first, raise one DomainError listing every problem, flush, never commit.
Decisions are guarded UPDATEs (``WHERE status = 'pending'``), so a log is decided once."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, render_template
from sqlalchemy import func, select, update

from school.audit import record_event
from school.auth.models import Role, User
from school.auth.services import email_problem, invite_user, normalize_email
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.internships.models import (
    RATINGS,
    Agreement,
    DecisionChannel,
    Evaluation,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    SettingType,
    Site,
    site_supervisors,
)
from school.links import LinkInvalid, consume_link, issue_link, load_link
from school.mail import queue_email
from school.numbers import NumberRange
from school.web.security import external_url
from school.web.templating import format_date

# --- sites and agreements -----------------------------------------------------------------


@dataclass(frozen=True)
class SiteData:
    name: str
    setting_type: str
    address: str
    contact_name: str
    contact_email: str = ""
    contact_phone: str = ""
    active: bool = True


def site_problems(data: SiteData, *, current: Site | None) -> ProblemList:
    problems = DomainError.collect()
    name = " ".join(data.name.split())
    if not name:
        problems.add("name", "Enter the site's name, e.g. Mercy General Hospital HIM.")
    else:
        taken = db.session.scalar(select(Site.id).where(func.lower(Site.name) == name.lower()))
        if taken is not None and (current is None or taken != current.id):
            problems.add("name", f"{name} is already a site.")
    if data.setting_type not in {s.value for s in SettingType}:
        problems.add("setting_type", "Choose the kind of setting.")
    if not data.address.strip():
        problems.add("address", "Enter the site's address (or “Remote”).")
    if not data.contact_name.strip():
        problems.add("contact_name", "Enter the name of the school's contact at the site.")
    if data.contact_email.strip():
        bad = email_problem(normalize_email(data.contact_email))
        if bad:
            problems.add("contact_email", bad)
    return problems


def _apply_site(site: Site, data: SiteData) -> None:
    site.name = " ".join(data.name.split())
    site.setting_type = SettingType(data.setting_type)
    site.address = data.address.strip()
    site.contact_name = data.contact_name.strip()
    site.contact_email = normalize_email(data.contact_email) or None
    site.contact_phone = data.contact_phone.strip() or None
    site.active = data.active


def create_site(*, data: SiteData) -> Site:
    site_problems(data, current=None).raise_if_any()
    site = Site()
    _apply_site(site, data)
    db.session.add(site)
    db.session.flush()
    record_event("site.created", subject=site, details={"name": site.name})
    return site


def update_site(*, site: Site, data: SiteData) -> None:
    site_problems(data, current=site).raise_if_any()
    _apply_site(site, data)
    db.session.flush()
    record_event("site.updated", subject=site, details={"name": site.name})


def add_agreement(
    *, site: Site, signed_on: dt.date | None, expires_on: dt.date | None, note: str
) -> Agreement:
    """Record a signed affiliation agreement (a renewal is a new one)."""
    problems = DomainError.collect()
    if signed_on is None:
        problems.add("signed_on", "Enter the date the agreement was signed.")
    elif signed_on > school_today():
        problems.add("signed_on", "Record an agreement once it is signed.")
    if expires_on is None:
        problems.add("expires_on", "Enter the date the agreement expires.")
    elif signed_on is not None and expires_on <= signed_on:
        problems.add("expires_on", "An agreement expires after it is signed.")
    if len(note) > 300:
        problems.add("note", "Use at most 300 characters.")
    problems.raise_if_any()
    agreement = Agreement(site=site, signed_on=signed_on, expires_on=expires_on, note=note or None)
    db.session.add(agreement)
    db.session.flush()
    record_event(
        "site.agreement_added",
        subject=site,
        details={"signed_on": str(signed_on), "expires_on": str(expires_on)},
    )
    return agreement


def agreement_in_force(site: Site, on: dt.date) -> Agreement | None:
    """The agreement covering ``on`` (signed on or before, expiring on or after)."""
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.site_id == site.id, Agreement.signed_on <= on, Agreement.expires_on >= on)
        .order_by(Agreement.expires_on.desc())
        .limit(1)
    )


# --- supervisors ----------------------------------------------------------------------------


def add_supervisor(*, site: Site, email: str, name: str, by: User | None) -> User:
    """Attach a supervisor to ``site``: an existing employer account, or a new one invited
    by email."""
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = invite_user(email=email, name=name, role=Role.EMPLOYER, invited_by=by)
    elif user.role != Role.EMPLOYER:
        raise DomainError({"email": [f"{email} is a {user.role.label.lower()} account."]})
    elif not user.active:
        raise DomainError({"email": [f"{email} is deactivated; reactivate it first."]})
    elif any(u.id == user.id for u in site.supervisors):
        raise DomainError({"email": [f"{user.name} already supervises at {site.name}."]})
    site.supervisors.append(user)
    db.session.flush()
    record_event("site.supervisor_added", subject=site, details={"supervisor": email})
    return user


def supervises(user: User, site_id: int) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(site_supervisors)
            .where(site_supervisors.c.user_id == user.id, site_supervisors.c.site_id == site_id)
        )
        or 0
    ) > 0


# --- placements -----------------------------------------------------------------------------


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
    if enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE):
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
    supervisor = db.session.get(User, data.supervisor_id) if data.supervisor_id else None
    if supervisor is None:
        problems.add("supervisor_id", "Choose the supervisor.")
    elif site is not None and not supervises(supervisor, site.id):
        problems.add("supervisor_id", f"{supervisor.name} does not supervise at {site.name}.")
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


# --- hour logs (students) -------------------------------------------------------------------


@dataclass(frozen=True)
class LogData:
    work_date: dt.date | None
    hours: str
    activities: str


COUNTED = (LogStatus.PENDING, LogStatus.CONFIRMED, LogStatus.NEEDS_INFO)  # toward the day cap
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
        already = db.session.scalar(
            select(func.coalesce(func.sum(HourLog.hours), 0))
            .join(Placement, Placement.id == HourLog.placement_id)
            .where(
                Placement.enrollment_id == placement.enrollment_id,
                HourLog.work_date == day,
                HourLog.status.in_(COUNTED),
                HourLog.id != (current.id if current else 0),
            )
        )
        already = Decimal(str(already))
        if already + hours > cap:
            problems.add(
                "hours",
                f"{already.normalize():f} hours are already logged on {format_date(day)}; a day "
                f"holds at most {cap.normalize():f}.",
            )
    activities = data.activities.strip()
    if not activities:
        problems.add("activities", "Describe what you did, e.g. coded 40 outpatient charts.")
    elif len(activities) > 2000:
        problems.add("activities", "Use at most 2,000 characters.")
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


# --- decisions (supervisors) ----------------------------------------------------------------

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
    now = utcnow()
    decided: list[int] = []
    already: list[int] = []
    for log_id in log_ids:
        guard = [HourLog.id == log_id, HourLog.status == LogStatus.PENDING]
        if versions is not None:
            guard.append(HourLog.version == versions.get(log_id, -1))
        changed = db.session.execute(
            update(HourLog)
            .where(*guard)
            .values(
                status=status,
                version=HourLog.version + 1,
                decided_at=now,
                decided_by_id=by.id,
                decided_via=via,
                decision_note=note or None,
                decision_signature=signature,
                decision_ip=ip,
                decision_user_agent=(user_agent or "")[:400] or None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
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


# --- evaluation, completion and graduation ------------------------------------------------


def confirmed_hours(placement_id: int) -> Decimal:
    total = db.session.scalar(
        select(func.coalesce(func.sum(HourLog.hours), 0)).where(
            HourLog.placement_id == placement_id, HourLog.status == LogStatus.CONFIRMED
        )
    )
    return Decimal(str(total))


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


def _evaluation_problems(
    problems: ProblemList, ratings: dict[str, int | None], comments: str, would_hire: bool | None
) -> None:
    for name, label in RATINGS:
        value = ratings.get(name)
        if value is None or not 1 <= value <= 5:
            problems.add(name, f"Rate {label.lower()} from 1 (poor) to 5 (excellent).")
    if would_hire is None:
        problems.add("would_hire", "Say whether you would hire this student.")
    if len(comments) > 4000:
        problems.add("comments", "Use at most 4,000 characters.")


def hours_short(placement: Placement) -> tuple[Decimal, Decimal] | None:
    """(confirmed, required) hours while the confirmed hours are below the requirement, else
    None: an evaluation sent now is sent before the hours are complete."""
    confirmed = confirmed_hours(placement.id)
    return (confirmed, placement.required_hours) if confirmed < placement.required_hours else None


def submit_evaluation(
    *,
    placement: Placement,
    ratings: dict[str, int | None],
    comments: str,
    would_hire: bool | None,
    by: User,
    before_hours_complete: bool = False,
) -> Evaluation:
    """The supervisor's end-of-placement evaluation (once per placement; it can be corrected
    until the placement is complete, :func:`correct_evaluation`). While the confirmed hours are
    below the requirement it is refused unless ``before_hours_complete`` says the supervisor
    knows and means it."""
    problems = DomainError.collect()
    if placement.status == PlacementStatus.ENDED_EARLY:
        problems.add("", "This placement ended early; there is nothing to evaluate.")
    if db.session.scalar(select(Evaluation.id).where(Evaluation.placement_id == placement.id)):
        problems.add("", "This placement has already been evaluated.")
    _evaluation_problems(problems, ratings, comments, would_hire)
    short = hours_short(placement)
    if short is not None and not before_hours_complete:
        confirmed, required = short
        problems.add(
            "before_hours_complete",
            f"Only {confirmed.normalize():f} of {required.normalize():f} hours are confirmed: "
            "tick this box to send the evaluation before the hours are complete, or send it "
            "once they are.",
        )
    problems.raise_if_any()
    evaluation = Evaluation(
        placement_id=placement.id,
        comments=comments.strip() or None,
        would_hire=bool(would_hire),
        submitted_by_id=by.id,
        **{name: ratings[name] for name, _ in RATINGS},
    )
    db.session.add(evaluation)
    db.session.flush()
    details: dict[str, object] = {
        "average": str(evaluation.average),
        "would_hire": bool(would_hire),
    }
    if short is not None:
        details["before_hours_complete"] = {
            "confirmed": f"{short[0].normalize():f}",
            "required": f"{short[1].normalize():f}",
        }
    record_event("placement.evaluated", subject=placement, actor=by, details=details)
    refresh_completion([placement.id])
    return evaluation


def correction_refused(placement: Placement) -> str | None:
    """Why the evaluation of ``placement`` can no longer be corrected, or None while it can:
    until the placement is complete (or ended early), it is open to correction."""
    if placement.status == PlacementStatus.COMPLETED:
        return (
            "The placement is complete (its hours are confirmed and the evaluation is in), "
            "so the evaluation stays as it was sent and can no longer be corrected."
        )
    if placement.status == PlacementStatus.ENDED_EARLY:
        return "The placement ended early, so its evaluation can no longer be corrected."
    return None


CHANGED_MEANWHILE = (
    "The evaluation was changed by someone else meanwhile; your correction was not saved. "
    "Reload the page to see it as it is now, then correct it again."
)


def correct_evaluation(
    *,
    evaluation: Evaluation,
    version: int | None,
    ratings: dict[str, int | None],
    comments: str,
    would_hire: bool | None,
    by: User,
) -> bool:
    """Correct a sent evaluation while its placement is open. ``version`` is the one the
    correction was made from: if the evaluation changed since (another correction, or the
    placement completed), nothing is saved (a guarded UPDATE). A correction bumps the version,
    sets ``corrected_at`` and audits the changed values before and after. False when nothing
    differs from what is stored (nothing is written)."""
    placement = evaluation.placement
    problems = DomainError.collect()
    refused = correction_refused(placement)
    if refused:
        problems.add("", refused)
    elif version != evaluation.version:
        problems.add("", CHANGED_MEANWHILE)
    _evaluation_problems(problems, ratings, comments, would_hire)
    problems.raise_if_any()
    assert version is not None
    after: dict[str, object] = {name: ratings[name] for name, _ in RATINGS}
    after |= {"would_hire": bool(would_hire), "comments": comments.strip() or None}
    before = {key: getattr(evaluation, key) for key in after}
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return False
    still_open = select(Placement.id).where(
        Placement.id == placement.id, Placement.status == PlacementStatus.ACTIVE
    )
    saved = db.session.execute(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation.id,
            Evaluation.version == version,
            Evaluation.placement_id.in_(still_open),
        )
        .values(
            **{key: after[key] for key in changed},
            version=version + 1,
            corrected_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if saved != 1:
        raise DomainError(CHANGED_MEANWHILE)
    record_event(
        "placement.evaluation_corrected",
        subject=placement,
        actor=by,
        details={
            "version": version + 1,
            "before": {key: before[key] for key in changed},
            "after": {key: after[key] for key in changed},
        },
    )
    return True


@dataclass(frozen=True)
class EvaluationData:
    """What an evaluation says: a rating (1-5, None if not given) per competency of
    :data:`RATINGS`, the comments and whether the supervisor would hire the student."""

    ratings: dict[str, int | None]
    comments: str
    would_hire: bool | None


class EvaluationSaved(enum.Enum):
    """What :func:`save_evaluation` did."""

    SENT = "sent"  # the supervisor's first sending
    CORRECTED = "corrected"
    UNCHANGED = "unchanged"  # a correction that differed in nothing: nothing written


NOT_SENT_YET = "The supervisor has not sent an evaluation yet."


def save_evaluation(
    *,
    placement: Placement,
    by: User,
    data: EvaluationData,
    version: int | None,
    before_hours_complete: bool = False,
) -> EvaluationSaved:
    """The evaluation page's write. Before the evaluation of ``placement`` is in, only its
    supervisor (an employer) can send it (:func:`submit_evaluation`, with
    ``before_hours_complete``); anyone else is refused. Once it is in, the supervisor or an
    administrator corrects it from ``version`` (:func:`correct_evaluation`)."""
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.placement_id == placement.id)
    )
    if evaluation is None:
        if by.role != Role.EMPLOYER:
            raise DomainError(NOT_SENT_YET)
        submit_evaluation(
            placement=placement,
            ratings=data.ratings,
            comments=data.comments,
            would_hire=data.would_hire,
            by=by,
            before_hours_complete=before_hours_complete,
        )
        return EvaluationSaved.SENT
    changed = correct_evaluation(
        evaluation=evaluation,
        version=version,
        ratings=data.ratings,
        comments=data.comments,
        would_hire=data.would_hire,
        by=by,
    )
    return EvaluationSaved.CORRECTED if changed else EvaluationSaved.UNCHANGED


def externship_requirement(enrollment: Enrollment) -> list[str]:
    """Graduation check (registered with the cohorts package): a program that requires an
    externship needs a completed placement."""
    program = enrollment.cohort.program
    if not program.requires_externship:
        return []
    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.enrollment_id == enrollment.id)
            .order_by(Placement.start_date.desc())
        )
    )
    if any(p.status == PlacementStatus.COMPLETED for p in placements):
        return []
    current = next((p for p in placements if p.status == PlacementStatus.ACTIVE), None)
    if current is None:
        return [f"Externship: no placement yet ({program.externship_hours} hours required)."]
    hours = confirmed_hours(current.id)
    evaluated = db.session.scalar(
        select(Evaluation.id).where(Evaluation.placement_id == current.id)
    )
    missing = []
    if hours < current.required_hours:
        missing.append(
            f"{hours.normalize():f} of {current.required_hours.normalize():f} hours confirmed"
        )
    if evaluated is None:
        missing.append("the supervisor's evaluation is not in")
    return [f"Externship at {current.site.name}: {'; '.join(missing)}."]


# --- confirmation by emailed link ---------------------------------------------------------

LINK_PURPOSE = "hours_confirmation"


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
    batch = {item.subject_id: item.version for item in link.items}
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
