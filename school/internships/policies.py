"""Who may see or act on externship records."""

from __future__ import annotations

from school.auth.models import Role, User
from school.internships.models import HourLog, Placement, Site
from school.internships.queries.sites import supervises


def can_manage_site(actor: User, site: Site) -> bool:
    return actor.role == Role.ADMIN


def can_manage_placement(actor: User, placement: Placement) -> bool:
    return actor.role == Role.ADMIN


def can_edit_log(actor: User, log: HourLog) -> bool:
    """The student whose log it is."""
    return actor.role == Role.STUDENT and log.placement.enrollment.student_id == actor.id


def can_evaluate(actor: User, placement: Placement) -> bool:
    """A supervisor attached to the placement's site."""
    return actor.role == Role.EMPLOYER and supervises(actor, placement.site_id)
