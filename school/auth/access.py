"""Access rules for routes and the object-level check pattern.

Every view carries exactly one declared rule (``@public``, ``@login_required`` or
``@roles_required(...)``); a test walks ``app.url_map`` and fails for a route without one.

Object-level checks: a record id in a URL never grants access by itself. Load records with
:func:`get_authorized`, passing a policy ``(user, record) -> bool`` from the domain's
``policies`` module; a record the user may not see is answered 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from school.auth.models import Role, User
from school.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "public", "login", "roles"
    roles: frozenset[Role] = frozenset()

    def describe(self) -> str:
        if self.kind == "roles":
            return "roles: " + ", ".join(sorted(r.value for r in self.roles))
        return self.kind


def _mark(view: F, rule: AccessRule) -> F:
    if hasattr(view, "access_rule"):
        raise RuntimeError(f"{view.__name__} already has an access rule")
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Anyone, signed in or not (sign-in page, emailed links, health check)."""
    return _mark(view, AccessRule("public"))


def _to_login() -> Any:
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    """Any signed-in user; anonymous users go to the sign-in page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _to_login()
        return view(*args, **kwargs)

    return _mark(wrapped, AccessRule("login"))  # type: ignore[arg-type]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in users with one of ``roles``; other signed-in users get 403."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _to_login()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, AccessRule("roles", allowed))  # type: ignore[arg-type]

    return decorator


def get_authorized(model: type[M], ident: Any, policy: Callable[[User, M], bool]) -> M:
    """Load ``model`` by primary key for the signed-in user, or answer 404 when it does not
    exist or ``policy(current_user, record)`` is false."""
    if isinstance(ident, int) and not 1 <= ident <= 2**31 - 1:
        abort(404)  # no row has such an id (and the database would refuse the number)
    record = db.session.get(model, ident)
    if record is None or not policy(current_user._get_current_object(), record):
        abort(404)
    return record
