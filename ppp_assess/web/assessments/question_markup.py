"""The questions of a section page, their markup compiled once and filled in per request.

Rendering ``render_question`` (``_macros/questions.html``) for every question was most
of a section page's time: WTForms building and rendering every field, and hundreds of
gettext lookups, for markup that only changes with the questionnaire version, the
section and the language. :class:`SectionQuestions` renders each question once per
(questionnaire version, section, language, evidence hint) with the macro itself, from a
form whose text fields hold markers, and splits the result into static chunks and
*slots*: the parts a request decides (the answer typed or chosen, "not applicable",
the comment and evidence links, whether the question is hidden or carried over, the
fingerprint of the answer shown, the evidence panel with documents or an error). A
request joins the chunks with its slot values, escaped as WTForms and Jinja escape them.

The macro stays the one definition of the markup: a question the compiled form does not
cover (a reviewer's comments, a conflict, a field with errors, a page re-rendered from a
submitted form) is rendered by the macro itself, and ``tests/web/test_question_markup.py``
compares both renderings over every shipped questionnaire and language.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField

from ppp_assess.domain.schema import Question, Questionnaire, Section
from ppp_assess.web.assessments.present import condition_data
from ppp_assess.web.fields import answer_name, not_applicable_name
from ppp_assess.web.questionnaire_form import (
    QuestionnaireForm,
    build_questionnaire_form,
    comment_name,
    evidence_name,
)

#: How many compiled sections are kept (each holds its questions' markup in one language).
CACHE_SIZE = 256

_MARK_START, _MARK_END = "\ue000", "\ue001"
_SEEN_MARK = f"{_MARK_START}seen{_MARK_END}"


@dataclass(frozen=True)
class QuestionValues:
    """What one request shows of one question."""

    #: The form data of the question's fields (WTForms' ``field.data`` after processing).
    data: Mapping[str, Any]
    shown: bool
    seen: str
    carried: bool
    evidence: Mapping[str, Any]


Slot = Callable[[QuestionValues], str]


class CompiledQuestion:
    """A question's markup as static chunks with slots between them."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[str | Slot]) -> None:
        self.parts = parts

    def render(self, values: QuestionValues) -> str:
        """Return the question's markup for ``values``."""
        return "".join([part if isinstance(part, str) else part(values)
                        for part in self.parts])


class _Unsupported(Exception):
    """The macro's output was not as the compiler expects: render with the macro."""


def _mark(number: int) -> str:
    return f"{_MARK_START}{number}{_MARK_END}"


def _find_once(html: str, pattern: str) -> re.Match[str]:
    matches = list(re.finditer(pattern, html))
    if len(matches) != 1:
        raise _Unsupported(pattern)
    return matches[0]


def _text_slot(name: str) -> Slot:
    def slot(values: QuestionValues) -> str:
        data = values.data.get(name)
        return "" if data is None else str(escape(str(data)))
    return slot


def _checked_slot(name: str, choice: str, *, multiple: bool) -> Slot:
    if multiple:
        def slot(values: QuestionValues) -> str:
            return " checked" if choice in (values.data.get(name) or ()) else ""
    else:
        def slot(values: QuestionValues) -> str:
            return " checked" if values.data.get(name) == choice else ""
    return slot


def _flag_slot(name: str) -> Slot:
    def slot(values: QuestionValues) -> str:
        return " checked" if values.data.get(name) else ""
    return slot


