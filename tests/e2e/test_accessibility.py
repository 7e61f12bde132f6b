"""axe-core on every page type, as every kind of user, in English and Arabic.

The pages are found as the translation crawl finds them (``tests/i18n/pages.py``: every
route, filled with values from the demo data that the role may see); each one that
opens as HTML is loaded in Chromium and checked with axe-core. Any serious or critical
violation fails, listed with the page it is on.
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser

from tests.checkers import AXE_JS, required
from tests.e2e.conftest import DemoServer, sign_in_as
from tests.i18n.pages import (
    ROLES,
    DemoData,
    build_url,
    candidate_arguments,
    client_for,
    is_download,
    page_rules,
)

LOCALES = ("en", "ar")
BLOCKING = {"serious", "critical"}


def openable_pages(app: Flask, data: DemoData, role: str) -> list[str]:
    """Return one URL per page route that opens as HTML (200) for ``role``, in English."""
    client = client_for(app, data, role, "en")
    values = {**data.parameters[role], "lang": ["en"]}
    urls: list[str] = []
    for rule in page_rules(app):
        candidates = candidate_arguments(rule, values)
        if is_download(rule) or candidates is None:
            continue
        for arguments in candidates:
            url = build_url(app, rule, arguments)
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                urls.append(url.replace("lang=en", "lang={locale}"))
                break
    return urls


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_serious_accessibility_violations(browser: Browser, demo_server: DemoServer,
                                             role: str, locale: str) -> None:
    axe = required(AXE_JS)
    urls = openable_pages(demo_server.app, demo_server.data, role)
    assert len(urls) >= 5, f"the crawl found too few pages for {role}"
    # axe is injected as a script of its own: the pages' strict CSP would refuse it.
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    found: list[str] = []
    try:
        sign_in_as(page, demo_server.url, ROLES[role], locale)
        for url in urls:
            page.goto(demo_server.url + url.format(locale=locale))
            assert page.locator("html").get_attribute("lang") == locale, url
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
            found += [f"{url}: {violation['impact']} {violation['id']} ({violation['help']}): "
                      f"{', '.join(violation['nodes'])}"
                      for violation in violations if violation["impact"] in BLOCKING]
    finally:
        context.close()
    assert not found, f"{len(found)} serious or critical violations:\n" + "\n".join(found)


def test_the_check_finds_a_serious_violation(browser: Browser) -> None:
    # An image without a text alternative and an unlabelled field: the run must fail.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<img src="data:,"><input type="text"></main></body></html>')
        page.add_script_tag(path=str(required(AXE_JS)))
        impacts = page.evaluate("async () => (await axe.run(document)).violations"
                                ".map(v => [v.id, v.impact])")
    finally:
        context.close()
    assert {("image-alt", "critical"), ("label", "critical")} <= {tuple(i) for i in impacts}
