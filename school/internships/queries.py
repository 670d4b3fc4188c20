"""Reads for externship pages, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from school.auth.models import Role, User
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.queries import EnrollmentCard
from school.cohorts.standings import StandingSection
from school.extensions import db
from school.internships.models import (
    Agreement,
    Evaluation,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    Site,
    site_supervisors,
)
from school.pagination import Page, paginate

EXPIRING_DAYS = 30


@dataclass(frozen=True)
class SiteRow:
    site: Site
    expires_on: dt.date | None  # the latest agreement's expiry
    supervisors: int
    open_placements: int

    def agreement_state(self, today: dt.date) -> str:
        """none, expired, expiring (within 30 days) or valid."""
        if self.expires_on is None:
            return "none"
        if self.expires_on < today:
            return "expired"
        if self.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS):
            return "expiring"
        return "valid"


SITE_SORTS = {"name": Site.name, "setting": Site.setting_type}


def list_sites(
    *,
    page: int,
    per_page: int,
    sort: str | None,
    direction: str | None,
    agreement: str | None,
    today: dt.date,
) -> Page[SiteRow]:
    """Sites with their latest agreement's expiry and counts; ``agreement`` filters on
    expiring (within 30 days) or expired (or none). Four statements."""
    latest = (
        select(Agreement.site_id, func.max(Agreement.expires_on).label("expires_on"))
        .group_by(Agreement.site_id)
        .subquery()
    )
    stmt = select(Site, latest.c.expires_on).outerjoin(latest, latest.c.site_id == Site.id)
    if agreement == "expiring":
        stmt = stmt.where(
            latest.c.expires_on >= today,
            latest.c.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS),
        )
    elif agreement == "expired":
        stmt = stmt.where((latest.c.expires_on < today) | latest.c.expires_on.is_(None))
    result = paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction,
        sortable=SITE_SORTS | {"expires": latest.c.expires_on},
        default_sort="name",
        tiebreak=Site.id,
        scalars=False,
    )
    ids = [site.id for site, _ in result.items]
    supervisors = dict(
        db.session.execute(
            select(site_supervisors.c.site_id, func.count())
            .where(site_supervisors.c.site_id.in_(ids))
            .group_by(site_supervisors.c.site_id)
        ).all()
    )
    placements = dict(
        db.session.execute(
            select(Placement.site_id, func.count())
            .where(Placement.site_id.in_(ids), Placement.status == PlacementStatus.ACTIVE)
            .group_by(Placement.site_id)
        ).all()
    )
    rows = [
        SiteRow(site, expires, supervisors.get(site.id, 0), placements.get(site.id, 0))
        for site, expires in result.items
    ]
    return Page(rows, result.page, result.per_page, result.total, result.sort, result.direction)


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


def _hours(status: LogStatus) -> Any:
    """The hours of the logs in ``status`` (0 without any), summed over the selected logs."""
    return func.coalesce(func.sum(case((HourLog.status == status, HourLog.hours))), 0)


# A student's placement that their pages are about: the open one, else the latest.
STUDENT_PLACEMENT_ORDER = (
    (Placement.status == PlacementStatus.ACTIVE).desc(),
    Placement.start_date.desc(),
)


def placement_totals(placement_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(confirmed, pending) hours per placement, one statement."""
    if not placement_ids:
        return {}
    rows = db.session.execute(
        select(HourLog.placement_id, _hours(LogStatus.CONFIRMED), _hours(LogStatus.PENDING))
        .where(HourLog.placement_id.in_(placement_ids))
        .group_by(HourLog.placement_id)
    ).all()
    return {pid: (Decimal(str(c)), Decimal(str(p))) for pid, c, p in rows}


def totals_of(placement: Placement) -> Totals:
    confirmed, pending = placement_totals([placement.id]).get(
        placement.id, (Decimal(0), Decimal(0))
    )
    return Totals(confirmed, pending, placement.required_hours)


def student_placement(student_id: int) -> Placement | None:
    """The student's open placement, else their latest one."""
    return db.session.scalar(
        select(Placement)
        .join(Enrollment, Enrollment.id == Placement.enrollment_id)
        .where(Enrollment.student_id == student_id)
        .options(
            joinedload(Placement.site),
            joinedload(Placement.supervisor),
            joinedload(Placement.enrollment)
            .joinedload(Enrollment.cohort)
            .joinedload(Cohort.program),
        )
        .order_by(*STUDENT_PLACEMENT_ORDER)
        .limit(1)
    )


def student_externship(student_id: int) -> tuple[Placement, Totals] | None:
    """The student's open placement, else their latest, with its site, supervisor and hour
    totals (their home page's card): one statement."""

    def total(status: LogStatus) -> Any:
        return select(_hours(status)).where(HourLog.placement_id == Placement.id).scalar_subquery()

    row = db.session.execute(
        select(Placement, total(LogStatus.CONFIRMED), total(LogStatus.PENDING))
        .join(Enrollment, Enrollment.id == Placement.enrollment_id)
        .where(Enrollment.student_id == student_id)
        .options(joinedload(Placement.site), joinedload(Placement.supervisor))
        .order_by(*STUDENT_PLACEMENT_ORDER)
        .limit(1)
    ).first()
    if row is None:
        return None
    placement, confirmed, pending = row
    totals = Totals(Decimal(str(confirmed)), Decimal(str(pending)), placement.required_hours)
    return placement, totals