def _compile(html: str, form: QuestionnaireForm, question: Question, marks: dict[str, str],
             empty_panel: str, panel_macro: Callable[[Mapping[str, Any]], str]
             ) -> CompiledQuestion:
    """Split the macro's output for ``question`` into chunks and slots."""
    spans: list[tuple[int, int, str | Slot]] = []
    if not html.startswith('<div class="question" '):
        raise _Unsupported("start")
    end = html.index(">")
    spans.append((end, end, lambda values: "" if values.shown else " hidden"))
    seen = _find_once(html, re.escape(_SEEN_MARK))
    spans.append((seen.start(), seen.end(), lambda values: str(escape(values.seen))))
    carried = _find_once(html, r'<p class="carried-note" id="carried-[^"]*">[^<]*</p>')
    carried_html = carried.group(0)
    spans.append((carried.start(), carried.end(),
                  lambda values: carried_html if values.carried else ""))
    for name, field in form._fields.items():
        if name in ("csrf_token", "base_version") or not _belongs(name, question.id):
            continue
        field_id = re.escape(str(escape(field.id)))
        if isinstance(field, RadioField | SelectMultipleField):
            multiple = isinstance(field, SelectMultipleField)
            for index, choice in enumerate(field.iter_choices()):
                found = _find_once(html, rf'<input(?= (?:data-exclusive="" )?id="{field_id}-'
                                         rf'{index}")')
                spans.append((found.end(), found.end(),
                              _checked_slot(name, str(choice[0]), multiple=multiple)))
        elif isinstance(field, BooleanField):
            found = _find_once(html, rf'<input(?= data-not-applicable="" id="{field_id}")')
            spans.append((found.end(), found.end(), _flag_slot(name)))
        elif isinstance(field, StringField):
            found = _find_once(html, re.escape(marks[name]))
            spans.append((found.start(), found.end(), _text_slot(name)))
        else:
            raise _Unsupported(name)
    if form.with_notes:
        comment, evidence = comment_name(question.id), evidence_name(question.id)
        if question.evidence.value != "required":
            found = _find_once(html, r'<details class="notes"( open)>')
            spans.append((found.start(1), found.end(1), lambda values: " open" if (
                values.data.get(comment) or values.data.get(evidence)) else ""))
        found = _find_once(html, r'<summary>[^<]*( <span class="hint">[^<]*</span>)</summary>')
        added = found.group(1)
        spans.append((found.start(1), found.end(1),
                      lambda values: added if values.data.get(evidence) else ""))
    found = _find_once(html, re.escape(empty_panel))

    def panel(values: QuestionValues) -> str:
        if values.evidence.get("documents") or values.evidence.get("error"):
            return str(panel_macro(values.evidence))
        return empty_panel

    spans.append((found.start(), found.end(), panel))
    spans.sort(key=lambda span: (span[0], span[1]))
    parts: list[str | Slot] = []
    position = 0
    for start, stop, slot in spans:
        if start < position:
            raise _Unsupported("overlap")
        if start > position:
            parts.append(html[position:start])
        parts.append(slot)
        position = stop
    parts.append(html[position:])
    if any(_MARK_START in part for part in parts if isinstance(part, str)):
        raise _Unsupported("mark left")
    return CompiledQuestion(parts)


def _belongs(name: str, question_id: str) -> bool:
    return name in (answer_name(question_id), not_applicable_name(question_id),
                    comment_name(question_id), evidence_name(question_id))


@dataclass(frozen=True)
class CompiledSection:
    """The compiled questions of a section (``None``: render with the macro), and how
    WTForms processes each field's data: ``choice``, ``choices``, ``flag`` or ``text``."""

    questions: Mapping[str, CompiledQuestion | None]
    kinds: Mapping[str, str]

    def field_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return form data as WTForms holds it once processed (choices as text)."""
        processed: dict[str, Any] = {}
        for name, value in data.items():
            kind = self.kinds.get(name)
            if kind == "choice":
                processed[name] = None if value is None else str(value)
            elif kind == "choices":
                try:
                    processed[name] = [str(item) for item in value]
                except TypeError:
                    processed[name] = None
            elif kind == "flag":
                processed[name] = bool(value)
            else:
                processed[name] = value
        return processed


_cache_lock = Lock()


def _app_cache() -> OrderedDict[tuple[Any, ...], Any]:
    """Return the current application's cache (an application has its own catalogs)."""
    cache: OrderedDict[tuple[Any, ...], Any] = current_app.extensions.setdefault(
        "ppp_question_markup", OrderedDict())
    return cache


def _macros() -> Any:
    return current_app.jinja_env.get_template("_macros/questions.html").module


def compiled_section(questionnaire: Questionnaire, section: Section, section_number: int,
                     panel_texts: tuple[str, str]) -> CompiledSection:
    """Return each question's compiled markup (``None``: always render with the macro).

    Cached per questionnaire version, section, language and evidence panel texts (the
    upload hint and accepted types), least recently used dropped first.
    """
    key = (questionnaire.id, questionnaire.version, questionnaire.content_hash, section.id,
           section_number, str(get_locale()), panel_texts)
    return _cached(key, lambda: _compile_section(questionnaire, section, section_number,
                                                 panel_texts))


def script_messages() -> Markup:
    """Return the ``script_messages`` macro's JSON in the request's language (cached)."""
    markup: Markup = _cached(("script_messages", str(get_locale())),
                             lambda: _macros().script_messages())
    return markup


