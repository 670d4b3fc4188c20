"""CEU cycles: what a credential holder must earn, by body, and how far they are.

Rules (README "Certification exams"; DESIGN §2):
- AAPC: 36 CEUs per two-year cycle for one credential, +4 for each further AAPC credential
  (apprentices included). The cycle starts on the first AAPC award and repeats every two
  years; the current cycle is the one that contains today.
- AHIMA: by credential (20 for CCA, CCS, CCS-P and RHIT; 30 for RHIA, as the catalog says);
  a holder of several needs the largest of their requirements per cycle (a decision: AHIMA
  publishes a combined requirement per credential set; the largest is the conservative
  reading). Cycle from the first AHIMA award, of the catalog's cycle length.
- Every CEU entry counts toward every body's cycle it falls in (many courses are approved by
  both bodies); the category is kept for the record.
- Behind schedule: earned so far below the requirement spread evenly over the cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

AAPC_BASE = Decimal(36)
AAPC_PER_EXTRA = Decimal(4)


@dataclass(frozen=True)
class Held:
    code: str
    body: str  # AAPC or AHIMA
    awarded_on: dt.date
    ceus_required: Decimal
    cycle_years: int


@dataclass(frozen=True)
class Cycle:
    body: str
    credentials: tuple[str, ...]
    start: dt.date
    end: dt.date  # the last day of the cycle
    required: Decimal
    earned: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.required - self.earned)

    def expected(self, today: dt.date) -> Decimal:
        days = (self.end - self.start).days + 1
        elapsed = min(max((today - self.start).days + 1, 0), days)
        return (self.required * elapsed / days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def behind(self, today: dt.date) -> bool:
        return self.earned < self.expected(today)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _current_cycle(first: dt.date, years: int, today: dt.date) -> tuple[dt.date, dt.date]:
    start = first
    while _add_years(start, years) <= today:
        start = _add_years(start, years)
    return start, _add_years(start, years) - dt.timedelta(days=1)


def cycles(
    held: Sequence[Held], entries: Sequence[tuple[dt.date, Decimal]], today: dt.date
) -> list[Cycle]:
    """The current cycle of each body whose credentials are held."""
    out = []
    for body in ("AAPC", "AHIMA"):
        mine = sorted((h for h in held if h.body == body), key=lambda h: h.awarded_on)
        if not mine:
            continue
        years = mine[0].cycle_years
        start, end = _current_cycle(mine[0].awarded_on, years, today)
        if body == "AAPC":
            required = AAPC_BASE + AAPC_PER_EXTRA * (len(mine) - 1)
        else:
            required = max(h.ceus_required for h in mine)
        earned = sum((h for d, h in entries if start <= d <= end), Decimal(0))
        out.append(Cycle(body, tuple(h.code for h in mine), start, end, required, earned))
    return out
