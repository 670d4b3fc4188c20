"""``flask reports …``: reports written to files, for accreditors and auditors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from school.cohorts.models import Program
from school.csvfile import csv_text
from school.database import school_today
from school.extensions import db
from school.outcomes import rates


@click.group("reports", help="Write reports to files.")
def reports_cli() -> None:
    pass


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-07-01.", param_hint=option
        ) from None


@reports_cli.command("outcomes")
@click.option(
    "--from",
    "start",
    metavar="YYYY-MM-DD",
    help="First day (default: the last completed reporting year).",
)
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day.")
@click.option(
    "--program", "code", metavar="CODE", help="One program (default: every program and the total)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
@with_appcontext
def outcomes_command(
    start: str | None, end: str | None, code: str | None, fmt: str, out: Path
) -> None:
    """Outcome rates (retention, placement, exam participation and pass rates) with the
    counts behind them, one row per program plus TOTAL."""
    first, last = _date(start, "--from"), _date(end, "--to")
    if (first is None) != (last is None):
        raise click.UsageError("Give both --from and --to, or neither (the last reporting year).")
    if first is None or last is None:
        month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
        period = rates.reporting_year(school_today(), month=month)
    else:
        if first > last:
            raise click.BadParameter("must be on or after --from.", param_hint="--to")
        period = rates.Period(first, last)
    program_id = None
    if code:
        program_id = db.session.scalar(select(Program.id).where(Program.code == code))
        if program_id is None:
            raise click.BadParameter(f"there is no program {code!r}.", param_hint="--program")
    report = rates.outcome_rates(
        period, rates.thresholds_from(current_app.config), program_id=program_id
    )
    if fmt == "csv":
        header, rows = rates.as_table(report)
        text = csv_text(header, rows, bom=False)
    else:
        text = json.dumps(rates.as_json(report), indent=2) + "\n"
    if str(out) == "-":
        click.echo(text, nl=False)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(out)  # never a half-written report
    click.echo(
        f"Outcome rates {period}: {len(report.rows)} program(s) and TOTAL written to {out}.",
        err=True,
    )