def _cached(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    cache = _app_cache()
    with _cache_lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    made = make()
    with _cache_lock:
        cache[key] = made
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return made


def _compile_section(questionnaire: Questionnaire, section: Section, section_number: int,
                     panel_texts: tuple[str, str]) -> CompiledSection:
    form_class = build_questionnaire_form(questionnaire, section)
    probe = form_class(formdata=None, meta={"csrf": False})
    marks: dict[str, str] = {}
    data: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for position, (name, field) in enumerate(probe._fields.items()):
        if isinstance(field, RadioField):
            kinds[name] = "choice"
        elif isinstance(field, SelectMultipleField):
            kinds[name] = "choices"
        elif isinstance(field, BooleanField):
            kinds[name] = "flag"
        elif isinstance(field, StringField) and name != "base_version":
            kinds[name] = "text"
            marks[name] = data[name] = _mark(position)
    form = form_class(formdata=None, data=data, meta={"csrf": False})
    form.set_visible(question.id for question in section.questions)
    macros = _macros()
    hint, accept = panel_texts
    empty: dict[str, Any] = {"documents": [], "error": None, "hint": hint, "accept": accept}
    compiled: dict[str, CompiledQuestion | None] = {}
    for index, question in enumerate(section.questions, start=1):
        number = f"{section_number}.{index}"
        html = str(macros.render_question(
            form, question, number, seen={question.id: _SEEN_MARK},
            condition=condition_data(question), conflict=None, mine=None, comments=None,
            evidence=empty, authors=None, carried=True))

        def panel_macro(panel: Mapping[str, Any], question: Question = question,
                        number: str = number) -> str:
            return str(_macros().evidence_panel(question, number, panel))

        try:
            compiled[question.id] = _compile(
                html, form, question, marks, str(macros.evidence_panel(question, number, empty)),
                panel_macro)
        except _Unsupported:
            compiled[question.id] = None
    return CompiledSection(compiled, kinds)


class SectionQuestions:
    """Renders the questions of one section page (``questions.render`` in the template).

    ``data`` is the stored answers as form data (a GET), or ``None`` when ``form`` is a
    submitted form: then every question is rendered by the macro, as the form holds it.
    ``full_form`` returns the section's full form for the macro, built on first need.
    """

    def __init__(self, *, questionnaire: Questionnaire, section: Section, section_number: int,
                 form: Callable[[], QuestionnaireForm], data: Mapping[str, Any] | None,
                 shown: frozenset[str] | set[str], seen: Mapping[str, str],
                 conflicts: Mapping[str, Any], mine: Mapping[str, Any],
                 review_comments: Mapping[str, Any], comment_authors: Mapping[Any, Any],
                 evidence_panels: Mapping[str, Mapping[str, Any]],
                 carried_ids: frozenset[str], panel_texts: tuple[str, str]) -> None:
        self.questionnaire = questionnaire
        self.section = section
        self.section_number = section_number
        self._form = form
        self.shown = shown
        self.seen = seen
        self.conflicts = conflicts
        self.mine = mine
        self.review_comments = review_comments
        self.comment_authors = comment_authors
        self.evidence_panels = evidence_panels
        self.carried_ids = carried_ids
        self.compiled: Mapping[str, CompiledQuestion | None] = {}
        self.data: Mapping[str, Any] | None = None
        if data is not None:
            compiled = compiled_section(questionnaire, section, section_number, panel_texts)
            self.compiled = compiled.questions
            self.data = compiled.field_data(data)

    def render(self, question: Question, index: int) -> Markup:
        """Return the markup of the section's ``index``-th question (from 1)."""
        compiled = self.compiled.get(question.id)
        if (compiled is None or question.id in self.conflicts
                or self.review_comments.get(question.id) or self.data is None):
            return self.render_with_macro(question, index)
        # Static chunks come from the macro; every slot escapes what it fills in.
        return Markup(compiled.render(QuestionValues(  # noqa: S704
            data=self.data, shown=question.id in self.shown, seen=self.seen[question.id],
            carried=question.id in self.carried_ids,
            evidence=self.evidence_panels[question.id])))

    def render_with_macro(self, question: Question, index: int) -> Markup:
        """Return the question's markup rendered by ``render_question`` itself."""
        markup: Markup = _macros().render_question(
            self._form(), question, f"{self.section_number}.{index}", seen=self.seen,
            condition=condition_data(question), conflict=self.conflicts.get(question.id),
            mine=self.mine.get(question.id), comments=self.review_comments.get(question.id),
            evidence=self.evidence_panels[question.id], authors=self.comment_authors,
            carried=question.id in self.carried_ids)
        return markup
