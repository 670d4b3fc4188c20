"""The school as every document prints it, read from the app's configuration by the data
step (the renderers never read it): name, address, logo and date pattern."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def school_logo(config: Mapping[str, Any]) -> str | None:
    """The school's logo file (``SCHOOL_LOGO``), or None when unset or not a file."""
    logo = config.get("SCHOOL_LOGO")
    return logo if logo and Path(logo).is_file() else None


def school_options(config: Mapping[str, Any]) -> dict[str, str]:
    """The school's name, address and date pattern, as the keyword arguments of a renderer
    that takes them (:func:`~school.reports.outcome_report.render_outcome_report`)."""
    return {
        "school": config["SCHOOL_NAME"],
        "school_address": config.get("SCHOOL_ADDRESS") or "",
        "date_format": config["DATE_FORMAT"],
    }
