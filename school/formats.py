"""The formats every page and document shares (DESIGN.md §6), as pure functions.

Each format has one implementation here; the Jinja filters (school.web.templating) call them
with the school's ``DATE_FORMAT`` and ``TIMEZONE`` from the app's configuration, and the PDF
renderers call them with the pattern their report's data carries, so a document renders
outside any app context. A date is written with the school's pattern (default
``Nov 27, 2026``, never zero-padded), a moment on its day and time in the school's zone, a
computed percentage with exactly two decimals, half up (``88.89%``), a typed quantity
without trailing zeros.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

HUNDREDTH = Decimal("0.01")


def local(value: dt.datetime, zone: str) -> dt.datetime:
    """``value`` in the time zone named ``zone`` (e.g. ``America/New_York``)."""
    return value.astimezone(ZoneInfo(zone))


def format_date(value: dt.date | None, pattern: str) -> str:
    """``value`` written with ``pattern`` (the school's ``DATE_FORMAT``); "" for None: the
    one place a date becomes text."""
    if value is None:
        return ""
    return value.strftime(pattern)


def format_time(value: dt.datetime | None, zone: str) -> str:
    """The time of a moment in ``zone``: ``3:04 PM EST``."""
    if value is None:
        return ""
    return local(value, zone).strftime("%-I:%M %p %Z")


def format_moment_date(value: dt.date | dt.datetime | None, pattern: str, zone: str) -> str:
    """A date, or a moment on its day in ``zone``, written with ``pattern``."""
    if isinstance(value, dt.datetime):
        value = local(value, zone).date()
    return format_date(value, pattern)


def format_datetime(value: dt.datetime | None, pattern: str, zone: str) -> str:
    """A moment's day and time in ``zone``: ``Nov 27, 2026 10:04 AM EST``."""
    if value is None:
        return ""
    return f"{format_moment_date(value, pattern, zone)} {format_time(value, zone)}"


def percent_of(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, rounded half up to 2 decimals; None when
    ``whole`` is 0 (no share to show)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, ROUND_HALF_UP)


def format_percent(value: Decimal | int | None) -> str:
    """A computed percentage with exactly two decimals, half up: ``88.89%``, ``100.00%``;
    ``—`` when there is none."""
    if value is None:
        return "—"
    number = Decimal(value)
    if not number.is_finite() or abs(number) >= 10**15:  # never a computed share
        return f"{format_number(number)}%"
    rounded = number.quantize(HUNDREDTH, ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded}%"


def format_share(part: Decimal | int, whole: Decimal | int) -> str:
    """``part`` of ``whole`` as a percentage."""
    return format_percent(percent_of(part, whole))


def format_number(value: Decimal | int | float | None) -> str:
    """A quantity without trailing zeros: 10.00 -> "10", 3.50 -> "3.5"."""
    if value is None:
        return ""
    number = Decimal(value)
    return f"{number.normalize():f}"
