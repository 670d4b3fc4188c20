"""Reads for grades: course results, standings (GPA, credits) and the cohort overview. A
fixed number of statements whatever the number of students; the arithmetic is
:mod:`school.cohorts.grade_arithmetic` (exact decimals in Python, never SQL floats). The
gradebook grid is read by :mod:`school.cohorts.gradebook.grid`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import joinedload

from school.cohorts.grade_arithmetic import (
    CourseResult,
    Item,
    Scale,
    Standing,
    course_result,
    round_half_up,
    standing,
)
from school.cohorts.models import (
    OPEN_STATUSES,
    Assessment,
    Cohort,
    Course,
    CourseMark,
    Enrollment,
    Program,
    Score,
    cohort_instructors,
)
from school.extensions import db
from school.pagination import Listing, Page


def program_scale(program: Program) -> Scale:
    return Scale(
        a=program.scale_a,
        b=program.scale_b,
        c=program.scale_c,
        d=program.scale_d,
        pass_mark=program.pass_mark,
    )


def cohort_assessments(cohort_id: int) -> dict[int, list[Assessment]]:
    """A cohort's assessments by course id, in order (one statement)."""
    by_course: dict[int, list[Assessment]] = defaultdict(list)
    for a in db.session.scalars(
        select(Assessment)
        .where(Assessment.cohort_id == cohort_id)
        .order_by(Assessment.course_id, Assessment.sequence, Assessment.id)
    ):
        by_course[a.course_id].append(a)
    return by_course


# An assessment as the standings loop reads it: (id, weight, maximum).
PlainItem = tuple[int, Decimal, Decimal]


def _course_items(cohort_ids: set[int]) -> dict[tuple[int, int], list[PlainItem]]:
    """(id, weight, maximum) of each assessment by (cohort id, course id), in order, as plain
    values read once per cohort's course (one statement)."""
    plain: dict[tuple[int, int], list[PlainItem]] = defaultdict(list)
    for a in db.session.scalars(
        select(Assessment)
        .where(Assessment.cohort_id.in_(cohort_ids))
        .order_by(Assessment.sequence, Assessment.id)
    ):
        plain[(a.cohort_id, a.course_id)].append((a.id, a.weight, a.max_points))
    return plain


def _points_and_marks(
    ids: Select[tuple[int]],
) -> tuple[dict[tuple[int, int], Decimal], dict[tuple[int, int], str]]:
    """Points by (enrollment id, assessment id) and special results by (enrollment id,
    course id) of the enrollments ``ids`` selects (two statements)."""
    points: dict[tuple[int, int], Decimal] = {
        (eid, aid): p
        for aid, eid, p in db.session.execute(
            select(Score.assessment_id, Score.enrollment_id, Score.points).where(
                Score.enrollment_id.in_(ids)
            )
        )
    }
    marks: dict[tuple[int, int], str] = {
        (eid, cid): r.value
        for eid, cid, r in db.session.execute(
            select(CourseMark.enrollment_id, CourseMark.course_id, CourseMark.result).where(
                CourseMark.enrollment_id.in_(ids)
            )
        )
    }
    return points, marks


# A course as the standings loop reads it: (id, code, title, credit hours).
PlainCourse = tuple[int, str, str, Decimal]


def _result(
    course: PlainCourse, scale: Scale, items: list[Item], special: str | None
) -> CourseResult:
    """One enrollment's result in a course, from plain values."""
    course_id, code, title, credit_hours = course
    return course_result(
        course_id=course_id,
        code=code,
        title=title,
        credit_hours=credit_hours,
        scale=scale,
        items=items,
        special=special,
    )


