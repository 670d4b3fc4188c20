"""``flask demo``: a small believable school (the package school/demo/)."""

from __future__ import annotations

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from school.auth.models import Role, User
from school.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from school.demo.load import load_demo
from school.extensions import db
from school.web.commit import save


def schema_problem() -> str | None:
    """Why the database cannot take data yet: never upgraded, or behind the migrations."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return "The database has no tables yet"
    if current != heads:
        return (
            f"The database schema is at revision {', '.join(sorted(current))}, "
            f"not the current {', '.join(sorted(heads))}"
        )
    return None


@click.command("demo", help="Fill an empty database with a small demo school.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if users exist.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "The demo school has published passwords; it is loaded only with "
            "SCHOOL_ENV=development."
        )
    problem = schema_problem()
    if problem:
        raise click.ClickException(f"{problem}: run `flask --app wsgi db upgrade` first.")
    existing = db.session.scalar(select(func.count()).select_from(User))
    if existing:
        if if_empty:
            click.echo("Database already has users; demo data not loaded.")
            print_demo_logins()
            return
        raise click.ClickException(
            f"The database already has {existing} users. The demo needs an empty database."
        )
    saved = save(load_demo)
    if not saved.ok:
        raise click.ClickException("; ".join(m for ms in saved.problems.values() for m in ms))
    click.echo("Demo school loaded.")
    print_demo_logins()


def print_demo_logins() -> None:
    present = set(
        db.session.scalars(
            select(User.email).where(
                User.email.in_([u[2] for u in DEMO_LOGINS]), User.password_hash.is_not(None)
            )
        )
    )
    if not present:
        return
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    roles = list(Role)
    for role, name, email in sorted(DEMO_LOGINS, key=lambda login: roles.index(login[0])):
        if email in present:
            click.echo(f"  {role.value:<11} {email:<38} {name}")
    click.echo("")
