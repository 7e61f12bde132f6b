"""Scoring checked against a plain reading of its rules, on every shipped questionnaire.

:func:`ppp_assess.domain.score` is tuned for autosave (answers cleaned as the loop
reaches them, compiled conditions, cached reports). The reference here applies the rules
of ``docs/questionnaire-format.md`` the slow, obvious way, with
:func:`~ppp_assess.domain.answers.clean_answers`, :func:`~ppp_assess.domain.conditions.evaluate`
and :func:`~ppp_assess.domain.question_score`, over random answers that include invalid,
stale and "not applicable" values and that switch conditions on and off.
"""

from __future__ import annotations

import dataclasses
import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppp_assess.domain import NA, Questionnaire, QuestionType, load_questionnaire, score
from ppp_assess.domain.answers import clean_answers
from ppp_assess.domain.conditions import evaluate
from ppp_assess.domain.scoring import question_score

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRES = [load_questionnaire(path)
                  for path in sorted((ROOT / "questionnaires").glob("*.yaml"))]


def reference(questionnaire: Questionnaire, answers: dict[str, Any],
              limits: dict[str, float] | None = None) -> dict[str, Any]:
    """Score by the written rules; return what the report must agree on."""
    accepted = clean_answers(questionnaire, answers)
    visible: set[str] = set()
    states: dict[str, tuple[float | None, bool, bool, bool]] = {}
    sections: list[tuple[str, float | None, int, int, bool]] = []
    overall_sum = overall_weight = 0.0
    caps: list[str] = []
    missing: list[str] = []
    required = 0
    for section in questionnaire.sections:
        shown = section.show_if is None or evaluate(section.show_if, accepted, visible)
        numerator = denominator = 0.0
        answered_count = applicable_count = 0
        for question in section.questions:
            if not shown or (question.show_if is not None
                             and not evaluate(question.show_if, accepted, visible)):
                states[question.id] = (None, False, False, False)
                continue
            visible.add(question.id)
            value = accepted.get(question.id)
            if value is not None and question.is_not_applicable(value):
                states[question.id] = (None, False, True, True)
                continue
            applicable_count += 1
            answered_count += value is not None
            if question.required:
                required += 1
                if value is None:
                    missing.append(question.id)
            if not question.scored:
                states[question.id] = (None, True, value is not None, True)
                continue
            result = 0.0 if value is None else question_score(question, value)
            assert result is not None
            if limits and question.id in limits and value is not None:
                result = min(result, limits[question.id])
            if result == 0 and question.critical:
                caps.append(question.id)
            numerator += question.weight * result
            denominator += question.weight
            states[question.id] = (result, True, value is not None, True)
        section_score = (min(100.0, max(0.0, 100.0 * numerator / denominator))
                         if denominator > 0 else None)
        if section_score is not None:
            overall_sum += section.weight * section_score
            overall_weight += section.weight
        sections.append((section.id, section_score, answered_count, applicable_count, shown))
    overall = (min(100.0, max(0.0, overall_sum / overall_weight))
               if overall_weight > 0 else None)
    completion = (required - len(missing)) / required if required else 1.0
    return {"overall": overall, "sections": sections, "states": states, "caps": caps,
            "missing": missing, "completion": completion}


def candidate_values(questionnaire: Questionnaire, question_id: str) -> list[Any]:
    question = questionnaire.question(question_id)
    values: list[Any] = [None, "", 7, True, "not-an-option", ["x"], {"a": 1}, NA]
    if question.type in (QuestionType.choice, QuestionType.multi_choice):
        options = [option.value for option in question.options]
        values += options if question.type is QuestionType.choice else [
            [option] for option in options] + [options, options[:2], []]
        values += [[options[0]]] if question.type is QuestionType.choice else [options[0]]
    elif question.type is QuestionType.scale:
        assert question.scale is not None
        values += [*range(question.scale.min - 1, question.scale.max + 2), 2.0, 2.5]
    elif question.type is QuestionType.number:
        values += [-5, 0, 12.5, 50, 85, 100, 1e9, float("nan")]
    else:
        values += ["Some text, with a comma.", "2024-02-29", "2023-02-29"]
    return values


def draw_answers(questionnaire: Questionnaire, data: st.DataObject) -> dict[str, Any]:
    """Draw an answer (or none) to each question from its candidate values."""
    answers: dict[str, Any] = {}
    for question in questionnaire.all_questions():
        value = data.draw(st.sampled_from(candidate_values(questionnaire, question.id)))
        if value is not None:
            answers[question.id] = value
    return answers


@pytest.mark.parametrize("questionnaire", QUESTIONNAIRES,
                         ids=[f"{q.id}-{q.version}" for q in QUESTIONNAIRES])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_agrees_with_the_written_rules(questionnaire: Questionnaire,
                                             data: st.DataObject) -> None:
    answers = draw_answers(questionnaire, data)
    answers["no-such-question"] = "yes"
    limited = data.draw(st.lists(st.sampled_from(
        [question.id for question in questionnaire.all_questions()]), max_size=5))
    limits = {question_id: data.draw(st.sampled_from([0.0, 0.5, 1.0]))
              for question_id in limited} or None

    expected = reference(questionnaire, answers, limits)
    report = score(questionnaire, answers, limits=limits)

    assert report.overall == pytest.approx(expected["overall"], abs=1e-9) if (
        expected["overall"] is not None) else report.overall is None
    assert [(s.id, s.answered, s.applicable, s.visible) for s in report.sections] == [
        (section_id, answered, applicable, shown)
        for section_id, _score, answered, applicable, shown in expected["sections"]]
    for section, (_id, section_score, *_rest) in zip(report.sections, expected["sections"],
                                                      strict=True):
        assert (section.score is None) == (section_score is None)
        if section_score is not None:
            assert section.score == pytest.approx(section_score, abs=1e-9)
    assert {question_id: (item.score, item.applicable, item.answered, item.visible)
            for question_id, item in report.questions.items()} == expected["states"]
    assert list(report.cap_reasons) == expected["caps"]
    assert list(report.missing_required) == expected["missing"]
    assert report.completion == pytest.approx(expected["completion"])
    # The first gaps, built on their own (the autosave's panel), are the full list's.
    limit = data.draw(st.integers(min_value=0, max_value=8))
    again = score(questionnaire, answers, limits=limits)
    assert again.top_gaps(limit) == report.gaps[:limit]
    assert again.top_gaps(None) == report.gaps


