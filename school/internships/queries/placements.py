"""Reads about placements: a student's or an enrollment's externship, a placement's
evaluation, a supervisor's placements and the externship graduation check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, joinedload

from school.auth.models import User
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.queries import EnrollmentCard
from school.cohorts.standings import StandingSection
from school.extensions import db
from school.internships.models import (
    Evaluation,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    Site,
    site_supervisors,
)
from school.internships.queries.hours import Totals, confirmed_hours, placement_totals, summed_hours

# A student's placement that their pages are about: the open one, else the latest.
STUDENT_PLACEMENT_ORDER = (
    (Placement.status == PlacementStatus.ACTIVE).desc(),
    Placement.start_date.desc(),
)


def _placement_hours(status: LogStatus) -> Any:
    """The hours of the selected placement's logs in ``status``, as a scalar subquery."""
    return (
        select(summed_hours(status)).where(HourLog.placement_id == Placement.id).scalar_subquery()
    )


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


@dataclass(frozen=True)
class Named:
    """A site or a person where a card shows only the name."""

    name: str


@dataclass(frozen=True)
class StudentPlacement:
    """What the student's externship card shows of their placement (``placement.site.name``,
    ``placement.supervisor.name`` and the dates, as on a :class:`Placement`)."""

    id: int
    site: Named
    supervisor: Named
    start_date: dt.date
    end_date: dt.date


# Built once (bound parameters): SQLAlchemy then only looks up its compiled form.
_Supervisor = aliased(User)
_STUDENT_PLACEMENT = (
    select(
        Placement.id,
        Site.name,
        _Supervisor.name,
        Placement.start_date,
        Placement.end_date,
        Placement.required_hours,
        _placement_hours(LogStatus.CONFIRMED),
        _placement_hours(LogStatus.PENDING),
    )
    .join(Enrollment, Enrollment.id == Placement.enrollment_id)
    .join(Site, Site.id == Placement.site_id)
    .join(_Supervisor, _Supervisor.id == Placement.supervisor_id)
    .where(Enrollment.student_id == bindparam("student_id"))
    .order_by(*STUDENT_PLACEMENT_ORDER)
    .limit(1)
)


def student_externship(student_id: int) -> tuple[StudentPlacement, Totals] | None:
    """The student's open placement, else their latest, with its site's and supervisor's
    names and hour totals (their home page's card): one statement, only the columns the card
    shows (no ORM objects to build)."""
    # Plain columns: run on the session's connection (its transaction), past the ORM's steps.
    params = {"student_id": student_id}
    row = db.session.connection().execute(_STUDENT_PLACEMENT, params).first()
    if row is None:
        return None
    pid, site, supervisor, start, end, required, confirmed, pending = row
    placement = StudentPlacement(pid, Named(site), Named(supervisor), start, end)
    return placement, Totals(Decimal(str(confirmed)), Decimal(str(pending)), required)


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

    evaluated = select(Evaluation.id).where(Evaluation.placement_id == Placement.id).exists()
    row = db.session.execute(
        select(
            Placement,
            _placement_hours(LogStatus.CONFIRMED),
            _placement_hours(LogStatus.PENDING),
            evaluated,
        )
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


def hours_short(placement: Placement) -> tuple[Decimal, Decimal] | None:
    """(confirmed, required) hours while the confirmed hours are below the requirement, else
    None: an evaluation sent now is sent before the hours are complete."""
    confirmed = confirmed_hours(placement.id)
    return (confirmed, placement.required_hours) if confirmed < placement.required_hours else None


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
