"""Reads for documents: a student's disclosure log, an enrollment's official transcripts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.extensions import db
from school.reports.models import Disclosure, IssuedTranscript


def disclosure_log(student_id: int) -> list[Disclosure]:
    """Every release of the student's records, newest first (one statement)."""
    return list(
        db.session.scalars(
            select(Disclosure)
            .where(Disclosure.student_id == student_id)
            .options(joinedload(Disclosure.transcript))
            .order_by(Disclosure.released_at.desc(), Disclosure.id.desc())
        )
    )


def issued_for(enrollment_id: int) -> list[IssuedTranscript]:
    return list(
        db.session.scalars(
            select(IssuedTranscript)
            .where(IssuedTranscript.enrollment_id == enrollment_id)
            .order_by(IssuedTranscript.issued_at.desc(), IssuedTranscript.id.desc())
        )
    )
