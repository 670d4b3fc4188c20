"""``flask roster ...``: import a cohort's roster from CSV, export roster and grades."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from school.cohorts.models import Cohort
from school.cohorts.roster import export as roster_export
from school.cohorts.roster import importing as roster_import
from school.cohorts.roster import parsing as roster_parsing
from school.extensions import db
from school.mail import deliver_queued
from school.web.commit import save


@click.group("roster", help="Import and export cohort rosters (CSV).")
def roster_cli() -> None:
    pass


def _cohort(code: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == code.strip().upper()))
    if cohort is None:
        click.echo(f"error: no cohort has the code {code!r}.", err=True)
        raise SystemExit(2)
    return cohort


@roster_cli.command("import")
@click.option("--cohort", "code", required=True, help="Cohort code, e.g. MBC-2026-01.")
@click.option("--invite", is_flag=True, help="Email each new student an invitation.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(code: str, invite: bool, file: Path) -> None:
    """Enroll the students of FILE (CSV, UTF-8) in a cohort. All or nothing: when any line is
    wrong, every problem is printed with its line and column and nothing is written."""
    cohort = _cohort(code)
    started = time.perf_counter()
    data = file.read_bytes()
    # Steps: the three of the import, then the commit.
    with click.progressbar(
        length=len(roster_import.STEPS) + 1, label=f"Importing {file.name}", file=sys.stderr
    ) as bar:

        def step(name: str) -> None:
            if name != roster_import.STEPS[0]:
                bar.update(1)
            bar.label = f"{file.name}: {name}"

        def import_and_count() -> roster_import.ImportSummary:
            summary = roster_import.import_roster(
                cohort=cohort, data=data, by=None, invite=invite, step=step
            )
            bar.update(1)
            bar.label = f"{file.name}: saving"
            return summary

        saved = save(import_and_count, keep=(roster_parsing.RosterRejected,))
        if isinstance(saved.error, roster_parsing.RosterRejected):
            bar.label = f"{file.name}: refused"
            bar.update(len(roster_import.STEPS) + 1)
            _print_problems(file.name, saved.error.lines)
            raise SystemExit(1)
        if not saved.ok or saved.result is None:  # a lost race: nothing was written
            for messages in saved.problems.values():
                for message in messages:
                    click.echo(f"error: {message}", err=True)
            raise SystemExit(1)
        summary = saved.result
        bar.update(1)
    if invite:
        deliver_queued()
    seconds = time.perf_counter() - started
    click.echo(f"{cohort.code}: {summary.describe()} ({seconds:.2f} s)")


def _print_problems(name: str, problems: list[roster_parsing.LineProblem]) -> None:
    click.echo("", err=True)
    for problem in problems:
        click.echo(f"{name}: {problem}", err=True)
    n = len(problems)
    click.echo(f"Nothing was imported ({n} problem{'s' if n != 1 else ''}).", err=True)


@roster_cli.command("export")
@click.option("--cohort", "code", required=True, help="Cohort code, e.g. MBC-2026-01.")
@click.option("--grades", is_flag=True, help="Course results, credits and GPA instead of contacts.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@with_appcontext
def export_command(code: str, grades: bool, out: Path | None) -> None:
    """Write a cohort's roster (or its grades) as CSV (RFC 4180, formulas neutralised)."""
    cohort = _cohort(code)
    text = roster_export.grades_csv(cohort) if grades else roster_export.roster_csv(cohort)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_bytes(text.encode("utf-8"))
        click.echo(f"Wrote {out} ({text.count(chr(10)) - 1} students).", err=True)
