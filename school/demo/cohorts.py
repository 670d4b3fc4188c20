"""The demo's programs and cohorts: the running diploma cohort (enrollments, a leave of
absence, ten weeks of grades), the upcoming certificate cohort, and the diploma's previous
start (roster, every course graded, two withdrawals)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import click
from flask import current_app
from sqlalchemy import select

from school.auth.models import Role, User
from school.cohorts.gradebook import AssessmentInput, Cell, save_assessments, save_grades
from school.cohorts.models import Assessment, Cohort, Enrollment, EnrollmentStatus
from school.cohorts.roster import import_roster
from school.cohorts.services import (
    CohortData,
    CourseData,
    add_course,
    change_enrollment_status,
    create_cohort,
    create_program,
    enroll_student,
    reenter_student,
)
from school.database import school_today
from school.demo.data import (
    DEMO_ASSESSMENTS,
    DEMO_COHORTS,
    DEMO_PAST_NAMES,
    DEMO_PAST_WITHDRAWALS,
    DEMO_PROGRAMS,
)
from school.demo.people import roster_csv, user_by_email
from school.extensions import db
from school.outcomes.rates import Period, reporting_year


def create_programs() -> dict[str, int]:
    """The programs of DEMO_PROGRAMS with their courses: program id by code."""
    programs: dict[str, int] = {}
    with click.progressbar(DEMO_PROGRAMS, label="Demo programs") as bar:
        for data, courses in bar:
            program = create_program(data=data)
            for code, title, credits, hours in courses:
                add_course(
                    program=program,
                    data=CourseData(
                        code=code, title=title, credit_hours=Decimal(credits), clock_hours=hours
                    ),
                )
            programs[program.code] = program.id
    return programs


def create_cohorts(programs: dict[str, int], users: list[User], today: dt.date) -> list[Cohort]:
    """The cohorts of DEMO_COHORTS: the running diploma cohort, then the upcoming one."""
    instructors = {u.email: u.id for u in users if u.role == Role.INSTRUCTOR}
    cohorts = []
    for prefix, suffix, program_code, weeks_to_start, weeks, teacher in DEMO_COHORTS:
        start = today + dt.timedelta(weeks=weeks_to_start)
        cohort = create_cohort(
            data=CohortData(
                code=f"{prefix}-{start:%Y}-{suffix}",
                program_id=programs[program_code],
                start_date=start,
                end_date=start + dt.timedelta(weeks=weeks),
                instructor_ids=(instructors[teacher],),
            )
        )
        cohorts.append(cohort)
    return cohorts


def enroll_students(cohort: Cohort, users: list[User]) -> list[Enrollment]:
    """The student accounts of DEMO_USERS in ``cohort``, numbered from 1 in its year."""
    start = cohort.start_date
    enrollments = [
        enroll_student(cohort=cohort, email=u.email, name=u.name, start_date=start, by=None)
        for u in users
        if u.role == Role.STUDENT
    ]
    for number, enrollment in enumerate(enrollments, start=1):
        student = enrollment.student
        student.student_number = f"S{start:%Y}-{number:04d}"
        student.first_name, _, student.last_name = student.name.partition(" ")
    return enrollments


def put_on_leave(enrollment: Enrollment, today: dt.date) -> None:
    """One student of the running cohort is on a leave of absence."""
    change_enrollment_status(
        enrollment=enrollment,
        to_status=EnrollmentStatus.LEAVE_OF_ABSENCE,
        effective_date=today - dt.timedelta(weeks=2),
        reason="Medical leave, expected back next month",
        last_attendance_date=today - dt.timedelta(weeks=2, days=3),
        by=None,
    )


def _scores(
    rng: random.Random,
    enrollments: list[Enrollment],
    assessments: list[Assessment],
    level: dict[int, tuple[float, float]],
) -> dict[tuple[int, int], Cell]:
    """Each enrollment's points on ``assessments``: a level drawn from its range for the
    course, give or take 5 percentage points on each assessment, in half points."""
    scores = {}
    for e in enrollments:
        course_level = rng.uniform(*level[e.id])
        for a in assessments:
            points = a.max_points * Decimal(str(round(course_level + rng.uniform(-0.05, 0.05), 3)))
            points = min(a.max_points, points.quantize(Decimal("0.5")))
            scores[(e.id, a.id)] = Cell("", f"{points:f}")
    return scores


def _cohort_enrollments(cohort: Cohort) -> list[Enrollment]:
    return list(
        db.session.scalars(
            select(Enrollment).where(Enrollment.cohort_id == cohort.id).order_by(Enrollment.id)
        )
    )


def grade_running(cohort: Cohort, *, teacher: User) -> None:
    """Ten weeks in: two courses finished, the third half-way (quizzes and assignments);
    Chloe has transfer credit for Medical Terminology; a few students are struggling."""
    rng = random.Random(2026)  # noqa: S311 (demo data, not a secret)
    enrollments = _cohort_enrollments(cohort)
    struggling = {e.id for e in enrollments[1::6]}  # Ben Carter and every sixth after him
    level = {e.id: (0.48, 0.7) if e.id in struggling else (0.72, 0.99) for e in enrollments}
    for index, course in enumerate(cohort.program.courses[:3]):
        assessments = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in DEMO_ASSESSMENTS],
            by=teacher,
        )
        scored = assessments if index < 2 else assessments[:2]
        scores = _scores(rng, enrollments, scored, level)
        marks = {}
        if index == 0:
            chloe = next(e for e in enrollments if e.student.email == "chloe.nguyen@demo.school")
            marks[chloe.id] = Cell("", "TC")
            scores = {k: v for k, v in scores.items() if k[0] != chloe.id}
        save_grades(cohort=cohort, course=course, scores=scores, marks=marks, by=teacher)


def past_period() -> Period:
    """The last completed reporting year: the default period of /admin/outcomes."""
    month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
    return reporting_year(school_today(), month=month)


def past_cohort(program_id: int, *, teacher: User, running: Cohort) -> list[Enrollment]:
    """The previous start of the diploma, 44 weeks from some five months before the last
    completed reporting year: its roster, every course graded, two withdrawals (Leticia
    came back as a re-entry in the running cohort). Externships and graduation follow
    once the sites exist (:func:`school.demo.graduation.graduate`)."""
    start = past_period().start - dt.timedelta(weeks=24)
    start -= dt.timedelta(days=start.weekday())  # a Monday
    cohort = create_cohort(
        data=CohortData(
            code=f"MBC-{start:%Y}-01",
            program_id=program_id,
            start_date=start,
            end_date=start + dt.timedelta(weeks=44),
            instructor_ids=(teacher.id,),
        )
    )
    registrar = user_by_email("registrar@demo.school")
    import_roster(
        cohort=cohort,
        data=roster_csv(DEMO_PAST_NAMES, start, first=1, exchange="020"),
        by=registrar,
    )
    enrollments = _cohort_enrollments(cohort)
    left = {enrollments[i].id: start + dt.timedelta(weeks=w) for i, w, *_ in DEMO_PAST_WITHDRAWALS}
    _past_grades(cohort, enrollments, left, teacher=teacher)
    _past_withdrawals(enrollments, running, by=registrar)
    return enrollments


def _past_withdrawals(enrollments: list[Enrollment], running: Cohort, *, by: User) -> None:
    """The withdrawals of DEMO_PAST_WITHDRAWALS; those who return re-enter ``running``."""
    start = enrollments[0].cohort.start_date
    for index, weeks, reason, returns in DEMO_PAST_WITHDRAWALS:
        enrollment = enrollments[index]
        change_enrollment_status(
            enrollment=enrollment,
            to_status=EnrollmentStatus.WITHDRAWN,
            effective_date=start + dt.timedelta(weeks=weeks),
            reason=reason,
            last_attendance_date=start + dt.timedelta(weeks=weeks, days=-4),
            by=by,
        )
        if returns:
            reenter_student(
                earlier=enrollment, cohort=running, start_date=running.start_date, by=by
            )


def _past_grades(
    cohort: Cohort, enrollments: list[Enrollment], left: dict[int, dt.date], *, teacher: User
) -> None:
    """Every course of the past cohort graded (all passed by those who stayed); a student
    who withdrew has the courses finished before leaving and a W for the one under way."""
    rng = random.Random(2025)  # noqa: S311 (demo data, not a secret)
    courses = cohort.program.courses
    teaching = (cohort.end_date - dt.timedelta(weeks=6)) - cohort.start_date
    total = sum(c.clock_hours for c in courses)
    level = {e.id: (0.77, 0.97) for e in enrollments}
    done = 0
    for course in courses:
        began = cohort.start_date + teaching * done / total
        done += course.clock_hours
        ended = cohort.start_date + teaching * done / total
        assessments = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in DEMO_ASSESSMENTS],
            by=teacher,
        )
        taking = [e for e in enrollments if e.id not in left or left[e.id] >= ended]
        marks = {eid: Cell("", "W") for eid, day in left.items() if began <= day < ended}
        scores = _scores(rng, taking, assessments, level)
        save_grades(cohort=cohort, course=course, scores=scores, marks=marks, by=teacher)
