"""Helpers of the page-level translation tests: the seeded app, the routes to visit and
what a page says.

Routes are discovered from ``app.url_map``, so a new page is visited the day it is added.
A route with URL parameters is visited when every parameter name is known to
:func:`collect_demo_data` (which picks values the signed-in role can see from the demo
data); add the name there when a new parameter appears. Pages that need a query
parameter are listed in :data:`QUERY_PARAMETERS`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from ppp_assess.domain.workflow import Status
from ppp_assess.i18n.pseudo import CLOSE, OPEN
from ppp_assess.models import (
    Assessment,
    Membership,
    Organisation,
    Project,
    QuestionnaireVersion,
    User,
)
from ppp_assess.models.base import Base

#: The demo accounts, one per kind of user (``None``: not signed in).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "respondent": "respondent@demo.test",
    "org_admin": "orgadmin@demo.test",
    "reviewer": "reviewer@demo.test",
    "evaluator": "evaluator@demo.test",
    "admin": "admin@demo.test",
}

#: Blueprints whose routes are not pages (JSON for scripts, static files).
NOT_PAGES = ("api.", "static")


@dataclass
class DemoData:
    """Values from the demo data that routes and the pseudo-locale check need."""

    #: role -> URL parameter name -> candidate values that role may see, best first.
    parameters: dict[str, dict[str, list[object]]] = field(default_factory=dict)
    #: Texts people typed or chose (names, e-mail addresses, project names, comments...).
    user_texts: set[str] = field(default_factory=set)
    #: role -> the identity Flask-Login keeps in the session ("id:session_version").
    identities: dict[str, str] = field(default_factory=dict)


#: Assessment states worth a visit, in the order pages are tried.
STATES = (Status.draft, Status.submitted, Status.in_review, Status.approved)


def collect_demo_data(session: Session) -> DemoData:
    """Return, for each role, URL parameter values it may see, and every user text."""
    data = DemoData()
    versions = list(session.scalars(select(QuestionnaireVersion)
                                    .order_by(QuestionnaireVersion.id)))
    sections = [section["id"] for version in versions
                for section in (version.definition or {}).get("sections", [])[:1]]
    serials = _values(session, "certificates", "serial")
    for role, email in ROLES.items():
        user = session.scalar(select(User).where(User.email == email)) if email else None
        membership = (session.scalars(select(Membership).where(Membership.user_id == user.id))
                      .first() if user is not None else None)
        assessments = select(Assessment.id).order_by(Assessment.id)
        projects = select(Project.id).order_by(Project.id)
        organisations = select(Organisation.id).order_by(Organisation.id)
        if membership is not None:
            own = membership.organisation_id
            assessments = assessments.where(Assessment.organisation_id == own)
            projects = projects.where(Project.organisation_id == own)
            organisations = organisations.where(Organisation.id == own)
        values: dict[str, list[object]] = {
            "assessment_id": [
                found for state in STATES
                if (found := session.scalars(
                    assessments.where(Assessment.status == state)).first()) is not None],
            "project_id": list(session.scalars(projects.limit(1))),
            "organisation_id": list(session.scalars(organisations.limit(1))),
            "section_id": sections,
            "questionnaire_id": [version.questionnaire_id for version in versions[:1]],
            "version": [version.version for version in versions[:1]],
            # Links mailed to people: an invalid one must give a clear page, not an error.
            "token": ["not-a-valid-token"],
            # Without certificates in the demo data, the "no such certificate" page.
            "serial": serials[:1] or ["PPP-0000-NOSUCH"],
            "file_format": ["csv"],
        }
        if user is not None:
            values["user_id"] = [user.id]
            data.identities[role] = user.get_id()
        data.parameters[role] = {name: found for name, found in values.items() if found}
    data.user_texts = _user_texts(session)
    return data


def _values(session: Session, table: str, column: str) -> list[object]:
    table_object = Base.metadata.tables.get(table)
    if table_object is None or column not in table_object.c:
        return []
    return list(session.execute(select(table_object.c[column]).limit(5)).scalars())


#: Columns whose values are typed or chosen by people, shown as they are on pages.
USER_TEXT_COLUMNS = (
    ("users", "name"), ("users", "email"), ("organisations", "name"),
    ("organisations", "country"), ("projects", "name"), ("projects", "description"),
    ("projects", "country"), ("projects", "currency"), ("answers", "comment"),
    ("review_comments", "body"), ("review_decisions", "reason"), ("certificates", "serial"),
    ("certificates", "revocation_reason"), ("questionnaire_versions", "questionnaire_id"),
    ("questionnaire_versions", "version"), ("api_tokens", "name"),
)


def _user_texts(session: Session) -> set[str]:
    texts: set[str] = set()
    for table, column in USER_TEXT_COLUMNS:
        table_object = Base.metadata.tables.get(table)
        if table_object is None or column not in table_object.c:
            continue
        texts.update(str(value) for value in session.execute(
            select(table_object.c[column]).distinct()).scalars() if value)
    # Identifiers of questionnaires, sections and questions ("pf-1-2") are shown as codes.
    for definition in session.scalars(select(QuestionnaireVersion.definition)):
        for section in (definition or {}).get("sections", []):
            texts.add(str(section.get("id", "")))
            texts.update(str(question.get("id", "")) for question in section.get("questions", []))
    answers = Base.metadata.tables["answers"]
    for value, evidence in session.execute(select(answers.c.value, answers.c.evidence)):
        # Free-text answers; option codes ("partly") are not user text and must be labelled.
        if isinstance(value, str) and " " in value:
            texts.add(value)
        texts.update(str(link) for link in (evidence or ()))
    return texts


def page_rules(app: Flask) -> list[Rule]:
    """Return every GET route that serves a page, sorted by URL."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.endpoint.startswith(NOT_PAGES)),
                  key=lambda rule: (rule.rule, rule.endpoint))


