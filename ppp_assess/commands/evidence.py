"""``flask --app wsgi evidence``: look after the evidence storage."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from ppp_assess.services import evidence
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.evidence import evidence_setup


@click.group("evidence", cls=AppGroup)
def evidence_group() -> None:
    """Look after the evidence files."""


@evidence_group.command("prune")
@click.option("--grace", "grace_minutes", default=60, show_default=True, type=click.IntRange(1),
              help="Keep files written in the last MINUTES (an upload may still be "
                   "committing).")
def prune_command(grace_minutes: int) -> None:
    """Remove stored files that no document names any more (deleted, or rolled back)."""
    removed = evidence.prune_storage(get_session(), evidence_setup().storage,
                                     older_than=dt.timedelta(minutes=grace_minutes))
    click.echo(f"Removed {len(removed)} unreferenced file(s).")
