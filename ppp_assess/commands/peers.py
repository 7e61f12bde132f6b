"""``flask --app wsgi peers rebuild``: rebuild the peer index from the assessments."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ppp_assess.services.peer_index import rebuild_peer_scores
from ppp_assess.unit_of_work import get_session


@click.group("peers", cls=AppGroup)
def peers_group() -> None:
    """The current peer results that peer statistics read."""


@peers_group.command("rebuild")
def peers_rebuild() -> None:
    """Rebuild the peer index from every decided assessment, in one transaction.

    The services keep it up to date; run this after writing assessments, projects or
    organisations another way (SQL, a bulk load).
    """
    count = rebuild_peer_scores(get_session())
    click.echo(f"Peer index rebuilt: {count} scores.")
