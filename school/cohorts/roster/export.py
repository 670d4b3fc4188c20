"""Roster and grade export (reads) as CSV: the roster in the import's columns, so it imports
back unchanged."""

from __future__ import annotations

from school.auth.models import User
from school.cohorts.models import Cohort
from school.cohorts.queries import cohort_roster
from school.cohorts.roster.parsing import COLUMNS
from school.cohorts.standings import cohort_overview
from school.csvfile import csv_text
from school.pagination import Listing


def _split_name(user: User) -> tuple[str, str]:
    if user.first_name or user.last_name:
        return user.first_name or "", user.last_name or ""
    first, _, last = user.name.rpartition(" ")
    return (first, last) if first else (user.name, "")


def roster_csv(cohort: Cohort) -> str:
    """The cohort's students in the import's columns (it imports back unchanged), plus
    status columns at the end."""
    return csv_text(
        [*COLUMNS, "status", "status_date"],
        (
            [
                e.student.student_number,
                *_split_name(e.student),
                e.student.email,
                e.student.phone,
                e.start_date.isoformat(),
                e.status.value,
                e.status_date.isoformat(),
            ]
            for e in cohort_roster(cohort.id)
        ),
    )


def grades_csv(cohort: Cohort) -> str:
    """One row per student: each course's percent and letter (or W / I / TC), then credits
    and GPA."""
    overview = cohort_overview(cohort, Listing(1, 10**6, "name", "asc"))
    courses = cohort.program.courses
    header = ["student_number", "first_name", "last_name", "email", "status"]
    for c in courses:
        header += [f"{c.code} percent", f"{c.code} grade"]
    header += ["credits_attempted", "credits_earned", "gpa"]
    lines = []
    for row in overview.page.items:
        e, s = row.enrollment, row.standing
        line: list[object] = [
            e.student.student_number,
            *_split_name(e.student),
            e.student.email,
            e.status.value,
        ]
        for r in s.results:
            line += [r.percent if r.percent is not None else "", r.letter or ""]
        line += [
            f"{s.credits_attempted.normalize():f}",
            f"{s.credits_earned.normalize():f}",
            s.gpa if s.gpa is not None else "",
        ]
        lines.append(line)
    return csv_text(header, lines)
