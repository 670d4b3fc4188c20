"""Who may see or act on certification records."""

from __future__ import annotations

from school.auth.models import Role, User
from school.certifications.models import Attempt, AwardedCredential, Credential


def can_manage_credential(actor: User, credential: Credential) -> bool:
    return actor.role == Role.ADMIN


def can_verify_attempt(actor: User, attempt: Attempt) -> bool:
    return actor.role == Role.ADMIN


def can_manage_award(actor: User, award: AwardedCredential) -> bool:
    return actor.role == Role.ADMIN