#: At most this many combinations of parameter values are tried per route.
MAX_TRIES = 6

#: Query parameters without which a page cannot answer (endpoint -> query parameter ->
#: name of the value in ``DemoData.parameters``).
QUERY_PARAMETERS: dict[str, dict[str, str]] = {
    "benchmarks.export": {"questionnaire": "questionnaire_id"},
}


def candidate_arguments(rule: Rule, values: dict[str, list[object]]
                        ) -> list[dict[str, object]] | None:
    """Return the argument sets to try for ``rule``, best first (None if one is unknown)."""
    arguments = sorted(name for name in rule.arguments if name not in (rule.defaults or {}))
    query = QUERY_PARAMETERS.get(rule.endpoint, {})
    names = arguments + sorted(query)
    sources = [values.get(name) for name in arguments] + [values.get(query[name])
                                                          for name in sorted(query)]
    if any(not source for source in sources):
        return None
    return [dict(zip(names, combination, strict=True)) for combination in
            itertools.islice(itertools.product(*sources), MAX_TRIES)]  # type: ignore[arg-type]


def build_url(app: Flask, rule: Rule, arguments: dict[str, object]) -> str:
    """Return the URL of ``rule`` with ``arguments`` (those not in the path go in the query)."""
    with app.test_request_context():
        return url_for(rule.endpoint, **arguments)


def is_download(rule: Rule) -> bool:
    """Return whether ``rule`` serves a file (``report.pdf``, ``export.<format>``)."""
    return "." in rule.rule.rsplit("/", 1)[-1]


def client_for(app: Flask, data: DemoData, role: str, locale: str | None = None) -> FlaskClient:
    """Return a client signed in as ``role`` (a key of :data:`ROLES`) reading ``locale``.

    The session is written directly, as a successful sign-in leaves it: the sign-in form
    is tested on its own, and signing in dozens of times would only slow the crawl.
    """
    client = app.test_client()
    if ROLES[role] is not None:
        with client.session_transaction() as session:
            session["_user_id"] = data.identities[role]
            session["_fresh"] = True
    if locale is not None:
        response = client.get(f"/?lang={locale}")
        assert response.status_code == 200, response.status
    return client


# --- Reading pages ----------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCKS = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details",
           "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
           "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "label",
           "legend", "li", "main", "nav", "ol", "optgroup", "option", "p", "pre", "section",
           "select", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr",
           "ul", "button", "br", "meter", "progress", "text", "tspan", "svg", "g"}
#: Elements whose content is never prose to translate: code, data people type.
_NOT_PROSE = {"script", "style", "template", "code", "kbd", "samp", "textarea", "noscript"}
#: Attributes read aloud or shown to people.
_TEXT_ATTRIBUTES = ("title", "aria-label", "aria-description", "placeholder", "alt", "label")
_BUTTON_INPUTS = {"submit", "button", "reset"}


