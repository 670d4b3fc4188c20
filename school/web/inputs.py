"""What a request carries, checked before a view reads it: ids within what a row can have,
no NUL character, and only same-site ``next`` URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter, Map, ValidationError

from school.pagination import Listing


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


def list_request() -> Listing:
    """The page, the rows per page (the PER_PAGE setting) and the sort that the request's
    query string (``page``, ``sort``, ``dir``) asks of a list."""
    return Listing.from_args(request.args, current_app.config["PER_PAGE"])
