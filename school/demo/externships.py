"""The demo's externship sites and the running cohort's placements three weeks in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.cohorts.models import Enrollment
from school.database import school_today
from school.demo.data import DEMO_LOG_WORK, DEMO_PLACEMENTS, DEMO_SITES, demo_email
from school.extensions import db
from school.internships.models import RATINGS, DecisionChannel, Placement, Site
from school.internships.services import (
    LogData,
    PlacementData,
    SiteData,
    add_agreement,
    add_log,
    create_placement,
    create_site,
    decide_logs,
    request_confirmations,
    submit_evaluation,
)


def externships(users: dict[str, User], enrollments: list[Enrollment]) -> dict[str, Site]:
    """Four sites (one agreement expiring soon, one expired), two supervisors and four
    placements three weeks in: confirmed, pending and needs-information logs; Omar Haddad
    evaluated Rosa early, before his leave. Both supervisors were emailed a link for the
    logs still pending."""
    today = school_today()
    sites = create_sites(users, today)
    rosa = db.session.scalar(
        select(Enrollment)
        .join(User, User.id == Enrollment.student_id)
        .where(User.email == demo_email("Rosa", "Delgado"))
    )
    assert rosa is not None
    placed = [*enrollments[:3], rosa]
    for index, site_name, boss_email, days in DEMO_PLACEMENTS:
        enrollment, boss = placed[index], users[boss_email]
        placement = _place(enrollment, sites[site_name], boss, today)
        logged = _log_days(placement, enrollment, days, today)
        _decide(logged, boss)
        if enrollment is rosa:
            submit_evaluation(
                placement=placement,
                ratings={name: 4 for name, _label in RATINGS},
                comments="Submitted early, before my leave: based on her first three weeks.",
                would_hire=True,
                by=boss,
                before_hours_complete=True,
            )
    request_confirmations(by=users["registrar@demo.school"])
    return sites


def create_sites(users: dict[str, User], today: dt.date) -> dict[str, Site]:
    """The sites of DEMO_SITES with their agreements and supervisors, by name."""
    sites = {}
    for name, setting, address, contact, boss, signed, expires in DEMO_SITES:
        site = create_site(
            data=SiteData(
                name=name, setting_type=setting.value, address=address, contact_name=contact
            )
        )
        add_agreement(
            site=site,
            signed_on=today + dt.timedelta(days=signed),
            expires_on=today + dt.timedelta(days=expires),
            note="Signed copy in the externship binder",
        )
        if boss:
            site.supervisors.append(users[boss])
        sites[name] = site
    return sites


def _place(enrollment: Enrollment, site: Site, boss: User, today: dt.date) -> Placement:
    """A placement that began three weeks ago and ends in two months."""
    return create_placement(
        enrollment=enrollment,
        data=PlacementData(
            site_id=site.id,
            supervisor_id=boss.id,
            start_date=today - dt.timedelta(days=21),
            end_date=today + dt.timedelta(days=60),
            required_hours=Decimal(enrollment.cohort.program.externship_hours),
        ),
        by=None,
    )


def _log_days(placement: Placement, enrollment: Enrollment, days: int, today: dt.date) -> list[int]:
    """The student's logs of the first ``days`` weekdays before today: their ids."""
    logged: list[int] = []
    day = placement.start_date
    while len(logged) < days and day < today:
        if day.weekday() < 5:
            log = add_log(
                placement=placement,
                data=LogData(
                    day, "8" if len(logged) % 3 else "7.5", DEMO_LOG_WORK[len(logged) % 4]
                ),
                by=enrollment.student,
            )
            logged.append(log.id)
        day += dt.timedelta(days=1)
    return logged


def _decide(logged: list[int], boss: User) -> None:
    """The supervisor confirmed all but the last two logs; of five, asked about the last."""
    confirm = logged[:-2] if len(logged) > 2 else []
    if confirm:
        decide_logs(
            log_ids=confirm, decision="confirm", note="", by=boss,
            via=DecisionChannel.PORTAL, ip=None, user_agent=None,
        )  # fmt: skip
    if len(logged) == 5:
        decide_logs(
            log_ids=logged[-1:], decision="needs_info",
            note="Please list the chart types you coded that day.", by=boss,
            via=DecisionChannel.PORTAL, ip=None, user_agent=None,
        )  # fmt: skip
