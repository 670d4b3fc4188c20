"""Reads for the dashboard, the outbox and the audit log."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import User
from school.certifications.models import Attempt, AwardedCredential, Credential
from school.cohorts.models import Cohort, Course, Enrollment, Program
from school.extensions import db
from school.internships.models import HourLog, Placement, Site
from school.mail import OutboxMessage
from school.outcomes.models import Job
from school.pagination import Page, paginate
from school.reports.models import IssuedTranscript


def list_outbox(*, page: int, per_page: int, status: str | None = None) -> Page[OutboxMessage]:
    stmt = select(OutboxMessage)
    if status == "pending":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None))
    elif status == "failed":
        stmt = stmt.where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
    elif status == "sent":
        stmt = stmt.where(OutboxMessage.sent_at.is_not(None))
    return paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort="created",
        direction="desc",
        sortable={"created": OutboxMessage.created_at},
        default_sort="created",
        tiebreak=OutboxMessage.id.desc(),
    )


def count_unsent_mail() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )


AUDIT_SORTS = {"when": AuditEvent.occurred_at, "action": AuditEvent.action}
# Sign-ins and sign-outs, successful or not: hidden unless asked for, so that changes and
# disclosures are not buried under them.
SIGN_IN_ACTIONS = ("auth.login", "auth.login_failed", "auth.logout")


@dataclass(frozen=True)
class Named:
    """A record an audit entry refers to: what it is, its name as it reads today, and the
    admin page that shows it (an endpoint and its arguments), when there is one."""

    kind: str
    label: str
    endpoint: str | None = None
    args: Mapping[str, int] = field(default_factory=dict)
    code: str = ""  # a code or serial shown before the label, never broken


@dataclass(frozen=True)
class Fields:
    """An object stored in an entry's details (e.g. one grade change), key by key."""

    fields: list[tuple[str, Any]]


@dataclass(frozen=True)
class AuditRow:
    """One entry of the audit log as the page shows it: the event, its record by name (None
    when it has none; ``#id`` when the record is gone or of a kind not named here), and its
    details with ids of known records replaced by :class:`Named` and ISO dates by dates."""

    event: AuditEvent
    subject: Named | None
    details: list[tuple[str, Any]]
    actor_name: str
    actor_email: str


def list_audit_events(
    *,
    page: int,
    per_page: int,
    sort: str | None = None,
    direction: str | None = "desc",
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    sign_ins: bool = False,
) -> Page[AuditRow]:
    """One page of the audit log, newest first by default, without sign-ins unless
    ``sign_ins``. Records are named in at most one statement per kind of record on the page
    (:data:`NAMERS`), whatever the number of entries: 2 + len(NAMERS) statements at most."""
    stmt = select(AuditEvent)
    if not sign_ins:
        stmt = stmt.where(AuditEvent.action.not_in(SIGN_IN_ACTIONS))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    result = paginate(
        db.session,
        stmt,
        page=page,
        per_page=per_page,
        sort=sort,
        direction=direction or "desc",
        sortable=AUDIT_SORTS,
        default_sort="when",
        tiebreak=AuditEvent.id.desc(),
    )
    return Page(
        audit_rows(result.items),
        result.page,
        result.per_page,
        result.total,
        result.sort,
        result.direction,
    )


# --- naming the records an entry refers to ---------------------------------------------------

# Keys of ``details`` that hold the id of a record of a kind (``subject_type``).
DETAIL_REFERENCES = {
    "student": "users",
    "user": "users",
    "instructors": "users",
    "enrollment": "enrollments",
}
# Keys of ``details`` whose values are codes or serials (shown unbroken).
CODE_KEYS = frozenset({"serial", "code", "cohort", "program", "course", "credential"})
MAX_ID = 2**63 - 1
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
ACTOR = re.compile(r"(?P<name>.*?) <(?P<email>[^<>]+)>(?P<rest>.*)")


def _record_id(value: Any) -> int | None:
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


def _attempts(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(Attempt.id, Credential.code, User.name)
        .join(Credential, Attempt.credential_id == Credential.id)
        .join(User, Attempt.student_id == User.id)
        .where(Attempt.id.in_(ids))
    )
    return {i: Named("Exam attempt", name, code=code) for i, code, name in rows}


def _awards(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        select(AwardedCredential.id, Credential.code, User.name)
        .join(Credential, AwardedCredential.credential_id == Credential.id)
        .join(User, AwardedCredential.student_id == User.id)
        .where(AwardedCredential.id.in_(ids))
    )
    return {i: Named("Credential", name, code=code) for i, code, name in rows}


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


def _references(key: str, value: Any) -> Iterable[tuple[str, int]]:
    """The (kind, id) pairs a detail refers to, nested lists and objects included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _references(k, v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(key, v)
    elif key in DETAIL_REFERENCES and (number := _record_id(value)) is not None:
        yield DETAIL_REFERENCES[key], number


def _detail(key: str, value: Any, names: Mapping[tuple[str, int], Named]) -> Any:
    """A detail as the page shows it: a known record by name, an ISO date or moment as a
    date or datetime, lists and objects item by item; anything else as stored."""
    if isinstance(value, dict):
        return Fields([(k, _detail(k, v, names)) for k, v in value.items()])
    if isinstance(value, list):
        return [_detail(key, v, names) for v in value]
    if key in DETAIL_REFERENCES and (number := _record_id(value)) is not None:
        return names.get((DETAIL_REFERENCES[key], number), value)
    if isinstance(value, str):
        if ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        if ISO_MOMENT.fullmatch(value):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
    return value


def _actor(label: str) -> tuple[str, str]:
    """The name and email of the snapshot "Name <email>" (the rest, e.g. "(employer, by
    emailed link)", stays with the name); a label without an email is all name."""
    m = ACTOR.fullmatch(label)
    if m is None:
        return label, ""
    return (m["name"] + m["rest"]).strip(), m["email"]


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Name the records ``events`` refer to (subjects, and ids in their details): one
    statement per kind of record among them."""
    events = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.subject_type in NAMERS and (number := _record_id(e.subject_id)) is not None:
            wanted[e.subject_type].add(number)
        for kind, number in _references("", e.details or {}):
            wanted[kind].add(number)
    names: dict[tuple[str, int], Named] = {}
    for kind, ids in wanted.items():
        for number, named in NAMERS[kind](ids).items():
            names[(kind, number)] = named
    rows = []
    for e in events:
        subject = None
        if e.subject_type:
            number = _record_id(e.subject_id)
            subject = names.get((e.subject_type, number)) if number is not None else None
            if subject is None:
                kind = KINDS.get(e.subject_type, e.subject_type.replace("_", " ").capitalize())
                subject = Named(kind, f"#{e.subject_id}" if e.subject_id else "")
        details = [(k, _detail(k, v, names)) for k, v in (e.details or {}).items()]
        name, email = _actor(e.actor_label)
        rows.append(AuditRow(e, subject, details, name, email))
    return rows


def recent_audit_events(limit: int = 8) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
