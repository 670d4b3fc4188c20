"""Programs and their curricula (cohorts, enrollments and grades build on these)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
