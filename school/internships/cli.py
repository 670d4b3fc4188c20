"""``flask hours ...``: email supervisors their links to confirm pending hour logs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from school.extensions import db
from school.internships import services
from school.mail import deliver_queued


@click.group("hours", help="Externship hour logs.")
def hours_cli() -> None:
    pass


@hours_cli.command("request-confirmation")
@with_appcontext
def request_confirmation_command() -> None:
    """Email each supervisor one single-use link for the pending logs of their sites."""
    sent = services.request_confirmations(by=None)
    db.session.commit()
    delivered = deliver_queued()
    click.echo(
        f"{sent} supervisor{'s' if sent != 1 else ''} emailed"
        + ("" if delivered or not sent else " (queued: see the Outbox page or `flask outbox send`)")
        + "."
    )
