"""Single-use secrets sent by email: the mechanics shared by the account links of
:mod:`school.auth` (``AuthToken``: invitations, password resets) and the emailed links of
:mod:`school.links.emailed` (``EmailedLink``: hour confirmations, employment verifications).

Both tables have ``token_hash``, ``purpose``, ``expires_at``, ``used_at``, ``revoked_at`` and
``user``. This module owns what they share: a new secret and its SHA-256 (only the digest is
stored, so a database leak does not leak live links), the lookups and the usability check with
its messages and exception, the guarded use (of two requests racing with one link, exactly one
gets through), revocation, and the list of links this browser has opened (kept in the signed
session, so that the page after the link lives at a URL without the secret).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from flask import redirect, session, url_for
from sqlalchemy import ColumnElement, select, update

from school.database import utcnow
from school.extensions import db
from school.web.inputs import MAX_ID
from school.web.security import no_referrer

# An account link (invitation, password reset) changes no records by itself.
ACCOUNT_MESSAGES = {
    "unknown": "This link is not valid. Check that you copied the whole address from the email.",
    "used": "This link has already been used. Each link works once.",
    "revoked": "This link was replaced by a newer one. Use the most recent email you received.",
    "expired": "This link has expired.",
    "inactive": "This account has been deactivated. Contact the school.",
    "missing": "Open the link from your email again to continue (in this browser).",
}

# An emailed link acts on a batch of records: its refusals say that none of them changed.
LINK_MESSAGES = {
    **ACCOUNT_MESSAGES,
    "used": "This link has already been used. Each link works once; nothing was changed.",
    "expired": "This link has expired; nothing was changed. Ask the school for a new one.",
    "changed": "The records of this link changed after it was sent; nothing was changed. "
    "Ask the school for a new link.",
}

OPENED = "opened_links"  # [id, purpose] of the links opened in this browser, oldest first
OPENED_KEPT = 5


class LinkInvalid(Exception):
    """An emailed link that cannot be used; ``reason`` is a key of :attr:`messages` and the
    exception's text is the message for whoever holds the link."""

    messages: ClassVar[Mapping[str, str]] = LINK_MESSAGES

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.messages[reason])


class TokenInvalid(LinkInvalid):
    """An account link (invitation, password reset) that cannot be used."""

    messages = ACCOUNT_MESSAGES


Row = TypeVar("Row", bound=Any)  # an AuthToken or an EmailedLink


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh secret for an email, and the digest to store."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def revoke_unused(model: type[Any], *where: ColumnElement[bool], at: dt.datetime) -> None:
    """Make every unused, unrevoked link of ``model`` matching ``where`` stop working."""
    db.session.execute(
        update(model)
        .where(*where, model.used_at.is_(None), model.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def usable(row: Row | None, error: type[LinkInvalid] = LinkInvalid) -> Row:
    """``row`` if its link can be used now, or ``error`` saying why not."""
    if row is None:
        raise error("unknown")
    if row.used_at is not None:
        raise error("used")
    if row.revoked_at is not None:
        raise error("revoked")
    if row.expires_at <= utcnow():
        raise error("expired")
    if row.user is not None and not row.user.active:
        raise error("inactive")
    return row


def find_usable(
    model: type[Row], secret: str, purpose: str, error: type[LinkInvalid] = LinkInvalid
) -> Row:
    """The link of ``purpose`` behind an emailed secret, or ``error`` saying why not."""
    row = db.session.scalar(
        select(model).where(model.token_hash == digest(secret), model.purpose == purpose)
    )
    return usable(row, error)


def get_usable(
    model: type[Row], row_id: int, purpose: str, error: type[LinkInvalid] = LinkInvalid
) -> Row:
    """A link of ``purpose`` by id (for a browser that has opened it), or ``error``."""
    row = db.session.get(model, row_id) if 1 <= row_id <= MAX_ID else None
    return usable(row if row is not None and row.purpose == purpose else None, error)


def consume(model: type[Any], row: Any, error: type[LinkInvalid] = LinkInvalid) -> None:
    """Mark the link used with a guarded UPDATE: of two requests racing with it, exactly one
    gets through; the other gets ``error("used")``."""
    changed = db.session.execute(
        update(model)
        .where(model.id == row.id, model.used_at.is_(None), model.revoked_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if changed != 1:
        raise error("used")


# --- the links this browser opened ------------------------------------------------------


def remember_opened(row: Any) -> None:
    """Remember in the signed session that this browser opened ``row``'s link from its email
    (the last five links, whichever their kind). A list, oldest first: the session serializer
    would sort a dict's keys."""
    pair = [row.id, str(row.purpose)]
    opened = [kept for kept in session.get(OPENED, []) if kept != pair]
    session[OPENED] = [*opened, pair][-OPENED_KEPT:]


def require_opened(row_id: int, purpose: str, error: type[LinkInvalid] = LinkInvalid) -> None:
    """``error("missing")`` unless this browser opened that link from its email."""
    if [row_id, str(purpose)] not in session.get(OPENED, []):
        raise error("missing")


def open_link_page(
    check: Callable[[str], Any],
    token: str,
    endpoint: str,
    refused: Callable[[LinkInvalid], Any],
) -> Any:
    """The view an emailed link lands on: ``check(token)`` finds the link, the signed session
    remembers that this browser holds it, and the browser moves to ``endpoint`` (given
    ``link_id``), a page whose URL holds no secret (out of history and Referer headers);
    ``refused(exc)`` answers a link that cannot be used."""
    no_referrer()
    try:
        row = check(token)
    except LinkInvalid as exc:
        return refused(exc)
    remember_opened(row)
    return redirect(url_for(endpoint, link_id=row.id))
