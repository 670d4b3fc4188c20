"""Small helpers shared by views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm

from school.errors import DomainError


def apply_problems(form: FlaskForm, error: DomainError) -> None:
    """Put a service's problems beside the form fields they concern; the rest go on the form."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for field_name, messages in error.problems.items():
        field = form._fields.get(field_name) if field_name else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + messages


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: never another host, scheme, or a protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
