"""Naming the records audit entries refer to: an entry's subject and the ids in its details
(a student, an enrollment, instructors…) read as the record's name today, with the admin page
that shows it. Names come from one statement per kind of record (:data:`NAMERS`), for all the
ids of that kind at once, never one per entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from school.audit import AuditEvent
from school.auth.models import User
from school.certifications.models import Attempt, AwardedCredential, Credential
from school.cohorts.models import Cohort, Course, Enrollment, Program
from school.extensions import db
from school.internships.models import HourLog, Placement, Site
from school.outcomes.models import Job
from school.reports.models import IssuedTranscript


@dataclass(frozen=True)
class Named:
    """A record an audit entry refers to: what it is, its name as it reads today, and the
    admin page that shows it (an endpoint and its arguments), when there is one."""

    kind: str
    label: str
    endpoint: str | None = None
    args: Mapping[str, int] = field(default_factory=dict)
    code: str = ""  # a code or serial shown before the label, never broken


# Keys of ``details`` that hold the id of a record of a kind (``subject_type``).
DETAIL_REFERENCES = {
    "student": "users",
    "user": "users",
    "instructors": "users",
    "enrollment": "enrollments",
}
MAX_ID = 2**63 - 1


def record_id(value: Any) -> int | None:
    """An id as the log stores it (a number, or digits in a string); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def _users(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {i: Named("Account", name, "auth.user_detail", {"user_id": i}) for i, name in rows}


def _enrollments(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Enrollment.id, User.name, Cohort.code)
        .join(User, Enrollment.student_id == User.id)
        .join(Cohort, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.id.in_(ids))
    )
    return {
        i: Named("Enrollment", name, "cohorts.enrollment_detail", {"enrollment_id": i}, code)
        for i, name, code in rows
    }


def _cohorts(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(select(Cohort.id, Cohort.code).where(Cohort.id.in_(ids)))
    return {
        i: Named("Cohort", "", "cohorts.cohort_detail", {"cohort_id": i}, code) for i, code in rows
    }


def _programs(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Program.id, Program.code, Program.name).where(Program.id.in_(ids))
    )
    return {
        i: Named("Program", name, "cohorts.program_detail", {"program_id": i}, code)
        for i, code, name in rows
    }


def _courses(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Course.id, Course.code, Course.title, Course.program_id).where(Course.id.in_(ids))
    )
    return {
        i: Named("Course", title, "cohorts.program_detail", {"program_id": program}, code)
        for i, code, title, program in rows
    }


def _sites(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(select(Site.id, Site.name).where(Site.id.in_(ids)))
    return {i: Named("Site", name, "internships.site_detail", {"site_id": i}) for i, name in rows}


def _placements(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Placement.id, User.name, Site.name)
        .join(Enrollment, Placement.enrollment_id == Enrollment.id)
        .join(User, Enrollment.student_id == User.id)
        .join(Site, Placement.site_id == Site.id)
        .where(Placement.id.in_(ids))
    )
    return {
        i: Named(
            "Placement", f"{name} at {site}", "internships.placement_detail", {"placement_id": i}
        )
        for i, name, site in rows
    }


def _hour_logs(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(HourLog.id, HourLog.placement_id, User.name, Site.name)
        .join(Placement, HourLog.placement_id == Placement.id)
        .join(Enrollment, Placement.enrollment_id == Enrollment.id)
        .join(User, Enrollment.student_id == User.id)
        .join(Site, Placement.site_id == Site.id)
        .where(HourLog.id.in_(ids))
    )
    return {
        i: Named(
            "Hour log",
            f"{name} at {site}",
            "internships.placement_detail",
            {"placement_id": placement},
        )
        for i, placement, name, site in rows
    }


def _student_credentials(model: Any, label: str, ids: set[int]) -> dict[int, Named]:
    """Rows of ``model`` (an exam attempt or an awarded credential: a student's record of a
    credential) named by the student, with the credential's code."""
    rows = db.session.execute(
        select(model.id, Credential.code, User.name)
        .join(Credential, model.credential_id == Credential.id)
        .join(User, model.student_id == User.id)
        .where(model.id.in_(ids))
    )
    return {i: Named(label, name, code=code) for i, code, name in rows}


