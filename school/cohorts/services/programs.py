"""Writes for programs and curricula. Validate first, raise one DomainError listing every
problem, flush, never commit."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, select

from school.audit import record_event
from school.cohorts.models import Cohort, Course, Program
from school.cohorts.queries import graduates_of
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange, whole

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


@dataclass(frozen=True)
class ProgramData:
    """A program as typed. A number is None when what was typed was not a number."""

    code: str
    name: str
    target_credential: str
    clock_hours: int | None
    externship_hours: int | None = 0
    daily_hour_cap: Decimal | None = Decimal("10")
    pass_mark: Decimal | None = Decimal("70")
    scale_a: Decimal | None = Decimal("90")
    scale_b: Decimal | None = Decimal("80")
    scale_c: Decimal | None = Decimal("70")
    scale_d: Decimal | None = Decimal("60")


@dataclass(frozen=True)
class CourseData:
    code: str
    title: str
    credit_hours: Decimal | None
    clock_hours: int | None


NUMBER = "Enter a number."
TWO_PLACES = "Use at most 2 decimal places."  # the columns keep 2 (they would round silently)
PERCENT_RANGE = "Enter a percentage from 0 to 100."

# The numbers of a program and a course (the forms' fields read them with the same ranges).
CLOCK_HOURS = whole(0, 10_000, "Clock hours go from 0 to 10,000.")
EXTERNSHIP_HOURS = whole(0, 5_000, "Externship hours go from 0 (none) to 5,000.")
DAILY_HOUR_CAP = NumberRange(
    Decimal(0),
    Decimal(24),
    "A day's cap must be more than 0 and at most 24 hours.",
    places_message=TWO_PLACES,
    above_low=True,
)
PASS_MARK = NumberRange(
    Decimal(0),
    Decimal(100),
    "The pass mark is a percentage from 0 to 100.",
    places_message=TWO_PLACES,
)
SCALE_FROM = NumberRange(Decimal(0), Decimal(100), PERCENT_RANGE, places_message=TWO_PLACES)
PROGRAM_NUMBERS = {
    "clock_hours": CLOCK_HOURS,
    "externship_hours": EXTERNSHIP_HOURS,
    "daily_hour_cap": DAILY_HOUR_CAP,
    "pass_mark": PASS_MARK,
    "scale_a": SCALE_FROM,
    "scale_b": SCALE_FROM,
    "scale_c": SCALE_FROM,
    "scale_d": SCALE_FROM,
}
CREDIT_HOURS = NumberRange(
    Decimal(0),
    Decimal(99),
    "Credit hours go from 0 to 99.",
    places=1,
    places_message="Use at most 1 decimal place, e.g. 3.5.",
)
COURSE_CLOCK_HOURS = whole(0, 2_000, "Clock hours go from 0 to 2,000.")


def clean_code(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class CodeRule:
    """How a code of one kind is written (``pattern``, else the ``shape`` message)."""

    pattern: re.Pattern[str]
    shape: str

    def check(
        self,
        problems: ProblemList,
        code: str,
        holder: Select[tuple[int]],
        current: Program | Course | Cohort | None,
        taken: str,
    ) -> None:
        """``code`` (already cleaned) must follow the rule and be no other record's:
        ``holder`` selects the id of the record with this code, if any (run only for a
        well-formed code); else ``taken``."""
        if not self.pattern.match(code):
            problems.add("code", self.shape)
            return
        holder_id = db.session.scalar(holder)
        if holder_id is not None and (current is None or holder_id != current.id):
            problems.add("code", taken)


PROGRAM_CODE = CodeRule(CODE_RE, "Use 1–20 letters, digits or dashes, e.g. MBC-DIP.")
COURSE_CODE = CodeRule(CODE_RE, "Use 1–20 letters, digits or dashes, e.g. MC101.")


def program_problems(data: ProgramData, *, current: Program | None) -> ProblemList:
    """Every rule ``data`` breaks (empty when none); the page shows them all at once."""
    problems = DomainError.collect()
    code = clean_code(data.code)
    taken = f"{code} is already the code of another program."
    PROGRAM_CODE.check(
        problems, code, select(Program.id).where(Program.code == code), current, taken
    )
    if not data.name.strip():
        problems.add("name", "Enter the program's name.")
    if not data.target_credential.strip():
        problems.add("target_credential", "Enter the credential it prepares for, e.g. CPC.")
    numbers = {
        "clock_hours": data.clock_hours,
        "externship_hours": data.externship_hours,
        "daily_hour_cap": data.daily_hour_cap,
        "pass_mark": data.pass_mark,
        "scale_a": data.scale_a,
        "scale_b": data.scale_b,
        "scale_c": data.scale_c,
        "scale_d": data.scale_d,
    }
    for name, value in numbers.items():
        problem = NUMBER if value is None else PROGRAM_NUMBERS[name].problem(value)
        if problem:
            problems.add(name, problem)
    scale = [data.scale_a, data.scale_b, data.scale_c, data.scale_d]
    if None not in scale and not (
        scale[0] <= 100 and scale[-1] >= 0 and all(a > b for a, b in itertools.pairwise(scale))
    ):
        problems.add(
            "scale_a", "The scale must go down from A to D, within 0–100 (e.g. 90, 80, 70, 60)."
        )
    if current is not None:
        grading = ("pass_mark", "scale_a", "scale_b", "scale_c", "scale_d")
        changed = [
            f for f in grading if numbers[f] is not None and numbers[f] != getattr(current, f)
        ]
        closed = _closed(graduates_of(current.id), current.code) if changed else ""
        for name in changed if closed else ():
            problems.add(name, closed)
    return problems


def _closed(graduates: int, code: str) -> str:
    if not graduates:
        return ""
    return (
        f"{graduates} student{'s' if graduates != 1 else ''} of {code} graduated under the "
        "current scale and curriculum; changing it would change their records. Create a new "
        f"program (e.g. {code}-2) for a new one."
    )


def _apply(program: Program, data: ProgramData) -> None:
    program.code = clean_code(data.code)
    program.name = data.name.strip()
    program.target_credential = data.target_credential.strip().upper()
    program.clock_hours = data.clock_hours
    program.externship_hours = data.externship_hours
    program.daily_hour_cap = data.daily_hour_cap
    program.pass_mark = data.pass_mark
    program.scale_a, program.scale_b = data.scale_a, data.scale_b
    program.scale_c, program.scale_d = data.scale_c, data.scale_d


def create_program(*, data: ProgramData) -> Program:
    program_problems(data, current=None).raise_if_any()
    program = Program()
    _apply(program, data)
    db.session.add(program)
    db.session.flush()
    record_event("program.created", subject=program, details={"code": program.code})
    return program


def update_program(*, program: Program, data: ProgramData) -> None:
    program_problems(data, current=program).raise_if_any()
    _apply(program, data)
    db.session.flush()
    record_event("program.updated", subject=program, details={"code": program.code})


def course_problems(program: Program, data: CourseData, *, current: Course | None) -> ProblemList:
    """Every rule ``data`` breaks for a course of ``program``."""
    problems = DomainError.collect()
    code = clean_code(data.code)
    holder = select(Course.id).where(Course.program_id == program.id, Course.code == code)
    COURSE_CODE.check(
        problems, code, holder, current, f"{code} is already a course of this program."
    )
    if not data.title.strip():
        problems.add("title", "Enter the course title.")
    for name, value, bounds in (
        ("credit_hours", data.credit_hours, CREDIT_HOURS),
        ("clock_hours", data.clock_hours, COURSE_CLOCK_HOURS),
    ):
        problem = NUMBER if value is None else bounds.problem(value)
        if problem:
            problems.add(name, problem)
    adding = current is None
    recrediting = (
        current is not None
        and data.credit_hours is not None
        and data.credit_hours != current.credit_hours
    )
    if adding or recrediting:
        closed = _closed(graduates_of(program.id), program.code)
        if closed:
            problems.add("" if adding else "credit_hours", closed)
    return problems


def add_course(*, program: Program, data: CourseData) -> Course:
    """Add a course at the end of the curriculum."""
    course_problems(program, data, current=None).raise_if_any()
    last = db.session.scalar(
        select(func.max(Course.sequence)).where(Course.program_id == program.id)
    )
    course = Course(
        program=program,
        sequence=(last or 0) + 1,
        code=clean_code(data.code),
        title=data.title.strip(),
        credit_hours=data.credit_hours,
        clock_hours=data.clock_hours,
    )
    db.session.add(course)
    db.session.flush()
    record_event(
        "course.added", subject=course, details={"program": program.code, "code": course.code}
    )
    return course


def update_course(*, course: Course, data: CourseData) -> None:
    course_problems(course.program, data, current=course).raise_if_any()
    course.code = clean_code(data.code)
    course.title = data.title.strip()
    course.credit_hours = data.credit_hours
    course.clock_hours = data.clock_hours
    db.session.flush()
    record_event("course.updated", subject=course, details={"code": course.code})


def move_course(*, course: Course, direction: str) -> None:
    """Swap a course with its neighbour ("up" or "down") in the teaching order."""
    if direction not in ("up", "down"):
        raise DomainError(f"Unknown direction {direction!r}.")
    siblings = list(course.program.courses)
    index = siblings.index(course)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        raise DomainError(
            f"{course.code} is already the {'first' if direction == 'up' else 'last'} course."
        )
    other = siblings[other_index]
    course.sequence, other.sequence = other.sequence, course.sequence
    db.session.flush()
    record_event("course.moved", subject=course, details={"direction": direction})