def test_reports_are_complete_frozen_dataclasses() -> None:
    questionnaire = QUESTIONNAIRES[0]
    first = questionnaire.all_questions()[0]
    report = score(questionnaire, {first.id: candidate_values(questionnaire, first.id)[-1]})
    for item in (report, *report.sections):
        for field in dataclasses.fields(item):
            getattr(item, field.name)
        assert dataclasses.replace(item) == item
        with pytest.raises(dataclasses.FrozenInstanceError):
            item.overall = 0.0  # type: ignore[misc,union-attr]
    assert report.gaps == report.gaps and isinstance(report.gaps, tuple)


def test_questionnaires_compare_by_definition() -> None:
    path = sorted((ROOT / "questionnaires").glob("*.yaml"))[0]
    first, second = load_questionnaire(path), load_questionnaire(path)
    assert first is not second and first == second and hash(first) == hash(second)
    changed = dataclasses.replace(second, title=second.title + " (changed)")
    assert changed != first and first != "not a questionnaire"
    # Equal definitions share one scoring plan: the cache looks keys up by content.
    assert score(first, {}) == score(second, {})


def reference_gaps(questionnaire: Questionnaire,
                   expected: dict[str, Any]) -> list[tuple[str, float]]:
    """The gaps by their definition: every applicable scored question counting below 1,
    with the points full marks would add overall, largest first, then document order."""
    if expected["overall"] is None:
        return []
    weight_total = sum(section.weight for section, (_id, section_score, *_rest)
                       in zip(questionnaire.sections, expected["sections"], strict=True)
                       if section_score is not None)
    ranked = []
    for position, question in enumerate(questionnaire.all_questions()):
        result, applicable, _answered, _visible = expected["states"][question.id]
        if not applicable or result is None or result >= 1:
            continue
        section = questionnaire.section_of(question.id)
        denominator = sum(other.weight for other in section.questions
                          if expected["states"][other.id][0] is not None
                          and expected["states"][other.id][1])
        impact = (100.0 * (1.0 - result) * question.weight * section.weight
                  / (denominator * weight_total)
                  if denominator > 0 and section.weight > 0 else 0.0)
        ranked.append((-impact, position, question.id))
    return [(question_id, -negative) for negative, _position, question_id in sorted(ranked)]


@pytest.mark.parametrize("questionnaire", QUESTIONNAIRES,
                         ids=[f"{q.id}-{q.version}" for q in QUESTIONNAIRES])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_limits_on_a_report_count_as_a_pass_with_them(questionnaire: Questionnaire,
                                                      data: st.DataObject) -> None:
    """The verified score is built from the declared report's tallies, without going over
    the answers again: every score is the very float a pass with the limits adds up."""
    answers = draw_answers(questionnaire, data)
    limits = data.draw(st.dictionaries(
        st.sampled_from([question.id for question in questionnaire.all_questions()]),
        st.sampled_from([0.0, 0.25, 0.5, 1.0]), min_size=1, max_size=12))

    declared = score(questionnaire, answers)
    report = declared.with_limits(limits)
    expected = reference(questionnaire, answers, limits)

    assert report.overall == expected["overall"]
    assert [section.score for section in report.sections] == [
        section_score for _id, section_score, *_rest in expected["sections"]]
    assert {question_id: (item.score, item.applicable, item.answered, item.visible)
            for question_id, item in report.questions.items()} == expected["states"]
    assert list(report.cap_reasons) == expected["caps"]
    assert list(report.missing_required) == expected["missing"]
    assert report.completion == expected["completion"]
    gaps = reference_gaps(questionnaire, expected)
    assert [gap.question_id for gap in report.gaps] == [question_id for question_id, _ in gaps]
    assert [gap.impact for gap in report.gaps] == pytest.approx(
        [impact for _question_id, impact in gaps], abs=1e-9)
    assert report == score(questionnaire, answers, limits=limits)
    # The declared report is left as it was; limits lowering nothing give it back.
    assert declared == score(questionnaire, answers)
    unchanged = {question_id: 1.0 for question_id in limits}
    assert declared.with_limits(unchanged) is declared


def test_a_report_is_freed_as_soon_as_it_is_dropped() -> None:
    """No report is a reference cycle (its closures hold the tallies, not the report):
    one scored on every autosave would otherwise wait for the garbage collector."""
    questionnaire = QUESTIONNAIRES[0]
    first = questionnaire.all_questions()[0]
    answers = {first.id: candidate_values(questionnaire, first.id)[-1]}
    gc.disable()
    try:
        declared = score(questionnaire, answers)
        limited = declared.with_limits({first.id: 0.0})
        references = [weakref.ref(declared), weakref.ref(limited)]
        del declared, limited
        assert [reference() for reference in references] == [None, None]
    finally:
        gc.enable()
