"""Issuing official transcripts (serial, QR code to the verification page, the exact bytes
stored with their SHA-256, a disclosure-log row each), sending a stored copy again (audited),
storing the copies of transcripts issued before copies were kept, revoking, and checking an
uploaded copy."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import exists, insert, select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.models import Enrollment
from school.database import utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.reports.models import Disclosure, IssuedCopy, IssuedTranscript
from school.reports.transcript import Official, TranscriptData, render_transcript, transcripts_data
from school.web.security import external_url
from school.web.templating import format_date

SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECORD = "Official progress transcript"
log = logging.getLogger(__name__)


def new_serial() -> str:
    """Like ``TR-7KQ4-M2XP``: 40 random bits, easy to read aloud and to type."""
    chars = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(8))
    return f"TR-{chars[:4]}-{chars[4:]}"


def new_issue_key() -> str:
    """The single-use key of one confirmation page (random, 192 bits)."""
    return secrets.token_urlsafe(24)


def serial_for(issue_key: str, enrollment_id: int) -> str:
    """The serial of the transcript that the confirmation holding ``issue_key`` issues for
    an enrollment: 40 bits of the key's SHA-256 (as unpredictable as :func:`new_serial`, the
    key being random). Since serials are unique, the same confirmation sent twice, even at
    the same moment, can write one transcript only: the second insert is refused."""
    digest = hashlib.sha256(f"{issue_key}:{enrollment_id}".encode()).digest()
    number = int.from_bytes(digest[:5], "big")
    chars = "".join(SERIAL_ALPHABET[(number >> (5 * i)) & 31] for i in range(8))
    return f"TR-{chars[:4]}-{chars[4:]}"


def issued_under(issue_key: str, enrollment_id: int) -> IssuedTranscript | None:
    """The transcript a confirmation (its ``issue_key``) already issued for an enrollment."""
    return db.session.scalar(
        select(IssuedTranscript).where(
            IssuedTranscript.serial == serial_for(issue_key, enrollment_id),
            IssuedTranscript.enrollment_id == enrollment_id,
        )
    )


ALREADY_ISSUED = "This transcript was already issued ({serial}); it was not issued again."


@dataclass(frozen=True)
class Request:
    recipient: str
    purpose: str
    requested_by: str

    def cleaned(self) -> Request:
        """The same request with runs of white space made one space (as it is recorded)."""
        return Request(
            *(" ".join(v.split()) for v in (self.recipient, self.purpose, self.requested_by))
        )


def request_problems(req: Request) -> ProblemList:
    """Every problem of a request (each beside its field); none when it can be issued."""
    problems = DomainError.collect()
    for name, value, limit, missing in (
        ("recipient", req.recipient, 200, "Enter who receives it (a person or an organisation)."),
        ("purpose", req.purpose, 300, "Enter the purpose, e.g. employment verification."),
        ("requested_by", req.requested_by, 200, "Enter who asked for it, e.g. the student."),
    ):
        text = " ".join(value.split())
        if not text:
            problems.add(name, missing)
        elif len(text) > limit:
            problems.add(name, f"Use at most {limit} characters.")
    return problems


@dataclass(frozen=True)
class Issued:
    transcript: IssuedTranscript
    pdf: bytes


PAGE_RE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages of a PDF ReportLab wrote (its page objects are never compressed)."""
    return len(PAGE_RE.findall(pdf))


def issue_official(
    enrollments: Sequence[Enrollment],
    req: Request,
    *,
    by: User | None,
    issue_key: str | None = None,
) -> list[Issued]:
    """Issue one official transcript per enrollment (a batch reads the database in a fixed
    number of statements): render with its serial and QR code, store the bytes as issued
    with their SHA-256 (so the same copy can be sent again, whatever changes later), write
    the disclosure log. Nothing is written if any input is wrong.

    ``issue_key``, the single-use key of the confirmation page the admin pressed, makes the
    serials (:func:`serial_for`): a confirmation already used is refused, and one sent twice
    at the same moment fails the serial's unique key on the second insert (a conflict)."""
    request_problems(req).raise_if_any()
    if not enrollments:
        return []
    if issue_key is not None:
        for en in enrollments:
            previous = issued_under(issue_key, en.id)
            if previous is not None:
                raise DomainError(ALREADY_ISSUED.format(serial=previous.serial))
    issued_at = utcnow()
    data = transcripts_data([en.id for en in enrollments], issued_at)
    clean = req.cleaned()
    label = f"{by.name} <{by.email}>" if by else "command line"
    out = []
    for en in enrollments:
        transcript = IssuedTranscript(
            serial=serial_for(issue_key, en.id) if issue_key is not None else new_serial(),
            enrollment_id=en.id,
            student_id=en.student_id,
            recipient=clean.recipient,
            purpose=clean.purpose,
            requested_by=clean.requested_by,
            issued_by_id=by.id if by else None,
            issued_by_label=label,
            issued_at=issued_at,
        )
        pdf = render_transcript(
            data[en.id].with_official(
                official_of(transcript.serial, transcript.recipient, transcript.purpose)
            )
        )
        transcript.sha256 = hashlib.sha256(pdf).hexdigest()
        transcript.size = len(pdf)
        transcript.pages = page_count(pdf)
        db.session.add(transcript)
        db.session.add(IssuedCopy(transcript=transcript, pdf=pdf, stored_at=issued_at))
        db.session.add(
            Disclosure(
                student_id=en.student_id,
                record=RECORD,
                recipient=clean.recipient,
                purpose=clean.purpose,
                requested_by=clean.requested_by,
                released_by_id=by.id if by else None,
                released_by_label=label,
                released_at=issued_at,
                transcript=transcript,
            )
        )
        out.append(Issued(transcript, pdf))
    db.session.flush()
    for item in out:
        record_event(
            "transcript.issued",
            subject=item.transcript,
            actor=by,
            details={
                "serial": item.transcript.serial,
                "student": item.transcript.student_id,
                "recipient": clean.recipient,
                "purpose": clean.purpose,
                "sha256": item.transcript.sha256,
            },
        )
    return out


