"""Who may see or act on graduate outcomes: administrators (registrar, career services)."""

from __future__ import annotations

from school.auth.models import Role, User
from school.outcomes.models import Job


def can_manage_job(actor: User, job: Job) -> bool:
    return actor.role == Role.ADMIN
