"""Small helpers shared by views."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, flash, request
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import IntegerConverter, Map, ValidationError

from school.errors import DomainError, ProblemList
from school.extensions import db

T = TypeVar("T")


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


RACED = (IntegrityError, StaleDataError)
CONFLICT = (
    "Someone else saved a conflicting change at the same moment (for example the same code "
    "or the same record). Nothing of yours was saved; check the page and try again."
)


def commit_or_conflict() -> str | None:
    """Commit; when the database refuses because a concurrent request got there first (a
    unique key, a guarded row), roll back and return the message to show instead of a 500.
    Services check these rules first; this covers the moment between check and commit."""
    try:
        db.session.commit()
    except RACED:
        db.session.rollback()
        return CONFLICT
    return None


def save_or_problems(action: Callable[[], T]) -> tuple[T | None, dict[str, list[str]]]:
    """Run a service and commit: (its result, {}); or roll back and return (None, its
    problems by field), a concurrent conflict included, when it is refused."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        return None, exc.problems
    except RACED:  # flushed in the service, raced by another request
        db.session.rollback()
        return None, {"": [CONFLICT]}
    conflict = commit_or_conflict()
    return (None, {"": [conflict]}) if conflict else (result, {})


def commit_or_show(form: FlaskForm, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a service for a submitted form. When it succeeds, commit and return (True, its
    result); when it refuses, roll back, put its problems beside the fields and return
    (False, None)."""
    result, problems = save_or_problems(action)
    if problems:
        apply_problems(form, DomainError(problems))
        return False, None
    return True, result


def save_or_flash(action: Callable[[], object], done: str) -> bool:
    """Run a service for a button (a form with no fields to show problems beside) and
    commit, flashing ``done``; when it is refused, roll back and flash each problem."""
    _, problems = save_or_problems(action)
    for messages in problems.values():
        for message in messages:
            flash(message, "error")
    if not problems:
        flash(done, "success")
    return not problems


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


MAX_ID = 2**31 - 1


def db_id(value: object) -> int | None:
    """An id from a form or query string: None for blanks, ValueError for anything that is
    not an id a database row can have (so a huge number never reaches the database)."""
    if value in ("", None):
        return None
    number = int(value)  # type: ignore[call-overload]
    if not 1 <= number <= MAX_ID:
        raise ValueError("not a valid id")
    return number


def refuse_nul() -> None:
    """A NUL character is never part of what a person types, and PostgreSQL refuses it in
    text: a request carrying one in its path, query string or form answers 400 before any
    view or query reads it."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for data in (request.args, request.form)
        for key, value in data.items(multi=True)
    ):
        abort(400)


def guard_inputs(app: Flask) -> None:
    """What every request must pass before a view reads it: ids in URLs within what a row
    can have (:class:`IdConverter`, installed before any route is added) and no NUL."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)


class IdConverter(IntegerConverter):
    """Flask's ``int`` URL converter bounded to the ids a row can have (1 to MAX_ID): a route
    given any other number answers 404 without reaching the view or the database. Installed
    in place of ``int`` for every route (create_app)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_ID)):  # never convert a 10,000-digit "id"
            raise ValidationError()
        return super().to_python(value)


UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9-]+")
DOWNLOAD_TYPES = {"pdf": "application/pdf", "csv": "text/csv"}


def safe_stem(stem: str, default: str = "document") -> str:
    """A file name stem of letters, digits and dashes only (never a path, a quote or a
    header break), at most 80 characters."""
    return UNSAFE_IN_FILENAME.sub("-", stem).strip("-")[:80] or default


def download(body: bytes | str, stem: str, ext: str, *, inline: bool = False) -> Response:
    """A document for the browser to save (or show, ``inline``): a server-chosen file name,
    the right type, never cached."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=DOWNLOAD_TYPES[ext],
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_stem(stem)}.{ext}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
