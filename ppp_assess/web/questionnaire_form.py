"""Forms built from a questionnaire section through the question-type adapters.

:func:`build_questionnaire_form` returns a new :class:`QuestionnaireForm` subclass for one
section, made with ``type()`` and cached per questionnaire version and section; no
class is ever changed after it is built. A form instance marks the questions that the
answers hide (see :meth:`QuestionnaireForm.set_visible`): they are not shown, not
validated and not saved, while their stored answers stay untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from threading import Lock
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, ValidationError

from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.conditions import visible_questions
from ppp_assess.domain.schema import Question, Questionnaire, Section
from ppp_assess.services.assessments import (
    MAX_COMMENT_LENGTH,
    MAX_EVIDENCE_LINKS,
    MAX_LINK_LENGTH,
    AnswerInput,
)
from ppp_assess.web.fields import QuestionAdapter, adapter_for, answer_name, not_applicable_name


def comment_name(question_id: str) -> str:
    """Return the name of the comment field of a question."""
    return f"c_{question_id}"


def evidence_name(question_id: str) -> str:
    """Return the name of the evidence-links field of a question."""
    return f"e_{question_id}"


def seen_name(question_id: str) -> str:
    """Return the name of the hidden input holding the fingerprint of the shown answer."""
    return f"s_{question_id}"


def evidence_links(text: str | None) -> list[str]:
    """Return the evidence links of a text area, one per line, blanks dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def answer_fingerprint(value: Any, comment: str | None, evidence: Iterable[str] | None) -> str:
    """Return a short digest of an answer, to tell later which answers a user changed."""
    canonical = json.dumps([value, comment or "", list(evidence or [])], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def _check_evidence(form: Form, field: Field) -> None:
    links = evidence_links(field.data)
    if len(links) > MAX_EVIDENCE_LINKS:
        raise ValidationError(_("Give at most %(max)s evidence links.", max=MAX_EVIDENCE_LINKS))
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.netloc or len(link) > MAX_LINK_LENGTH:
            raise ValidationError(_("Evidence links must be web addresses starting with "
                                    "https:// or http://."))


class QuestionnaireForm(FlaskForm):
    """The answers to the questions of one section."""

    #: The questionnaire and section the class was built for (set by the builder).
    questionnaire: Questionnaire
    section: Section
    #: Whether each question has a comment and evidence links.
    with_notes: bool

    #: The assessment version the page was based on.
    base_version = HiddenField()

    #: Questions of the section that the answers hide (see :meth:`set_visible`).
    hidden_questions: frozenset[str] = frozenset()

    def set_visible(self, visible: Iterable[str]) -> None:
        """Mark every question of the section not in ``visible`` as hidden.

        Hidden questions stay in the page (hidden) for the browser to reveal, but they are
        not validated and their submitted values are ignored.
        """
        shown = set(visible)
        self.hidden_questions = frozenset(
            question.id for question in self.section.questions if question.id not in shown)

    def is_shown(self, question_id: str) -> bool:
        """Return whether a question of the section is visible."""
        return question_id not in self.hidden_questions

    def field_names(self, question: Question) -> list[str]:
        """Return the names of the fields of this instance that belong to ``question``."""
        names = [answer_name(question.id), not_applicable_name(question.id)]
        if self.with_notes:
            names += [comment_name(question.id), evidence_name(question.id)]
        return [name for name in names if name in self._fields]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        """Validate the fields of the visible questions only."""
        hidden: dict[str, Field] = {}
        for question in self.section.questions:
            if not self.is_shown(question.id):
                for name in self.field_names(question):
                    hidden[name] = self._fields.pop(name)
        try:
            return bool(super().validate(extra_validators))
        finally:
            self._fields.update(hidden)

    def adapter(self, question: Question) -> QuestionAdapter:
        """Return the adapter of ``question``'s type, for the templates."""
        return adapter_for(question)

    def value_of(self, question: Question) -> Any:
        """Return the submitted answer to ``question`` (``None`` when left empty)."""
        return adapter_for(question).read(self, question)

    def accepted_values(self) -> dict[str, Any]:
        """Return the submitted answers that their questions accept, normalised."""
        values: dict[str, Any] = {}
        for question in self.section.questions:
            if not self.is_shown(question.id):
                continue
            value = self.value_of(question)
            if value is None:
                continue
            try:
                values[question.id] = validate_answer(question, value)
            except AnswerError:
                continue
        return values

    def answer_input(self, question: Question) -> AnswerInput:
        """Return what the user gave for ``question``: value, comment and evidence."""
        value = self.value_of(question)
        if value is not None:
            value = validate_answer(question, value)
        if not self.with_notes:
            return AnswerInput(value)
        comment = self[comment_name(question.id)].data or ""
        evidence = evidence_links(self[evidence_name(question.id)].data)
        return AnswerInput(value, comment.strip(), evidence)

    def changed_inputs(self, seen: Mapping[str, str]) -> dict[str, AnswerInput]:
        """Return the answers of the visible questions that differ from what was shown.

        ``seen`` holds the fingerprints of the answers the page showed; an answer the
        user left as it was is not sent, so a colleague's later change to it is neither
        overwritten nor reported as a conflict. Call after successful validation.
        """
        inputs: dict[str, AnswerInput] = {}
        for question in self.section.questions:
            if not self.is_shown(question.id):
                continue
            given = self.answer_input(question)
            fingerprint = answer_fingerprint(given.value, given.comment, given.evidence)
            if seen.get(question.id) != fingerprint:
                inputs[question.id] = given
        return inputs


_forms: dict[tuple[str, str, str, str, bool], type[QuestionnaireForm]] = {}
_forms_lock = Lock()


def build_questionnaire_form(questionnaire: Questionnaire, section: Section, *,
                             with_notes: bool = True) -> type[QuestionnaireForm]:
    """Return the form class of one section of a questionnaire version.

    Each call that misses the cache builds a new subclass with ``type()``; published
    versions are immutable, so the class is cached by questionnaire id, version and
    section (and the content hash, so two different definitions never share a class).

    :param with_notes: add a comment and evidence links to every question.
    """
    key = (questionnaire.id, questionnaire.version, questionnaire.content_hash, section.id,
           with_notes)
    form_class = _forms.get(key)
    if form_class is not None:
        return form_class
    attributes: dict[str, Any] = {"questionnaire": questionnaire, "section": section,
                                  "with_notes": with_notes}
    for question in section.questions:
        fields: dict[str, UnboundField] = adapter_for(question).fields(question)
        attributes.update(fields)
        if with_notes:
            attributes[comment_name(question.id)] = TextAreaField(
                _l("Comment"), validators=[Length(max=MAX_COMMENT_LENGTH)],
                description=_l("Optional. Explain your answer or what is planned."),
                render_kw={"rows": 2})
            attributes[evidence_name(question.id)] = TextAreaField(
                _l("Evidence links"), validators=[_check_evidence],
                description=_l("Web addresses of supporting documents, one per line."),
                render_kw={"rows": 2, "inputmode": "url"})
    name = f"QuestionnaireForm_{questionnaire.id}_{questionnaire.version}_{section.id}"
    with _forms_lock:
        form_class = _forms.get(key)
        if form_class is None:
            form_class = type(name.replace("-", "_").replace(".", "_"), (QuestionnaireForm,),
                              attributes)
            _forms[key] = form_class
    return form_class


def form_data(section: Section, answers: Mapping[str, Any], *, with_notes: bool = True,
              notes: Mapping[str, tuple[str, list[str]]] | None = None) -> dict[str, Any]:
    """Return the initial form data that shows stored answers.

    :param answers: question id -> stored value.
    :param notes: question id -> (comment, evidence links).
    """
    data: dict[str, Any] = {}
    for question in section.questions:
        data.update(adapter_for(question).form_data(question, answers.get(question.id)))
        if with_notes:
            comment, evidence = (notes or {}).get(question.id, ("", []))
            data[comment_name(question.id)] = comment
            data[evidence_name(question.id)] = "\n".join(evidence)
    return data


def visible_with_submission(questionnaire: Questionnaire, stored: Mapping[str, Any],
                            form: QuestionnaireForm) -> frozenset[str]:
    """Return the visible questions once the section's submitted answers replace the stored.

    A question of the section left empty counts as unanswered, whatever is stored. Call
    before :meth:`QuestionnaireForm.set_visible`, with every question still shown.
    """
    merged = dict(stored)
    for question in form.section.questions:
        merged.pop(question.id, None)
    merged.update(form.accepted_values())
    return visible_questions(questionnaire, merged)
