"""What the certifications views share: the credential choices, a refusal's messages, adding
CEUs."""

from __future__ import annotations

from flask_login import current_user

from school.certifications import queries
from school.certifications.forms import AttemptForm, AwardForm, CeuForm
from school.certifications.services import awards
from school.errors import DomainError
from school.web.commit import Saved


def set_credential_choices(form: AttemptForm | AwardForm) -> None:
    """Give ``form``'s credential field the credentials of the catalog as its choices."""
    form.credential_id.choices = [("", "Choose…"), *queries.credential_choices()]


def messages(saved: Saved[None]) -> list[str]:
    return [m for ms in saved.problems.values() for m in ms]


def refusal_category(saved: Saved[None]) -> str:
    return "info" if isinstance(saved.error, DomainError) else "error"


def record_ceus(student, form: CeuForm):  # type: ignore[no-untyped-def]
    return awards.add_ceu(
        student=student,
        earned_on=form.earned_on.data,
        hours=form.hours.data,
        provider=form.provider.data or "",
        category=form.category.data or "",
        by=current_user._get_current_object(),
    )
