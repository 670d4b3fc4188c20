"""Graduate employment outcomes: the jobs a graduate holds, or their documented
unavailability for employment. Both belong to the graduating enrollment (a student who
graduates twice has two sets of outcomes). A graduate with neither is "unknown"."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User, enum_column
from school.cohorts.models import Enrollment
from school.database import UTCDateTime, utcnow
from school.extensions import db
from school.internships.models import SettingType


class JobSetting(enum.StrEnum):
    """Where a graduate works: the externship settings, and anything else."""

    HOSPITAL = SettingType.HOSPITAL.value
    OUTPATIENT = SettingType.OUTPATIENT.value
    PHYSICIAN_OFFICE = SettingType.PHYSICIAN_OFFICE.value
    NURSING = SettingType.NURSING.value
    PAYER = SettingType.PAYER.value
    GOVERNMENT = SettingType.GOVERNMENT.value
    CODING_COMPANY = SettingType.CODING_COMPANY.value
    REMOTE = SettingType.REMOTE.value
    OTHER = "other"

    @property
    def label(self) -> str:
        if self == JobSetting.OTHER:
            return "Other (outside healthcare)"
        return SettingType(self.value).label


class Classification(enum.StrEnum):
    IN_FIELD = "in_field"
    RELATED = "related_field"
    UNRELATED = "unrelated"

    @property
    def label(self) -> str:
        return {
            Classification.IN_FIELD: "In field",
            Classification.RELATED: "Related field",
            Classification.UNRELATED: "Unrelated",
        }[self]


class Source(enum.StrEnum):
    """How a job was verified. ``employer_link`` is only ever set by the employer answering
    an emailed link."""

    EMPLOYER_LINK = "employer_link"
    DOCUMENTS = "documents"
    SELF_REPORT = "self_report"

    @property
    def label(self) -> str:
        return {
            Source.EMPLOYER_LINK: "Employer verified",
            Source.DOCUMENTS: "Documents (offer letter, pay stub)",
            Source.SELF_REPORT: "Graduate's own report",
        }[self]


class UnavailableReason(enum.StrEnum):
    HEALTH = "health"
    MILITARY = "military"
    INCARCERATION = "incarceration"
    CONTINUING_EDUCATION = "continuing_education"
    DEATH = "death"

    @property
    def label(self) -> str:
        return {
            UnavailableReason.HEALTH: "Health (the graduate's or a family member's)",
            UnavailableReason.MILITARY: "Military service",
            UnavailableReason.INCARCERATION: "Incarceration",
            UnavailableReason.CONTINUING_EDUCATION: "Continuing education",
            UnavailableReason.DEATH: "Death",
        }[self]


class Job(db.Model):
    """One job of a graduate. ``version`` grows with every change, so that an emailed
    verification link sent for an earlier version does nothing."""

    __tablename__ = "employment_jobs"
    __table_args__ = (
        Index("ix_employment_jobs_enrollment_id", "enrollment_id"),
        CheckConstraint("annual_salary IS NULL OR annual_salary > 0", name="salary_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"))
    employer: Mapped[str] = mapped_column(String(160))
    job_title: Mapped[str] = mapped_column(String(120))
    setting: Mapped[JobSetting] = mapped_column(enum_column(JobSetting, "job_setting"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    classification: Mapped[Classification] = mapped_column(
        enum_column(Classification, "job_classification")
    )
    full_time: Mapped[bool] = mapped_column()
    remote: Mapped[bool] = mapped_column(default=False)
    annual_salary: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    employer_email: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[Source] = mapped_column(enum_column(Source, "job_source"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by_name: Mapped[str | None] = mapped_column(String(120))
    verified_by_email: Mapped[str | None] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def employer_verified(self) -> bool:
        return self.source == Source.EMPLOYER_LINK and self.verified_at is not None


class Unavailability(db.Model):
    """A graduate documented as unavailable for employment (excluded from the placement
    denominator)."""

    __tablename__ = "employment_unavailable"

    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), primary_key=True
    )
    reason: Mapped[UnavailableReason] = mapped_column(
        enum_column(UnavailableReason, "unavailable_reason")
    )
    documented_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    recorded_by: Mapped[User | None] = relationship()
