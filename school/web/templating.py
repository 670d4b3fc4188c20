"""Jinja filters and globals: dates in the school's time zone and format, percentages.

The formats every page and document shares (DESIGN.md §6): a date as the school writes it
(``DATE_FORMAT``, default ``Nov 27, 2026``, never zero-padded), a time in the school's zone,
and a percentage the app computes (a course result, a rate, a share of hours) with exactly
two decimals, half up (``88.89%``, ``100.00%``), as the grading rule shows a course result.
A percentage someone typed (a weight, a pass mark, a threshold, a score) is shown as typed
with ``number``. Machine formats stay ISO: CSV files, ``<input type=date>`` values,
``<time datetime>`` attributes and URLs.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for

from school.audit import action_label
from school.auth.models import Role
from school.web.navigation import nav_items, nav_section


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def date_label(value: dt.date, pattern: str) -> str:
    """``value`` written with ``pattern`` (the school's ``DATE_FORMAT``): the one place a
    date becomes text, for pages and for the pure PDF renderers that are handed the pattern."""
    return value.strftime(pattern)


def format_date(value: dt.date | dt.datetime | None) -> str:
    """A date (or a moment, on its day in the school's zone) as the school writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return date_label(value, current_app.config["DATE_FORMAT"])


def format_time(value: dt.datetime | None) -> str:
    """The time of a moment in the school's zone: ``3:04 PM EST``."""
    if value is None:
        return ""
    return local(value).strftime("%-I:%M %p %Z")


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{format_date(value)} {format_time(value)}"


def format_period(period: Any) -> str:
    """A range of days (anything with ``start`` and ``end`` dates): ``Jul 1, 2025 – Jun 30,
    2026``."""
    return f"{format_date(period.start)} – {format_date(period.end)}"


HUNDREDTH = Decimal("0.01")


def percent_of(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, rounded half up to 2 decimals; None when
    ``whole`` is 0 (no share to show)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, ROUND_HALF_UP)


def format_percent(value: Decimal | int | None) -> str:
    """A computed percentage with exactly two decimals, half up: ``88.89%``, ``100.00%``;
    ``—`` when there is none. Pure (the PDF renderers use it too)."""
    if value is None:
        return "—"
    number = Decimal(value)
    if not number.is_finite() or abs(number) >= 10**15:  # never a computed share
        return f"{format_number(number)}%"
    rounded = number.quantize(HUNDREDTH, ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded}%"


def format_share(part: Decimal | int, whole: Decimal | int) -> str:
    """``part`` of ``whole`` as a percentage: ``{{ confirmed|share(required) }}``."""
    return format_percent(percent_of(part, whole))


def format_number(value: Decimal | int | float | None) -> str:
    """A quantity without trailing zeros: 10.00 -> "10", 3.50 -> "3.5"."""
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number.normalize():f}"
    return text


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, val in changes.items():
        if val is None or val == "":
            args.pop(key, None)
        else:
            args[key] = str(val)
    query = urlencode(args)
    return url_for(request.endpoint or "core.dashboard", **(request.view_args or {})) + (
        "?" + query if query else ""
    )


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["period"] = format_period
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["share"] = format_share
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.tests["moment"] = lambda value: isinstance(value, dt.datetime)
    app.jinja_env.tests["day"] = lambda value: (
        isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    )
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_section"] = nav_section
    app.jinja_env.globals["school_name"] = lambda: current_app.config["SCHOOL_NAME"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
