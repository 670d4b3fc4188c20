"""Externship sites and their agreements, supervisors, placements and hour logs."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User, enum_column, users_link_table
from school.cohorts.models import Enrollment
from school.database import UTCDateTime, utcnow
from school.extensions import db


class _Labelled:
    """What pages show for a member of an enum of this module (:data:`LABELS`)."""

    @property
    def label(self) -> str:
        return LABELS[type(self)][self]


class SettingType(_Labelled, enum.StrEnum):
    HOSPITAL = "hospital_him"
    OUTPATIENT = "outpatient_clinic"
    PHYSICIAN_OFFICE = "physician_office"
    NURSING = "nursing_facility"
    PAYER = "insurance_payer"
    GOVERNMENT = "government_agency"
    CODING_COMPANY = "coding_company"
    REMOTE = "remote"


site_supervisors = users_link_table("site_supervisors", "site_id", "sites.id")


class Site(db.Model):
    """An externship host, e.g. a hospital's HIM department."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    setting_type: Mapped[SettingType] = mapped_column(enum_column(SettingType, "setting_type"))
    address: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisors: Mapped[list[User]] = relationship(secondary=site_supervisors, order_by="User.name")
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="site", order_by="Agreement.expires_on.desc()"
    )


class Agreement(db.Model):
    """An affiliation agreement between the school and a site, valid until it expires."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("expires_on > signed_on", name="expires_after_signed"),
        Index("ix_agreements_site_expires", "site_id", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site: Mapped[Site] = relationship(back_populates="agreements")


class PlacementStatus(enum.StrEnum):
    """Stored states. An active placement whose start date has not come is shown as
    scheduled (:meth:`Placement.state`)."""

    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


OPEN_PLACEMENT_SQL = "status = 'active'"


class Placement(db.Model):
    """An enrollment at a site under a supervisor, with dates and required hours. Complete
    when confirmed hours reach the requirement and the supervisor's evaluation is in."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint("required_hours > 0", name="required_hours_positive"),
        Index("ix_placements_site_id", "site_id"),
        Index("ix_placements_supervisor_id", "supervisor_id"),
        # One open placement per enrollment at a time.
        Index(
            "uq_placements_open_enrollment",
            "enrollment_id",
            unique=True,
            sqlite_where=text(OPEN_PLACEMENT_SQL),
            postgresql_where=text(OPEN_PLACEMENT_SQL),
        ),
        Index("ix_placements_enrollment_id", "enrollment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    required_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    status: Mapped[PlacementStatus] = mapped_column(
        enum_column(PlacementStatus, "placement_status")
    )
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    site: Mapped[Site] = relationship()
    supervisor: Mapped[User] = relationship()

    def state(self, today: dt.date) -> str:
        """scheduled, active, completed or ended_early."""
        if self.status == PlacementStatus.ACTIVE and today < self.start_date:
            return "scheduled"
        return self.status.value


class LogStatus(_Labelled, enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    WITHDRAWN = "withdrawn"


# What pages show for each kind of setting and each status of a log.
SETTING_LABELS = {
    SettingType.HOSPITAL: "Hospital HIM department",
    SettingType.OUTPATIENT: "Outpatient clinic",
    SettingType.PHYSICIAN_OFFICE: "Physician office",
    SettingType.NURSING: "Nursing facility",
    SettingType.PAYER: "Insurance / payer",
    SettingType.GOVERNMENT: "Government agency",
    SettingType.CODING_COMPANY: "Coding company",
    SettingType.REMOTE: "Remote",
}
LOG_STATUS_LABELS = {
    LogStatus.PENDING: "Waiting for the supervisor",
    LogStatus.CONFIRMED: "Confirmed",
    LogStatus.REJECTED: "Rejected",
    LogStatus.NEEDS_INFO: "Needs more information",
    LogStatus.WITHDRAWN: "Withdrawn",
}
LABELS: dict[type, dict[Any, str]] = {SettingType: SETTING_LABELS, LogStatus: LOG_STATUS_LABELS}


class DecisionChannel(enum.StrEnum):
    PORTAL = "portal"
    LINK = "link"


class HourLog(db.Model):
    """One day's work in a placement. Only confirmed hours count; a confirmed log is never
    edited. ``version`` grows with every change, so a decision can be bound to what the
    supervisor saw."""

    __tablename__ = "hour_logs"
    __table_args__ = (
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_range"),
        Index("ix_hour_logs_placement_date", "placement_id", "work_date"),
        Index("ix_hour_logs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="RESTRICT"))
    work_date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    activities: Mapped[str] = mapped_column(Text)
    status: Mapped[LogStatus] = mapped_column(enum_column(LogStatus, "log_status"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_via: Mapped[DecisionChannel | None] = mapped_column(
        enum_column(DecisionChannel, "decision_channel")
    )
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    decision_signature: Mapped[str | None] = mapped_column(String(120))
    decision_ip: Mapped[str | None] = mapped_column(String(64))
    decision_user_agent: Mapped[str | None] = mapped_column(String(400))

    placement: Mapped[Placement] = relationship()
    decided_by: Mapped[User | None] = relationship()


RATINGS = (
    ("icd_accuracy", "ICD-10-CM coding accuracy"),
    ("cpt_accuracy", "CPT/HCPCS coding accuracy"),
    ("documentation_review", "Documentation review"),
    ("compliance", "Compliance and confidentiality"),
    ("productivity", "Productivity"),
    ("professionalism", "Professionalism"),
)


class Evaluation(db.Model):
    """The supervisor's end-of-placement evaluation: competencies rated 1–5, comments and
    whether they would hire the student. One per placement."""

    __tablename__ = "evaluations"
    __table_args__ = tuple(
        CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name, _ in RATINGS
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="RESTRICT"), unique=True
    )
    icd_accuracy: Mapped[int] = mapped_column(Integer)
    cpt_accuracy: Mapped[int] = mapped_column(Integer)
    documentation_review: Mapped[int] = mapped_column(Integer)
    compliance: Mapped[int] = mapped_column(Integer)
    productivity: Mapped[int] = mapped_column(Integer)
    professionalism: Mapped[int] = mapped_column(Integer)
    comments: Mapped[str | None] = mapped_column(Text)
    would_hire: Mapped[bool] = mapped_column()
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A correction (allowed until the placement is completed) bumps the version; the form
    # carries the version it was read at, so two corrections cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    corrected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    placement: Mapped[Placement] = relationship()
    submitted_by: Mapped[User] = relationship()

    @property
    def average(self) -> Decimal:
        total = sum(getattr(self, name) for name, _ in RATINGS)
        return (Decimal(total) / len(RATINGS)).quantize(Decimal("0.1"))