@dataclass(frozen=True)
class EnrollmentExternship:
    """An enrollment's externship as an admin's enrollment page shows it: the open placement,
    else the latest (site, supervisor, hour totals, whether the evaluation is in)."""

    enrollment: Enrollment
    placement: Placement | None
    totals: Totals | None
    evaluated: bool

    @property
    def can_place(self) -> bool:
        """A placement may be made: the enrollment is current and has no open placement
        (none yet, or the last one ended early); a completed externship needs no other."""
        current = self.enrollment.status in (
            EnrollmentStatus.ACTIVE,
            EnrollmentStatus.LEAVE_OF_ABSENCE,
        )
        return current and (
            self.placement is None or self.placement.status == PlacementStatus.ENDED_EARLY
        )


def enrollment_externship(enrollment: Enrollment) -> EnrollmentExternship:
    """The enrollment's open placement, else its latest, with its site, supervisor, hour
    totals and whether it is evaluated: one statement."""

    def total(status: LogStatus) -> Any:
        return select(_hours(status)).where(HourLog.placement_id == Placement.id).scalar_subquery()

    evaluated = select(Evaluation.id).where(Evaluation.placement_id == Placement.id).exists()
    row = db.session.execute(
        select(Placement, total(LogStatus.CONFIRMED), total(LogStatus.PENDING), evaluated)
        .where(Placement.enrollment_id == enrollment.id)
        .options(joinedload(Placement.site), joinedload(Placement.supervisor))
        .order_by(*STUDENT_PLACEMENT_ORDER, Placement.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return EnrollmentExternship(enrollment, None, None, False)
    placement, confirmed, pending, is_evaluated = row
    totals = Totals(Decimal(str(confirmed)), Decimal(str(pending)), placement.required_hours)
    return EnrollmentExternship(enrollment, placement, totals, bool(is_evaluated))


def enrollment_placement(enrollment: Enrollment) -> tuple[Placement, Totals] | None:
    """The enrollment's open placement, else its latest, with its hour totals (the externship
    section of its progress page), or None before it is placed: one statement."""
    externship = enrollment_externship(enrollment)
    if externship.placement is None or externship.totals is None:
        return None
    return externship.placement, externship.totals


# The externship section of an enrollment's progress page (registered in create_app).
STANDING_SECTION = StandingSection("externship", enrollment_placement)

# The externship card of an admin's enrollment page (registered in create_app).
ENROLLMENT_CARD = EnrollmentCard("internships/_enrollment_card.html", enrollment_externship)


def placement_evaluation(placement_id: int) -> Evaluation | None:
    """The placement's evaluation with who sent it (one statement), or None."""
    return db.session.scalar(
        select(Evaluation)
        .where(Evaluation.placement_id == placement_id)
        .options(joinedload(Evaluation.submitted_by))
        .execution_options(populate_existing=True)
    )


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


def site_choices() -> list[tuple[int, str]]:
    return [
        (s.id, s.name)
        for s in db.session.scalars(select(Site).where(Site.active).order_by(Site.name))
    ]


def supervisor_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name, Site.name)
        .join(site_supervisors, site_supervisors.c.user_id == User.id)
        .join(Site, Site.id == site_supervisors.c.site_id)
        .where(User.role == Role.EMPLOYER, User.active, Site.active)
        .order_by(User.name, Site.name)
    ).all()
    return [(uid, f"{name} ({site})") for uid, name, site in rows]


def site_detail(site_id: int) -> Site | None:
    return db.session.scalar(
        select(Site)
        .where(Site.id == site_id)
        .options(selectinload(Site.supervisors), selectinload(Site.agreements))
    )


def site_placements(site_id: int) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.site_id == site_id)
            .options(
                joinedload(Placement.enrollment).joinedload(Enrollment.student),
                joinedload(Placement.supervisor),
            )
            .order_by(Placement.start_date.desc())
        )
    )


@dataclass(frozen=True)
class SupervisedRow:
    placement: Placement
    totals: Totals
    evaluated: bool


def supervised_placements(user_id: int, today: dt.date) -> list[SupervisedRow]:
    """Open placements at the supervisor's sites with their hours and whether the evaluation
    is in (three statements)."""
    my_sites = select(site_supervisors.c.site_id).where(site_supervisors.c.user_id == user_id)
    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.site_id.in_(my_sites), Placement.status == PlacementStatus.ACTIVE)
            .options(
                joinedload(Placement.site),
                joinedload(Placement.enrollment).joinedload(Enrollment.student),
            )
            .order_by(Placement.start_date, Placement.id)
        )
    )
    ids = [p.id for p in placements]
    totals = placement_totals(ids)
    evaluated = set(
        db.session.scalars(select(Evaluation.placement_id).where(Evaluation.placement_id.in_(ids)))
    )
    zero = (Decimal(0), Decimal(0))
    return [
        SupervisedRow(p, Totals(*totals.get(p.id, zero), p.required_hours), p.id in evaluated)
        for p in placements
    ]


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
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .join(User, User.id == Enrollment.student_id)
            .where(
                Enrollment.cohort_id == cohort_id,
                Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE)),
            )
            .options(joinedload(Enrollment.student))
            .order_by(func.coalesce(User.last_name, User.name), User.name)
        )
    )
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
