"""Who may see or change programs, cohorts, enrollments and grades."""

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


def can_teach_cohort(actor: User, cohort: Cohort) -> bool:
    """Gradebook and overview: administrators, and the cohort's own instructors."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.INSTRUCTOR and any(u.id == actor.id for u in cohort.instructors)


def can_view_progress(actor: User, enrollment: Enrollment) -> bool:
    """A student's progress: the student, the cohort's instructors and administrators."""
    if actor.role == Role.STUDENT:
        return enrollment.student_id == actor.id
    return can_teach_cohort(actor, enrollment.cohort)
