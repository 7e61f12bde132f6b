"""``flask --app wsgi dashboard rebuild-totals``: the evaluators' dashboard totals."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ppp_assess.services.benchmarks.totals import rebuild_totals
from ppp_assess.unit_of_work import get_session


@click.group("dashboard", cls=AppGroup)
def dashboard_group() -> None:
    """The totals behind the evaluators' dashboard."""


@dashboard_group.command("rebuild-totals")
def dashboard_rebuild_totals() -> None:
    """Count every approved and certified assessment again, in one transaction.

    The totals are kept as assessments are decided; run this after loading rows around
    the application (a bulk insert, a hand repair).
    """
    rebuild_totals(get_session())
    click.echo("The dashboard totals were rebuilt.")
