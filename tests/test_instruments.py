"""Checks on the three shipped questionnaires: structure, content rules, conditions, scoring.

Each questionnaire ships in two versions: ``<id>.yaml`` (1.0, kept as published so that
answers pinned to it keep their score) and ``<id>-2.yaml`` (2.0). These tests read the
real files in ``questionnaires/`` and run them through the real loader and scoring
engine; a test that takes a file key runs on every file. The generic checks (every
scored question reaches 0 and 1, every condition can be true and false, best answers
reach the top level, one critical zero caps it) search the answer space instead of
relying on hand-picked answers, so they keep working when questions are added.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    effective_weights,
    evaluate,
    load_questionnaire,
    question_score,
    referenced_questions,
    score,
    validate_answer,
    visible_questions,
)
from ppp_assess.domain.version_mapping import carry_answers, check_mapping, load_mapping

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE_DIR = ROOT / "questionnaires"
INSTRUMENTS_DOC = ROOT / "docs" / "instruments.md"

ZERO_TOLERANCE = "zero-tolerance-corruption"
PEOPLE_FIRST = "people-first"
MINING = "mining-infrastructure"
ALL_IDS = (ZERO_TOLERANCE, PEOPLE_FIRST, MINING)
ID_PREFIX = {ZERO_TOLERANCE: "zt", PEOPLE_FIRST: "pf", MINING: "mi"}
# File keys (file names without ".yaml"): version 1.0 is ``<id>``, version 2.0 ``<id>-2``.
V2 = {questionnaire_id: f"{questionnaire_id}-2" for questionnaire_id in ALL_IDS}
ALL_FILES = (*ALL_IDS, *V2.values())

# Enumerating more combinations than this would mean a condition depends on too many
# questions to be checked exhaustively; the test then fails rather than silently sampling.
MAX_COMBINATIONS = 50_000

# The sentence count of guidance is approximate: abbreviations would be counted as ends.
SENTENCE_END = re.compile(r"[.?!](?:\s|$)")


@cache
def load(key: str) -> Questionnaire:
    """Load one shipped questionnaire file by key (its file name without ``.yaml``)."""
    return load_questionnaire(QUESTIONNAIRE_DIR / f"{key}.yaml")


def is_v2(key: str) -> bool:
    return load(key).major_version >= 2


@cache
def section_conditions(key: str) -> dict[str, Condition]:
    """Return question id -> the condition of its section, for sections that have one."""
    found: dict[str, Condition] = {}
    for section in load(key).sections:
        if section.show_if is not None:
            found.update((question.id, section.show_if) for question in section.questions)
    return found


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
        raw.append([option.value for option in question.options
                    if option.score is not None and not option.exclusive])
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
        for section in questionnaire.sections:
            if section.show_if is not None and any(
                question.id == question_id for question in section.questions
            ):
                pending.extend(referenced_questions(section.show_if))
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
def compliant_answers(key: str) -> Mapping[str, object]:
    """Return the best answer everywhere, with the unscored profile answers that show most."""
    questionnaire = load(key)
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


def all_questions(key: str) -> list[tuple[str, Question]]:
    """Return (file key, question) pairs for parametrisation."""
    return [(key, question) for question in load(key).all_questions()]


def question_params(*, with_condition: bool = False, scored: bool = False) -> list[object]:
    """Return pytest params over the questions of every shipped file."""
    params: list[object] = []
    for key in ALL_FILES:
        for _, question in all_questions(key):
            if with_condition and question.show_if is None:
                continue
            if scored and not question.scored:
                continue
            params.append(pytest.param(key, question.id, id=f"{key}:{question.id}"))
    return params


def critical_params() -> list[object]:
    """Return pytest params over every critical question."""
    return [
        pytest.param(key, question.id, id=f"{key}:{question.id}")
        for key in ALL_FILES
        for _, question in all_questions(key)
        if question.critical
    ]


# --------------------------------------------------------------------------- loading


def test_the_folder_holds_exactly_the_three_instruments_in_two_versions() -> None:
    assert sorted(path.stem for path in QUESTIONNAIRE_DIR.glob("*.yaml")) == sorted(ALL_FILES)


@pytest.mark.parametrize("key", ALL_FILES)
def test_file_loads_with_its_own_id_and_version(key: str) -> None:
    questionnaire = load(key)
    assert questionnaire.id == key.removesuffix("-2")
    assert questionnaire.version == ("2.0" if key.endswith("-2") else "1.0")
    assert questionnaire.source.title


@pytest.mark.parametrize("key", ALL_FILES)
def test_four_levels_with_labels_descriptions_and_a_cap_below_the_top(key: str) -> None:
    questionnaire = load(key)
    levels = questionnaire.levels
    assert [level.id for level in levels] == ["exemplary", "advanced", "developing", "initial"]
    assert [level.min for level in levels] == [85, 65, 40, 0]
    for level in levels:
        assert level.label
        assert level.description
        assert len(SENTENCE_END.findall(level.description)) == 1, level.id
    # 1.0 caps a failed critical question at Advanced; 2.0 at Developing.
    assert questionnaire.critical_cap == (levels[2].id if is_v2(key) else levels[1].id)


@pytest.mark.parametrize("key", ALL_IDS)
def test_question_ids_follow_the_prefix_and_section_number(key: str) -> None:
    questionnaire = load(key)
    prefix = ID_PREFIX[questionnaire.id]
    for section_number, section in enumerate(questionnaire.sections, start=1):
        previous = 0
        for question in section.questions:
            match = re.fullmatch(rf"{prefix}-(\d+)-(\d+)", question.id)
            assert match, question.id
            assert int(match.group(1)) == section_number, question.id
            assert int(match.group(2)) > previous, question.id
            previous = int(match.group(2))


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_version_2_ids_are_stable_new_or_split(questionnaire_id: str) -> None:
    # Ids are never renumbered: a kept question keeps its id, a new question takes the
    # next free number of its section (so it may appear out of order), and a split
    # question becomes <id>a, <id>b, ... while its old id is retired.
    old, new = load(questionnaire_id), load(V2[questionnaire_id])
    prefix = ID_PREFIX[questionnaire_id]
    old_ids = {question.id for question in old.all_questions()}
    for section_number, section in enumerate(new.sections, start=1):
        for question in section.questions:
            match = re.fullmatch(rf"{prefix}-(\d+)-(\d+)([a-z]?)", question.id)
            assert match, question.id
            assert int(match.group(1)) == section_number, question.id
            if match.group(3):
                assert question.id[:-1] in old_ids, question.id
                assert question.id[:-1] not in {q.id for q in new.all_questions()}


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


@pytest.mark.parametrize(
    ("key", "section_id"),
    [
        pytest.param(key, section.id, id=f"{key}:{section.id}")
        for key in ALL_FILES
        for section in load(key).sections
        if section.show_if is not None
    ],
)
def test_every_section_condition_can_be_both_true_and_false(key: str, section_id: str) -> None:
    questionnaire = load(key)
    show_if = next(s for s in questionnaire.sections if s.id == section_id).show_if
    assert show_if is not None
    for node in condition_nodes(show_if):
        assert condition_outcomes(questionnaire, node) == {True, False}, node


# --------------------------------------------------------------------------- scoring


@pytest.mark.parametrize("questionnaire_id", ALL_FILES)
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
    assert report.level is not None
    assert report.level.id == questionnaire.critical_cap


@pytest.mark.parametrize("questionnaire_id", ALL_FILES)
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


@pytest.mark.parametrize("key", [MINING, V2[MINING]])
def test_mining_shape(key: str) -> None:
    questionnaire = load(key)
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


@pytest.mark.parametrize("key", [MINING, V2[MINING]])
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
    key: str, negative_answers: dict[str, str], hidden_sections: set[str]
) -> None:
    questionnaire = load(key)
    answers = {**compliant_answers(key), **negative_answers}
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


@pytest.mark.parametrize(
    ("key", "downstream"), [(MINING, ["mi-4-6"]), (V2[MINING], ["mi-4-6a", "mi-4-6b"])]
)
def test_mining_tailings_questions_elsewhere_follow_the_tailings_answer(
    key: str, downstream: list[str]
) -> None:
    questionnaire = load(key)
    answers = {**compliant_answers(key), "mi-1-3": "no"}
    visible = visible_questions(questionnaire, answers)
    for question_id in downstream:
        assert question_id not in visible
    assert "mi-10-7" not in visible


# --------------------------------------------------------------------------- documentation


def test_instruments_doc_names_every_questionnaire_and_critical_question() -> None:
    text = INSTRUMENTS_DOC.read_text(encoding="utf-8")
    assert "not the" in text and "official texts" in text
    for key in ALL_FILES:
        assert f"`questionnaires/{key}.yaml`" in text
        for _, question in all_questions(key):
            if question.critical:
                assert f"| {question.id} |" in text, question.id


# --------------------------------------------------------------------------- version 2.0

# Questions kept under their id in 2.0 whose wording changed without changing what they
# ask: the new text must still be about the same thing.
REWORDED_IN_V2 = {
    # "are they resettled and compensated under a published plan?" became "how are they
    # resettled or compensated?", with options for compensation without resettlement.
    "pf-1-9": "resettled or compensated",
}


def raw(key: str) -> dict[str, Any]:
    """Return the file as plain YAML data, to see what is written rather than defaulted."""
    data = yaml.safe_load((QUESTIONNAIRE_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_version_2_writes_every_section_weight_the_cap_and_the_evidence_threshold(
    questionnaire_id: str,
) -> None:
    data = raw(V2[questionnaire_id])
    assert all("weight" in section for section in data["sections"])
    assert data["scoring"]["critical_cap"] == "developing"
    assert data["scoring"]["evidence_threshold"] == 0.5
    questionnaire = load(V2[questionnaire_id])
    assert any(question.evidence.value == "required" for question in questionnaire.all_questions())


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_version_2_gives_every_question_a_basis(questionnaire_id: str) -> None:
    for question in load(V2[questionnaire_id]).all_questions():
        assert question.basis is not None, question.id
        assert question.basis.instrument.strip() and question.basis.part.strip()
        # The official body texts could not be read, so no question claims their wording.
        assert question.basis.wording.value in {"derived", "practice"}, question.id


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_version_2_effective_weights_sum_to_one(questionnaire_id: str) -> None:
    questionnaire = load(V2[questionnaire_id])
    shares = effective_weights(questionnaire)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert set(shares) == {q.id for q in questionnaire.all_questions() if q.scored}


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_a_kept_id_keeps_its_meaning(questionnaire_id: str) -> None:
    old, new = load(questionnaire_id), load(V2[questionnaire_id])
    for question in new.all_questions():
        if not old.has_question(question.id):
            continue
        if question.id in REWORDED_IN_V2:
            assert REWORDED_IN_V2[question.id] in question.text, question.id
        else:
            assert question.text == old.question(question.id).text, question.id
            assert question.type is old.question(question.id).type, question.id


@pytest.mark.parametrize("questionnaire_id", ALL_IDS)
def test_the_mapping_lists_every_old_question_and_fits_both_versions(
    questionnaire_id: str,
) -> None:
    old, new = load(questionnaire_id), load(V2[questionnaire_id])
    path = QUESTIONNAIRE_DIR / "mappings" / f"{questionnaire_id}-1.0-2.0.yaml"
    mapping = load_mapping(path)
    assert check_mapping(mapping, old, new) == []
    assert list(mapping.rules) == [question.id for question in old.all_questions()]
    for old_id, rule in mapping.rules.items():
        if new.has_question(old_id):
            # A question kept under its id is carried to itself.
            assert rule.targets == (old_id,), old_id
        else:
            # A retired id goes to its split parts, never to another question's id.
            assert all(target.startswith(old_id) for target in rule.targets), old_id


def test_zero_tolerance_mapping_does_not_carry_law_on_paper_as_practice() -> None:
    old, new = load(ZERO_TOLERANCE), load(V2[ZERO_TOLERANCE])
    mapping = load_mapping(QUESTIONNAIRE_DIR / "mappings" / f"{ZERO_TOLERANCE}-1.0-2.0.yaml")
    carried, dropped = carry_answers(
        mapping, old, new,
        {"zt-1-1": "law", "zt-1-2": "established", "zt-1-3": "adhoc", "zt-2-7": "yearly",
         "zt-12-3": "none"},
    )
    assert carried == {"zt-1-2": "applied", "zt-1-3a": "adhoc", "zt-1-3b": "adhoc",
                       "zt-2-7": "yearly", "zt-12-3a": "none", "zt-12-3b": "none"}
    assert dropped == ["zt-1-1"]


def test_zero_tolerance_2_shape_and_practice_scale() -> None:
    questionnaire = load(V2[ZERO_TOLERANCE])
    assert questionnaire.source.symbol == "ECE/CECI/WP/PPP/2017/4"
    assert [section.id for section in questionnaire.sections] == [
        section.id for section in load(ZERO_TOLERANCE).sections
    ]
    practice = questionnaire.answer_sets["practice"]
    assert [(option.value, option.score) for option in practice] == [
        ("verified", 1.0),
        ("applied", 0.7),
        ("adhoc", 0.4),
        ("law-only", 0.2),
        ("none", 0.0),
        ("na", None),
    ]
    # Law on paper scores well below practice wherever a question offers both.
    for question in questionnaire.all_questions():
        values = {option.value: option.score for option in question.options}
        law = [score for value, score in values.items() if value == "law-only"]
        if law:
            assert law[0] is not None and law[0] <= 0.2, question.id
            assert max(s for s in values.values() if s is not None) == 1.0
    assert "law" not in {o.value for q in questionnaire.all_questions() for o in q.options}


def test_zero_tolerance_2_red_flags_and_new_topics() -> None:
    questionnaire = load(V2[ZERO_TOLERANCE])
    critical = {question.id for question in questionnaire.all_questions() if question.critical}
    assert critical == {"zt-2-2", "zt-4-3", "zt-4-4", "zt-11-1", "zt-12-3a"}
    for question_id in critical:
        options = questionnaire.question(question_id).options
        assert all(option.score is not None for option in options)
    topics = {
        "zt-5-7": "preferred bidder",
        "zt-13-5": "change of control",
        "zt-13-6": "subcontractors",
        "zt-13-7": "conflict of interest",
        "zt-10-7": "readmitted",
        "zt-11-5": "fees",
        "zt-11-6": "published",
        "zt-4-5": "advisers",
        "zt-10-6": "verified",
        "zt-1-5": "criminal offence",
        "zt-3-5": "political decision",
    }
    for question_id, words in topics.items():
        assert words in questionnaire.question(question_id).text, question_id
    assert "2016/CRP.3" in questionnaire.question("zt-2-1").reference


def test_people_first_2_context_questions_and_exclusive_options() -> None:
    questionnaire = load(V2[PEOPLE_FIRST])
    for question_id in ("pf-6-6", "pf-6-7", "pf-6-8"):
        question = questionnaire.question(question_id)
        assert not question.scored and not question.critical, question_id
    for question_id in ("pf-1-5", "pf-3-3", "pf-5-5"):
        question = questionnaire.question(question_id)
        exclusive = [option.value for option in question.options if option.exclusive]
        assert exclusive == ["none"], question_id
        other = next(option.value for option in question.options if not option.exclusive)
        with pytest.raises(AnswerError):
            validate_answer(question, ["none", other])
        assert validate_answer(question, ["none"]) == ["none"]
    consent = {option.value for option in questionnaire.question("pf-5-3").options}
    assert {"refused-respected", "refused-ignored"} <= consent
    resettlement = {option.value for option in questionnaire.question("pf-1-9").options}
    assert {"compensation", "pending"} <= resettlement


def test_people_first_2_shape() -> None:
    questionnaire = load(V2[PEOPLE_FIRST])
    assert [section.id for section in questionnaire.sections] == [
        section.id for section in load(PEOPLE_FIRST).sections
    ]
    for section in questionnaire.sections[:5]:
        assert section.weight == 1
        assert 6 <= len(section.questions) <= 10, section.id
    assert questionnaire.sections[5].weight == 0.5


# A "not applicable" answer must describe a situation its question can be shown in: the
# question's trigger may not already rule the situation out, and where the trigger covers
# the situation the option is gone. Each row: question, what must hide it, and the option
# values it must not offer.
TRIGGERS = [
    # No user charges: pf-1-4 is hidden instead of offering "not applicable".
    (PEOPLE_FIRST, "pf-1-4", {"pf-1-3": "na"}, {"na"}),
    # No consultation, so no feedback: pf-5-6 is hidden.
    (PEOPLE_FIRST, "pf-5-6", {"pf-5-2": "never"}, set()),
    # Notification follows a screening that found a likely impact; no option may assume
    # that screening found none.
    (MINING, "mi-8-2", {"mi-8-1": "underway"}, {"not-required"}),
    (MINING, "mi-8-2", {"mi-8-7": "no-impact"}, {"not-required"}),
    (MINING, "mi-8-6", {"mi-8-7": "no-impact"}, set()),
    # The downstream country is asked about only where the basin is known to be shared.
    (MINING, "mi-4-6a", {"mi-1-5": "unknown"}, set()),
]


@pytest.mark.parametrize(
    ("questionnaire_id", "question_id", "trigger", "absent"),
    [pytest.param(*row, id=f"{row[1]}-{'-'.join(row[2].values())}") for row in TRIGGERS],
)
def test_version_2_conditions_do_not_misfire(
    questionnaire_id: str, question_id: str, trigger: dict[str, str], absent: set[str]
) -> None:
    key = V2[questionnaire_id]
    questionnaire = load(key)
    answers = {**compliant_answers(key), **trigger}
    assert question_id in visible_questions(questionnaire, compliant_answers(key))
    assert question_id not in visible_questions(questionnaire, answers)
    values = {option.value for option in questionnaire.question(question_id).options}
    assert not values & absent


def test_mining_2_ventilation_air_methane_is_asked_without_drainage() -> None:
    key = V2[MINING]
    answers = {**compliant_answers(key), "mi-1-4": "underground", "mi-5-4": "not-needed"}
    assert "mi-5-7" in visible_questions(load(key), answers)


def test_mining_2_profile_question_comes_first_and_decides_the_sections() -> None:
    questionnaire = load(V2[MINING])
    assert questionnaire.all_questions()[0].id == "mi-1-7"
    conditions = {section.id: section.show_if for section in questionnaire.sections}
    for section_id in ("tailings-design", "tailings-operation", "tailings-emergency",
                       "coal-mine-methane", "resource-classification"):
        assert conditions[section_id] is not None, section_id
    assert [section.id for section in questionnaire.sections][-2:] == [
        "water", "communities-workers"]
