"""Reads about sites: the sites list, a site's page, the choices of the placement form,
the agreement in force on a day and who supervises where."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from school.auth.models import Role, User
from school.cohorts.models import Enrollment
from school.extensions import db
from school.internships.models import (
    Agreement,
    Placement,
    PlacementStatus,
    Site,
    site_supervisors,
)
from school.pagination import Listing, Page, Sorts, paginate

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


SITE_SORTS = Sorts(
    {"name": Site.name, "setting": Site.setting_type}, default="name", tiebreak=Site.id
)


def list_sites(
    listing: Listing,
    *,
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
        listing,
        SITE_SORTS.with_columns({"expires": latest.c.expires_on}),
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
    return result.with_items(rows)


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


def agreement_in_force(site: Site, on: dt.date) -> Agreement | None:
    """The agreement covering ``on`` (signed on or before, expiring on or after)."""
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.site_id == site.id, Agreement.signed_on <= on, Agreement.expires_on >= on)
        .order_by(Agreement.expires_on.desc())
        .limit(1)
    )


def supervises(user: User, site_id: int) -> bool:
    """Whether ``user`` is one of the site's supervisors (one statement)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(site_supervisors)
            .where(site_supervisors.c.user_id == user.id, site_supervisors.c.site_id == site_id)
        )
        or 0
    ) > 0
