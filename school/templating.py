"""Jinja filters and globals: dates in the school's time zone and format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for

from school.audit import action_label
from school.auth.models import Role
from school.navigation import nav_items, nav_section


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return value.strftime(current_app.config["DATE_FORMAT"])


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    moment = local(value)
    return f"{format_date(moment)} {moment.strftime('%-I:%M %p %Z')}"


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
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_section"] = nav_section
    app.jinja_env.globals["school_name"] = lambda: current_app.config["SCHOOL_NAME"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
