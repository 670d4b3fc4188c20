"""Programs and their curricula (cohorts, enrollments and grades build on these)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
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


cohort_instructors = Table(
    "cohort_instructors",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_cohort_instructors_user_id", "user_id"),
)


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
