"""Every model module, imported so the metadata knows all tables (migrations, tests)."""

from school.audit import AuditEvent
from school.auth.models import AuthToken, LoginThrottle, User
from school.certifications.models import (
    Attempt,
    AwardedCredential,
    CeuEntry,
    Credential,
    MilestonePlan,
    MilestoneStep,
    StepResult,
)
from school.cohorts.models import (
    Assessment,
    Cohort,
    Course,
    CourseMark,
    Enrollment,
    EnrollmentChange,
    Program,
    Score,
)
from school.internships.models import Agreement, Evaluation, HourLog, Placement, Site
from school.links import EmailedLink, EmailedLinkItem
from school.mail import OutboxMessage
from school.outcomes.models import Job, Unavailability
from school.reports.models import Disclosure, IssuedTranscript

__all__ = [
    "Agreement",
    "Assessment",
    "Attempt",
    "AuditEvent",
    "AuthToken",
    "AwardedCredential",
    "CeuEntry",
    "Cohort",
    "Course",
    "CourseMark",
    "Credential",
    "Disclosure",
    "EmailedLink",
    "EmailedLinkItem",
    "Enrollment",
    "EnrollmentChange",
    "Evaluation",
    "HourLog",
    "IssuedTranscript",
    "Job",
    "LoginThrottle",
    "MilestonePlan",
    "MilestoneStep",
    "OutboxMessage",
    "Placement",
    "Program",
    "Score",
    "Site",
    "StepResult",
    "Unavailability",
    "User",
]
