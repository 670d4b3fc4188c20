"""Writes for programs and curricula. Validate first, raise one DomainError listing every
problem, flush, never commit."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from school.audit import record_event
from school.cohorts.models import Course, Program
from school.errors import DomainError, ProblemList
from school.extensions import db

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


@dataclass(frozen=True)
class ProgramData:
    code: str
    name: str
    target_credential: str
    clock_hours: int
    externship_hours: int = 0
    daily_hour_cap: Decimal = Decimal("10")
    pass_mark: Decimal = Decimal("70")
    scale_a: Decimal = Decimal("90")
    scale_b: Decimal = Decimal("80")
    scale_c: Decimal = Decimal("70")
    scale_d: Decimal = Decimal("60")


@dataclass(frozen=True)
class CourseData:
    code: str
    title: str
    credit_hours: Decimal
    clock_hours: int


def _clean_code(code: str) -> str:
    return code.strip().upper()


def _check_program(data: ProgramData, problems: ProblemList, *, current: Program | None) -> None:
    code = _clean_code(data.code)
    if not CODE_RE.match(code):
        problems.add("code", "Use 1–20 letters, digits or dashes, e.g. MBC-DIP.")
    else:
        taken = db.session.scalar(select(Program.id).where(Program.code == code))
        if taken is not None and (current is None or taken != current.id):
            problems.add("code", f"{code} is already the code of another program.")
    if not data.name.strip():
        problems.add("name", "Enter the program's name.")
    if not data.target_credential.strip():
        problems.add("target_credential", "Enter the credential it prepares for, e.g. CPC.")
    if data.clock_hours < 0:
        problems.add("clock_hours", "Clock hours cannot be negative.")
    if data.externship_hours < 0:
        problems.add("externship_hours", "Externship hours cannot be negative (0: none).")
    if not Decimal("0") < data.daily_hour_cap <= Decimal("24"):
        problems.add("daily_hour_cap", "A day's cap must be more than 0 and at most 24 hours.")
    if not Decimal("0") <= data.pass_mark <= Decimal("100"):
        problems.add("pass_mark", "The pass mark is a percentage from 0 to 100.")
    scale = [data.scale_a, data.scale_b, data.scale_c, data.scale_d]
    if not (
        scale[0] <= 100 and scale[-1] >= 0 and all(a > b for a, b in itertools.pairwise(scale))
    ):
        problems.add(
            "scale_a", "The scale must go down from A to D, within 0–100 (e.g. 90, 80, 70, 60)."
        )


def _apply(program: Program, data: ProgramData) -> None:
    program.code = _clean_code(data.code)
    program.name = data.name.strip()
    program.target_credential = data.target_credential.strip().upper()
    program.clock_hours = data.clock_hours
    program.externship_hours = data.externship_hours
    program.daily_hour_cap = data.daily_hour_cap
    program.pass_mark = data.pass_mark
    program.scale_a, program.scale_b = data.scale_a, data.scale_b
    program.scale_c, program.scale_d = data.scale_c, data.scale_d


def create_program(*, data: ProgramData) -> Program:
    problems = DomainError.collect()
    _check_program(data, problems, current=None)
    problems.raise_if_any()
    program = Program()
    _apply(program, data)
    db.session.add(program)
    db.session.flush()
    record_event("program.created", subject=program, details={"code": program.code})
    return program


def update_program(*, program: Program, data: ProgramData) -> None:
    problems = DomainError.collect()
    _check_program(data, problems, current=program)
    problems.raise_if_any()
    _apply(program, data)
    db.session.flush()
    record_event("program.updated", subject=program, details={"code": program.code})


def _check_course(program: Program, data: CourseData, *, current: Course | None) -> None:
    problems = DomainError.collect()
    code = _clean_code(data.code)
    if not CODE_RE.match(code):
        problems.add("code", "Use 1–20 letters, digits or dashes, e.g. MC101.")
    else:
        taken = db.session.scalar(
            select(Course.id).where(Course.program_id == program.id, Course.code == code)
        )
        if taken is not None and (current is None or taken != current.id):
            problems.add("code", f"{code} is already a course of this program.")
    if not data.title.strip():
        problems.add("title", "Enter the course title.")
    if not Decimal("0") <= data.credit_hours <= Decimal("99"):
        problems.add("credit_hours", "Credit hours go from 0 to 99.")
    if data.clock_hours < 0:
        problems.add("clock_hours", "Clock hours cannot be negative.")
    problems.raise_if_any()


def add_course(*, program: Program, data: CourseData) -> Course:
    """Add a course at the end of the curriculum."""
    _check_course(program, data, current=None)
    last = db.session.scalar(
        select(func.max(Course.sequence)).where(Course.program_id == program.id)
    )
    course = Course(
        program=program,
        sequence=(last or 0) + 1,
        code=_clean_code(data.code),
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
    _check_course(course.program, data, current=course)
    course.code = _clean_code(data.code)
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
