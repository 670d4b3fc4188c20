"""Reads for documents: a student's disclosure log, an enrollment's official transcripts, a
transcript by its serial or its confirmation, its stored copy (checked against its SHA-256),
and an unofficial copy read and rendered."""

from __future__ import annotations

import hashlib
import logging
import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from school.cohorts.models import Enrollment
from school.database import utcnow
from school.extensions import db
from school.reports.models import Disclosure, IssuedCopy, IssuedTranscript
from school.reports.serials import serial_for
from school.reports.transcript.data import TranscriptData, transcripts_data
from school.reports.transcript.pdf import render_transcript

log = logging.getLogger(__name__)


# Built once (a bound parameter): SQLAlchemy then only looks up its compiled form.
_DISCLOSURES = (
    select(Disclosure)
    .where(Disclosure.student_id == bindparam("student_id"))
    .options(joinedload(Disclosure.transcript))
    .order_by(Disclosure.released_at.desc(), Disclosure.id.desc())
)


def disclosure_log(student_id: int) -> list[Disclosure]:
    """Every release of the student's records, newest first (one statement)."""
    return list(db.session.scalars(_DISCLOSURES, {"student_id": student_id}))


def issued_for(enrollment_id: int) -> list[IssuedTranscript]:
    return list(
        db.session.scalars(
            select(IssuedTranscript)
            .where(IssuedTranscript.enrollment_id == enrollment_id)
            .order_by(IssuedTranscript.issued_at.desc(), IssuedTranscript.id.desc())
        )
    )


def issued_under(issue_key: str, enrollment_id: int) -> IssuedTranscript | None:
    """The transcript a confirmation (its ``issue_key``) already issued for an enrollment."""
    return db.session.scalar(
        select(IssuedTranscript).where(
            IssuedTranscript.serial == serial_for(issue_key, enrollment_id),
            IssuedTranscript.enrollment_id == enrollment_id,
        )
    )


def by_serial(serial: str) -> IssuedTranscript | None:
    if len(serial) > 20:
        return None
    return db.session.scalar(
        select(IssuedTranscript).where(IssuedTranscript.serial == serial.strip().upper())
    )


def matches(transcript: IssuedTranscript, upload: bytes) -> bool:
    """Whether ``upload`` is byte for byte the PDF issued."""
    return secrets.compare_digest(hashlib.sha256(upload).hexdigest(), transcript.sha256)


def stored_copy(transcript: IssuedTranscript) -> bytes | None:
    """The PDF exactly as issued, or None when the school holds no intact copy of it: none
    was stored (issued before copies were kept, and not reproducible at the upgrade), or the
    stored bytes no longer have the SHA-256 recorded at issue. The second means the database
    was changed behind the application's back: it is logged as an error, and the bytes are
    never handed out."""
    pdf = db.session.scalar(select(IssuedCopy.pdf).where(IssuedCopy.transcript_id == transcript.id))
    if pdf is None:
        return None
    if not matches(transcript, pdf):
        log.error(
            "Stored copy of official transcript %s (id %s) fails its SHA-256 check "
            "(recorded %s, stored bytes %s); not served.",
            transcript.serial,
            transcript.id,
            transcript.sha256,
            hashlib.sha256(pdf).hexdigest(),
        )
        return None
    return pdf


def unavailable_message(transcript: IssuedTranscript) -> str:
    return (
        f"{transcript.serial}: stored copy unavailable. The school holds no intact copy of "
        "the file as issued; issue a new official transcript if one is needed."
    )


def unofficial(enrollment: Enrollment) -> tuple[TranscriptData, bytes]:
    """An enrollment's unofficial transcript as of now: its data and its PDF bytes."""
    data = transcripts_data([enrollment.id], utcnow())[enrollment.id]
    return data, render_transcript(data)
