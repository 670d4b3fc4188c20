"""The period an outcome report covers: two days, both included, and the reporting year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def reporting_year(today: dt.date, *, month: int = 7, completed: bool = True) -> Period:
    """The reporting year (July 1 – June 30 by default) that last ended before ``today``,
    or with ``completed=False`` the one ``today`` falls in."""
    first = dt.date(today.year if today.month >= month else today.year - 1, month, 1)
    if completed:
        first = first.replace(year=first.year - 1)
    last = first.replace(year=first.year + 1) - dt.timedelta(days=1)
    return Period(first, last)
