"""Two transactions on connections of their own, the second waiting for a lock the first
holds: for the tests of what the second finds once the first has committed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

from ppp_assess.models.database import Database


class Waiting:
    """What the work run by :func:`run_waiting` gave, once it is over."""

    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


def _waits(database: Database, *, advisory: bool) -> bool:
    """Return whether a transaction waits for an advisory lock (or, without ``advisory``,
    any other lock) on PostgreSQL; on SQLite, where a waiting writer cannot be seen,
    whether a moment has passed for it to start waiting."""
    if database.dialect != "postgresql":
        time.sleep(0.5)
        return True
    kind = "= 'advisory'" if advisory else "<> 'advisory'"
    with database.engine.connect() as connection:
        return bool(connection.scalar(text(
            f"SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype {kind}")))


@contextmanager
def run_waiting(database: Database, work: Callable[[], Any], *,
                advisory: bool = False) -> Iterator[Waiting]:
    """Run ``work`` in a thread and yield once it waits for a lock (the block then ends
    the transaction that holds it); after the block, wait for ``work`` to finish."""
    outcome = Waiting()

    def run() -> None:
        try:
            outcome.result = work()
        except BaseException as error:  # reported to the test through ``outcome``
            outcome.error = error
        outcome.done = True

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not _waits(database, advisory=advisory):
        assert time.monotonic() < deadline, "the second transaction never waited"
        time.sleep(0.02)
    assert not outcome.done, "the second transaction did not wait for the first"
    try:
        yield outcome
    finally:
        thread.join(timeout=30)
    assert outcome.done, "the second transaction never finished"
