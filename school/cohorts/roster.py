"""Roster import (a write, all or nothing) and roster/grade export (reads) as CSV.

Import: the whole file is checked first; every problem is reported with its line and column
and nothing is written unless there is none. Students are matched by student number, so
importing the same file again changes nothing. Writes are bulk statements (a 10,000-row roster
is a handful of INSERTs), in the caller's transaction; the caller commits once.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.audit import record_event, record_events
from school.auth.models import Role, User
from school.auth.services import email_problem, normalize_email, send_invitation
from school.bulk import bulk_insert
from school.cohorts.models import Cohort, Enrollment, EnrollmentChange, EnrollmentStatus
from school.cohorts.services import OPEN_STATUSES, STUDENT_NUMBER_RE
from school.cohorts.standings import cohort_overview
from school.csvfile import csv_text
from school.database import school_today, utcnow
from school.errors import DomainError
from school.extensions import db

REQUIRED = ("student_number", "first_name", "last_name", "email")
OPTIONAL = ("phone", "start_date")
COLUMNS = REQUIRED + OPTIONAL
IGNORED = ("status", "status_date")  # our export's read-only columns, so it imports back
MAX_ROWS = 20_000
PHONE_RE = re.compile(r"^[0-9 +().\-x]{7,30}$")
CHUNK = 5000  # values per IN list: below SQLite (32,766) and PostgreSQL (65,535) limits


@dataclass(frozen=True, order=True)
class LineProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RosterRejected(DomainError):
    """The file was refused; ``lines`` lists every problem in file order. Nothing was written."""

    def __init__(self, lines: Iterable[LineProblem]) -> None:
        self.lines = sorted(lines)
        super().__init__({"file": [str(p) for p in self.lines]})


@dataclass
class ImportSummary:
    rows: int = 0
    enrolled: int = 0
    new_accounts: int = 0
    unchanged: int = 0
    updated: int = 0
    invited: int = 0

    def describe(self) -> str:
        parts = [f"{self.rows} row{'s' if self.rows != 1 else ''} read"]
        parts.append(f"{self.enrolled} enrolled ({self.new_accounts} new accounts)")
        parts.append(f"{self.updated} updated")
        parts.append(f"{self.unchanged} already on the roster, unchanged")
        if self.invited:
            parts.append(f"{self.invited} invitations queued")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class Row:
    line: int
    student_number: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    start_date: dt.date | None


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused with the line
    of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterRejected(
            [
                LineProblem(
                    line,
                    "",
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} cannot be read). "
                    "Save it as “CSV UTF-8” and import it again.",
                )
            ]
        ) from None


# A plain ASCII address (dot-atom local part, letters/digits/hyphens domain) is valid exactly
# when its domain is: so the full check runs once per distinct domain, not once per row (a
# roster has a handful of domains; the check is most of the time of a 10,000-row import).
PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@functools.lru_cache(maxsize=1024)
def _domain_problem(domain: str) -> bool:
    return email_problem(f"a@{domain}") is not None


def _email_problem(email: str) -> str | None:
    local, _, domain = email.rpartition("@")
    plain = len(email) <= 254 and len(local) <= 64 and PLAIN_LOCAL.match(local)
    if plain and domain.isascii() and not _domain_problem(domain):
        return None
    return email_problem(email)


def _has_control(value: str) -> bool:
    """A line break, tab, zero-width or other control or format character."""
    if value.isprintable():  # the fast answer for nearly every cell
        return False
    return any(unicodedata.category(ch)[0] == "C" for ch in value)


def _unneutralise(value: str) -> str:
    """Undo this app's own export guard: a leading apostrophe before = + - @."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells); csv errors become line problems."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RosterRejected(
                [LineProblem(line, "", f"the CSV cannot be read from this line on ({exc}).")]
            ) from None
        yield line, cells
        line = reader.line_num + 1


