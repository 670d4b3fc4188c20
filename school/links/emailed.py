"""Emailed links that act without signing in (hour confirmations, employment verifications):
single-use, expiring, bound to one recipient and one batch of records.

A link records each record of its batch with the version it had when the link was issued; if
any of them changed since, the link does nothing but say so. The secret, the usability check
and the guarded use are :mod:`school.links.tokens`'s, shared with the account links of auth.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User, enum_column
from school.database import UTCDateTime, utcnow
from school.extensions import db
from school.links import tokens
from school.links.tokens import LinkInvalid


class LinkPurpose(enum.StrEnum):
    """What an emailed link is for (a string enum: ``"hours_confirmation"`` works too)."""

    HOURS_CONFIRMATION = "hours_confirmation"
    EMPLOYMENT_VERIFICATION = "employment_verification"


class EmailedLink(db.Model):
    __tablename__ = "emailed_links"
    __table_args__ = (Index("ix_emailed_links_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "purpose"))
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


def issue_link(
    *,
    purpose: LinkPurpose | str,
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
        tokens.revoke_unused(
            EmailedLink, EmailedLink.purpose == purpose, EmailedLink.email == email, at=now
        )
    secret, token_hash = tokens.new_secret()
    link = EmailedLink(
        token_hash=token_hash,
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


def check_link(secret: str, purpose: LinkPurpose | str) -> EmailedLink:
    """The link behind an emailed secret, or :class:`LinkInvalid` saying why not."""
    return tokens.find_usable(EmailedLink, secret, purpose)


def load_link(link_id: int, purpose: LinkPurpose | str) -> EmailedLink:
    """A link by id, for a browser that has opened it, or :class:`LinkInvalid`."""
    return tokens.get_usable(EmailedLink, link_id, purpose)


def load_opened_link(link_id: int, purpose: LinkPurpose | str) -> EmailedLink:
    """The link a page after the emailed one works on: :class:`LinkInvalid` unless this
    browser opened it from its email (:func:`open_link_page`) and it can still be used."""
    tokens.require_opened(link_id, purpose)
    return load_link(link_id, purpose)


def consume_link(link: EmailedLink) -> None:
    """Mark the link used; of two requests racing with it, exactly one gets through."""
    tokens.consume(EmailedLink, link)


def open_link_page(
    token: str,
    purpose: LinkPurpose | str,
    endpoint: str,
    refused: Callable[[LinkInvalid], Any],
) -> Any:
    """The view an emailed link lands on: check the secret, remember in the signed session
    that this browser holds the link, and redirect to ``endpoint`` (given ``link_id``), a
    page whose URL holds no secret; ``refused(exc)`` answers a link that cannot be used."""
    return tokens.open_link_page(lambda t: check_link(t, purpose), token, endpoint, refused)
