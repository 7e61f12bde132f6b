"""``flask --app wsgi outbox send|worker|status|retry``: the outbox from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ppp_assess.config import Settings
from ppp_assess.mail import sender
from ppp_assess.services import outbox
from ppp_assess.unit_of_work import get_session


def _settings() -> Settings:
    settings: Settings = current_app.extensions["ppp_settings"]
    return settings


@click.group("outbox", cls=AppGroup)
def outbox_group() -> None:
    """Send the messages waiting in the outbox."""


@outbox_group.command("send")
@click.option("--limit", default=1000, show_default=True, help="Most messages to send.")
def outbox_send(limit: int) -> None:
    """Send every message that is due now, once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = sender.deliver_due(app, _settings(), limit=limit)
    click.echo(f"{result.sent} sent, {result.failed} failed, {result.dropped} dropped.")
    if result.failed:
        raise SystemExit(1)


@outbox_group.command("worker")
@click.option("--interval", default=5.0, show_default=True,
              help="Seconds between two rounds.")
def outbox_worker(interval: float) -> None:
    """Send due messages in a loop, until interrupted (run it as a service)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Sending the outbox every {interval:g} s; stop with Ctrl+C.")
    sender.run_worker(app, _settings(), interval=interval)


@outbox_group.command("status")
def outbox_status() -> None:
    """Print how many messages are pending, sent and given up."""
    counts = outbox.counts(get_session())
    click.echo(f"pending: {counts['pending']}  sent: {counts['sent']}  "
               f"given up: {counts['given_up']}")


@outbox_group.command("retry")
def outbox_retry() -> None:
    """Queue again every message the sender gave up on."""
    count = outbox.retry_given_up(get_session())
    click.echo(f"{count} messages queued again.")
