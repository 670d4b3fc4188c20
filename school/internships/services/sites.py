"""Writes for sites: a site's details, its affiliation agreements and its supervisors.
Validate first, raise one DomainError listing every problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from school.audit import record_event
from school.auth.models import Role, User
from school.auth.services import email_problem, invite_user, normalize_email
from school.database import school_today
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.internships.models import (
    Agreement,
    SettingType,
    Site,
)


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
