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
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, url_for

from school import formats
from school.audit import action_label
from school.auth.models import Role
from school.formats import format_number, format_percent, format_share, percent_of
from school.web.navigation import nav_items, nav_section

__all__ = ["format_number", "format_percent", "format_share", "percent_of"]  # pure, re-used


def _pattern() -> str:
    return str(current_app.config["DATE_FORMAT"])


def _zone() -> str:
    return str(current_app.config["TIMEZONE"])


def local(value: dt.datetime) -> dt.datetime:
    return formats.local(value, _zone())


# ``value`` written with a pattern: the pure school.formats.format_date, by its older name.
date_label = formats.format_date


def format_date(value: dt.date | dt.datetime | None) -> str:
    """A date (or a moment, on its day in the school's zone) as the school writes it."""
    return formats.format_moment_date(value, _pattern(), _zone())


def format_time(value: dt.datetime | None) -> str:
    """The time of a moment in the school's zone: ``3:04 PM EST``."""
    return formats.format_time(value, _zone())


def format_datetime(value: dt.datetime | None) -> str:
    return formats.format_datetime(value, _pattern(), _zone())


def format_period(period: Any) -> str:
    """A range of days (anything with ``start`` and ``end`` dates): ``Jul 1, 2025 – Jun 30,
    2026``."""
    return f"{format_date(period.start)} – {format_date(period.end)}"


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, val in changes.items():
        if val is None or val == "":
            args.pop(key, None)
        else:
            args[key] = str(val)
    query = urlencode(args)
    return url_for(request.endpoint or "dashboard.dashboard", **(request.view_args or {})) + (
        "?" + query if query else ""
    )


FIXED_URLS = "school.fixed_urls"


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` for a URL that depends on nothing but its endpoint,
    arguments and the script root (the navigation, the layout's static files): every page
    builds the same ones, so each worker builds each once and remembers it (per app)."""
    if not has_request_context():
        return url_for(endpoint, **values)
    urls = current_app.extensions[FIXED_URLS]
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = urls.get(key)
    if url is None:
        if len(urls) >= 1000:  # the keys are the layout's literals; bounded all the same
            urls.clear()
        url = urls[key] = url_for(endpoint, **values)
    return url


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
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.extensions[FIXED_URLS] = {}
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_section"] = nav_section
    app.jinja_env.globals["school_name"] = lambda: current_app.config["SCHOOL_NAME"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
