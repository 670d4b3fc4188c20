"""Writes of the cohorts domain, by topic:

- programs.py: programs and their curricula (courses)
- cohorts.py: cohorts, and inviting their students who have no password yet
- enrollments.py: enrolling, re-entries and status changes

Names used outside school.cohorts are re-exported here.
"""

from school.cohorts.services.cohorts import CohortData, create_cohort
from school.cohorts.services.enrollments import (
    UNMET_REQUIREMENTS,
    change_enrollment_status,
    enroll_student,
    reenter_student,
)
from school.cohorts.services.programs import (
    CLOCK_HOURS,
    DAILY_HOUR_CAP,
    CourseData,
    ProgramData,
    add_course,
    create_program,
)

__all__ = [
    "CLOCK_HOURS",
    "DAILY_HOUR_CAP",
    "UNMET_REQUIREMENTS",
    "CohortData",
    "CourseData",
    "ProgramData",
    "add_course",
    "change_enrollment_status",
    "create_cohort",
    "create_program",
    "enroll_student",
    "reenter_student",
]
