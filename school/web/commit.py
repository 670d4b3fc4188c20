"""The one commit path of a request (DESIGN §3 rule 8).

A view hands the service call to :func:`save`, which runs it, commits once, and turns a
refusal into messages: a :class:`~school.errors.DomainError` (the service's own checks) or a
lost race (a unique key or a guarded row that a concurrent request took first) is rolled back
and shown beside the form's fields, or flashed for a button. Nothing else in a view commits or
rolls back; CLI commands call :func:`save` too.

The documented exceptions commit before the end of the request, through
:func:`commit_early` only, and are listed in :data:`EARLY_COMMITS`.

:func:`init_commit_path` adds the safety net: a request that flushed changes and ended
without committing or rolling them back (a write that a view forgot to save) is an error in
development and tests, and is logged elsewhere; the session is rolled back at teardown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import Flask, Response, current_app, flash, request
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from school.database import SAFE_METHODS
from school.errors import DomainError
from school.extensions import db
from school.web.forms import apply_problems

T = TypeVar("T")

# What a lost race looks like from the database: a unique key taken between the service's
# check and the commit, or a guarded UPDATE (version column) that matched no row.
RACED = (IntegrityError, StaleDataError)
CONFLICT = (
    "Someone else saved a conflicting change at the same moment (for example the same code "
    "or the same record). Nothing of yours was saved; check the page and try again."
)

# The only commits before the end of a request, each with its reason.
EARLY_COMMITS = {
    "sign-in throttle": (
        "A sign-in or password check counts the attempt and commits before the slow password "
        "hash is compared, so parallel guesses cannot pass the limit; the failure and its "
        "audit row are kept even when the rest of the request is refused."
    ),
}


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What :func:`save` did: ``ok`` with the service's ``result``, or refused with its
    ``problems`` by field ("" for the whole form) and the ``error`` that refused it."""

    ok: bool
    result: T | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    error: Exception | None = None


def save(
    action: Callable[[], T],
    *,
    form: FlaskForm | None = None,
    done: str | None = None,
    flash_problems: bool | None = None,
    keep: tuple[type[Exception], ...] = (),
) -> Saved[T]:
    """Run ``action`` (a service call that flushes and never commits) and commit once.

    On success, flash ``done`` (if given) and return ``Saved(ok=True, result=...)``. When the
    service raises a :class:`DomainError`, or the database refuses a flush or the commit
    because a concurrent request got there first, roll back and return the problems; they go
    beside ``form``'s fields when a form is given, and are flashed when ``flash_problems``
    (by default: when there is no form and a ``done`` message, i.e. a button). An exception
    of a type in ``keep`` is rolled back and returned in ``error`` without being shown (the
    caller answers it, e.g. with an expired-link page). Anything else propagates; the
    session is rolled back at the end of the request."""
    try:
        result = action()
        db.session.commit()
    except keep as exc:
        db.session.rollback()
        problems = exc.problems if isinstance(exc, DomainError) else {}
        return Saved(False, None, problems, exc)
    except DomainError as exc:
        db.session.rollback()
        return _refused(exc, exc.problems, form, done, flash_problems)
    except RACED as exc:
        db.session.rollback()
        return _refused(exc, {"": [CONFLICT]}, form, done, flash_problems)
    if done:
        flash(done, "success")
    return Saved(True, result)


def _refused(
    exc: Exception,
    problems: dict[str, list[str]],
    form: FlaskForm | None,
    done: str | None,
    flash_problems: bool | None,
) -> Saved[Any]:
    if form is not None:
        apply_problems(form, DomainError(problems))
    if flash_problems if flash_problems is not None else (form is None and done is not None):
        for messages in problems.values():
            for message in messages:
                flash(message, "error")
    return Saved(False, None, problems, exc)


def commit_early(reason: str) -> None:
    """Commit before the end of the request: only for a reason listed in
    :data:`EARLY_COMMITS` (anything else is a programming error)."""
    if reason not in EARLY_COMMITS:
        raise ValueError(f"not a documented early commit: {reason!r}")
    db.session.commit()


# --- the safety net -------------------------------------------------------------------------

UNSAVED = "school.unsaved_flush"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[UNSAVED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _settled(session: Session, *_args: Any) -> None:
    session.info.pop(UNSAVED, None)


class UnsavedChanges(RuntimeError):
    """A request flushed changes and ended without :func:`save` committing them."""


def _check_saved(response: Response) -> Response:
    if not db.session.info.get(UNSAVED):
        return response
    db.session.rollback()
    if response.status_code >= 400:  # refused: nothing was meant to be kept
        return response
    message = (
        f"{request.method} {request.path} flushed changes that were neither committed nor "
        "rolled back: a view wrote without save()"
    )
    if current_app.config["ENV"] in ("development", "testing"):
        raise UnsavedChanges(message)
    current_app.logger.error(message)
    return response


# --- reads end with COMMIT on PostgreSQL ---------------------------------------------------

# psycopg forgets its prepared statements at every ROLLBACK (a rollback may undo a PREPARE),
# so a read that ends in the pool's ROLLBACK plans every statement again on the server, each
# request (planning was most of the dashboard's time in PostgreSQL). A safe request (GET, HEAD,
# OPTIONS) that sent nothing but SELECTs and holds no change ends its transaction with COMMIT
# instead: the same as a rollback when nothing was written, and psycopg keeps the prepared
# statements. Anything else (a write of any kind, a flush, a pending change, an error) is
# rolled back as before.
WROTE = "school.wrote"


def _note_writes(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


def _forget_writes(conn: Any) -> None:  # a new transaction on this connection
    conn.info.pop(WROTE, None)


def _end_read(response: Response) -> Response:
    """After a successful safe request: COMMIT a transaction that only read (see above).
    Never raises: whatever goes wrong (the database went away) leaves the rollback at
    teardown to end the transaction, and the response stands."""
    if request.method not in SAFE_METHODS or response.status_code >= 400:
        return response
    try:
        session = db.session()
        if not session.in_transaction() or session.info.get(UNSAVED):
            return response
        if session.new or session.dirty or session.deleted:
            return response
        if session.connection().info.get(WROTE):
            return response
        session.commit()
    except Exception:  # nothing to keep: the rollback at teardown follows
        current_app.logger.warning("Ending a read transaction failed", exc_info=True)
    return response


def init_commit_path(app: Flask) -> None:
    app.after_request(_check_saved)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _note_writes)
        event.listen(engine, "begin", _forget_writes)
        app.after_request(_end_read)
