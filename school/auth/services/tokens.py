"""Account links sent by email (``AuthToken``: invitations, password resets). The mechanics
(secret, digest, usability check, messages, guarded use) are :mod:`school.links.tokens`'s,
shared with the other emailed links."""

from __future__ import annotations

import datetime as dt

from school.auth.models import AuthToken, TokenPurpose, User
from school.database import utcnow
from school.extensions import db
from school.links import tokens as mechanics
from school.links.tokens import TokenInvalid


def revoke_tokens(*, user: User, purposes: tuple[TokenPurpose, ...] = tuple(TokenPurpose)) -> None:
    """Make every outstanding link of this user (of these purposes) stop working."""
    mechanics.revoke_unused(
        AuthToken, AuthToken.user_id == user.id, AuthToken.purpose.in_(purposes), at=utcnow()
    )


def issue_token(
    *,
    user: User,
    purpose: TokenPurpose,
    ttl: dt.timedelta,
    created_by: User | None = None,
    replace_earlier: bool = False,
) -> str:
    """Create a token and return its secret (only the hash is stored). With
    ``replace_earlier``, earlier unused links of the same purpose stop working."""
    now = utcnow()
    if replace_earlier:
        revoke_tokens(user=user, purposes=(purpose,))
    secret, token_hash = mechanics.new_secret()
    db.session.add(
        AuthToken(
            token_hash=token_hash,
            purpose=purpose,
            user=user,
            created_at=now,
            expires_at=now + ttl,
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return secret


def check_token(secret: str, purpose: TokenPurpose) -> AuthToken:
    """The token behind an emailed link, or :class:`TokenInvalid` saying why it cannot be
    used."""
    return mechanics.find_usable(AuthToken, secret, purpose, TokenInvalid)


def load_token(token_id: int, purpose: TokenPurpose) -> AuthToken:
    """A token by id, for a browser that has already opened its link (the view keeps the
    ids of opened links in the signed session), or :class:`TokenInvalid`."""
    return mechanics.get_usable(AuthToken, token_id, purpose, TokenInvalid)


def consume_token(token: AuthToken) -> None:
    """Mark the token used; of two requests racing with the same link, exactly one wins (the
    other gets :class:`TokenInvalid`)."""
    mechanics.consume(AuthToken, token, TokenInvalid)
