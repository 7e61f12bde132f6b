"""One transaction per request and per command: the boundary of the unit of work.

Every request and every CLI command gets one :class:`~ppp_assess.models.database.UnitOfWork`
on first use of :func:`get_session`. Views, commands and services never commit: the
boundary does, once.

* A request that answers with a status below 400 commits; any other status, an
  exception, or a call to :func:`fail` (a caught service error) rolls back. This runs
  in ``after_request``, before the response leaves, so a failed commit is an error
  response, never a success that did not happen (503, like any other moment the
  database cannot be reached).
* GET, HEAD and OPTIONS requests read: their unit never takes the write lock and may not
  change anything (:class:`~ppp_assess.models.database.ReadOnlyError`).
* A command (or any code running in an application context without a request) writes,
  and commits when the context ends without an exception.
* After a commit, the hooks registered with :func:`on_commit` run: after the response has
  been sent for a request (:class:`_AfterBody`), at the end for a command. Outgoing mail is
  one of them, so mail never goes out for a change that was rolled back, and a failed
  send never undoes a committed change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask, Request, Response, current_app, g, has_request_context, request
from flask.globals import request_ctx
from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ppp_assess.models.database import Database, UnitOfWork
from ppp_assess.services.outbox import REQUEST_BASE_URL_KEY

log = logging.getLogger(__name__)

#: Methods that only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: A hook run after a commit, given the committed session's ``info``.
CommitHook = Callable[[Mapping[str, Any]], None]

_G_KEY = "unit_of_work"


def get_database(app: Flask | None = None) -> Database:
    """Return the application's database."""
    database: Database = (app or current_app).extensions["ppp_db"]
    return database


def current_unit() -> UnitOfWork:
    """Return this request's (or command's) unit of work, beginning it on first use."""
    unit: UnitOfWork | None = g.get(_G_KEY)
    if unit is None:
        write = not has_request_context() or request.method not in SAFE_METHODS
        unit = get_database().unit_of_work(write=write)
        if has_request_context():
            # What services write for later (mail links) may need the address the
            # request came in on when no public address is configured. Worked out only
            # if a message is written: building it cost 2 % of a kept page's
            # instructions.
            unit.info[REQUEST_BASE_URL_KEY] = _BaseUrl(request_ctx.request)
        setattr(g, _G_KEY, unit)
    return unit


class _BaseUrl:
    """The address a request came in on, worked out when asked for (Werkzeug keeps it
    on the request once built). It holds the request itself, not Flask's proxy, so a
    hook run after the response still has it."""

    __slots__ = ("_request",)

    def __init__(self, incoming: Request) -> None:
        self._request = incoming

    def __call__(self) -> str:
        return self._request.host_url.rstrip("/")


def get_session() -> Session:
    """Return the session of this request's (or command's) unit of work."""
    return current_unit().session


def get_connection() -> Connection:
    """Return the connection this request's unit of work reads on, for Core statements
    (a reading request's, with no session until one is asked for)."""
    return current_unit().connection


@contextmanager
def identity_connection() -> Iterator[Connection]:
    """Yield the connection that reads who is asking (the session's user, a token's holder).

    A reading request reads it in its own unit, and so does a writing request on
    PostgreSQL: a SELECT there takes no lock that another transaction waits for, and a
    pooled connection of its own cost a twentieth of an autosave's time. On SQLite a
    writing request reads it before its transaction begins, on the connection its unit
    then writes on (no session: one SELECT needs none; see ``UnitOfWork.apart``): the
    write transaction, the database's one write lock, is then held from the use case's
    first statement to the commit rather than from the start of the request. Who may
    touch what is still decided inside the transaction (the statements that lock a row
    check the membership again).
    """
    unit = current_unit()
    if not unit.write or unit.database.dialect == "postgresql":
        yield unit.connection
        return
    with unit.apart() as connection:
        yield connection


def fail() -> None:
    """Make sure this request or command changes nothing (a service error was caught)."""
    current_unit().fail()


