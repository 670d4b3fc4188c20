"""Who may see or act on documents."""

from __future__ import annotations

from school.auth.models import Role, User
from school.reports.models import IssuedTranscript


def can_manage_transcript(actor: User, transcript: IssuedTranscript) -> bool:
    return actor.role == Role.ADMIN
