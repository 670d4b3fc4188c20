"""``flask credentials seed``: add the standard credential catalog (missing entries only)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from school.certifications.catalog import seed_catalog
from school.web.commit import save


@click.group("credentials", help="The credential catalog.")
def credentials_cli() -> None:
    pass


@credentials_cli.command("seed")
@with_appcontext
def seed_command() -> None:
    """Add AAPC and AHIMA credentials missing from the catalog; edits are kept."""
    saved = save(seed_catalog)
    if not saved.ok:
        raise click.ClickException("; ".join(m for ms in saved.problems.values() for m in ms))
    added = saved.result or 0
    click.echo(f"{added} credential{'s' if added != 1 else ''} added to the catalog.")