@dataclass
class PageText:
    """What a page says, read from its HTML."""

    html_lang: str | None = None
    html_dir: str | None = None
    title: str = ""
    headings: list[str] = field(default_factory=list)
    #: Texts of links and buttons inside ``<nav>`` elements.
    navigation: list[str] = field(default_factory=list)
    #: Runs of visible prose, one per block, with the element path they sit in.
    blocks: list[tuple[str, str]] = field(default_factory=list)
    #: Attribute texts (title, aria-label, placeholder, alt, button values).
    attributes: list[tuple[str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self.stack: list[tuple[str, bool]] = []  # (tag, whether its text is skipped)
        self.buffer: list[str] = []
        self.heading: list[str] | None = None
        self.nav_depth = 0
        self.nav_item: list[str] | None = None

    # Skipped: non-prose elements, and anything marked translate="no" or in another
    # language (the language menu names each language in itself).
    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text:
            path = "/".join(tag for tag, _skip in self.stack[-3:])
            self.page.blocks.append((path, text))
        self.buffer = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page.html_lang = values.get("lang")
            self.page.html_dir = values.get("dir")
        skip = self._skipping() or tag in _NOT_PROSE or values.get("translate") == "no" or (
            "lang" in values and tag != "html"
            and values["lang"].split("-")[0] != (self.page.html_lang or "").split("-")[0])
        if tag in _BLOCKS:
            self._flush()
        if not skip:
            for name in _TEXT_ATTRIBUTES:
                if values.get(name):
                    self.page.attributes.append((f"{tag}[{name}]", values[name]))
            if tag == "input" and values.get("type") in _BUTTON_INPUTS and values.get("value"):
                self.page.attributes.append((f"{tag}[value]", values["value"]))
        if tag == "h1":
            self.heading = []
        if tag == "nav":
            self.nav_depth += 1
        if self.nav_depth and tag in {"a", "button"}:
            self.nav_item = []
        if tag not in _VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag in _BLOCKS:
            self._flush()
        if tag == "h1" and self.heading is not None:
            self.page.headings.append(" ".join("".join(self.heading).split()))
            self.heading = None
        if tag in {"a", "button"} and self.nav_item is not None:
            self.page.navigation.append(" ".join("".join(self.nav_item).split()))
            self.nav_item = None
        if tag == "nav":
            self.nav_depth -= 1
        # Pop to the matching tag; tolerate unclosed inline elements.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title":
            self.page.title += data
        if self.heading is not None:
            self.heading.append(data)
        if self.nav_item is not None and not self._skipping():
            self.nav_item.append(data)
        if not self._skipping():
            self.buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def read_page(html: str) -> PageText:
    """Return what ``html`` says."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def outside_markers(text: str) -> str:
    """Return the parts of ``text`` that are not between pseudo-translation markers."""
    depth = 0
    kept: list[str] = []
    for character in text:
        if character == OPEN:
            depth += 1
            kept.append(" ")
        elif character == CLOSE:
            depth = max(0, depth - 1)
            kept.append(" ")
        elif depth == 0:
            kept.append(character)
    return "".join(kept)


_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)


def untranslated(text: str, allowed_texts: Iterable[str], allowed_words: set[str]) -> str | None:
    """Return the readable text of ``text`` that no catalog translated, if any.

    :param allowed_texts: whole texts shown as they are (names, e-mail addresses).
    :param allowed_words: single words produced by locale data (month names, currency
        symbols) rather than by catalogs.
    """
    rest = outside_markers(text)
    if not _LETTER.search(rest):
        return None
    for allowed in sorted(allowed_texts, key=len, reverse=True):
        if allowed and allowed in rest:
            rest = rest.replace(allowed, " ")
    left = [word for word in words(rest) if word.lower() not in allowed_words]
    return " ".join(left) or None


def words(text: str) -> list[str]:
    """Return the words of ``text`` that contain a letter ("Sankt-Heleno", "CP.TEIA")."""
    found = (word.strip(".-'’") for word in _WORD.findall(text))
    return [word for word in found if word and _LETTER.search(word)]


def iter_page_texts(page: PageText) -> Iterator[tuple[str, str]]:
    """Yield ``(where, text)`` for the title, every block and every attribute text."""
    yield "title", page.title
    yield from page.blocks
    yield from page.attributes


def english_left(page: PageText, translations: dict[str, str]) -> list[str]:
    """Return the page's h1 and navigation labels still in English.

    :param translations: msgid -> msgstr of the page's locale, for messages whose
        translation differs from the English.
    """
    sample = [*page.headings, *page.navigation]
    return [text for text in sample if text in translations]
