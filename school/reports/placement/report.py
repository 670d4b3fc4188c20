"""What the cohort placement report holds: the frozen :class:`PlacementReportData` that
:mod:`.data` builds and :mod:`.pdf` and :mod:`.csv` render, and the labels they print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from school.cohorts.models import EnrollmentStatus

PLACEMENT_STATES = {
    "none": "No placement",
    "scheduled": "Scheduled",
    "active": "Active",
    "completed": "Completed",
    "ended_early": "Ended early",
}
EMPLOYMENT_SHORT = {
    "in_field": "In field",
    "related_field": "Related field",
    "unrelated": "Unrelated",
    "unavailable": "Unavailable",
    "unknown": "Unknown",
}
ENROLLMENT_STATES = {
    EnrollmentStatus.ACTIVE: "Active",
    EnrollmentStatus.LEAVE_OF_ABSENCE: "Leave of absence",
    EnrollmentStatus.WITHDRAWN: "Withdrawn",
    EnrollmentStatus.GRADUATED: "Graduated",
}
ONE = Decimal("0.1")


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class SettingCount:
    label: str
    sites: int
    placements: int


@dataclass(frozen=True)
class Competency:
    label: str
    average: Decimal | None  # of 1–5, one decimal; None without any evaluation


@dataclass(frozen=True)
class ExamLine:
    credential: str
    sat: int
    passed: int
    passed_first: int
    pass_rate: Decimal | None  # percent, two decimals (formats.percent_of)
    first_attempt_rate: Decimal | None


@dataclass(frozen=True)
class StudentLine:
    name: str
    student_number: str
    status: str  # enrollment status, e.g. "Graduated"
    site: str  # "" without a placement
    setting: str  # the site's setting type label, "" without a placement
    placement: str  # key of PLACEMENT_STATES
    confirmed: Decimal | None  # None without a placement
    required: Decimal | None
    complete: bool
    evaluation: Decimal | None  # the placement's evaluation average
    employment: str  # key of STATUSES for a graduate, "" otherwise
    exam: str  # e.g. "CPC passed (1st attempt)", "" when no verified attempt


@dataclass(frozen=True)
class PlacementReportData:
    school: str
    school_address: str
    cohort: str
    program: str
    dates: str  # the cohort's first and last day, as printed
    as_of: dt.date
    as_of_label: str
    students: tuple[StudentLine, ...]
    states: tuple[Count, ...]  # every key of PLACEMENT_STATES, in order
    placed: int
    confirmed_hours: Decimal
    required_hours: Decimal
    hours_met: int
    complete: int
    settings: tuple[SettingCount, ...]  # every setting type, in the enum's order
    evaluations: int
    would_hire: int
    competencies: tuple[Competency, ...]
    graduates: int
    employment: tuple[Count, ...]  # every key of STATUSES, in order
    median_salary: Decimal | None
    salaries: int  # how many salaries the median is taken from
    exams: tuple[ExamLine, ...]

    def employed(self, key: str) -> int:
        return next(c.count for c in self.employment if c.key == key)

    @property
    def placement_rate(self) -> tuple[int, int]:
        """(F + R, G − U), the outcome rates' placement fraction for the cohort."""
        return (
            self.employed("in_field") + self.employed("related_field"),
            self.graduates - self.employed("unavailable"),
        )
