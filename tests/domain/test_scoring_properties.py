"""Properties of scoring that hold for every questionnaire and every set of answers.

Questionnaires are generated without conditions (so that one answer changes one
question only), with every scored question type, random weights, "not applicable"
options and critical questions.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ppp_assess.domain import (
    NA,
    Question,
    Questionnaire,
    QuestionType,
    ScoreReport,
    question_score,
    questionnaire_from_dict,
    score,
)

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

SCORES = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.6, 0.7, 1.0]) | st.floats(0, 1)
WEIGHTS = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]) | st.floats(0.01, 20)
LEVELS = [
    {"id": "top", "min": 85, "label": "Top"},
    {"id": "good", "min": 65, "label": "Good"},
    {"id": "fair", "min": 40, "label": "Fair"},
    {"id": "base", "min": 0, "label": "Base"},
]


@st.composite
def question_definitions(draw: st.DrawFn, question_id: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["choice", "multi_choice", "scale", "number"]))
    question: dict[str, Any] = {
        "id": question_id,
        "type": kind,
        "text": f"Question {question_id}",
        "reference": "Test",
        "weight": draw(WEIGHTS),
        "required": draw(st.booleans()),
    }
    can_score_zero = True
    if kind in ("choice", "multi_choice"):
        scores = draw(st.lists(SCORES, min_size=1, max_size=4))
        question["options"] = [
            {"value": f"o{index}", "label": f"Option {index}", "score": value}
            for index, value in enumerate(scores)
        ]
        if draw(st.booleans()):
            question["options"].append({"value": NA, "label": "Not applicable", "score": None})
        if kind == "multi_choice":
            question["scoring"] = draw(st.sampled_from(["sum", "mean", "max"]))
        can_score_zero = 0.0 in scores
    elif kind == "scale":
        low = draw(st.integers(-2, 3))
        question["scale"] = {"min": low, "max": low + draw(st.integers(1, 6))}
        question["na"] = draw(st.booleans())
    else:
        minimums = draw(
            st.lists(st.integers(-50, 150), min_size=1, max_size=3, unique=True).map(
                lambda values: sorted(values, reverse=True)
            )
        )
        question["bands"] = [{"min": minimum, "score": draw(SCORES)} for minimum in minimums]
        question["na"] = draw(st.booleans())
    if can_score_zero:
        question["critical"] = draw(st.booleans())
    return question


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    sections = []
    counter = 0
    for section_index in range(draw(st.integers(1, 3))):
        questions = []
        for _ in range(draw(st.integers(1, 4))):
            counter += 1
            questions.append(draw(question_definitions(f"q{counter}")))
        sections.append(
            {
                "id": f"s{section_index}",
                "title": f"Section {section_index}",
                "weight": draw(WEIGHTS),
                "questions": questions,
            }
        )
    return {
        "id": "generated",
        "version": "1.0",
        "subject": "project",
        "title": "Generated",
        "source": {"title": "Test"},
        "scoring": {
            "levels": LEVELS,
            "critical_cap": draw(st.sampled_from([level["id"] for level in LEVELS])),
        },
        "sections": sections,
    }


def values(question: Question, *, include_na: bool = True) -> st.SearchStrategy[Any]:
    """Valid answers to ``question``."""
    options = [option.value for option in question.options if option.score is not None]
    na_allowed = include_na and (question.na or any(o.score is None for o in question.options))
    strategy: st.SearchStrategy[Any]
    if question.type is QuestionType.choice:
        strategy = st.sampled_from(options)
    elif question.type is QuestionType.multi_choice:
        strategy = st.lists(st.sampled_from(options), unique=True, min_size=int(question.required))
    elif question.type is QuestionType.scale:
        assert question.scale is not None
        strategy = st.integers(question.scale.min, question.scale.max)
    else:
        strategy = st.integers(-100, 200) | st.floats(-100, 200)
    if na_allowed:
        na = [NA] if question.type is QuestionType.multi_choice else NA
        strategy = strategy | st.just(na)
    return strategy


@st.composite
def answer_sets(draw: st.DrawFn, questionnaire: Questionnaire) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questionnaire.all_questions():
        if draw(st.booleans()):
            answers[question.id] = draw(values(question))
    return answers


def rank(questionnaire: Questionnaire, report: ScoreReport) -> int:
    if report.level is None:
        return len(questionnaire.levels)
    return [level.id for level in questionnaire.levels].index(report.level.id)


# --------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(st.data())
def test_scores_stay_in_range(data: st.DataObject) -> None:
    questionnaire = questionnaire_from_dict(data.draw(definitions()))
    report = score(questionnaire, data.draw(answer_sets(questionnaire)))
    if report.overall is not None:
        assert 0 <= report.overall <= 100
        # closing every gap would give exactly full marks
        assert math.isclose(report.overall + sum(gap.impact for gap in report.gaps), 100)
    for section in report.sections:
        assert section.score is None or 0 <= section.score <= 100
    for item in report.questions.values():
        assert item.score is None or 0 <= item.score <= 1
    assert 0 <= report.completion <= 1
    assert all(gap.impact >= 0 for gap in report.gaps)


@PROPERTY_SETTINGS
@given(st.data())
def test_raising_one_answer_never_lowers_the_score(data: st.DataObject) -> None:
    questionnaire = questionnaire_from_dict(data.draw(definitions()))
    answers = data.draw(answer_sets(questionnaire))
    question = data.draw(st.sampled_from(questionnaire.all_questions()))
    first = data.draw(values(question, include_na=False))
    second = data.draw(values(question, include_na=False))

    def value_score(value: Any) -> float:
        result = question_score(question, value)
        assert result is not None  # every generated question is scored
        return result

    low, high = sorted([first, second], key=value_score)
    assert value_score(low) <= value_score(high)

    unanswered = score(questionnaire, {k: v for k, v in answers.items() if k != question.id})
    lower = score(questionnaire, {**answers, question.id: low})
    higher = score(questionnaire, {**answers, question.id: high})
    for before, after in ((unanswered, lower), (lower, higher)):
        assert (before.overall is None) == (after.overall is None)
        if before.overall is not None:
            assert after.overall is not None
            assert after.overall >= before.overall - 1e-9
        # a better answer never costs a level either (lower rank = higher level)
        assert rank(questionnaire, after) <= rank(questionnaire, before)


@PROPERTY_SETTINGS
@given(st.data())
def test_answer_order_is_irrelevant(data: st.DataObject) -> None:
    questionnaire = questionnaire_from_dict(data.draw(definitions()))
    answers = data.draw(answer_sets(questionnaire))
    shuffled = dict(data.draw(st.permutations(list(answers.items()))))
    assert score(questionnaire, shuffled) == score(questionnaire, answers)


@PROPERTY_SETTINGS
@given(
    st.data(),
    st.sampled_from([0.001, 0.5, 2.0, 3.0, 7.5, 1000.0]),
    st.sampled_from([0.001, 0.5, 2.0, 3.0, 7.5, 1000.0]),
)
def test_scaling_all_weights_changes_nothing(
    data: st.DataObject, question_factor: float, section_factor: float
) -> None:
    definition = data.draw(definitions())
    questionnaire = questionnaire_from_dict(definition)
    answers = data.draw(answer_sets(questionnaire))
    scaled = copy.deepcopy(definition)
    for section in scaled["sections"]:
        section["weight"] *= section_factor
        for question in section["questions"]:
            question["weight"] *= question_factor
    original = score(questionnaire, answers)
    rescaled = score(questionnaire_from_dict(scaled), answers)

    def close(first: float | None, second: float | None) -> bool:
        if first is None or second is None:
            return first is second
        return math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-9)

    assert close(original.overall, rescaled.overall)
    for before, after in zip(original.sections, rescaled.sections, strict=True):
        assert close(before.score, after.score)
    assert original.cap_reasons == rescaled.cap_reasons
    assert original.completion == rescaled.completion
    near_threshold = original.overall is not None and any(
        abs(original.overall - level.min) < 1e-6 for level in questionnaire.levels
    )
    if not near_threshold:
        assert original.level == rescaled.level


@PROPERTY_SETTINGS
@given(st.data())
def test_not_applicable_equals_removing_the_question(data: st.DataObject) -> None:
    definition = data.draw(definitions())
    questionnaire = questionnaire_from_dict(definition)
    candidates = [
        question
        for question in questionnaire.all_questions()
        if question.na or any(option.score is None for option in question.options)
    ]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates))
    answers = data.draw(answer_sets(questionnaire))
    answers[question.id] = [NA] if question.type is QuestionType.multi_choice else NA

    removed = copy.deepcopy(definition)
    emptied: str | None = None
    for section in removed["sections"]:
        section["questions"] = [q for q in section["questions"] if q["id"] != question.id]
        if not section["questions"]:
            emptied = section["id"]
    removed["sections"] = [section for section in removed["sections"] if section["questions"]]
    assume(removed["sections"])
    without = {key: value for key, value in answers.items() if key != question.id}

    with_na = score(questionnaire, answers)
    with_removal = score(questionnaire_from_dict(removed), without)
    assert with_na.overall == with_removal.overall
    assert with_na.level == with_removal.level
    assert with_na.capped == with_removal.capped
    assert with_na.cap_reasons == with_removal.cap_reasons
    assert with_na.completion == with_removal.completion
    assert with_na.missing_required == with_removal.missing_required
    assert with_na.gaps == with_removal.gaps
    kept = [section for section in with_na.sections if section.id != emptied]
    assert [s.score for s in kept] == [s.score for s in with_removal.sections]


@PROPERTY_SETTINGS
@given(definitions())
def test_definitions_survive_storage(definition: dict[str, Any]) -> None:
    questionnaire = questionnaire_from_dict(definition)
    again = questionnaire_from_dict(questionnaire.to_dict())
    assert again == questionnaire
    assert again.content_hash == questionnaire.content_hash