def end_reading() -> None:
    """Finish this request's reading unit now, keeping what it loaded readable.

    A GET that must record something (a download in the audit log) writes it in a short
    transaction of its own; ending the reading unit first keeps the two apart, also where
    both share one connection (the test suite's).
    """
    unit: UnitOfWork | None = g.get(_G_KEY)
    if unit is not None and not unit.write:
        unit.finish(success=True)


def commit_now() -> None:
    """Commit this request's writing unit now, before the response is built.

    For a write whose answer takes long to present (the autosave's score): the locks the
    transaction holds (SQLite's write lock, PostgreSQL's row and audit locks) are then
    released before the presentation starts instead of after it. Everything the answer
    needs from the database must be read before. The commit is the same one
    ``after_request`` would make, so a failure raises and answers 503 the same way; the
    after-commit hooks still run once the response is sent.
    """
    unit: UnitOfWork | None = g.get(_G_KEY)
    if unit is not None and unit.write:
        unit.finish(success=True)


def on_commit(app: Flask, hook: CommitHook) -> None:
    """Run ``hook`` after every commit of a unit of work of ``app``."""
    app.extensions.setdefault("ppp_commit_hooks", []).append(hook)


def _hooks_for(app: Flask, unit: UnitOfWork) -> Callable[[], None] | None:
    hooks: list[CommitHook] = app.extensions.get("ppp_commit_hooks", [])
    info = unit.committed_info
    if not hooks or info is None:
        return None

    def run() -> None:
        with app.app_context():
            for hook in hooks:
                try:
                    hook(info)
                except Exception:
                    # The change is committed; what follows it is retried, never undone.
                    log.exception("after-commit hook %r failed", hook)

    return run


class _AfterBody:
    """A response body that runs ``after`` once: as soon as its last chunk has been handed
    to the server, or when the server closes it, whichever comes first.

    PEP 3333 has the server close the body once it is sent, and gunicorn always does.
    Werkzeug's server (``flask run``, the browser tests) skips the close when the client
    resets the connection right after the response, as a browser following a redirect
    may: the hooks of that commit never ran, and an export asked for was never started.
    """

    def __init__(self, body: Iterable[Any], after: Callable[[], None]) -> None:
        self._body = body
        self._after: Callable[[], None] | None = after

    def __iter__(self) -> Iterator[Any]:
        yield from self._body
        self._run()

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._run()

    def _run(self) -> None:
        after, self._after = self._after, None
        if after is not None:
            after()


def _finish_request(response: Response) -> Response:
    unit: UnitOfWork | None = g.get(_G_KEY)
    if unit is None:
        return response
    try:
        committed = unit.finish(success=response.status_code < 400)
        # A unit committed early (:func:`commit_now`) still gets its hooks run.
        committed = committed or unit.committed_info is not None
    except (OperationalError, InterfaceError) as error:
        # The database went away at the commit (PostgreSQL refused the COMMIT of a
        # terminated connection): nothing was stored, so answer as for any outage of the
        # database, through its error handler (503 with Retry-After), not as a crash.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return app.make_response(app.handle_user_exception(error))
    if committed:
        run = _hooks_for(current_app._get_current_object(), unit)  # type: ignore[attr-defined]
        if run is not None:
            # (The Content-Length of a body given as bytes was set with it.)
            response.response = _AfterBody(response.response, run)
    return response


def _begin_request() -> None:
    # An application context pushed around several requests (tests, scripts) keeps ``g``:
    # each request still starts a unit of its own.
    leftover: UnitOfWork | None = g.pop(_G_KEY, None)
    if leftover is not None:
        leftover.close()


def _end_request(_error: BaseException | None) -> None:
    unit: UnitOfWork | None = g.pop(_G_KEY, None)
    if unit is not None:
        unit.close()  # finished in after_request already, unless that never ran


def _finish_command(error: BaseException | None) -> None:
    unit: UnitOfWork | None = g.pop(_G_KEY, None)
    if unit is None:
        return
    if unit.finish(success=error is None):
        run = _hooks_for(current_app._get_current_object(), unit)  # type: ignore[attr-defined]
        if run is not None:
            run()


def init_app(app: Flask, database: Database) -> None:
    """Attach ``database`` to ``app`` and put every request and command in a unit of work."""
    app.extensions["ppp_db"] = database
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    app.teardown_appcontext(_finish_command)
