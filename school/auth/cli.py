"""``flask users ...``: create accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from school.auth.models import Role
from school.auth.services import accounts, invitations
from school.mail import deliver_queued
from school.web.commit import save

role_option = click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="What the account may do.",
)


@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", default=None, help="Full name (defaults to the part before the @).")
@role_option
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, name: str | None, role: str, password_stdin: bool) -> None:
    """Create an account with a password (asked for, or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    saved = save(
        lambda: accounts.create_user(
            email=email, name=name or email.split("@")[0], role=Role(role), password=password
        )
    )
    user = saved.result
    if not saved.ok or user is None:
        _report(saved.problems)
        raise SystemExit(1)
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users_cli.command("invite")
@click.option("--email", required=True, help="Email address to send the invitation to.")
@click.option("--name", required=True, help="Full name.")
@role_option
@with_appcontext
def invite_user_command(email: str, name: str, role: str) -> None:
    """Invite someone by email: they choose their password from the emailed link."""
    saved = save(
        lambda: invitations.invite_user(email=email, name=name, role=Role(role), invited_by=None)
    )
    user = saved.result
    if not saved.ok or user is None:
        _report(saved.problems)
        raise SystemExit(1)
    sent = deliver_queued()
    where = "sent" if sent else "queued (see the Outbox page or run `flask outbox send`)"
    click.echo(f"Invited {user.role.value} {user.email} (id {user.id}); email {where}.")


def _report(problems: dict[str, list[str]]) -> None:
    for field, messages in problems.items():
        for message in messages:
            click.echo(f"error: {field + ': ' if field else ''}{message}", err=True)
