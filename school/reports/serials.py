"""The serials of official transcripts and the single-use keys of their confirmation pages."""

from __future__ import annotations

import hashlib
import secrets

SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_serial() -> str:
    """Like ``TR-7KQ4-M2XP``: 40 random bits, easy to read aloud and to type."""
    chars = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(8))
    return f"TR-{chars[:4]}-{chars[4:]}"


def new_issue_key() -> str:
    """The single-use key of one confirmation page (random, 192 bits)."""
    return secrets.token_urlsafe(24)


def serial_for(issue_key: str, enrollment_id: int) -> str:
    """The serial of the transcript that the confirmation holding ``issue_key`` issues for
    an enrollment: 40 bits of the key's SHA-256 (as unpredictable as :func:`new_serial`, the
    key being random). Since serials are unique, the same confirmation sent twice, even at
    the same moment, can write one transcript only: the second insert is refused."""
    digest = hashlib.sha256(f"{issue_key}:{enrollment_id}".encode()).digest()
    number = int.from_bytes(digest[:5], "big")
    chars = "".join(SERIAL_ALPHABET[(number >> (5 * i)) & 31] for i in range(8))
    return f"TR-{chars[:4]}-{chars[4:]}"