def _attempts(ids: set[int]) -> dict[int, Named]:
    return _student_credentials(Attempt, "Exam attempt", ids)


def _awards(ids: set[int]) -> dict[int, Named]:
    return _student_credentials(AwardedCredential, "Credential", ids)


def _transcripts(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(
            IssuedTranscript.id, IssuedTranscript.serial, IssuedTranscript.enrollment_id, User.name
        )
        .join(User, IssuedTranscript.student_id == User.id)
        .where(IssuedTranscript.id.in_(ids))
    )
    return {
        i: Named(
            "Official transcript",
            name,
            "reports.official_transcripts",
            {"enrollment_id": enrollment},
            serial,
        )
        for i, serial, enrollment, name in rows
    }


def _jobs(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Job.id, Job.job_title, Job.employer, Job.enrollment_id, User.name)
        .join(Enrollment, Job.enrollment_id == Enrollment.id)
        .join(User, Enrollment.student_id == User.id)
        .where(Job.id.in_(ids))
    )
    return {
        i: Named(
            "Job",
            f"{name}: {title} at {employer}",
            "outcomes.graduate",
            {"enrollment_id": enrollment},
        )
        for i, title, employer, enrollment, name in rows
    }


# One statement per kind, for all the page's ids of that kind.
NAMERS: dict[str, Callable[[set[int]], dict[int, Named]]] = {
    "users": _users,
    "enrollments": _enrollments,
    "cohorts": _cohorts,
    "programs": _programs,
    "courses": _courses,
    "sites": _sites,
    "placements": _placements,
    "hour_logs": _hour_logs,
    "certification_attempts": _attempts,
    "awarded_credentials": _awards,
    "official_transcripts": _transcripts,
    "employment_jobs": _jobs,
}
KINDS = {
    "users": "Account",
    "enrollments": "Enrollment",
    "cohorts": "Cohort",
    "programs": "Program",
    "courses": "Course",
    "sites": "Site",
    "placements": "Placement",
    "hour_logs": "Hour log",
    "certification_attempts": "Exam attempt",
    "awarded_credentials": "Credential",
    "official_transcripts": "Official transcript",
    "employment_jobs": "Job",
    "ceu_entries": "CEU entry",
    "milestone_plans": "Exam-prep plan",
    "employment_unavailable": "Unavailability",
}


def references(key: str, value: Any) -> Iterable[tuple[str, int]]:
    """The (kind, id) pairs a detail refers to, nested lists and objects included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from references(k, v)
    elif isinstance(value, list):
        for v in value:
            yield from references(key, v)
    elif key in DETAIL_REFERENCES and (number := record_id(value)) is not None:
        yield DETAIL_REFERENCES[key], number


def name_records(events: Iterable[AuditEvent]) -> dict[tuple[str, int], Named]:
    """The records ``events`` refer to (their subjects and the ids in their details), by
    (kind, id): one statement per kind of record among them. A record that is gone, or of a
    kind not named here, is left out."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.subject_type in NAMERS and (number := record_id(e.subject_id)) is not None:
            wanted[e.subject_type].add(number)
        for kind, number in references("", e.details or {}):
            wanted[kind].add(number)
    names: dict[tuple[str, int], Named] = {}
    for kind, ids in wanted.items():
        for number, named in NAMERS[kind](ids).items():
            names[(kind, number)] = named
    return names


def subject_of(event: AuditEvent, names: Mapping[tuple[str, int], Named]) -> Named | None:
    """The record ``event`` is about, by name from ``names``; ``#id`` under its kind when it
    is gone or of a kind not named here; None when the event has no subject."""
    if not event.subject_type:
        return None
    number = record_id(event.subject_id)
    subject = names.get((event.subject_type, number)) if number is not None else None
    if subject is None:
        kind = KINDS.get(event.subject_type, event.subject_type.replace("_", " ").capitalize())
        subject = Named(kind, f"#{event.subject_id}" if event.subject_id else "")
    return subject
