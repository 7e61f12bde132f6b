"""Every page type, as every kind of user, in English and Arabic, is valid HTML.

The pages are those the translation crawl plans (``test_render_locales.plan``: every
route, with the demo data's values, per role); each HTML answer is written to a folder
and the W3C Nu HTML checker reads them all in one run. Any error fails the test, with
the page it was found on.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from tests.checkers import VNU_JAR, java, required
from tests.i18n import test_render_locales
from tests.i18n.pages import ROLES, DemoData, build_url, client_for, is_download

#: The crawl's plan, shared with the translation tests of every page.
plan = test_render_locales.plan

LOCALES = ("en", "ar")


def _collect(app: Flask, data: DemoData, found_plan: test_render_locales.Plan,
             folder: Path) -> dict[str, str]:
    """Write every HTML page to ``folder``; return file name -> "role locale url"."""
    pages: dict[str, str] = {}
    for role in ROLES:
        for locale in LOCALES:
            client = client_for(app, data, role, locale)
            for index, (rule, arguments) in enumerate(found_plan.pages[role]):
                if is_download(rule):
                    continue
                if "lang" in arguments:
                    arguments = {**arguments, "lang": locale}
                url = build_url(app, rule, arguments)
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                name = f"{role}-{locale}-{index:03d}.html"
                (folder / name).write_bytes(response.get_data())
                pages[name] = f"{role} {locale} {url}"
    return pages


@pytest.mark.slow
def test_every_page_is_valid_html(seeded: tuple[Flask, DemoData],
                                  plan: test_render_locales.Plan, tmp_path: Path) -> None:
    app, data = seeded
    checker = required(VNU_JAR)
    pages = _collect(app, data, plan, tmp_path)
    assert len(pages) > 20 * len(LOCALES), "the crawl found too few pages to check"
    # The checker reports on stderr, exit status 1 when it found errors.
    finished = subprocess.run(
        [java(), "-Xss8m", "-jar", str(checker), "--errors-only", "--format", "json",
         "--skip-non-html", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False)
    messages = json.loads(finished.stderr or '{"messages": []}')["messages"]
    errors = [f"{pages.get(Path(message.get('url', '')).name, message.get('url'))}: "
              f"line {message.get('lastLine')}: {message['message']}"
              for message in messages if message["type"] in {"error", "non-document-error"}]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
    assert finished.returncode == 0, finished.stderr
