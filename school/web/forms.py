"""Form helpers shared by views: a service's problems beside the fields, the status of a
form page, and every problem of a POST at once."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm

from school.errors import DomainError, ProblemList


def apply_problems(form: FlaskForm, error: DomainError | ProblemList) -> None:
    """Put a service's problems beside the form fields they concern; the rest go on the form.
    A field the form itself already refused keeps just its own message."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for field_name, messages in error.problems.items():
        field = form._fields.get(field_name) if field_name else None
        if field is None:
            form.form_errors.extend(messages)
        elif not field.errors or isinstance(error, DomainError):
            field.errors = list(field.errors) + [m for m in messages if m not in field.errors]


def form_status(form: FlaskForm) -> int:
    """400 when the form comes back with problems (fields or whole form), else 200."""
    return 400 if form.errors or getattr(form, "form_errors", None) else 200


def validate_all(form: FlaskForm, problems_of: Callable[[], ProblemList]) -> bool:
    """On a POST, check the form's shape and, whatever that says, the service's rules, so
    that every problem shows at once. True when there is none; the caller then calls the
    service, which checks again inside its transaction."""
    if not form.is_submitted():
        return False
    shape_ok = form.validate()
    problems = problems_of()
    apply_problems(form, problems)
    return shape_ok and not problems.problems
