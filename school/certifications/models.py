"""Credential catalog and certification-exam attempts."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User, enum_column
from school.database import UTCDateTime, utcnow
from school.extensions import db


class Body(enum.StrEnum):
    AAPC = "AAPC"
    AHIMA = "AHIMA"


class Scoring(enum.StrEnum):
    PERCENT = "percent"  # 0–100, pass mark a percentage (AAPC)
    SCALED = "scaled"  # e.g. 100–400, pass at 300 (AHIMA)


class Credential(db.Model):
    """A catalog entry. Bodies change their exams, so every fact is editable."""

    __tablename__ = "credentials"
    __table_args__ = (
        CheckConstraint("exam_questions > 0", name="questions_positive"),
        CheckConstraint("exam_minutes > 0", name="minutes_positive"),
        CheckConstraint("scale_min < scale_max", name="scale_order"),
        CheckConstraint("pass_mark >= scale_min AND pass_mark <= scale_max", name="pass_in_scale"),
        CheckConstraint("ceus_required >= 0", name="ceus_not_negative"),
        CheckConstraint("cycle_years > 0", name="cycle_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    body: Mapped[Body] = mapped_column(enum_column(Body, "credential_body"))
    exam_questions: Mapped[int] = mapped_column(Integer)
    exam_minutes: Mapped[int] = mapped_column(Integer)
    scoring: Mapped[Scoring] = mapped_column(enum_column(Scoring, "scoring"))
    scale_min: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    scale_max: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    ceus_required: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    cycle_years: Mapped[int] = mapped_column(Integer)
    has_apprentice: Mapped[bool] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)


class AttemptResult(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class Attempt(db.Model):
    """A student's sitting of a credential exam. Attempt numbers follow date order (per
    student and credential) and are computed when read. A student may report their own
    attempt; it counts in no figure until an administrator verifies it."""

    __tablename__ = "certification_attempts"
    __table_args__ = (
        Index("ix_certification_attempts_student", "student_id", "credential_id", "exam_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id", ondelete="RESTRICT"))
    exam_date: Mapped[dt.date] = mapped_column(Date)
    exam_version: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    result: Mapped[AttemptResult] = mapped_column(enum_column(AttemptResult, "attempt_result"))
    reported_by_student: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    credential: Mapped[Credential] = relationship()

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class StepKind(enum.StrEnum):
    TASK = "task"
    PRACTICE_EXAM = "practice_exam"
    MOCK_EXAM = "mock_exam"

    @property
    def label(self) -> str:
        return {
            StepKind.TASK: "Task",
            StepKind.PRACTICE_EXAM: "Practice exam",
            StepKind.MOCK_EXAM: "Timed mock exam",
        }[self]


class MilestonePlan(db.Model):
    """A program's exam-prep plan and its readiness rule: every required task done and the
    last ``mock_count`` mock exams at or above ``mock_threshold`` percent."""

    __tablename__ = "milestone_plans"
    __table_args__ = (
        CheckConstraint("mock_count >= 1 AND mock_count <= 10", name="mock_count_range"),
        CheckConstraint("mock_threshold >= 0 AND mock_threshold <= 100", name="threshold_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), unique=True
    )
    mock_count: Mapped[int] = mapped_column(Integer, default=2)
    mock_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(70))

    steps: Mapped[list[MilestoneStep]] = relationship(
        back_populates="plan", order_by="(MilestoneStep.sequence, MilestoneStep.id)"
    )


class MilestoneStep(db.Model):
    __tablename__ = "milestone_steps"
    __table_args__ = (Index("ix_milestone_steps_plan", "plan_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("milestone_plans.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "step_kind"))
    title: Mapped[str] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(default=True)

    plan: Mapped[MilestonePlan] = relationship(back_populates="steps")


class StepResult(db.Model):
    """An enrollment's completion of a step: the date, and the score (percent) of an exam."""

    __tablename__ = "step_results"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        Index("ix_step_results_enrollment", "enrollment_id"),
    )

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), primary_key=True
    )
    step_id: Mapped[int] = mapped_column(
        ForeignKey("milestone_steps.id", ondelete="RESTRICT"), primary_key=True
    )
    completed_on: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AwardedCredential(db.Model):
    """A credential a student (or graduate) holds: the date it was awarded, the body's
    member id, and for an apprentice designation (CPC-A) the date it was removed."""

    __tablename__ = "awarded_credentials"
    __table_args__ = (
        Index("uq_awarded_student_credential", "student_id", "credential_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id", ondelete="RESTRICT"))
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    member_id: Mapped[str] = mapped_column(String(40))
    apprentice: Mapped[bool] = mapped_column(default=False)
    apprentice_removed_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    credential: Mapped[Credential] = relationship()


class CeuEntry(db.Model):
    """Continuing-education units a credential holder earned."""

    __tablename__ = "ceu_entries"
    __table_args__ = (
        CheckConstraint("hours > 0 AND hours <= 100", name="hours_range"),
        Index("ix_ceu_entries_student_date", "student_id", "earned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    earned_on: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    provider: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