def _collector(found: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    def bad(column: str, message: str) -> None:
        found.append((column, message))

    return bad


def parse_rows(text: str, cohort: Cohort, problems: list[LineProblem]) -> list[Row]:
    """Check the file's shape and each value; problems are appended, good rows returned."""
    records = _records(text)
    try:
        header_line, header = next(records)
    except StopIteration:
        problems.append(
            LineProblem(1, "", f"the file is empty; the columns are {', '.join(COLUMNS)}.")
        )
        return []
    names = [h.strip().lower().replace(" ", "_") for h in header]
    for i, name in enumerate(names):
        if name in IGNORED or not name:  # a nameless column must stay empty (checked below)
            continue
        if name not in COLUMNS:
            problems.append(
                LineProblem(
                    header_line,
                    header[i].strip() or f"#{i + 1}",
                    f"unknown column; the columns are {', '.join(REQUIRED)} "
                    f"(required) and {', '.join(OPTIONAL)} (optional).",
                )
            )
        elif name in names[:i]:
            problems.append(LineProblem(header_line, name, "this column appears twice."))
    for name in REQUIRED:
        if name not in names:
            problems.append(LineProblem(header_line, name, "this required column is missing."))
    if problems:
        return []
    position = {name: names.index(name) for name in COLUMNS if name in names}
    nameless = [i for i, name in enumerate(names) if not name]
    default_start = min(max(cohort.start_date, school_today()), cohort.end_date)
    rows: list[Row] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    count = 0
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            problems.append(LineProblem(line, "", f"a roster has at most {MAX_ROWS} rows."))
            break
        if len(cells) > len(names):
            problems.append(
                LineProblem(
                    line, "", f"{len(cells)} values, but the header has {len(names)} columns."
                )
            )
            continue
        for i in nameless:
            if i < len(cells) and cells[i].strip():
                problems.append(
                    LineProblem(line, f"#{i + 1}", "a value in a column without a header name.")
                )
        values = {
            name: _unneutralise(cells[i].strip()) if i < len(cells) else ""
            for name, i in position.items()
        }
        found: list[tuple[str, str]] = []  # (column, message) for this line
        bad = _collector(found)
        for name in REQUIRED:
            if not values[name]:
                bad(name, "missing value.")
        number = values["student_number"].upper()  # S-1 and s-1 are one student
        if number:
            if not STUDENT_NUMBER_RE.match(number):
                bad(
                    "student_number",
                    f"“{number}” is not a student number (1–20 letters, digits or dashes).",
                )
            elif number in seen_numbers:
                bad("student_number", f"{number} is also on line {seen_numbers[number]}.")
            else:
                seen_numbers[number] = line
        for name in COLUMNS:
            if _has_control(values.get(name, "")):
                bad(name, "contains a line break or another control character.")
        for name in ("first_name", "last_name"):
            if len(values[name]) > 60:
                bad(name, "at most 60 characters.")
        if len(values["first_name"]) + len(values["last_name"]) > 119:
            bad("last_name", "first and last name together are at most 119 characters.")
        email = normalize_email(values["email"]) if values["email"] else ""
        if email:
            problem = _email_problem(email)
            if problem:
                bad("email", problem)
            elif email in seen_emails:
                bad("email", f"{email} is also on line {seen_emails[email]}.")
            else:
                seen_emails[email] = line
        phone = values.get("phone") or None
        if phone and not PHONE_RE.match(phone):
            bad("phone", f"“{phone}” is not a phone number (digits, spaces, + ( ) . -).")
        start = default_start
        if values.get("start_date"):
            try:
                start = dt.date.fromisoformat(values["start_date"])
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", values["start_date"]):
                    raise ValueError
            except ValueError:
                bad("start_date", f"“{values['start_date']}” is not a date like 2026-09-14.")
            else:
                if not cohort.start_date <= start <= cohort.end_date:
                    bad(
                        "start_date",
                        f"{cohort.code} runs from {cohort.start_date:%Y-%m-%d} to "
                        f"{cohort.end_date:%Y-%m-%d}.",
                    )
        problems.extend(LineProblem(line, column, message) for column, message in found)
        if not found:
            rows.append(
                Row(line, number, values["first_name"], values["last_name"], email, phone, start)
            )
    if count == 0 and not problems:
        problems.append(LineProblem(header_line, "", "the file has a header but no students."))
    return rows


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


STEPS = ("checking the file", "matching students", "writing")


def import_roster(
    *,
    cohort: Cohort,
    data: bytes,
    by: User | None,
    invite: bool = False,
    step: Callable[[str], None] = lambda _name: None,
) -> ImportSummary:
    """Enroll every student of a roster CSV in ``cohort``, all or nothing.

    A student number already known is the same student (their details are brought up to date);
    an email already known without a number gets the number. Refused, with every problem:
    a number that belongs to another email, an email that belongs to another number or to a
    staff account, a student enrolled elsewhere or withdrawn (a re-entry is recorded one by
    one). ``invite`` emails an invitation to each new account. ``step(name)`` is called as
    each of :data:`STEPS` begins (a progress bar)."""
    problems: list[LineProblem] = []
    step(STEPS[0])
    rows = parse_rows(decode(data), cohort, problems)
    step(STEPS[1])
    by_number: dict[str, User] = {}
    by_email: dict[str, User] = {}
    numbers = [r.student_number for r in rows]
    emails = [r.email for r in rows]
    for chunk in _chunks(numbers):
        for u in db.session.scalars(select(User).where(User.student_number.in_(chunk))):
            by_number[u.student_number] = u  # type: ignore[index]
    for chunk in _chunks(emails):
        for u in db.session.scalars(select(User).where(User.email.in_(chunk))):
            by_email[u.email] = u
    matched: dict[int, User] = {}  # line → existing account
    for r in rows:
        known = by_number.get(r.student_number)
        other = by_email.get(r.email)
        if known is not None:
            if known.email != r.email:
                problems.append(
                    LineProblem(
                        r.line,
                        "student_number",
                        f"{r.student_number} is the number of another student ({known.email}).",
                    )
                )
                continue
            matched[r.line] = known
        elif other is not None:
            if other.role != Role.STUDENT:
                problems.append(
                    LineProblem(
                        r.line, "email", f"{r.email} is a {other.role.label.lower()} account."
                    )
                )
                continue
            if other.student_number:
                problems.append(
                    LineProblem(
                        r.line,
                        "email",
                        f"{r.email} belongs to student number {other.student_number}.",
                    )
                )
                continue
            matched[r.line] = other
        if r.line in matched and not matched[r.line].active:
            problems.append(
                LineProblem(r.line, "email", f"{r.email} is deactivated; reactivate it first.")
            )
    latest = _latest_enrollments([u.id for u in matched.values()])
    on_roster: set[int] = set()
    for r in rows:
        user = matched.get(r.line)
        if user is None or user.id not in latest:
            continue
        e = latest[user.id]
        if e.status in OPEN_STATUSES and e.cohort_id == cohort.id:
            on_roster.add(r.line)
        elif e.status in OPEN_STATUSES:
            problems.append(
                LineProblem(
                    r.line, "student_number", f"{r.student_number} is enrolled in {e.cohort.code}."
                )
            )
        elif e.status == EnrollmentStatus.WITHDRAWN:
            problems.append(
                LineProblem(
                    r.line,
                    "student_number",
                    f"{r.student_number} withdrew on {e.status_date:%Y-%m-%d}; record a re-entry "
                    "from their enrollment instead.",
                )
            )
        elif e.status == EnrollmentStatus.GRADUATED and e.cohort_id == cohort.id:
            on_roster.add(r.line)
    if problems:
        raise RosterRejected(problems)
    step(STEPS[2])
    return _write(cohort, rows, matched, on_roster, by=by, invite=invite)


def _latest_enrollments(user_ids: list[int]) -> dict[int, Enrollment]:
    latest: dict[int, Enrollment] = {}
    for i in range(0, len(user_ids), CHUNK):
        for e in db.session.scalars(
            select(Enrollment)
            .where(Enrollment.student_id.in_(user_ids[i : i + CHUNK]))
            .order_by(Enrollment.start_date, Enrollment.id)
        ):
            latest[e.student_id] = e  # the last one wins: the latest
    return latest


def _write(
    cohort: Cohort,
    rows: list[Row],
    matched: dict[int, User],
    on_roster: set[int],
    *,
    by: User | None,
    invite: bool,
) -> ImportSummary:
    summary = ImportSummary(rows=len(rows))
    now = utcnow()
    by_id = by.id if by else None
    new_rows = [r for r in rows if r.line not in matched]
    new_ids: dict[str, int] = {}
    if new_rows:
        # Bulk, then the ids read back (COPY on PostgreSQL, executemany elsewhere; a
        # multi-row INSERT … RETURNING of 10,000 rows costs seconds in the driver).
        bulk_insert(
            User,
            [
                {
                    "email": r.email,
                    "name": f"{r.first_name} {r.last_name}",
                    "role": Role.STUDENT,
                    "active": True,
                    "session_version": 1,
                    "created_at": now,
                    "invited_by_id": by_id,
                    "student_number": r.student_number,
                    "first_name": r.first_name,
                    "last_name": r.last_name,
                    "phone": r.phone,
                    "password_hash": None,
                    "last_login_at": None,
                    "password_changed_at": None,
                    "deactivated_at": None,
                }
                for r in new_rows
            ],
        )
        for chunk in _chunks([r.email for r in new_rows]):
            new_ids.update(
                (email, uid)
                for uid, email in db.session.execute(
                    select(User.id, User.email).where(User.email.in_(chunk))
                )
            )
    summary.new_accounts = len(new_rows)
    updates: list[tuple[int, dict[str, str | None]]] = []
    for r in rows:
        user = matched.get(r.line)
        if user is None:
            continue
        wanted = {
            "student_number": r.student_number
            if user.student_number is None
            else user.student_number,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "name": f"{r.first_name} {r.last_name}",
            "phone": r.phone if r.phone is not None else user.phone,
        }
        changed = {k: v for k, v in wanted.items() if getattr(user, k) != v}
        if changed:
            updates.append((user.id, changed))
            for k, v in changed.items():
                setattr(user, k, v)
    db.session.flush()
    record_events(
        "student.updated",
        "users",
        [(uid, {"changed": sorted(c)}) for uid, c in updates],
        actor=by,
    )
    summary.updated = len(updates)
    to_enroll = [r for r in rows if r.line not in on_roster]
    updated_ids = {uid for uid, _ in updates}
    summary.unchanged = sum(
        1 for r in rows if r.line in on_roster and matched[r.line].id not in updated_ids
    )
    if to_enroll:
        student_ids = [
            matched[r.line].id if r.line in matched else new_ids[r.email] for r in to_enroll
        ]
        bulk_insert(
            Enrollment,
            [
                {
                    "cohort_id": cohort.id,
                    "student_id": sid,
                    "status": EnrollmentStatus.ACTIVE,
                    "start_date": r.start_date,
                    "status_date": r.start_date,
                    "created_at": now,
                    "reentry_of_id": None,
                }
                for r, sid in zip(to_enroll, student_ids, strict=True)
            ],
        )
        # Each of these students has exactly one open enrollment, the one just made.
        enrollment_of: dict[int, int] = {}
        for i in range(0, len(student_ids), CHUNK):
            enrollment_of.update(
                (sid, eid)
                for eid, sid in db.session.execute(
                    select(Enrollment.id, Enrollment.student_id).where(
                        Enrollment.cohort_id == cohort.id,
                        Enrollment.status == EnrollmentStatus.ACTIVE,
                        Enrollment.student_id.in_(student_ids[i : i + CHUNK]),
                    )
                )
            )
        starts = {sid: r.start_date for r, sid in zip(to_enroll, student_ids, strict=True)}
        bulk_insert(
            EnrollmentChange,
            [
                {
                    "enrollment_id": enrollment_of[sid],
                    "from_status": None,
                    "to_status": EnrollmentStatus.ACTIVE,
                    "effective_date": starts[sid],
                    "reason": "Enrolled (roster import)",
                    "recorded_by_id": by_id,
                    "recorded_at": now,
                }
                for sid in student_ids
            ],
        )
        # One audit event per student: the enrollment, and whether its account is new.
        new_students = set(new_ids.values())
        email_of = {sid: r.email for r, sid in zip(to_enroll, student_ids, strict=True)}
        record_events(
            "enrollment.created",
            "enrollments",
            [
                (
                    enrollment_of[sid],
                    {
                        "cohort": cohort.code,
                        "student": email_of[sid],
                        "new_account": sid in new_students,
                        "via": "roster import",
                    },
                )
                for sid in student_ids
            ],
            actor=by,
        )
    summary.enrolled = len(to_enroll)
    if invite and new_rows:
        for user in db.session.scalars(select(User).where(User.id.in_(list(new_ids.values())))):
            send_invitation(user=user, by=by)
        summary.invited = len(new_rows)
    if summary.enrolled or summary.updated:
        record_event(
            "roster.imported",
            subject=cohort,
            actor=by,
            details={
                "rows": summary.rows,
                "enrolled": summary.enrolled,
                "new_accounts": summary.new_accounts,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            },
        )
    return summary


# --- export ---------------------------------------------------------------------------------


def _split_name(user: User) -> tuple[str, str]:
    if user.first_name or user.last_name:
        return user.first_name or "", user.last_name or ""
    first, _, last = user.name.rpartition(" ")
    return (first, last) if first else (user.name, "")


def roster_csv(cohort: Cohort) -> str:
    """The cohort's students in the import's columns (it imports back unchanged), plus
    status columns at the end."""
    enrollments = db.session.scalars(
        select(Enrollment)
        .join(Enrollment.student)
        .where(Enrollment.cohort_id == cohort.id)
        .options(joinedload(Enrollment.student))
        .order_by(func.coalesce(User.last_name, User.name), User.name, Enrollment.id)
    )
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
            for e in enrollments
        ),
    )


def grades_csv(cohort: Cohort) -> str:
    """One row per student: each course's percent and letter (or W / I / TC), then credits
    and GPA."""
    overview = cohort_overview(cohort, page=1, per_page=10**6, sort="name", direction="asc")
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
