"""``flask hours ...``: email supervisors their links to confirm pending hour logs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from school.internships.services import links as link_services
from school.mail import deliver_queued
from school.web.commit import save


@click.group("hours", help="Externship hour logs.")
def hours_cli() -> None:
    pass


@hours_cli.command("request-confirmation")
@with_appcontext
def request_confirmation_command() -> None:
    """Email each supervisor one single-use link for the pending logs of their sites."""
    saved = save(lambda: link_services.request_confirmations(by=None))
    if not saved.ok:
        raise click.ClickException(" ".join(m for ms in saved.problems.values() for m in ms))
    sent = saved.result or 0
    delivered = deliver_queued()
    click.echo(
        f"{sent} supervisor{'s' if sent != 1 else ''} emailed"
        + ("" if delivered or not sent else " (queued: see the Outbox page or `flask outbox send`)")
        + "."
    )
