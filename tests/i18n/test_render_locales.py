"""Every page, in every language, for every kind of user.

The routes come from ``app.url_map`` (see ``tests/i18n/pages.py``), so pages added later
are visited without changing this file. First, for each kind of user, every route is
tried in English with the demo data's values until one answers 200 (the plan); then the
planned page is fetched in each of the six languages. Each answer must be:

- 200; or a redirect to a page of this site (anonymous visitors are sent to sign in,
  some pages forward to the next step); or 403/404 where the role may not see the object
  (other organisations' and other roles' pages answer 404 by design); or 400 for a mailed
  link that is not valid;
- for HTML, ``<html lang dir>`` naming the language and its direction (Arabic: ``rtl``);
- in a language listed in ``COMPLETE_LOCALES``, free of English in the page's ``<h1>``
  and navigation labels.

Files (PDF, CSV) are fetched in each language by the first role that can open them.
Every route must open (200, or for a signed-in user a redirect) for someone, so a page
broken for everybody is caught.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from ppp_assess.config import UN_LOCALES
from ppp_assess.i18n import catalogs
from ppp_assess.web.locale import available_locales
from tests.i18n.pages import (
    ROLES,
    DemoData,
    build_url,
    candidate_arguments,
    client_for,
    english_left,
    is_download,
    page_rules,
    read_page,
)
from tests.i18n.test_catalogs import COMPLETE_LOCALES

DIRECTIONS = {"ar": "rtl"}
ACCEPTED = {200, 301, 302, 303, 403, 404}
#: Parameters of mailed links: demo data has no valid one, so these pages answer 400
#: ("this link is not valid") and need not open for anyone.
MAILED_LINK_PARAMETERS = ("token",)
#: Routes that cannot open with the demo data, and why. Remove an entry when the demo
#: data gains what the page needs.
NOT_OPENABLE_WITH_DEMO_DATA = {
    "certificates.download": "the demo data issues no certificate",
    "certificates.verify": "the demo data issues no certificate",
    "certificates.revoke": "the demo data issues no certificate",
    "observability.metrics": "answers only to the metrics token, never to a user",
    "assessments.upgrade": "the demo data publishes no newer version with a mapping file",
}


@dataclass
class Plan:
    """What to fetch per role, found by trying every route in English."""

    #: role -> [(rule, arguments)] of the pages to fetch in every language.
    pages: dict[str, list[tuple[Rule, dict[str, object]]]] = field(default_factory=dict)
    #: route -> role -> status of the planned fetch in English.
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Problems met while planning (the English crawl).
    problems: dict[str, list[str]] = field(default_factory=dict)


def _key(rule: Rule) -> str:
    return f"{rule.endpoint} {rule.rule}"


def _translations(locale: str) -> dict[str, str]:
    """Return msgid -> msgstr of ``locale`` where the translation differs from the English."""
    found: dict[str, str] = {}
    for domain in catalogs.DOMAINS:
        with catalogs.catalog_path(locale, domain).open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and isinstance(message.id, str) and message.string and (
                        message.string != message.id):
                    found[message.id] = message.string
    return found


@pytest.fixture(scope="module")
def plan(seeded: tuple[Flask, DemoData]) -> Plan:
    """Try every route as every role in English and keep the argument set that opens it."""
    app, data = seeded
    result = Plan()
    download_owner: set[str] = set()
    for role in ROLES:
        client = client_for(app, data, role, "en")
        values = {**data.parameters[role], "lang": ["en"]}
        problems: list[str] = []
        pages: list[tuple[Rule, dict[str, object]]] = []
        for rule in page_rules(app):
            if is_download(rule) and _key(rule) in download_owner:
                continue
            candidates = candidate_arguments(rule, values)
            if candidates is None:
                continue
            chosen, status = candidates[0], 0
            for arguments in candidates:
                found = _visit(client, rule, build_url(app, rule, arguments), role, "en", {},
                               problems)
                if status == 0 or found == 200:
                    chosen, status = arguments, found
                if found == 200:
                    break
            if is_download(rule) and status == 200:
                download_owner.add(_key(rule))
            result.statuses.setdefault(_key(rule), {})[role] = status
            pages.append((rule, chosen))
        result.pages[role] = pages
        result.problems[role] = problems
    return result


def _visit(client: FlaskClient, rule: Rule, url: str, role: str, locale: str,
           english: dict[str, str], problems: list[str]) -> int:
    where = f"{role} {locale} GET {url}"
    try:
        response = client.get(url)
    except Exception as error:  # the page crashed: report it with the others
        problems.append(f"{where}: {type(error).__name__}: {error}")
        return 500
    status = response.status_code
    mailed_link = any(name in rule.arguments for name in MAILED_LINK_PARAMETERS)
    if status not in ACCEPTED and not (mailed_link and status == 400):
        problems.append(f"{where}: status {status}")
        return status
    if status in {301, 302, 303}:
        target = response.headers.get("Location", "")
        if not target.startswith("/") or target.startswith("//"):
            problems.append(f"{where}: redirects off the site to {target!r}")
        return status
    if response.mimetype != "text/html":
        return status
    page = read_page(response.get_data(as_text=True))
    expected = (locale.replace("_", "-"), DIRECTIONS.get(locale, "ltr"))
    if (page.html_lang, page.html_dir) != expected:
        problems.append(f"{where}: <html lang={page.html_lang!r} dir={page.html_dir!r}>, "
                        f"expected lang={expected[0]!r} dir={expected[1]!r}")
    if status == 200 and english:
        left = english_left(page, english)
        if left:
            problems.append(f"{where}: English left in h1/navigation: {left}")
    return status


@pytest.mark.slow
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("locale", UN_LOCALES)
def test_every_page_in_every_language(seeded: tuple[Flask, DemoData], plan: Plan, locale: str,
                                      role: str) -> None:
    app, data = seeded
    assert locale in available_locales(app), f"{locale} has no compiled catalogs"
    if locale == "en":
        problems = plan.problems[role]
    else:
        client = client_for(app, data, role, locale)
        english = _translations(locale) if locale in COMPLETE_LOCALES else {}
        problems = []
        for rule, arguments in plan.pages[role]:
            if "lang" in arguments:
                arguments = {**arguments, "lang": locale}
            _visit(client, rule, build_url(app, rule, arguments), role, locale, english,
                   problems)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_every_page_opens_for_someone(plan: Plan) -> None:
    never = []
    for key, statuses in sorted(plan.statuses.items()):
        endpoint = key.split(" ", 1)[0]
        if endpoint in NOT_OPENABLE_WITH_DEMO_DATA or any(
                f"<{name}>" in key or f":{name}>" in key for name in MAILED_LINK_PARAMETERS):
            continue
        # A redirect counts as opening, except the one that sends visitors to sign in.
        if not any(status == 200 or (300 <= status < 400 and role != "anonymous")
                   for role, status in statuses.items()):
            never.append(f"{key}: {statuses}")
    assert not never, "pages that no demo user can open:\n" + "\n".join(never)
    parametrized = [key for key, statuses in plan.statuses.items()
                    if "<" in key and 200 in statuses.values()]
    assert parametrized, "the crawl opened no page behind URL parameters"


def test_every_route_can_be_filled(seeded: tuple[Flask, DemoData]) -> None:
    """A route whose URL parameters the crawl cannot fill would never be visited."""
    app, data = seeded
    values = {name: value for role in ROLES for name, value in data.parameters[role].items()}
    values["lang"] = ["en"]
    unknown = [rule.rule for rule in page_rules(app) if candidate_arguments(rule, values) is None]
    assert not unknown, ("add these URL parameters to tests/i18n/pages.py::collect_demo_data: "
                         + ", ".join(unknown))


def test_english_left_finds_untranslated_headings() -> None:
    page = read_page('<html lang="fr" dir="ltr"><nav><a href="/">Projects</a>'
                     '<a href="/x">Évaluations</a></nav><main><h1>Sign in</h1></main></html>')
    translations = {"Projects": "Projets", "Sign in": "Connexion", "Assessments": "Évaluations"}
    assert english_left(page, translations) == ["Sign in", "Projects"]
    translated = read_page('<html lang="fr"><nav><a>Projets</a></nav><h1>Connexion</h1></html>')
    assert english_left(translated, translations) == []
