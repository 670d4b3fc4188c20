"""``flask outbox send``: deliver the outbox (school/mail.py) from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from school.mail import deliver_pending, mail_configured


@click.group("outbox", help="Outgoing email.")
def outbox_cli() -> None:
    pass


@outbox_cli.command("send")
@with_appcontext
def outbox_send() -> None:
    """Send (or retry) every unsent message."""
    if not mail_configured():
        raise click.ClickException(
            "No MAIL_SERVER is configured; messages stay on the admin outbox page."
        )
    sent = deliver_pending()
    click.echo(f"Sent {sent} message(s) via {current_app.config['MAIL_SERVER']}.")
