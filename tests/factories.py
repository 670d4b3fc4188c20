"""Small factories with keyword-only defaults. They add and flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.cohorts.models import (
    Cohort,
    Course,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    Program,
)
from school.database import utcnow
from school.extensions import db

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(
    *,
    role: Role = Role.STUDENT,
    email: str | None = None,
    name: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role.value}{n}@example.com",
        name=name or f"{role.value.title()} Person {n}",
        role=role,
        active=active,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_program(
    *,
    code: str | None = None,
    name: str = "Medical Billing and Coding Diploma",
    courses: int = 3,
    externship_hours: int = 160,
) -> Program:
    n = next(_seq)
    program = Program(
        code=code or f"MBC-{n}",
        name=name,
        target_credential="CPC",
        clock_hours=720,
        externship_hours=externship_hours,
        daily_hour_cap=Decimal("10"),
        pass_mark=Decimal("70"),
        scale_a=Decimal("90"),
        scale_b=Decimal("80"),
        scale_c=Decimal("70"),
        scale_d=Decimal("60"),
    )
    db.session.add(program)
    for i in range(1, courses + 1):
        db.session.add(
            Course(
                program=program,
                sequence=i,
                code=f"C{i:03d}",
                title=f"Course {i}",
                credit_hours=Decimal("3"),
                clock_hours=45,
            )
        )
    db.session.flush()
    return program


def make_cohort(
    *,
    program: Program | None = None,
    code: str | None = None,
    start: dt.date | None = None,
    weeks: int = 40,
    instructors: list[User] | None = None,
) -> Cohort:
    n = next(_seq)
    start = start or dt.date(2026, 9, 14)
    cohort = Cohort(
        code=code or f"MBC-2026-{n:02d}",
        program=program or make_program(),
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks),
        instructors=instructors or [],
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def make_enrollment(
    *, cohort: Cohort | None = None, student: User | None = None, start: dt.date | None = None
) -> Enrollment:
    cohort = cohort or make_cohort()
    start = start or cohort.start_date
    enrollment = Enrollment(
        cohort=cohort,
        student=student or make_user(role=Role.STUDENT),
        status=EnrollmentStatus.ACTIVE,
        start_date=start,
        status_date=start,
    )
    db.session.add(enrollment)
    db.session.add(
        EnrollmentChange(
            enrollment=enrollment,
            to_status=EnrollmentStatus.ACTIVE,
            effective_date=start,
            reason="Enrolled",
        )
    )
    db.session.flush()
    return enrollment
