"""Outcome rates over a period, per program and in total (DESIGN.md §2 "Outcome rates").

The counts (BE, NS, RE, EE, G, W, the graduates' employment classes and exams) are defined in
:mod:`school.outcomes.rate_counts`, their drill-down lists in
:mod:`school.outcomes.rate_drilldown`, the period in :mod:`school.outcomes.periods`.

retention = (EE + G) / (BE + NS + RE); placement = (F + R) / (G − U); participation =
sat / G; pass rate = passed / sat; first-attempt pass rate = passed_first / sat. A rate is
rounded half up to 4 decimals and is below its threshold when that rounded figure is; with
a denominator of 0 there is no rate and no flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from school.cohorts.models import Program
from school.database import school_today
from school.extensions import db
from school.outcomes.periods import Period, reporting_year
from school.outcomes.rate_counts import COUNTS, GRADUATE_COUNTS, counts_query
from school.outcomes.rate_drilldown import students_behind

# Period, reporting_year, COUNTS, GRADUATE_COUNTS and students_behind are re-exported for
# the importers outside the outcomes domain (reports, demo, the CLI, tests, bench).
__all__ = [
    "COUNTS",
    "FORMULAS",
    "GRADUATE_COUNTS",
    "LABELS",
    "RATES",
    "RATE_LABELS",
    "Period",
    "Rate",
    "Report",
    "Row",
    "as_json",
    "as_table",
    "outcome_rates",
    "reporting_year",
    "students_behind",
    "thresholds_from",
]

LABELS = {
    "BE": "Beginning enrollment",
    "NS": "New starts",
    "RE": "Re-entries",
    "EE": "Ending enrollment",
    "G": "Graduates",
    "W": "Withdrawals",
    "F": "Employed in field",
    "R": "Employed in a related field",
    "X": "Employed, unrelated field",
    "U": "Unavailable for employment",
    "K": "Employment unknown",
    "sat": "Graduates who sat a credentialing exam",
    "passed": "Passed (any attempt)",
    "passed_first": "Passed on the first attempt",
}
RATES = ("retention", "placement", "participation", "pass_rate", "first_attempt_pass_rate")
RATE_LABELS = {
    "retention": "Retention",
    "placement": "Placement",
    "participation": "Credentialing exam participation",
    "pass_rate": "Exam pass rate (any attempt)",
    "first_attempt_pass_rate": "Exam pass rate (first attempt)",
}
FORMULAS = {
    "retention": "(EE + G) / (BE + NS + RE)",
    "placement": "(F + R) / (G − U)",
    "participation": "sat / G",
    "pass_rate": "passed / sat",
    "first_attempt_pass_rate": "passed_first / sat",
}
FOUR = Decimal("0.0001")


def thresholds_from(config: Mapping[str, object]) -> dict[str, Decimal]:
    """``OUTCOME_THRESHOLD`` (percent, default 70) for every rate, unless
    ``OUTCOME_THRESHOLDS`` names one, e.g. ``{"placement": 75}``."""
    default = config.get("OUTCOME_THRESHOLD", 70)
    named = config.get("OUTCOME_THRESHOLDS") or {}
    assert isinstance(named, Mapping)
    unknown = set(named) - set(RATES)
    if unknown:
        raise ValueError(f"OUTCOME_THRESHOLDS names unknown rates: {', '.join(sorted(unknown))}")
    result = {}
    for name in RATES:
        value = Decimal(str(named.get(name, default)))
        if not 0 <= value <= 100:
            raise ValueError(f"The {name} threshold must be a percentage from 0 to 100.")
        result[name] = value
    return result


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    threshold: Decimal  # percent

    @property
    def value(self) -> Decimal | None:
        """The rate as a decimal with 4 places (0.8333), half up; None without a denominator."""
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(FOUR, ROUND_HALF_UP)

    @property
    def percent(self) -> Decimal | None:
        v = self.value
        return None if v is None else (v * 100).quantize(Decimal("0.01"))

    @property
    def below(self) -> bool:
        v = self.value
        return v is not None and v * 100 < self.threshold


@dataclass(frozen=True)
class Row:
    """One program (or the total, with ``program`` None)."""

    program: Program | None
    counts: Mapping[str, int]
    thresholds: Mapping[str, Decimal]

    @property
    def code(self) -> str:
        return self.program.code if self.program else "TOTAL"

    def rate(self, name: str) -> Rate:
        c = self.counts
        numerator, denominator = {
            "retention": (c["EE"] + c["G"], c["BE"] + c["NS"] + c["RE"]),
            "placement": (c["F"] + c["R"], c["G"] - c["U"]),
            "participation": (c["sat"], c["G"]),
            "pass_rate": (c["passed"], c["sat"]),
            "first_attempt_pass_rate": (c["passed_first"], c["sat"]),
        }[name]
        return Rate(numerator, denominator, self.thresholds[name])

    @property
    def rates(self) -> dict[str, Rate]:
        return {name: self.rate(name) for name in RATES}

    @property
    def balanced(self) -> bool:
        """Every enrollment that was in (BE, NS, RE) ended in exactly one of EE, G, W."""
        c = self.counts
        return c["BE"] + c["NS"] + c["RE"] == c["EE"] + c["G"] + c["W"]


@dataclass(frozen=True)
class Report:
    period: Period
    rows: list[Row]
    total: Row
    as_of: dt.date | None = None  # the period has not ended: counted as of this day


def outcome_rates(
    period: Period,
    thresholds: Mapping[str, Decimal],
    *,
    program_id: int | None = None,
    today: dt.date | None = None,
) -> Report:
    """Every count for every program (or the one given) and their total: one aggregate
    statement for the counts and one for the programs, at any size."""
    today = today or school_today()
    programs_q = select(Program).order_by(Program.code)
    if program_id is not None:
        programs_q = programs_q.where(Program.id == program_id)
    found = {
        r.program_id: {k: int(getattr(r, k)) for k in COUNTS}
        for r in db.session.execute(counts_query(period, min(period.end, today), program_id))
    }
    zero = dict.fromkeys(COUNTS, 0)
    rows = [Row(p, found.get(p.id, zero), thresholds) for p in db.session.scalars(programs_q)]
    total = {k: sum(r.counts[k] for r in rows) for k in COUNTS}
    as_of = today if today < period.end else None
    return Report(period, rows, Row(None, total, thresholds), as_of)


def as_table(report: Report) -> tuple[list[str], list[list[str]]]:
    """The CSV layout: one row per program, then TOTAL; rates as 4-place decimals, empty
    when the denominator is 0."""
    counts = ["BE", "NS", "RE", "EE", "G", "F", "R", "U", "sat", "passed", "passed_first"]
    header = ["program", *counts, *RATES]
    rows = []
    for row in [*report.rows, report.total]:
        rates = [row.rate(name).value for name in RATES]
        rows.append(
            [
                row.code,
                *(str(row.counts[k]) for k in counts),
                *("" if v is None else f"{v:.4f}" for v in rates),
            ]
        )
    return header, rows


def as_json(report: Report) -> dict[str, object]:
    def one(row: Row) -> dict[str, object]:
        return {
            "program": row.code,
            "name": row.program.name if row.program else "All programs",
            "counts": dict(row.counts),
            "rates": {
                name: {
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "rate": None if r.value is None else f"{r.value:.4f}",
                    "threshold": f"{r.threshold:f}",
                    "below_threshold": r.below,
                }
                for name, r in row.rates.items()
            },
        }

    return {
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "programs": [one(r) for r in report.rows],
        "total": one(report.total),
    }