def _standings(
    enrollments: Sequence[Enrollment], which: ColumnElement[bool]
) -> dict[int, Standing]:
    """Standings of ``enrollments`` (cohort and program loaded); ``which`` selects the same
    enrollments in SQL so that scores load without a long IN list. Three statements."""
    if not enrollments:
        return {}
    plain = _course_items({e.cohort_id for e in enrollments})
    points, marks = _points_and_marks(select(Enrollment.id).where(which))
    # Plain values read once per program: the loop below runs for every student × course ×
    # assessment, where ORM attribute reads would dominate.
    programs: dict[int, tuple[Scale, list[PlainCourse]]] = {}
    out: dict[int, Standing] = {}
    for e in enrollments:
        program = e.cohort.program
        if program.id not in programs:
            programs[program.id] = (
                program_scale(program),
                [(c.id, c.code, c.title, c.credit_hours) for c in program.courses],
            )
        scale, courses = programs[program.id]
        eid, cohort_id = e.id, e.cohort_id
        out[eid] = standing(
            [
                _result(
                    course,
                    scale,
                    [
                        Item(weight, max_points, points.get((eid, aid)))
                        for aid, weight, max_points in plain.get((cohort_id, course[0]), ())
                    ],
                    marks.get((eid, course[0])),
                )
                for course in courses
            ]
        )
    return out


def _with_program() -> Any:
    return joinedload(Enrollment.cohort).joinedload(Cohort.program).selectinload(Program.courses)


def standings_for(
    enrollments: Sequence[Enrollment], which: ColumnElement[bool]
) -> dict[int, Standing]:
    """Standings of many enrollments at once (transcript batches); see ``_standings``."""
    return _standings(enrollments, which)


def with_program() -> Any:
    """Load option: an enrollment's cohort, program and courses."""
    return _with_program()


def _with_standing(enrollment: Enrollment | None) -> tuple[Enrollment, Standing] | None:
    if enrollment is None:
        return None
    return enrollment, _standings([enrollment], Enrollment.id == enrollment.id)[enrollment.id]


def _latest(student_id: int) -> Select[tuple[Enrollment]]:
    """The student's latest enrollment: the one their home page is about."""
    return (
        select(Enrollment)
        .where(Enrollment.student_id == student_id)
        .order_by(Enrollment.start_date.desc(), Enrollment.id.desc())
        .limit(1)
    )


