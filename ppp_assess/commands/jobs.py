"""``flask jobs worker``: run the exports queued in Redis, on any machine."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ppp_assess.config import get_settings

jobs_group = AppGroup("jobs", help="Long work done in the background (exports).")


@jobs_group.command("worker")
@click.option("--burst", is_flag=True,
              help="Run what is queued, then stop (for cron or a test), instead of waiting.")
def worker_command(burst: bool) -> None:
    """Run queued exports as they come (needs REDIS_URL and PPP_ASSESS_JOBS=rq or unset).

    Jobs run one at a time in this process, inside the application: start as many
    workers as exports should run at once. They need the same configuration and
    instance folder (or shared storage) as the app servers.
    """
    from redis import Redis
    from rq import Queue, SimpleWorker

    from ppp_assess.web.benchmarks.jobs import queue_name

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = get_settings(app)
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set: there is no queue to work on.")
    connection = Redis.from_url(settings.redis_url)
    # A SimpleWorker runs each job in this process, with the application's database
    # pool; a forking worker would share pooled connections with its children.
    worker = SimpleWorker([Queue(queue_name(app), connection=connection)],
                          connection=connection)
    click.echo(f"Working on the queue {queue_name(app)}.", err=True)
    worker.work(burst=burst, with_scheduler=False)
