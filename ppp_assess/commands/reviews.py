"""``flask --app wsgi reviews remind|times``: review deadlines from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ppp_assess.services import board
from ppp_assess.unit_of_work import get_session


@click.group("reviews", cls=AppGroup)
def reviews_group() -> None:
    """Review deadlines and times."""


@reviews_group.command("remind")
def reviews_remind() -> None:
    """Queue the reminders that are due (each one once); run it daily from cron."""
    count = board.queue_reminders(get_session())
    click.echo(f"{count} reminder(s) queued.")


@reviews_group.command("times")
def reviews_times() -> None:
    """Print the median and 90th percentile review time per questionnaire, in days."""
    report = board.review_time_report(get_session())
    if not report:
        click.echo("No review has been decided yet.")
    for questionnaire_id, times in report.items():
        click.echo(f"{questionnaire_id}: {times.count} reviews, median "
                   f"{times.median_days:.1f} days, 90th percentile {times.p90_days:.1f} days")
