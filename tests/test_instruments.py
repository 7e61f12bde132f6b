"""Checks on the three shipped questionnaires: structure, content rules, conditions, scoring.

These tests read the real files in ``questionnaires/`` and run them through the real
loader and scoring engine. The generic checks (every scored question reaches 0 and 1,
every condition can be true and false, best answers reach the top level, one critical
zero caps it) search the answer space instead of relying on hand-picked answers, so they
keep working when questions are added.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import pytest

from ppp_assess.domain import (
    NA,
    AllCondition,
    AnswerError,
    AnswerValue,
    AnyCondition,
    CompareCondition,
    Condition,
    Question,
    Questionnaire,
    QuestionType,
    Subject,
    clean_answers,
    evaluate,
    load_questionnaire,
    question_score,
    referenced_questions,
    score,
    validate_answer,
    visible_questions,
)

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE_DIR = ROOT / "questionnaires"
INSTRUMENTS_DOC = ROOT / "docs" / "instruments.md"

ZERO_TOLERANCE = "zero-tolerance-corruption"
PEOPLE_FIRST = "people-first"
MINING = "mining-infrastructure"
ALL_IDS = (ZERO_TOLERANCE, PEOPLE_FIRST, MINING)
ID_PREFIX = {ZERO_TOLERANCE: "zt", PEOPLE_FIRST: "pf", MINING: "mi"}

# Enumerating more combinations than this would mean a condition depends on too many
# questions to be checked exhaustively; the test then fails rather than silently sampling.
MAX_COMBINATIONS = 50_000

# The sentence count of guidance is approximate: abbreviations would be counted as ends.
SENTENCE_END = re.compile(r"[.?!](?:\s|$)")


@cache
def load(questionnaire_id: str) -> Questionnaire:
    """Load one shipped questionnaire by id."""
    return load_questionnaire(QUESTIONNAIRE_DIR / f"{questionnaire_id}.yaml")


# --------------------------------------------------------------------------- answer space


def numeric_thresholds(questionnaire: Questionnaire, question_id: str) -> set[float]:
    """Return the numbers that conditions compare ``question_id`` against."""
    found: set[float] = set()

    def walk(condition: Condition) -> None:
        if isinstance(condition, AllCondition | AnyCondition):
            for part in condition.conditions:
                walk(part)
        elif isinstance(condition, CompareCondition) and condition.question == question_id:
            found.add(condition.value)

    for question in questionnaire.all_questions():
        if question.show_if is not None:
            walk(question.show_if)
    return found


def candidate_values(questionnaire: Questionnaire, question: Question) -> list[AnswerValue]:
    """Return a set of valid answers covering every score and condition boundary."""
    raw: list[object] = []
    kind = question.type
    if kind is QuestionType.choice:
        raw = [option.value for option in question.options]
    elif kind is QuestionType.multi_choice:
        raw = [[option.value] for option in question.options]
        raw.append([option.value for option in question.options if option.score is not None])
        raw.append([])
    elif kind is QuestionType.scale:
        assert question.scale is not None
        raw = list(range(question.scale.min, question.scale.max + 1))
    elif kind is QuestionType.number:
        points: set[float] = set()
        for value in (
            *(band.min for band in question.bands),
            *numeric_thresholds(questionnaire, question.id),
        ):
            points.update((value - 1, value, value + 1))
        for bound in (question.minimum, question.maximum):
            if bound is not None:
                points.add(bound)
        if not points:
            points.add(0)
        raw = sorted(points)
    elif kind is QuestionType.text:
        raw = ["A short description."]
    elif kind is QuestionType.date:
        raw = ["2024-06-30"]
    if question.na and kind in (QuestionType.scale, QuestionType.number):
        raw.append(NA)
    accepted: list[AnswerValue] = []
    for value in raw:
        try:
            accepted.append(validate_answer(question, value))
        except AnswerError:
            continue
    return accepted


def reachable_scores(questionnaire: Questionnaire, question: Question) -> set[float]:
    """Return every score a valid answer to ``question`` can produce."""
    scores: set[float] = set()
    for value in candidate_values(questionnaire, question):
        result = question_score(question, value)
        if result is not None:
            scores.add(result)
    return scores


def best_value(questionnaire: Questionnaire, question: Question) -> AnswerValue:
    """Return the first valid answer with the highest score."""
    best: tuple[float, AnswerValue] | None = None
    for value in candidate_values(questionnaire, question):
        result = question_score(question, value)
        if result is not None and (best is None or result > best[0]):
            best = (result, value)
    assert best is not None, f"{question.id} has no scoring answer"
    return best[1]


def zero_value(questionnaire: Questionnaire, question: Question) -> AnswerValue:
    """Return the first valid answer that scores 0."""
    for value in candidate_values(questionnaire, question):
        if question_score(question, value) == 0:
            return value
    raise AssertionError(f"{question.id} has no answer scoring 0")


def dependency_closure(questionnaire: Questionnaire, condition: Condition) -> list[str]:
    """Return the questions a condition depends on, directly or through their own conditions."""
    found: set[str] = set()
    pending = list(referenced_questions(condition))
    while pending:
        question_id = pending.pop()
        if question_id in found:
            continue
        found.add(question_id)
        show_if = questionnaire.question(question_id).show_if
        if show_if is not None:
            pending.extend(referenced_questions(show_if))
    return sorted(found, key=questionnaire.position)


def answer_combinations(
    questionnaire: Questionnaire, question_ids: list[str]
) -> Iterator[dict[str, AnswerValue]]:
    """Yield every combination of candidate answers to ``question_ids``, all answered."""
    choices = [
        candidate_values(questionnaire, questionnaire.question(question_id))
        for question_id in question_ids
    ]
    total = 1
    for values in choices:
        total *= len(values)
    assert total <= MAX_COMBINATIONS, f"{total} combinations for {question_ids}"
    for combination in itertools.product(*choices):
        yield dict(zip(question_ids, combination, strict=True))


def condition_nodes(condition: Condition) -> Iterator[Condition]:
    """Yield a condition and every condition nested in it."""
    yield condition
    if isinstance(condition, AllCondition | AnyCondition):
        for part in condition.conditions:
            yield from condition_nodes(part)


def condition_outcomes(questionnaire: Questionnaire, condition: Condition) -> set[bool]:
    """Return the truth values a condition takes over all fully answered combinations."""
    outcomes: set[bool] = set()
    for answers in answer_combinations(questionnaire, dependency_closure(questionnaire, condition)):
        cleaned = clean_answers(questionnaire, answers)
        visible = visible_questions(questionnaire, cleaned)
        outcomes.add(evaluate(condition, cleaned, visible))
        if len(outcomes) == 2:
            break
    return outcomes


@cache
def compliant_answers(questionnaire_id: str) -> Mapping[str, object]:
    """Return the best answer everywhere, with the unscored profile answers that show most."""
    questionnaire = load(questionnaire_id)
    best: dict[str, AnswerValue] = {}
    gates: list[Question] = []
    for question in questionnaire.all_questions():
        if question.scored:
            best[question.id] = best_value(questionnaire, question)
        elif question.type is QuestionType.choice:
            gates.append(question)
        else:
            best[question.id] = candidate_values(questionnaire, question)[0]
    chosen: dict[str, object] | None = None
    most_visible = -1
    for combination in answer_combinations(questionnaire, [gate.id for gate in gates]):
        answers = {**best, **combination}
        shown = len(visible_questions(questionnaire, answers))
        if shown > most_visible:
            chosen, most_visible = answers, shown
    assert chosen is not None
    return chosen


def all_questions(questionnaire_id: str) -> list[tuple[str, Question]]:
    """Return (questionnaire id, question) pairs for parametrisation."""
    return [(questionnaire_id, question) for question in load(questionnaire_id).all_questions()]


def question_params(*, with_condition: bool = False, scored: bool = False) -> list[object]:
    """Return pytest params over the questions of all three questionnaires."""
    params: list[object] = []
    for questionnaire_id in ALL_IDS:
        for _, question in all_questions(questionnaire_id):
            if with_condition and question.show_if is None:
                continue
            if scored and not question.scored:
                continue
            params.append(pytest.param(questionnaire_id, question.id, id=question.id))
    return params


def critical_params() -> list[object]:
    """Return pytest params over every critical question."""
    return [
        pytest.param(questionnaire_id, question.id, id=question.id)
        for questionnaire_id in ALL_IDS
        for _, question in all_questions(questionnaire_id)
        if question.critical
    ]


# --------------------------------------------------------------------------- loading


def test_the_folder_holds_exactly_the_three_instruments() -> None:
    assert sorted(path.stem for path in QUESTIONNAIRE_DIR.glob("*.yaml")) == sorted(ALL_IDS)


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_file_loads_with_its_own_id_and_version(questionnaire_id: str) -> None:
    questionnaire = load(questionnaire_id)
    assert questionnaire.id == questionnaire_id
    assert questionnaire.version == "1.0"
    assert questionnaire.source.title


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_four_levels_with_labels_descriptions_and_a_cap_below_the_top(
    questionnaire_id: str,
) -> None:
    questionnaire = load(questionnaire_id)
    levels = questionnaire.levels
    assert [level.id for level in levels] == ["exemplary", "advanced", "developing", "initial"]
    assert [level.min for level in levels] == [85, 65, 40, 0]
    for level in levels:
        assert level.label
        assert level.description
        assert len(SENTENCE_END.findall(level.description)) == 1, level.id
    assert questionnaire.critical_cap == levels[1].id


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_question_ids_follow_the_prefix_and_section_number(questionnaire_id: str) -> None:
    questionnaire = load(questionnaire_id)
    prefix = ID_PREFIX[questionnaire_id]
    for section_number, section in enumerate(questionnaire.sections, start=1):
        previous = 0
        for question in section.questions:
            match = re.fullmatch(rf"{prefix}-(\d+)-(\d+)", question.id)
            assert match, question.id
            assert int(match.group(1)) == section_number, question.id
            assert int(match.group(2)) > previous, question.id
            previous = int(match.group(2))


# --------------------------------------------------------------------------- content rules


@pytest.mark.parametrize(("questionnaire_id", "question_id"), question_params())
def test_every_question_has_guidance_reference_and_action(
    questionnaire_id: str, question_id: str
) -> None:
    question = load(questionnaire_id).question(question_id)
    assert question.guidance and question.guidance.strip()
    assert question.reference.strip()
    assert question.action and question.action.strip()
    assert 1 <= len(SENTENCE_END.findall(question.guidance)) <= 3, question.guidance
    assert question.text.endswith("?"), question.text


@pytest.mark.parametrize(("questionnaire_id", "question_id"), question_params(scored=True))
def test_every_scored_question_can_score_both_zero_and_one(
    questionnaire_id: str, question_id: str
) -> None:
    questionnaire = load(questionnaire_id)
    scores = reachable_scores(questionnaire, questionnaire.question(question_id))
    assert 0 in scores
    assert 1 in scores


@pytest.mark.parametrize(("questionnaire_id", "question_id"), critical_params())
def test_every_critical_question_is_weighted_and_has_a_zero_option(
    questionnaire_id: str, question_id: str
) -> None:
    questionnaire = load(questionnaire_id)
    question = questionnaire.question(question_id)
    assert question.weight == 2
    assert question.required
    zero = zero_value(questionnaire, question)
    assert question_score(question, zero) == 0


@pytest.mark.parametrize(("questionnaire_id", "question_id"), question_params(with_condition=True))
def test_every_condition_can_be_both_true_and_false(
    questionnaire_id: str, question_id: str
) -> None:
    questionnaire = load(questionnaire_id)
    show_if = questionnaire.question(question_id).show_if
    assert show_if is not None
    for node in condition_nodes(show_if):
        assert condition_outcomes(questionnaire, node) == {True, False}, node


# --------------------------------------------------------------------------- scoring


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_fully_compliant_answers_show_everything_and_reach_the_top_level(
    questionnaire_id: str,
) -> None:
    questionnaire = load(questionnaire_id)
    answers = compliant_answers(questionnaire_id)
    assert visible_questions(questionnaire, answers) == {
        question.id for question in questionnaire.all_questions()
    }
    report = score(questionnaire, answers)
    assert report.overall == pytest.approx(100.0)
    assert report.level is not None
    assert report.level.id == questionnaire.levels[0].id
    assert not report.capped
    assert report.cap_reasons == ()
    assert report.completion == 1.0
    assert report.missing_required == ()
    assert report.gaps == ()


@pytest.mark.parametrize(("questionnaire_id", "question_id"), critical_params())
def test_one_critical_zero_caps_the_level_below_the_top(
    questionnaire_id: str, question_id: str
) -> None:
    questionnaire = load(questionnaire_id)
    question = questionnaire.question(question_id)
    answers = {
        **compliant_answers(questionnaire_id),
        question_id: zero_value(questionnaire, question),
    }
    report = score(questionnaire, answers)
    assert report.cap_reasons == (question_id,)
    assert report.overall is not None
    assert report.overall >= questionnaire.levels[0].min
    assert report.uncapped_level == questionnaire.levels[0]
    assert report.capped
    assert report.level == questionnaire.levels[1]


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_not_applicable_answers_leave_the_score_at_the_top(questionnaire_id: str) -> None:
    questionnaire = load(questionnaire_id)
    answers = dict(compliant_answers(questionnaire_id))
    changed = 0
    for question in questionnaire.all_questions():
        for value in candidate_values(questionnaire, question):
            if question.scored and question.is_not_applicable(value):
                answers[question.id] = value
                changed += 1
                break
    report = score(questionnaire, answers)
    assert changed > 0
    assert report.overall == pytest.approx(100.0)
    assert report.level == questionnaire.levels[0]


# --------------------------------------------------------------------------- zero tolerance


def test_zero_tolerance_shape() -> None:
    questionnaire = load(ZERO_TOLERANCE)
    assert questionnaire.subject is Subject.organisation
    assert questionnaire.source.symbol == "ECE/CECI/WP/PPP/2017/4"
    assert len(questionnaire.all_questions()) >= 40
    assert [section.id for section in questionnaire.sections] == [
        "governance",
        "integrity",
        "efficiency",
        "procurement-method",
        "procurement-steps",
        "bidders-information",
        "confidentiality",
        "corrupt-practices",
        "compliance",
        "debarment",
        "judicial-review",
        "transparency",
        "contract-management",
    ]


def test_zero_tolerance_graded_answer_set() -> None:
    practice = load(ZERO_TOLERANCE).answer_sets["practice"]
    assert [(option.value, option.score) for option in practice] == [
        ("law", 1.0),
        ("established", 0.7),
        ("adhoc", 0.3),
        ("none", 0.0),
        ("na", None),
    ]


def test_zero_tolerance_red_flags_are_critical() -> None:
    questionnaire = load(ZERO_TOLERANCE)
    critical = {question.id for question in questionnaire.all_questions() if question.critical}
    red_flags = {
        "zt-2-2": "conflict of interest",
        "zt-4-3": "without open competition",
        "zt-4-4": "unsolicited proposals",
        "zt-11-1": "independent",
        "zt-12-3": "award decision",
    }
    assert set(red_flags) <= critical
    for question_id, words in red_flags.items():
        assert words in questionnaire.question(question_id).text.lower()
    for question_id in critical:
        # A red flag must not be escapable by answering "not applicable".
        question = questionnaire.question(question_id)
        assert all(option.score is not None for option in question.options)


# --------------------------------------------------------------------------- people first


def test_people_first_shape() -> None:
    questionnaire = load(PEOPLE_FIRST)
    assert questionnaire.subject is Subject.project
    assert len(questionnaire.all_questions()) >= 40
    outcomes = questionnaire.sections[:5]
    assert [section.id for section in outcomes] == [
        "access-equity",
        "economic-fiscal",
        "environment-resilience",
        "replicability",
        "stakeholder-engagement",
    ]
    for section in outcomes:
        assert 6 <= len(section.questions) <= 10, section.id
    cross_cutting = " ".join(section.title.lower() for section in questionnaire.sections[5:])
    for factor in ("intent", "verification", "location"):
        assert factor in cross_cutting


def test_people_first_mixes_question_types() -> None:
    questions = load(PEOPLE_FIRST).all_questions()
    kinds = [question.type for question in questions]
    choice_share = kinds.count(QuestionType.choice) / len(kinds)
    assert 0.5 <= choice_share < 0.9
    assert kinds.count(QuestionType.scale) >= 2
    assert kinds.count(QuestionType.multi_choice) >= 1
    assert any(question.type is QuestionType.number and question.bands for question in questions)
    unscored = [q for q in questions if q.type in (QuestionType.text, QuestionType.date)]
    assert len(unscored) >= 2
    assert all(not question.scored for question in unscored)
    for question in questions:
        if question.type is QuestionType.scale:
            assert question.scale is not None
            assert (question.scale.min, question.scale.max) == (0, 4)


# --------------------------------------------------------------------------- mining


def test_mining_shape() -> None:
    questionnaire = load(MINING)
    assert questionnaire.subject is Subject.project
    assert len(questionnaire.all_questions()) >= 35
    assert sum(question.show_if is not None for question in questionnaire.all_questions()) >= 10


def test_mining_uses_nested_all_and_any() -> None:
    def nested(condition: Condition) -> bool:
        return isinstance(condition, AllCondition | AnyCondition) and any(
            isinstance(part, AllCondition | AnyCondition) for part in condition.conditions
        )

    assert any(
        question.show_if is not None and nested(question.show_if)
        for question in load(MINING).all_questions()
    )


@pytest.mark.parametrize(
    ("negative_answers", "hidden_sections"),
    [
        pytest.param({"mi-1-4": "no"}, {"coal-mine-methane"}, id="no-coal"),
        pytest.param(
            {"mi-1-5": "no", "mi-1-6": "no"}, {"transboundary"}, id="no-transboundary-effect"
        ),
        pytest.param(
            {"mi-1-3": "no"},
            {"tailings-design", "tailings-operation", "tailings-emergency"},
            id="no-tailings",
        ),
    ],
)
def test_mining_hides_questions_that_cannot_apply(
    negative_answers: dict[str, str], hidden_sections: set[str]
) -> None:
    questionnaire = load(MINING)
    answers = {**compliant_answers(MINING), **negative_answers}
    visible = visible_questions(questionnaire, answers)
    for section in questionnaire.sections:
        shown = [question.id for question in section.questions if question.id in visible]
        if section.id in hidden_sections:
            assert shown == [], section.id
    # Hidden questions leave the score: the rest is still fully compliant.
    report = score(questionnaire, answers)
    assert report.overall == pytest.approx(100.0)
    for section_score in report.sections:
        if section_score.id in hidden_sections:
            assert section_score.score is None


def test_mining_tailings_questions_elsewhere_follow_the_tailings_answer() -> None:
    questionnaire = load(MINING)
    answers = {**compliant_answers(MINING), "mi-1-3": "no"}
    visible = visible_questions(questionnaire, answers)
    assert "mi-4-6" not in visible
    assert "mi-10-7" not in visible


# --------------------------------------------------------------------------- documentation


def test_instruments_doc_names_every_questionnaire_and_critical_question() -> None:
    text = INSTRUMENTS_DOC.read_text(encoding="utf-8")
    assert "not the" in text and "official texts" in text
    for questionnaire_id in ALL_IDS:
        assert f"`questionnaires/{questionnaire_id}.yaml`" in text
        for _, question in all_questions(questionnaire_id):
            if question.critical:
                assert f"| {question.id} |" in text, question.id
