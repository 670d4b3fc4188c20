"""``flask backup`` and ``flask restore``: the commands over school/backup.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from school.backup import BackupError, backup, restore, sqlite_path
from school.extensions import db


@click.command("backup", help="Copy the SQLite database to FILE while the app keeps serving.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    try:
        database = sqlite_path(str(db.engine.url))
        with click.progressbar(length=100, label="Backing up", file=sys.stderr) as bar:
            done = [0]

            def progress(copied: int, total: int) -> None:
                now = copied * 100 // max(total, 1)
                bar.update(now - done[0])
                done[0] = now

            summary = backup(database, file, progress)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written and checked. {summary.line()}")


@click.command("restore", help="Replace the SQLite database's content by the backup FILE.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even into a database in use or not empty.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    try:
        database = sqlite_path(str(db.engine.url))
        db.engine.dispose()  # this process's own connections do not count as "in use"
        summary = restore(file, database, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored and checked. {summary.line()}")
    click.echo("Run `flask --app wsgi db upgrade` if the backup predates the current schema.")
