"""The compiled question markup gives the same HTML as the ``render_question`` macro."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.schema import NA, Question, QuestionType, Section
from ppp_assess.web.addresses import question_url, question_urls
from ppp_assess.web.assessments import question_markup
from ppp_assess.web.assessments.present import condition_data
from ppp_assess.web.assessments.question_markup import SectionQuestions, compiled_section
from ppp_assess.web.locale import available_locales
from ppp_assess.web.questionnaire_form import build_questionnaire_form, form_data

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml"))
TEXTS = ("", "Plain answer.", '<script>alert("x")</script> & \'quoted\'',
         "Two\nlines — ünïcode", "  spaced  ", "5 % of 10 < 20 > 3")
PANEL_TEXTS = ("PDF or plain text, up to 20 MB each.", ".pdf,.txt")


def _value(question: Question, chance: random.Random) -> Any:
    if chance.random() < 0.25:
        return None
    if question.type is QuestionType.choice:
        return chance.choice(question.options).value
    if question.type is QuestionType.multi_choice:
        return [option.value for option in question.options if chance.random() < 0.4]
    if question.type is QuestionType.scale:
        assert question.scale is not None
        if question.na and chance.random() < 0.3:
            return NA
        return chance.randint(question.scale.min, question.scale.max)
    if question.type is QuestionType.number:
        if question.na and chance.random() < 0.3:
            return NA
        return chance.choice([0, 12, 3.5, 1e6, 7.0, -2])
    if question.type is QuestionType.date:
        return chance.choice(["2025-03-05", "not a date <b>"])
    return chance.choice(TEXTS[1:])


def _panel(chance: random.Random) -> dict[str, Any]:
    documents = [{"id": number, "name": f"report <{number}>.pdf", "size": 2048 * number,
                  "description": chance.choice(TEXTS), "verdict": None, "verdict_label": None,
                  "review_comment": chance.choice(["", "Please & thanks"]),
                  "url": f"/api/v1/evidence/{number}?a=1&b=2"}
                 for number in range(1, chance.choice([1, 1, 1, 3]))]
    return {"documents": documents,
            "error": chance.choice([None, None, None, "The file is too big <sic>."]),
            "hint": PANEL_TEXTS[0], "accept": PANEL_TEXTS[1]}


def _compare(section: Section, number: int, questionnaire: Any, chance: random.Random) -> None:
    values = {question.id: _value(question, chance) for question in section.questions}
    values = {key: value for key, value in values.items() if value is not None}
    notes = {question.id: (chance.choice(TEXTS),
                           chance.choice([[], ["https://example.org/a?b=1&c=<2>"]]))
             for question in section.questions if chance.random() < 0.6}
    data = form_data(section, values, notes=notes)
    shown = {question.id for question in section.questions if chance.random() < 0.8}
    carried = frozenset(question.id for question in section.questions
                        if chance.random() < 0.3)
    seen = {question.id: f"{chance.getrandbits(80):020x}" for question in section.questions}
    panels = {question.id: _panel(chance) for question in section.questions}
    form = build_questionnaire_form(questionnaire, section)(formdata=None, data=data)
    form.set_visible(shown)
    macros = question_markup._macros()
    questions = SectionQuestions(
        questionnaire=questionnaire, section=section, section_number=number,
        form=lambda: pytest.fail("the compiled markup needed the form"), data=data,
        shown=shown, seen=seen, conflicts={}, mine={}, review_comments={},
        comment_authors={}, evidence_panels=panels, carried_ids=carried,
        panel_texts=PANEL_TEXTS)
    for index, question in enumerate(section.questions, start=1):
        expected = str(macros.render_question(
            form, question, f"{number}.{index}", seen=seen, condition=condition_data(question),
            conflict=None, mine=None, comments=None, evidence=panels[question.id], authors={},
            carried=question.id in carried))
        assert str(questions.render(question, index)) == expected, (question.id, values,
                                                                    notes, data)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_compiled_questions_render_as_the_macro_in_every_language(app: Flask, path: Path) -> None:
    questionnaire = load_questionnaire(path)
    chance = random.Random(path.name)
    with app.test_request_context("/"):
        for code in available_locales(app):
            with force_locale(code):
                for number, section in enumerate(questionnaire.sections, start=1):
                    compiled = compiled_section(questionnaire, section, number, PANEL_TEXTS)
                    # Every question of the shipped questionnaires compiles.
                    assert None not in compiled.questions.values(), section.id
                    for _round in range(3):
                        _compare(section, number, questionnaire, chance)


def test_compiled_markup_is_per_language(app: Flask) -> None:
    questionnaire = load_questionnaire(FILES[0])
    section = questionnaire.sections[0]
    question = section.questions[0]
    data = form_data(section, {}, notes={})
    rendered = {}
    with app.test_request_context("/"):
        for code in ("en", "fr"):
            with force_locale(code):
                rendered[code] = str(SectionQuestions(
                    questionnaire=questionnaire, section=section, section_number=1,
                    form=lambda: pytest.fail("no form needed"), data=data,
                    shown={question.id}, seen={question.id: "0"}, conflicts={}, mine={},
                    review_comments={}, comment_authors={},
                    evidence_panels={q.id: _panel(random.Random(0)) for q in section.questions},
                    carried_ids=frozenset(), panel_texts=PANEL_TEXTS).render(question, 1))
    assert rendered["en"] != rendered["fr"]
    assert "\ue000" not in rendered["en"] + rendered["fr"]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_question_addresses_built_once_per_section_match_url_for(app: Flask, path: Path) -> None:
    questionnaire = load_questionnaire(path)
    with app.test_request_context("/"):
        urls = question_urls(42)
        for section in questionnaire.sections:
            for question in section.questions:
                for question_id in (question.id, f"{question.id} é/#?x y"):
                    assert urls(section.id, question_id) == question_url(
                        42, section.id, question_id)
