"""Who may manage programs and curricula."""

from __future__ import annotations

from school.auth.models import Role, User
from school.cohorts.models import Cohort, Course, Enrollment, Program


def can_manage_program(actor: User, program: Program) -> bool:
    return actor.role == Role.ADMIN


def can_manage_course(actor: User, course: Course) -> bool:
    return actor.role == Role.ADMIN


def can_manage_cohort(actor: User, cohort: Cohort) -> bool:
    """Administrators manage cohorts; instructors will see the cohorts they teach (gradebook)."""
    return actor.role == Role.ADMIN


def can_manage_enrollment(actor: User, enrollment: Enrollment) -> bool:
    return actor.role == Role.ADMIN
