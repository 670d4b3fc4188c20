"""The demo's past cohort finishing: externships (160 confirmed hours and the supervisor's
evaluation) and graduations, each through the same checks as the registrar's button."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import click

from school.auth.models import User
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.services import change_enrollment_status
from school.demo.data import DEMO_PAST_EXTERNSHIPS, DEMO_PAST_LOG_WORK
from school.demo.people import user_by_email
from school.internships.models import RATINGS, DecisionChannel, Placement, Site
from school.internships.services import (
    LogData,
    PlacementData,
    add_agreement,
    add_log,
    agreement_in_force,
    create_placement,
    decide_logs,
    submit_evaluation,
)


def graduate(enrollments: list[Enrollment], sites: dict[str, Site]) -> None:
    """The past cohort's externships and graduations (DEMO_PAST_EXTERNSHIPS)."""
    cohort = enrollments[0].cohort
    registrar = user_by_email("registrar@demo.school")
    first_day = cohort.end_date - dt.timedelta(weeks=6)
    _earlier_agreements(cohort, sites, first_day)
    rng = random.Random(1125)  # noqa: S311 (demo data, not a secret)
    with click.progressbar(
        sorted(DEMO_PAST_EXTERNSHIPS.items()), label=f"Demo graduates ({cohort.code})"
    ) as bar:
        for index, (site_name, late) in bar:
            enrollment = enrollments[index]
            site = sites[site_name]
            boss = site.supervisors[0]
            start = first_day + dt.timedelta(days=late)
            placement = _place(enrollment, site, boss, start, by=registrar)
            last = _log_hours(placement, enrollment, boss)
            submit_evaluation(
                placement=placement,
                ratings={name: rng.choice((4, 4, 5, 5, 5, 3)) for name, _label in RATINGS},
                comments="Accurate, careful coder; asked good questions about documentation.",
                would_hire=index != 7,  # Ivy took a job outside the field
                by=boss,
            )
            change_enrollment_status(
                enrollment=enrollment,
                to_status=EnrollmentStatus.GRADUATED,
                effective_date=max(cohort.end_date, last) + dt.timedelta(days=4),
                reason="Completed every course and the externship",
                last_attendance_date=None,
                by=registrar,
            )


def _earlier_agreements(cohort: Cohort, sites: dict[str, Site], first_day: dt.date) -> None:
    """The agreement, before the current one, of each site that took the past cohort."""
    # In the order of the sites' ids, so that every load numbers the agreements alike.
    taken = {sites[name] for name, _late in DEMO_PAST_EXTERNSHIPS.values()}
    for site in sorted(taken, key=lambda site: site.id):
        if agreement_in_force(site, first_day) is None:
            add_agreement(
                site=site,
                signed_on=cohort.start_date - dt.timedelta(days=365),
                expires_on=min(a.signed_on for a in site.agreements) - dt.timedelta(days=1),
                note="Earlier agreement (since renewed)",
            )


def _place(
    enrollment: Enrollment, site: Site, boss: User, start: dt.date, *, by: User
) -> Placement:
    """A six-week placement from ``start``."""
    return create_placement(
        enrollment=enrollment,
        data=PlacementData(
            site_id=site.id,
            supervisor_id=boss.id,
            start_date=start,
            end_date=start + dt.timedelta(weeks=6),
            required_hours=Decimal(enrollment.cohort.program.externship_hours),
        ),
        by=by,
    )


def _log_hours(placement: Placement, enrollment: Enrollment, boss: User) -> dt.date:
    """Twenty weekdays of eight hours from the start, all confirmed: the last day."""
    logged: list[int] = []
    day = last = placement.start_date
    while len(logged) < 20:
        if day.weekday() < 5:
            log = add_log(
                placement=placement,
                data=LogData(day, "8", DEMO_PAST_LOG_WORK[len(logged) % 4]),
                by=enrollment.student,
            )
            logged.append(log.id)
        last = day
        day += dt.timedelta(days=1)
    decide_logs(
        log_ids=logged, decision="confirm", note="", by=boss,
        via=DecisionChannel.PORTAL, ip=None, user_agent=None,
    )  # fmt: skip
    return last
