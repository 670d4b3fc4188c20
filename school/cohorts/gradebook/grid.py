"""Reads for the gradebook pages: a course's grid (points, special results and course
results of every student) and the cohort's courses with how far their gradebooks are set
up. A fixed number of statements whatever the number of students."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from school.cohorts.grade_arithmetic import CourseResult, Item, course_result
from school.cohorts.gradebook.shared import record_closed
from school.cohorts.models import Assessment, Cohort, Course, CourseMark, Enrollment, Score
from school.cohorts.queries import cohort_roster
from school.cohorts.standings import program_scale
from school.extensions import db


@dataclass(frozen=True)
class GridRow:
    enrollment: Enrollment
    points: dict[int, Decimal]  # assessment id → points
    mark: str | None
    result: CourseResult
    locked: bool  # graduated: the record is closed


@dataclass(frozen=True)
class Grid:
    cohort: Cohort
    course: Course
    assessments: list[Assessment]
    rows: list[GridRow]

    @property
    def weight_total(self) -> Decimal:
        return sum((a.weight for a in self.assessments), Decimal(0))


def gradebook_grid(cohort: Cohort, course: Course) -> Grid:
    """Every enrollment of ``cohort`` (by last name) with its points on each assessment of
    ``course``, its special result and its course result. Four statements."""
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.cohort_id == cohort.id, Assessment.course_id == course.id)
            .order_by(Assessment.sequence, Assessment.id)
        )
    )
    enrollments = cohort_roster(cohort.id)
    ids = select(Enrollment.id).where(Enrollment.cohort_id == cohort.id)
    points: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if assessments:
        for aid, eid, p in db.session.execute(
            select(Score.assessment_id, Score.enrollment_id, Score.points).where(
                Score.assessment_id.in_([a.id for a in assessments])
            )
        ):
            points[eid][aid] = p
    marks = {
        eid: r.value
        for eid, r in db.session.execute(
            select(CourseMark.enrollment_id, CourseMark.result).where(
                CourseMark.course_id == course.id, CourseMark.enrollment_id.in_(ids)
            )
        )
    }
    scale = program_scale(cohort.program)
    rows = []
    for e in enrollments:
        mine = points.get(e.id, {})
        result = course_result(
            course_id=course.id,
            code=course.code,
            title=course.title,
            credit_hours=course.credit_hours,
            scale=scale,
            items=[Item(a.weight, a.max_points, mine.get(a.id)) for a in assessments],
            special=marks.get(e.id),
        )
        rows.append(GridRow(e, mine, marks.get(e.id), result, record_closed(e)))
    return Grid(cohort, course, assessments, rows)


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    assessments: int
    weight_total: Decimal
    scores: int


def gradebook_courses(cohort: Cohort) -> list[CourseProgress]:
    """The cohort's courses with how far their gradebooks are set up (two statements)."""
    counts = {
        cid: (n, w)
        for cid, n, w in db.session.execute(
            select(Assessment.course_id, func.count(Assessment.id), func.sum(Assessment.weight))
            .where(Assessment.cohort_id == cohort.id)
            .group_by(Assessment.course_id)
        )
    }
    scores = dict(
        db.session.execute(
            select(Assessment.course_id, func.count())
            .join(Score, Score.assessment_id == Assessment.id)
            .where(Assessment.cohort_id == cohort.id)
            .group_by(Assessment.course_id)
        ).all()
    )
    return [
        CourseProgress(
            course=c,
            assessments=counts.get(c.id, (0, 0))[0],
            weight_total=Decimal(counts.get(c.id, (0, 0))[1] or 0),
            scores=scores.get(c.id, 0),
        )
        for c in cohort.program.courses
    ]
