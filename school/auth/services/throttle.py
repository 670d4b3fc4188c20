"""Counters of sign-in attempts (and password-reset requests) per account, device and address.

A fixed window opens at a key's first counted attempt; reaching the key's limit inside it
locks the key until the window closes. Counting happens in single atomic statements, so
parallel requests never get more attempts than the limit between them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from school.auth.models import LoginThrottle
from school.database import utcnow
from school.errors import TooManyAttempts
from school.extensions import db


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]))


def address_key(ip: str) -> str:  # at most 64 characters
    """Throttle key of a client address. IPv6 clients get a whole /64 each, so one client
    cannot walk through its own addresses to escape the limit."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def email_key(email: str) -> str:
    # Hashed: whatever someone types as an email can never spell another counter's key.
    return hashlib.sha256(email.encode()).hexdigest()


def login_keys(email: str, ip: str) -> dict[str, int]:
    """Sign-in counters and their limits, per-device first: the account from this address
    (so that a stranger elsewhere cannot lock a user out of their own device), the account
    from anywhere (a higher ceiling against guessing from many addresses), the address."""
    cfg = current_app.config
    account, address = email_key(email), address_key(ip)
    return {
        f"dev:{account}:{address}": int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        f"acct:{account}": int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL"]),
        f"ip:{address}": int(cfg["LOGIN_MAX_FAILURES_PER_IP"]),
    }


def retry_after(keys: dict[str, int]) -> int | None:
    """Seconds until these keys are below their limits again, or None if they are now."""
    now = utcnow()
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [
        int((row.window_started_at + _window() - now).total_seconds()) + 1
        for row in rows
        if row.failures >= keys[row.key] and row.window_started_at + _window() > now
    ]
    return max(waits) if waits else None


def _count(key: str) -> int:
    """Add one to ``key``'s counter in one atomic statement and return the new count; a window
    that has closed starts again at 1."""
    now = utcnow()
    window_open_after = now - _window()
    count = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at > window_open_after)
        .values(failures=LoginThrottle.failures + 1)
        .returning(LoginThrottle.failures)
    ).scalar()
    if count is not None:
        return count
    restarted = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at <= window_open_after)
        .values(failures=1, window_started_at=now)
        .returning(LoginThrottle.failures)
    ).scalar()
    if restarted is not None:
        return restarted
    # A new key (any typed email makes one): first clear keys whose window has closed, so
    # the table stays as small as the last window's failures. Rows another sign-in has
    # locked are skipped (it is restarting them): waiting for them could deadlock.
    expired = (
        select(LoginThrottle.id)
        .where(LoginThrottle.window_started_at <= window_open_after)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.id.in_(expired)))
    try:
        with db.session.begin_nested():
            db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
    except IntegrityError:  # another request created it a moment ago
        return _count(key)
    return 1


def take_attempt(keys: dict[str, int]) -> None:
    """Count an attempt against every key, or raise :class:`TooManyAttempts` if any key is
    at its limit. Counting first and checking the returned count means parallel requests
    can never get more attempts than the limit between them."""
    wait = retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    counts = {key: _count(key) for key in keys}
    if any(counts[key] > limit for key, limit in keys.items()):
        raise TooManyAttempts(retry_after(keys) or int(_window().total_seconds()))


def give_back_attempt(keys: dict[str, int]) -> None:
    """The attempt was not a failure after all: this account from this address starts
    afresh; the account's and the address's totals get the one attempt back."""
    this_device, *totals = keys
    db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == this_device).values(failures=0)
    )
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_(totals), LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )


def clear_account_counters(email: str) -> None:
    """A new password unlocks the account everywhere."""
    account = email_key(email)
    db.session.execute(
        update(LoginThrottle)
        .where(
            or_(
                LoginThrottle.key == f"acct:{account}",
                LoginThrottle.key.startswith(f"dev:{account}:"),
            )
        )
        .values(failures=0)
    )
