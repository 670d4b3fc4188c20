"""Issuing official transcripts (serial, QR code to the verification page, the exact bytes
stored with their SHA-256, a disclosure-log row each), sending a stored copy again (audited),
storing the copies of transcripts issued before copies were kept, and revoking. The reads
(a transcript by serial, its stored copy, checking an uploaded copy) are in
:mod:`school.reports.queries`.

``page_count`` and ``stored_copy`` are imported here from the modules that own them and
stay importable from here for code outside ``school/reports/`` (the official copies'
migration test, ``bench/transcripts.py``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import groupby

from sqlalchemy import exists, insert, select

from school.audit import record_event
from school.auth.models import User
from school.cohorts.models import Enrollment
from school.database import utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.reports import queries
from school.reports.models import Disclosure, IssuedCopy, IssuedTranscript
from school.reports.pdf import page_count
from school.reports.queries import stored_copy, unavailable_message
from school.reports.serials import new_serial, serial_for
from school.reports.transcript.data import Official, TranscriptData, transcripts_data
from school.reports.transcript.pdf import render_transcript
from school.web.security import external_url
from school.web.templating import format_date

__all__ = [
    "ALREADY_ISSUED",
    "BACKFILL_CHUNK",
    "RECORD",
    "Issued",
    "Request",
    "issue_official",
    "official_of",
    "page_count",
    "request_problems",
    "revoke",
    "send_copy",
    "store_missing_copies",
    "stored_copy",
]

RECORD = "Official progress transcript"
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


def _refuse_used_confirmation(enrollments: Sequence[Enrollment], issue_key: str) -> None:
    """A confirmation that already issued a transcript for one of ``enrollments`` issues
    nothing more."""
    for en in enrollments:
        previous = queries.issued_under(issue_key, en.id)
        if previous is not None:
            raise DomainError(ALREADY_ISSUED.format(serial=previous.serial))


def _issue_one(
    en: Enrollment,
    data: TranscriptData,
    clean: Request,
    *,
    by: User | None,
    issued_at: dt.datetime,
    serial: str,
) -> Issued:
    """One official transcript rendered with its serial, added with its stored copy and its
    disclosure-log row (the request's recipient, purpose and requester on both)."""
    label = f"{by.name} <{by.email}>" if by else "command line"
    transcript = IssuedTranscript(
        serial=serial,
        enrollment_id=en.id,
        student_id=en.student_id,
        **asdict(clean),
        issued_by_id=by.id if by else None,
        issued_by_label=label,
        issued_at=issued_at,
    )
    pdf = render_transcript(
        data.with_official(official_of(transcript.serial, transcript.recipient, transcript.purpose))
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
            **asdict(clean),
            released_by_id=by.id if by else None,
            released_by_label=label,
            released_at=issued_at,
            transcript=transcript,
        )
    )
    return Issued(transcript, pdf)


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
    serials (:func:`~school.reports.serials.serial_for`): a confirmation already used is
    refused, and one sent twice at the same moment fails the serial's unique key on the
    second insert (a conflict)."""
    request_problems(req).raise_if_any()
    if not enrollments:
        return []
    if issue_key is not None:
        _refuse_used_confirmation(enrollments, issue_key)
    issued_at = utcnow()
    data = transcripts_data([en.id for en in enrollments], issued_at)
    clean = req.cleaned()
    out = [
        _issue_one(
            en,
            data[en.id],
            clean,
            by=by,
            issued_at=issued_at,
            serial=serial_for(issue_key, en.id) if issue_key is not None else new_serial(),
        )
        for en in enrollments
    ]
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


def revoke(transcript: IssuedTranscript, reason: str, *, by: User | None) -> None:
    """Revoke an official transcript, saying why (shown on the verification page)."""
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