def enrollment_standing(enrollment_id: int) -> tuple[Enrollment, Standing] | None:
    """One enrollment with its cohort, program, student and standing."""
    return _with_standing(
        db.session.scalar(
            select(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .options(_with_program(), joinedload(Enrollment.student))
        )
    )


@dataclass(frozen=True)
class StandingSection:
    """A section another domain adds below an enrollment's standing on its progress page
    (the externship, exam readiness) without this package importing it: ``load(enrollment)``
    returns what the section shows (None: its empty state), under ``name`` in the template."""

    name: str
    load: Callable[[Enrollment], object]


SECTIONS_KEY = "school.standing_sections"


def add_standing_section(app: Flask, section: StandingSection) -> None:
    app.extensions.setdefault(SECTIONS_KEY, []).append(section)


def standing_sections(enrollment: Enrollment) -> dict[str, object]:
    """What every registered section shows for the enrollment, by template name."""
    sections: list[StandingSection] = current_app.extensions.get(SECTIONS_KEY, [])
    return {section.name: section.load(enrollment) for section in sections}


def current_standing(student_id: int) -> tuple[Enrollment, Standing] | None:
    """The student's latest enrollment (cohort and program loaded) with its standing: their
    home page's. Two statements (``_one_standing``), where ``_standings`` takes five."""
    enrollment = db.session.scalar(_LATEST_WITH_PROGRAM, {"student_id": student_id})
    if enrollment is None:
        return None
    return enrollment, _one_standing(enrollment)


def _one_standing(enrollment: Enrollment) -> Standing:
    """The standing of one enrollment (cohort and program loaded), the same as ``_standings``
    gives, in one statement: the program's courses, each with the cohort's assessments, the
    enrollment's points on them and its special result (one row per course and assessment).
    Plain columns, run on the session's connection (its transaction) past the ORM's steps."""
    program = enrollment.cohort.program
    courses: dict[int, tuple[PlainCourse, str | None, list[Item]]] = {}
    params = {"program_id": program.id, "cohort_id": enrollment.cohort_id, "e": enrollment.id}
    for row in db.session.connection().execute(_COURSE_ITEMS, params):
        course_id, code, title, credits, aid, weight, top, points, special = row
        special = special.value if special is not None else None
        items = courses.setdefault(course_id, ((course_id, code, title, credits), special, []))[2]
        if aid is not None:
            items.append(Item(weight, top, points))
    scale = program_scale(program)
    return standing(
        [_result(course, scale, items, special) for course, special, items in courses.values()]
    )


# The statements of a student's home page, built once (bound parameters): SQLAlchemy then only
# looks up their compiled form.
_LATEST_WITH_PROGRAM = (
    select(Enrollment)
    .where(Enrollment.student_id == bindparam("student_id"))
    .order_by(Enrollment.start_date.desc(), Enrollment.id.desc())
    .limit(1)
    .options(joinedload(Enrollment.cohort).joinedload(Cohort.program))
)
# A program's courses in order, each with the cohort's assessments in order (None without),
# the enrollment's points on each (None: not scored) and its special result in the course.
_COURSE_ITEMS = (
    select(
        Course.id,
        Course.code,
        Course.title,
        Course.credit_hours,
        Assessment.id,
        Assessment.weight,
        Assessment.max_points,
        Score.points,
        CourseMark.result,
    )
    .outerjoin(
        Assessment,
        (Assessment.course_id == Course.id) & (Assessment.cohort_id == bindparam("cohort_id")),
    )
    .outerjoin(
        Score, (Score.assessment_id == Assessment.id) & (Score.enrollment_id == bindparam("e"))
    )
    .outerjoin(
        CourseMark,
        (CourseMark.course_id == Course.id) & (CourseMark.enrollment_id == bindparam("e")),
    )
    .where(Course.program_id == bindparam("program_id"))
    .order_by(Course.sequence, Course.id, Assessment.sequence, Assessment.id)
)


def current_enrollment(student_id: int) -> Enrollment | None:
    """The student's latest enrollment (the one their home page is about)."""
    return db.session.scalar(_latest(student_id))


@dataclass(frozen=True)
class ColumnCell:
    """One cell of a column another domain adds to the cohort overview."""

    text: str
    tone: str = ""  # a tag class: "ok", "warn", "bad"; "" is plain text
    detail: str = ""  # a longer explanation shown under the text
    order: tuple[Any, ...] = ()  # how the column sorts
    counted: bool = False  # counts toward the column's tile


@dataclass(frozen=True)
class OverviewColumn:
    """A column another domain adds to the cohort overview (readiness does) without this
    package importing it. ``cells(cohort, enrollments)`` returns a cell per enrollment id,
    reading the whole cohort in a fixed number of statements, or None when the column does
    not apply to the cohort (it is then left out)."""

    key: str  # also the sort key in the URL
    label: str
    cells: Callable[[Cohort, list[Enrollment]], dict[int, ColumnCell] | None]
    tile: str = ""  # label of a tile counting current students with a ``counted`` cell


COLUMNS_KEY = "school.overview_columns"
BLANK = ColumnCell("—", order=(9,))


def add_overview_column(app: Flask, column: OverviewColumn) -> None:
    app.extensions.setdefault(COLUMNS_KEY, []).append(column)


@dataclass(frozen=True)
class OverviewRow:
    enrollment: Enrollment
    standing: Standing
    extra: dict[str, ColumnCell] = field(default_factory=dict)

    @property
    def name_key(self) -> tuple[str, str]:
        s = self.enrollment.student
        return ((s.last_name or s.name).casefold(), s.name.casefold())


OVERVIEW_SORTS = ("name", "number", "status", "gpa", "credits", "failing", "risk")


def _sort_key(sort: str, columns: Sequence[OverviewColumn]) -> Any:
    if sort in {c.key for c in columns}:
        return lambda r: (r.extra[sort].order, r.name_key)

    def gpa(r: OverviewRow) -> tuple[bool, Decimal]:
        # No GPA yet sorts after every GPA when ascending.
        return (r.standing.gpa is None, r.standing.gpa or Decimal(0))

    return {
        "name": lambda r: r.name_key,
        "number": lambda r: (r.enrollment.student.student_number or "", r.name_key),
        "status": lambda r: (r.enrollment.status.value, r.name_key),
        "gpa": lambda r: (*gpa(r), r.name_key),
        "credits": lambda r: (r.standing.credits_earned, r.name_key),
        "failing": lambda r: (len(r.standing.failing), r.name_key),
        "risk": lambda r: (r.standing.at_risk, r.name_key),
    }[sort]


@dataclass(frozen=True)
class Overview:
    """``at_risk`` and ``average_gpa`` cover current students (active or on leave)."""

    page: Page[OverviewRow]
    students: int
    at_risk: int
    average_gpa: Decimal | None
    columns: list[OverviewColumn] = field(default_factory=list)
    tiles: list[tuple[str, int]] = field(default_factory=list)  # (label, count)


def cohort_overview(cohort: Cohort, listing: Listing) -> Overview:
    """One row per enrollment of ``cohort``: GPA, credits, failing courses, at-risk flag and
    the registered columns (readiness); sorted by any column and cut to a page. A fixed number
    of statements at any cohort size (standings need every score of the cohort, so sorting by
    GPA happens after they are computed)."""
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.cohort_id == cohort.id)
            .options(_with_program(), joinedload(Enrollment.student))
        ).unique()
    )
    standings = _standings(enrollments, Enrollment.cohort_id == cohort.id)
    columns: list[OverviewColumn] = []
    extras: dict[int, dict[str, ColumnCell]] = defaultdict(dict)
    for column in current_app.extensions.get(COLUMNS_KEY, []):
        cells = column.cells(cohort, enrollments)
        if cells is None:
            continue
        columns.append(column)
        for e in enrollments:
            extras[e.id][column.key] = cells.get(e.id, BLANK)
    rows = [OverviewRow(e, standings[e.id], extras[e.id]) for e in enrollments]
    sort = listing.sort
    key = sort if sort in OVERVIEW_SORTS or sort in {c.key for c in columns} else "name"
    desc = listing.direction == "desc"
    rows.sort(key=_sort_key(key, columns), reverse=desc)
    total, per_page = len(rows), listing.per_page
    pages = max(1, -(-total // per_page))
    page = min(max(1, listing.page), pages)
    chunk = rows[(page - 1) * per_page : page * per_page]
    current = [r for r in rows if r.enrollment.status in OPEN_STATUSES]
    gpas = [r.standing.gpa for r in current if r.standing.gpa is not None]
    average = round_half_up(sum(gpas, Decimal(0)) / len(gpas)) if gpas else None
    tiles = [(c.tile, sum(1 for r in current if r.extra[c.key].counted)) for c in columns if c.tile]
    return Overview(
        page=Page(chunk, page, per_page, total, key, "desc" if desc else "asc"),
        students=total,
        at_risk=sum(1 for r in current if r.standing.at_risk),
        average_gpa=average,
        columns=columns,
        tiles=tiles,
    )


def instructor_cohorts(user_id: int, today: dt.date) -> list[Cohort]:
    """The cohorts an instructor teaches, running first, then upcoming, then finished."""
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id)
            .where(cohort_instructors.c.user_id == user_id)
            .options(joinedload(Cohort.program))
            .order_by(Cohort.start_date.desc())
        )
    )
    order = {"running": 0, "upcoming": 1, "finished": 2}
    return sorted(cohorts, key=lambda c: order[c.status(today)])
