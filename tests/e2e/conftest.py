"""End-to-end fixtures: the real app served over HTTP, driven by headless Chromium.

Each test gets its own SQLite database and a server thread, so the page's own
JavaScript runs against the real API exactly as in a browser, CSRF included. The
browser is Debian's Chromium (``make test`` installs it), driven with Playwright.
"""

from __future__ import annotations

import shutil
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT
from ppp_assess.models import migrate
from ppp_assess.services.demo import seed_demo
from ppp_assess.unit_of_work import get_database
from tests.factories import PASSWORD
from tests.i18n.pages import DemoData, collect_demo_data

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def thread_stacks() -> str:
    """Return where every thread of this process is, the server's included: what a test
    waiting on the server in vain reports."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(f"--- {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                     for ident, frame in sys._current_frames().items())


@dataclass
class LiveServer:
    """The app and the address it is served at."""

    app: Flask
    url: str


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve a fresh app (CSRF on, as in production) on a free local port."""
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"env": "testing", "database_url": url,
                      "instance_path": str(tmp_path / "instance"),
                      "secret_key": "e2e-secret-key"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        get_database(app).dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Launch headless Chromium once per module.

    Playwright's synchronous API keeps an event loop running in the test thread while it
    is open; closing it after each module leaves the tests that follow in the same
    process a thread without one, as the application's threads are.
    """
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Return a fresh browser page (own cookies)."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@dataclass
class DemoServer:
    """The app with the demo data, served over HTTP, and what the crawl needs of it."""

    app: Flask
    url: str
    data: DemoData


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """Serve an app holding the demo data (CSRF on, no rate limits) on a free local port."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"env": "testing", "database_url": url,
                      "instance_path": str(folder / "instance"),
                      "secret_key": "e2e-secret-key",
                      # A crawl is not an attack: rate limits would turn pages into 429s.
                      "flask_overrides": {"RATELIMIT_ENABLED": False}})
    with app.app_context(), get_database(app).transaction() as session:
        seed_demo(session, questionnaire_dir=PROJECT_ROOT / "questionnaires", password=PASSWORD)
        session.flush()
        data = collect_demo_data(session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DemoServer(app, f"http://127.0.0.1:{server.server_port}", data)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        get_database(app).dispose()


def sign_in_as(page: Page, server_url: str, email: str | None, locale: str) -> None:
    """Sign ``page`` in with ``email`` (None: stay anonymous) and choose ``locale``."""
    page.goto(f"{server_url}/?lang={locale}")
    if email is None:
        return
    page.goto(f"{server_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda address: "/auth/sign-in" not in address)
    page.goto(f"{server_url}/?lang={locale}")
    # Signed in: the navigation offers to sign out.
    assert page.locator('form[action$="/auth/sign-out"]').count() == 1, f"{email} is not signed in"
