"""Official transcripts issued, and the student's disclosure log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from school.auth.models import User
from school.cohorts.models import Enrollment
from school.database import UTCDateTime, utcnow
from school.extensions import db


class IssuedCopy(db.Model):
    """The exact bytes of an official transcript as issued, kept so that the registrar can
    send the same copy again and the school holds what it disclosed. Read back only after
    its SHA-256 matches the one recorded on the transcript (``queries.stored_copy``). A
    transcript issued before copies were stored, whose bytes could not be reproduced at the
    upgrade, has no row ("stored copy unavailable")."""

    __tablename__ = "official_transcript_copies"

    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("official_transcripts.id", ondelete="RESTRICT"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    transcript: Mapped[IssuedTranscript] = relationship()


class IssuedTranscript(db.Model):
    """One official transcript as issued: its serial (printed, and in the QR code), who got
    it and why, and the SHA-256 of the exact bytes (which answers whether a copy someone
    holds is the one issued). The bytes themselves are an :class:`IssuedCopy`; ``has_copy``
    says whether there is one without loading it (an EXISTS in the same statement)."""

    __tablename__ = "official_transcripts"
    __table_args__ = (Index("ix_official_transcripts_student_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(200))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_by_label: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    revoke_reason: Mapped[str | None] = mapped_column(String(300))
    has_copy: Mapped[bool] = column_property(
        select(IssuedCopy.transcript_id).where(IssuedCopy.transcript_id == id).exists()
    )

    enrollment: Mapped[Enrollment] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])


class Disclosure(db.Model):
    """A release of the student's records to someone else (FERPA's record of disclosures):
    what, to whom, why, on whose request, released by whom and when. The student can read
    their own log."""

    __tablename__ = "disclosures"
    __table_args__ = (Index("ix_disclosures_student_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    record: Mapped[str] = mapped_column(String(120))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(200))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    released_by_label: Mapped[str] = mapped_column(String(300))
    released_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    transcript_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_transcripts.id", ondelete="RESTRICT")
    )

    transcript: Mapped[IssuedTranscript | None] = relationship()
