"""Emailed links that act without signing in (hour confirmations; later, employment
verification): single-use, expiring, bound to one recipient and one batch of records.

Only the SHA-256 of the secret is stored. A link records each record of its batch with the
version it had when the link was issued; if any of them changed since, the link does
nothing but say so. Consuming a link is a guarded UPDATE, so it works exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.database import UTCDateTime, utcnow
from school.extensions import db


class EmailedLink(db.Model):
    __tablename__ = "emailed_links"
    __table_args__ = (Index("ix_emailed_links_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()
    items: Mapped[list[EmailedLinkItem]] = relationship(order_by="EmailedLinkItem.subject_id")


class EmailedLinkItem(db.Model):
    """One record of a link's batch, with the version it had when the link was sent."""

    __tablename__ = "emailed_link_items"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("emailed_links.id", ondelete="CASCADE"), primary_key=True
    )
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


MESSAGES = {
    "unknown": "This link is not valid. Check that you copied the whole address from the email.",
    "used": "This link has already been used. Each link works once; nothing was changed.",
    "revoked": "This link was replaced by a newer one. Use the most recent email you received.",
    "expired": "This link has expired; nothing was changed. Ask the school for a new one.",
    "inactive": "This account has been deactivated. Contact the school.",
    "missing": "Open the link from your email again to continue (in this browser).",
    "changed": "The records of this link changed after it was sent; nothing was changed. "
    "Ask the school for a new link.",
}


class LinkInvalid(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(MESSAGES[reason])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(
    *,
    purpose: str,
    email: str,
    user: User | None,
    ttl: dt.timedelta,
    items: Sequence[tuple[int, int]],
    replace_earlier: bool = True,
) -> tuple[EmailedLink, str]:
    """Create a link for ``items`` (record id, version) and return it with its secret.
    Earlier unused links of the same purpose and recipient stop working."""
    now = utcnow()
    if replace_earlier:
        db.session.execute(
            update(EmailedLink)
            .where(
                EmailedLink.purpose == purpose,
                EmailedLink.email == email,
                EmailedLink.used_at.is_(None),
                EmailedLink.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    secret = secrets.token_urlsafe(32)
    link = EmailedLink(
        token_hash=_digest(secret),
        purpose=purpose,
        user=user,
        email=email,
        created_at=now,
        expires_at=now + ttl,
        items=[EmailedLinkItem(subject_id=i, version=v) for i, v in items],
    )
    db.session.add(link)
    db.session.flush()
    return link, secret


def _usable(link: EmailedLink | None) -> EmailedLink:
    if link is None:
        raise LinkInvalid("unknown")
    if link.used_at is not None:
        raise LinkInvalid("used")
    if link.revoked_at is not None:
        raise LinkInvalid("revoked")
    if link.expires_at <= utcnow():
        raise LinkInvalid("expired")
    if link.user is not None and not link.user.active:
        raise LinkInvalid("inactive")
    return link


def check_link(secret: str, purpose: str) -> EmailedLink:
    """The link behind an emailed secret, or :class:`LinkInvalid` saying why not."""
    link = db.session.scalar(
        select(EmailedLink).where(
            EmailedLink.token_hash == _digest(secret), EmailedLink.purpose == purpose
        )
    )
    return _usable(link)


def load_link(link_id: int, purpose: str) -> EmailedLink:
    link = db.session.get(EmailedLink, link_id) if 1 <= link_id <= 2**31 - 1 else None
    return _usable(link if link is not None and link.purpose == purpose else None)


def consume_link(link: EmailedLink) -> None:
    """Mark the link used; of two requests racing with it, exactly one gets through."""
    changed = db.session.execute(
        update(EmailedLink)
        .where(
            EmailedLink.id == link.id,
            EmailedLink.used_at.is_(None),
            EmailedLink.revoked_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if changed != 1:
        raise LinkInvalid("used")


# --- the pages an emailed link lands on --------------------------------------------------------


def _opened_key(purpose: str) -> str:
    return f"opened_links_{purpose}"


def remember_opened(link: EmailedLink) -> None:
    """Remember in the signed session that this browser opened ``link`` from its email, so
    that the next page can live at a URL without the secret (the five most recent)."""
    from flask import session

    key = _opened_key(link.purpose)
    opened = [i for i in session.get(key, []) if i != link.id]
    session[key] = [*opened, link.id][-5:]


def require_opened(link_id: int, purpose: str) -> None:
    """:class:`LinkInvalid` unless this browser opened that link from its email."""
    from flask import session

    if link_id not in session.get(_opened_key(purpose), []):
        raise LinkInvalid("missing")


def open_link_page(
    token: str, purpose: str, endpoint: str, refused: Callable[[LinkInvalid], Any]
) -> Any:
    """The view an emailed link lands on: check the secret, remember in the signed session
    that this browser holds the link, and redirect to ``endpoint`` (given ``link_id``), a
    page whose URL holds no secret; ``refused(exc)`` answers a link that cannot be used."""
    from flask import redirect, url_for

    from school.web.security import no_referrer

    no_referrer()
    try:
        link = check_link(token, purpose)
    except LinkInvalid as exc:
        return refused(exc)
    remember_opened(link)
    return redirect(url_for(endpoint, link_id=link.id))
