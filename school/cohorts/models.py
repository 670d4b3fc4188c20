"""Programs and their curricula (cohorts, enrollments and grades build on these)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User, enum_column, users_link_table
from school.database import UTCDateTime, utcnow
from school.extensions import db

PERCENT = Numeric(5, 2)  # 0.00 to 100.00, exact


class Program(db.Model):
    """What a school sells, e.g. "Medical Billing and Coding Diploma".

    The grading scale is the lowest percentage for each letter (A ≥ 90, B ≥ 80, C ≥ 70,
    D ≥ 60 by default; below D is F); grade points are 4/3/2/1/0.
    """

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("clock_hours >= 0", name="clock_hours_not_negative"),
        CheckConstraint("externship_hours >= 0", name="externship_hours_not_negative"),
        CheckConstraint("daily_hour_cap > 0 AND daily_hour_cap <= 24", name="daily_cap_range"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
        CheckConstraint(
            "scale_a <= 100 AND scale_a > scale_b AND scale_b > scale_c AND scale_c > scale_d"
            " AND scale_d >= 0",
            name="scale_descending",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    target_credential: Mapped[str] = mapped_column(String(20))
    clock_hours: Mapped[int] = mapped_column(Integer)
    externship_hours: Mapped[int] = mapped_column(Integer, default=0)
    daily_hour_cap: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("10"))
    pass_mark: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("70"))
    scale_a: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("90"))
    scale_b: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("80"))
    scale_c: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("70"))
    scale_d: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("60"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    courses: Mapped[list[Course]] = relationship(
        back_populates="program", order_by="(Course.sequence, Course.id)"
    )

    @property
    def requires_externship(self) -> bool:
        return self.externship_hours > 0


class Course(db.Model):
    """One course of a program's curriculum, in teaching order (``sequence``)."""

    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("program_id", "code", name="uq_courses_program_id_code"),
        Index("ix_courses_program_sequence", "program_id", "sequence"),
        CheckConstraint("credit_hours >= 0", name="credit_hours_not_negative"),
        CheckConstraint("clock_hours >= 0", name="clock_hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    clock_hours: Mapped[int] = mapped_column(Integer)

    program: Mapped[Program] = relationship(back_populates="courses")


cohort_instructors = users_link_table("cohort_instructors", "cohort_id", "cohorts.id")


class Cohort(db.Model):
    """One start of a program, e.g. MBC-2026-01, with its dates and instructors. Its status
    (upcoming, running, finished) follows from the dates and the school's today."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="ends_after_start"),
        Index("ix_cohorts_program_start", "program_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="RESTRICT"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    program: Mapped[Program] = relationship()
    instructors: Mapped[list[User]] = relationship(
        secondary=cohort_instructors, order_by="User.name"
    )

    def status(self, today: dt.date) -> str:
        if today < self.start_date:
            return "upcoming"
        return "running" if today <= self.end_date else "finished"


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    LEAVE_OF_ABSENCE = "leave_of_absence"
    WITHDRAWN = "withdrawn"
    GRADUATED = "graduated"

    @property
    def label(self) -> str:
        return {
            EnrollmentStatus.ACTIVE: "Active",
            EnrollmentStatus.LEAVE_OF_ABSENCE: "Leave of absence",
            EnrollmentStatus.WITHDRAWN: "Withdrawn",
            EnrollmentStatus.GRADUATED: "Graduated",
        }[self]


# The statuses of a student studying now (counted as current everywhere).
OPEN_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE)
OPEN_SQL = "status IN ('active', 'leave_of_absence')"


class Enrollment(db.Model):
    """A student in a cohort. A withdrawn student who returns gets a new enrollment (a
    re-entry) that points to the earlier one; the earlier one is never reopened."""

    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_cohort_status", "cohort_id", "status"),
        # Graduates newest first, and the enrollments that closed in a period (outcomes).
        Index("ix_enrollments_status_status_date", "status", "status_date"),
        Index("ix_enrollments_student_id", "student_id"),
        # An enrollment is re-entered at most once.
        Index("ix_enrollments_reentry_of_id", "reentry_of_id", unique=True),
        # One open enrollment per student, even when two requests enroll them at once.
        Index(
            "uq_enrollments_open_student",
            "student_id",
            unique=True,
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_column(EnrollmentStatus, "enrollment_status")
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    status_date: Mapped[dt.date] = mapped_column(Date)
    reentry_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    student: Mapped[User] = relationship()
    reentry_of: Mapped[Enrollment | None] = relationship(remote_side=[id])
    changes: Mapped[list[EnrollmentChange]] = relationship(
        back_populates="enrollment", order_by="EnrollmentChange.id"
    )


class EnrollmentChange(db.Model):
    """One change of an enrollment's status: when it took effect, why, the last day the
    student attended (leave of absence, withdrawal), who recorded it and when."""

    __tablename__ = "enrollment_changes"
    __table_args__ = (Index("ix_enrollment_changes_enrollment_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    from_status: Mapped[EnrollmentStatus | None] = mapped_column(
        enum_column(EnrollmentStatus, "from_status")
    )
    to_status: Mapped[EnrollmentStatus] = mapped_column(enum_column(EnrollmentStatus, "to_status"))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))
    last_attendance_date: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(back_populates="changes")
    recorded_by: Mapped[User | None] = relationship()


class Assessment(db.Model):
    """One graded piece of a course as a cohort takes it (a quiz, an assignment, an exam).

    The weights of a course's assessments in a cohort sum to 100 (percent); a score is points
    out of ``max_points``.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint(
            "cohort_id", "course_id", "name", name="uq_assessments_cohort_course_name"
        ),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    weight: Mapped[Decimal] = mapped_column(PERCENT)
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    course: Mapped[Course] = relationship()


class Score(db.Model):
    """An enrollment's points on one assessment (exact decimal, 0 ≤ points ≤ max_points)."""

    __tablename__ = "scores"
    __table_args__ = (
        Index("ix_scores_enrollment_id", "enrollment_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), primary_key=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), primary_key=True
    )
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SpecialResult(enum.StrEnum):
    """A course result that is not a letter grade; none counts in the GPA."""

    WITHDREW = "W"
    INCOMPLETE = "I"
    TRANSFER_CREDIT = "TC"

    @property
    def label(self) -> str:
        return {
            SpecialResult.WITHDREW: "W — withdrew from the course",
            SpecialResult.INCOMPLETE: "I — incomplete",
            SpecialResult.TRANSFER_CREDIT: "TC — transfer credit",
        }[self]


class CourseMark(db.Model):
    """A special result (W, I, TC) of one enrollment in one course; it replaces the scores."""

    __tablename__ = "course_marks"

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), primary_key=True
    )
    result: Mapped[SpecialResult] = mapped_column(enum_column(SpecialResult, "special_result"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
