"""Who may see or act on documents."""

from __future__ import annotations

from school.auth.models import Role, User
from school.cohorts.models import Enrollment
from school.reports.models import IssuedTranscript


def can_manage_transcript(actor: User, transcript: IssuedTranscript) -> bool:
    return actor.role == Role.ADMIN


def can_read_own_transcript(actor: User, enrollment: Enrollment) -> bool:
    """A student, for their own enrollments only."""
    return actor.role == Role.STUDENT and enrollment.student_id == actor.id
