"""Every model module, imported so the metadata knows all tables (migrations, tests)."""

from school.audit import AuditEvent
from school.auth.models import AuthToken, LoginThrottle, User
from school.cohorts.models import Cohort, Course, Enrollment, EnrollmentChange, Program
from school.mail import OutboxMessage

__all__ = [
    "AuditEvent",
    "AuthToken",
    "Cohort",
    "Course",
    "Enrollment",
    "EnrollmentChange",
    "LoginThrottle",
    "OutboxMessage",
    "Program",
    "User",
]
