"""Gunicorn settings for production: ``gunicorn -c python:ppp_assess.gunicorn_conf wsgi:app``.

Every value can be changed from the environment. App servers keep no state of their
own (sessions are signed cookies checked against the database, rate limits live in
Redis, mail waits in the database's outbox), so a deployment grows by running this on
more machines behind one load balancer, against one PostgreSQL and one Redis.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess

from ppp_assess.config import default_threads

bind = os.environ.get("PPP_ASSESS_BIND", "0.0.0.0:8000")
#: Worker processes: by default two per core and one more.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
#: Threads per worker: 4 on PostgreSQL on another machine, whose round trips a request
#: waits on; 1 on SQLite and on PostgreSQL on this machine, where threads only contend for
#: the interpreter (see ``config.default_threads``).
threads = int(os.environ.get("PPP_ASSESS_THREADS",
                             str(default_threads(os.environ.get("DATABASE_URL", "")))))
worker_class = "gthread"
timeout = int(os.environ.get("PPP_ASSESS_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
#: Recycle workers now and then, so that a slow leak never grows for months. Not often:
#: a new worker imports the application (about 2 s of CPU) and fills its caches again
#: (its first pages take most of a second), so at a few hundred requests a second a
#: recycle every 2 000 requests cost a tenth of the server's time.
max_requests = 50_000
max_requests_jitter = 5_000
#: The application logs one line per request itself (with its id and SQL count).
accesslog = None
errorlog = "-"

#: Where the workers keep their metrics, so that one scrape sees them all.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    str(Path(os.environ.get("PPP_ASSESS_INSTANCE", "instance")) / "metrics"))


def on_starting(_server: Any) -> None:
    """Start every run with empty metric files (counts of an earlier run are gone)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)


def post_worker_init(worker: Any) -> None:
    """Warm the application up, then keep it out of the garbage collector's full passes.

    Templates are compiled and catalogs read before the first request rather than while
    answering it (a server of something else than this application is left as it is).

    A worker holds a few hundred thousand long-lived objects (modules, templates,
    catalogs, the ORM's mappings) that every full collection walks again: about a tenth
    of a second, stalling one request now and then. Frozen once loaded, they are never
    scanned; what requests create is collected as before.
    """
    app = getattr(worker, "wsgi", None)
    if app is not None and "ppp_db" in getattr(app, "extensions", {}):
        from ppp_assess.web import warm_up

        warm_up(app)
    gc.collect()
    gc.freeze()


def child_exit(_server: Any, worker: Any) -> None:
    """Drop the gauges of a worker that stopped."""
    multiprocess.mark_process_dead(worker.pid)