def official_of(serial: str, recipient: str, purpose: str) -> Official:
    """What an official copy prints about its issue: serial, recipient, purpose and the
    verification page's address (on EXTERNAL_URL)."""
    return Official(
        serial=serial,
        recipient=recipient,
        purpose=purpose,
        verify_url=external_url("reports.verify", serial=serial),
    )


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


def send_copy(transcript: IssuedTranscript, *, by: User | None) -> bytes:
    """The stored copy of an official transcript, to send again to its recipient: the bytes
    as issued (checked against their SHA-256), with an audit event of the download (who,
    when, the serial and recipient). Refused when the transcript was revoked (a revoked
    copy must not go out again) or the school holds no intact copy of it."""
    if transcript.revoked_at is not None:
        raise DomainError(
            f"{transcript.serial} was revoked on {format_date(transcript.revoked_at)} and "
            "must not be sent again."
        )
    pdf = stored_copy(transcript)
    if pdf is None:
        raise DomainError(unavailable_message(transcript))
    record_event(
        "transcript.downloaded",
        subject=transcript,
        actor=by,
        details={"serial": transcript.serial, "recipient": transcript.recipient},
    )
    db.session.flush()
    return pdf


BACKFILL_CHUNK = 100  # transcripts rendered at a time (their PDFs are held until inserted)


def store_missing_copies() -> tuple[int, int]:
    """Store the copy of every official transcript that has none (issued before copies were
    kept) where re-rendering it as issued (its serial, recipient, purpose and issue time,
    with the records as they are now) gives the SHA-256 recorded at issue. Returns (stored,
    unavailable): the copies stored now, and the transcripts still without one (their
    records changed since: "stored copy unavailable"). Transcripts issued at the same moment
    are read together, BACKFILL_CHUNK at a time. Safe to run again; flushes, never commits.
    Used by migration 0013 and ``flask reports store-copies``."""
    t = IssuedTranscript
    missing = db.session.execute(
        select(t.id, t.serial, t.enrollment_id, t.recipient, t.purpose, t.issued_at, t.sha256)
        .where(~exists().where(IssuedCopy.transcript_id == t.id))
        .order_by(t.issued_at, t.id)
    ).all()
    stored = 0
    for issued_at, same_moment in groupby(missing, key=lambda row: row.issued_at):
        group = list(same_moment)
        for start in range(0, len(group), BACKFILL_CHUNK):
            chunk = group[start : start + BACKFILL_CHUNK]
            data = transcripts_data(sorted({row.enrollment_id for row in chunk}), issued_at)
            now = utcnow()
            copies = []
            for row in chunk:
                pdf = render_transcript(
                    data[row.enrollment_id].with_official(
                        official_of(row.serial, row.recipient, row.purpose)
                    )
                )
                if hashlib.sha256(pdf).hexdigest() == row.sha256:
                    copies.append({"transcript_id": row.id, "pdf": pdf, "stored_at": now})
            if copies:
                db.session.execute(insert(IssuedCopy), copies)
            stored += len(copies)
    return stored, len(missing) - stored


def unofficial(enrollment: Enrollment) -> tuple[TranscriptData, bytes]:
    data = transcripts_data([enrollment.id], utcnow())[enrollment.id]
    return data, render_transcript(data)


def revoke(transcript: IssuedTranscript, reason: str, *, by: User | None) -> None:
    reason = " ".join(reason.split())
    problems = DomainError.collect()
    if transcript.revoked_at is not None:
        problems.add("", f"{transcript.serial} was already revoked.")
    if not reason:
        problems.add("reason", "Say why it is revoked (shown on the verification page).")
    elif len(reason) > 300:
        problems.add("reason", "Use at most 300 characters.")
    problems.raise_if_any()
    transcript.revoked_at = utcnow()
    transcript.revoked_by_id = by.id if by else None
    transcript.revoke_reason = reason
    db.session.flush()
    record_event(
        "transcript.revoked",
        subject=transcript,
        actor=by,
        details={"serial": transcript.serial, "reason": reason},
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
