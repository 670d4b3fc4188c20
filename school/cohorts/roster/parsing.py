"""Reading and checking a roster CSV: the file's shape and each value, every problem with its
line and column. Nothing here touches the database beyond the cohort it is given."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from school.auth.services import email_problem, normalize_email
from school.cohorts.models import Cohort
from school.cohorts.services.enrollments import STUDENT_NUMBER_RE
from school.database import school_today
from school.errors import DomainError

REQUIRED = ("student_number", "first_name", "last_name", "email")
OPTIONAL = ("phone", "start_date")
COLUMNS = REQUIRED + OPTIONAL
IGNORED = ("status", "status_date")  # our export's read-only columns, so it imports back
MAX_ROWS = 20_000
PHONE_RE = re.compile(r"^[0-9 +().\-x]{7,30}$")


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


Bad = Callable[[str, str], None]  # bad(column, message): one problem of the current line


def _collector(found: list[tuple[str, str]]) -> Bad:
    def bad(column: str, message: str) -> None:
        found.append((column, message))

    return bad


# --- the header -----------------------------------------------------------------------------


def _read_header(
    records: Iterator[tuple[int, list[str]]], problems: list[LineProblem]
) -> tuple[int, list[str]] | None:
    """(header line, normalised column names), its problems appended; None for an empty
    file."""
    try:
        header_line, header = next(records)
    except StopIteration:
        problems.append(
            LineProblem(1, "", f"the file is empty; the columns are {', '.join(COLUMNS)}.")
        )
        return None
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
    return header_line, names


# --- one row --------------------------------------------------------------------------------


@dataclass
class _Seen:
    """Student numbers and emails met so far, with their line: a file names each once."""

    numbers: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)


def _check_number(number: str, line: int, seen: _Seen, bad: Bad) -> None:
    if not number:
        return
    if not STUDENT_NUMBER_RE.match(number):
        bad(
            "student_number",
            f"“{number}” is not a student number (1–20 letters, digits or dashes).",
        )
    elif number in seen.numbers:
        bad("student_number", f"{number} is also on line {seen.numbers[number]}.")
    else:
        seen.numbers[number] = line


def _check_text(values: dict[str, str], bad: Bad) -> None:
    """Control characters anywhere, and the lengths of the names."""
    for name in COLUMNS:
        if _has_control(values.get(name, "")):
            bad(name, "contains a line break or another control character.")
    for name in ("first_name", "last_name"):
        if len(values[name]) > 60:
            bad(name, "at most 60 characters.")
    if len(values["first_name"]) + len(values["last_name"]) > 119:
        bad("last_name", "first and last name together are at most 119 characters.")


def _check_email(email: str, line: int, seen: _Seen, bad: Bad) -> None:
    if not email:
        return
    problem = _email_problem(email)
    if problem:
        bad("email", problem)
    elif email in seen.emails:
        bad("email", f"{email} is also on line {seen.emails[email]}.")
    else:
        seen.emails[email] = line


def _check_start(value: str, cohort: Cohort, default: dt.date, bad: Bad) -> dt.date:
    """The start date typed (or ``default`` when none), within the cohort's dates."""
    start = default
    if value:
        try:
            start = dt.date.fromisoformat(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
        except ValueError:
            bad("start_date", f"“{value}” is not a date like 2026-09-14.")
        else:
            if not cohort.start_date <= start <= cohort.end_date:
                bad(
                    "start_date",
                    f"{cohort.code} runs from {cohort.start_date:%Y-%m-%d} to "
                    f"{cohort.end_date:%Y-%m-%d}.",
                )
    return start


def _check_row(
    line: int,
    values: dict[str, str],
    cohort: Cohort,
    default_start: dt.date,
    seen: _Seen,
    problems: list[LineProblem],
) -> Row | None:
    """The row of ``values`` when every value is right; otherwise None, its problems
    appended."""
    found: list[tuple[str, str]] = []  # (column, message) for this line
    bad = _collector(found)
    for name in REQUIRED:
        if not values[name]:
            bad(name, "missing value.")
    number = values["student_number"].upper()  # S-1 and s-1 are one student
    _check_number(number, line, seen, bad)
    _check_text(values, bad)
    email = normalize_email(values["email"]) if values["email"] else ""
    _check_email(email, line, seen, bad)
    phone = values.get("phone") or None
    if phone and not PHONE_RE.match(phone):
        bad("phone", f"“{phone}” is not a phone number (digits, spaces, + ( ) . -).")
    start = _check_start(values.get("start_date", ""), cohort, default_start, bad)
    problems.extend(LineProblem(line, column, message) for column, message in found)
    if found:
        return None
    return Row(line, number, values["first_name"], values["last_name"], email, phone, start)


# --- the file -------------------------------------------------------------------------------


def parse_rows(text: str, cohort: Cohort, problems: list[LineProblem]) -> list[Row]:
    """Check the file's shape and each value; problems are appended, good rows returned."""
    records = _records(text)
    header = _read_header(records, problems)
    if header is None or problems:
        return []
    header_line, names = header
    position = {name: names.index(name) for name in COLUMNS if name in names}
    nameless = [i for i, name in enumerate(names) if not name]
    default_start = min(max(cohort.start_date, school_today()), cohort.end_date)
    rows: list[Row] = []
    seen = _Seen()
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
        row = _check_row(line, values, cohort, default_start, seen, problems)
        if row is not None:
            rows.append(row)
    if count == 0 and not problems:
        problems.append(LineProblem(header_line, "", "the file has a header but no students."))
    return rows
