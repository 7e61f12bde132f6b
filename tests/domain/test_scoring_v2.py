"""Golden tests for the 2.x format: tests/data/scoring-v2.yaml scored by hand.

The file has three sections: ``profile`` (weight 1, only context questions), ``law``
(weight 3: l1 on a scale where the law alone scores 1, l2 critical on a scale where the
law alone scores 0.25, l3 a multi-choice of weight 2 with an exclusive "none") and
``tailings`` (weight 2, shown only when p1 is "mine").
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppp_assess.domain import (
    AnswerError,
    BasisWording,
    Questionnaire,
    QuestionnaireError,
    QuestionScore,
    effective_weights,
    load_questionnaire,
    questionnaire_from_dict,
    score,
    validate_answer,
    visible_questions,
    visible_sections,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
V2 = DATA / "scoring-v2.yaml"

#: The content hashes of the published 1.0 files: stored answers are pinned to them.
PUBLISHED_1X = {
    "mining-infrastructure.yaml":
        "387f2c9b25c22409a0aff882da46410c6e8494c88434f728a06a752e7d2cedaa",
    "people-first.yaml": "602056990bd8d9f4f29bee15f2bebe3573374db59dcf9b4402e76b5a129b1df6",
    "zero-tolerance-corruption.yaml":
        "d658ab978d92967a4b675c37798549b27caad8f4056c1e2aae4ab3aed09962b2",
}


def exact(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.fixture(scope="module")
def v2() -> Questionnaire:
    return load_questionnaire(V2)


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(V2.read_text(encoding="utf-8"))
    return data


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_from_dict(data)
    return [f"{problem.path}: {problem.message}" for problem in caught.value.problems]


# --------------------------------------------------------------------------- law vs practice


def test_law_only_scores_below_practice(v2: Questionnaire) -> None:
    base = {"p1": "rail", "l1": "law", "l3": ["audit"]}
    in_law = score(v2, {**base, "l2": "in_law"})
    applied = score(v2, {**base, "l2": "applied"})
    checked = score(v2, {**base, "l2": "checked"})
    # law: (1*1 + 1*0.25 + 2*0.5) / 4 = 56.25; the 1.x-style l1 gives the law full marks
    assert in_law.questions["l1"].score == 1.0
    assert in_law.questions["l2"].score == 0.25
    assert in_law.overall == exact(56.25)
    # (1 + 0.7 + 1) / 4 = 67.5 and (1 + 1 + 1) / 4 = 75
    assert applied.overall == exact(67.5)
    assert checked.overall == exact(75.0)
    assert [r.level.id for r in (in_law, applied, checked) if r.level] == [
        "developing", "advanced", "advanced"]


# --------------------------------------------------------------------------- critical cap


def test_failed_critical_item_caps_at_developing(v2: Questionnaire) -> None:
    answers = {"p1": "mine", "l1": "law", "l2": "none", "l3": ["audit", "hotline"],
               "t1": "checked", "t2": "checked"}
    report = score(v2, answers)
    # law: (1 + 0 + 2*1) / 4 = 75; tailings 100; overall (3*75 + 2*100) / 5 = 85
    assert report.overall == exact(85.0)
    assert report.uncapped_level is not None and report.uncapped_level.id == "exemplary"
    assert report.level is not None and report.level.id == "developing"
    assert report.capped
    assert report.cap_reasons == ("l2",)
    assert v2.cap_level.id == "developing"


def test_cap_does_not_raise_a_lower_level(v2: Questionnaire) -> None:
    report = score(v2, {"p1": "rail", "l1": "none", "l2": "none", "l3": ["none"]})
    assert report.overall == exact(0.0)
    assert report.level is not None and report.level.id == "initial"
    assert not report.capped


# --------------------------------------------------------------------------- effective weights


def test_effective_weights_are_published_shares(v2: Questionnaire) -> None:
    weights = effective_weights(v2)
    # law carries 3 of the 5 section weight that can score, tailings 2; profile has no
    # scored question. Within law, l3 weighs 2 of 4.
    assert weights == {
        "l1": exact(0.15), "l2": exact(0.15), "l3": exact(0.30),
        "t1": exact(0.20), "t2": exact(0.20),
    }
    assert sum(weights.values()) == exact(1.0)


def test_effective_weights_match_the_score_when_everything_is_shown(
    v2: Questionnaire,
) -> None:
    # Full marks on one question, 0 elsewhere: the overall score is its share.
    weights = effective_weights(v2)
    zero = {"p1": "mine", "l1": "none", "l2": "none", "l3": ["none"], "t1": "applied",
            "t2": "none"}
    report = score(v2, {**zero, "t2": "checked"})
    base = score(v2, zero)
    assert report.overall is not None and base.overall is not None
    assert (report.overall - base.overall) / 100 == exact(weights["t2"])


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "questionnaires").glob("*.yaml")) + sorted(DATA.glob("scoring-*.yaml")),
    ids=lambda path: path.name,
)
def test_effective_weights_sum_to_one(path: Path) -> None:
    questionnaire = load_questionnaire(path)
    weights = effective_weights(questionnaire)
    assert set(weights) == {q.id for q in questionnaire.all_questions() if q.scored}
    if any(weights.values()):
        assert sum(weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(0 <= share <= 1 for share in weights.values())


# --------------------------------------------------------------------------- context questions


def test_context_questions_are_asked_but_never_scored(v2: Questionnaire) -> None:
    p1, p2 = v2.question("p1"), v2.question("p2")
    assert p1.context and p2.context
    assert not p1.scored and not p2.scored
    assert "p1" not in effective_weights(v2)
    answers = {"p1": "rail", "l1": "law", "l2": "applied", "l3": ["audit"]}
    without = score(v2, answers)
    with_context = score(v2, {**answers, "p2": 1200})
    assert with_context.overall == without.overall
    assert with_context.questions["p2"] == QuestionScore(None, 1.0, True, True, True)
    assert without.sections[0].score is None
    assert all(gap.question_id not in ("p1", "p2") for gap in without.gaps)
    # a required context question still counts in completion
    assert score(v2, {"l1": "law", "l2": "applied"}).missing_required == ("p1",)


def test_context_question_cannot_be_critical_or_weighted() -> None:
    data = raw()
    data["sections"][0]["questions"][0]["critical"] = True
    data["sections"][0]["questions"][1]["weight"] = 2
    found = problems_of(data)
    assert any("questions[0].critical" in item and "scored: false" in item for item in found)
    assert any("questions[1].weight" in item and "scored: false" in item for item in found)


# --------------------------------------------------------------------------- exclusive options


def test_exclusive_option_cannot_be_combined(v2: Questionnaire) -> None:
    l3 = v2.question("l3")
    with pytest.raises(AnswerError) as caught:
        validate_answer(l3, ["audit", "none"])
    assert caught.value.code == "exclusive_option"
    assert caught.value.params == {"value": "none"}
    assert validate_answer(l3, ["none"]) == ["none"]
    assert validate_answer(l3, ["hotline", "audit"]) == ["audit", "hotline"]
    assert l3.exclusive_values == frozenset({"none"})
    # "none of these" is an answer that scores 0, not "not applicable"
    report = score(v2, {"p1": "rail", "l1": "law", "l2": "checked", "l3": ["none"]})
    assert report.questions["l3"].score == 0.0
    assert report.questions["l3"].applicable
    # a stored combination (damaged data) counts as unanswered
    damaged = score(v2, {"p1": "rail", "l1": "law", "l2": "checked", "l3": ["audit", "none"]})
    assert not damaged.questions["l3"].answered


def test_exclusive_only_on_multi_choice_options() -> None:
    data = raw()
    data["sections"][0]["questions"][0]["options"][0]["exclusive"] = True
    assert any("options[0].exclusive" in item and "multi_choice" in item
               for item in problems_of(data))


# --------------------------------------------------------------------------- hidden sections


def test_hidden_section_is_not_counted(v2: Questionnaire) -> None:
    answers = {"p1": "rail", "l1": "law", "l2": "checked", "l3": ["audit", "hotline"],
               "t1": "none"}
    report = score(v2, answers)
    tailings = report.sections[2]
    assert not tailings.visible
    assert (tailings.score, tailings.applicable, tailings.answered) == (None, 0, 0)
    assert not report.questions["t1"].visible and not report.questions["t1"].answered
    # t1 is required but its section does not apply: progress is complete without it
    assert report.missing_required == ()
    assert report.completion == 1.0
    assert report.overall == exact(100.0)
    assert visible_sections(v2, answers) == frozenset({"profile", "law"})
    assert "t1" not in visible_questions(v2, answers)
    assert report.to_dict()["sections"][2]["visible"] is False


def test_shown_section_counts(v2: Questionnaire) -> None:
    answers = {"p1": "mine", "l1": "law", "l2": "checked", "l3": ["audit", "hotline"]}
    report = score(v2, answers)
    assert report.sections[2].visible
    assert report.missing_required == ("t1",)
    assert report.completion == exact(3 / 4)
    # tailings unanswered scores 0: (3*100 + 2*0) / 5
    assert report.overall == exact(60.0)
    # before p1 is answered, the section's condition is false
    assert not score(v2, {}).sections[2].visible


def test_section_condition_refers_to_earlier_sections_only() -> None:
    data = raw()
    data["sections"][2]["show_if"] = {"question": "t1", "in": ["checked"]}
    assert any("sections[2].show_if.question" in item and "earlier section" in item
               for item in problems_of(data))
    data = raw()
    data["sections"][1]["show_if"] = {"question": "t1", "in": ["checked"]}
    assert any("sections[1].show_if.question" in item for item in problems_of(data))
    data = raw()
    data["sections"][2]["show_if"] = {"question": "p9", "in": ["x"]}
    assert any("unknown question 'p9'" in item for item in problems_of(data))


# --------------------------------------------------------------------------- basis and weights


def test_basis_is_read(v2: Questionnaire) -> None:
    basis = v2.question("l2").basis
    assert basis is not None
    assert (basis.instrument, basis.part, basis.wording) == (
        "Test instrument", "Part 1", BasisWording.derived)


def test_version_2_needs_section_weights_and_basis() -> None:
    data = raw()
    del data["sections"][1]["weight"]
    del data["sections"][1]["questions"][0]["basis"]
    found = problems_of(data)
    assert any(item.startswith("sections[1]: ") and "'weight'" in item for item in found)
    assert any(item.startswith("sections[1].questions[0]: ") and "'basis'" in item
               for item in found)


def test_version_1_may_omit_or_give_basis() -> None:
    data = raw()
    data["version"] = "1.4"
    for section in data["sections"]:
        section.pop("weight")
        for question in section["questions"][1:]:
            question.pop("basis")
    questionnaire = questionnaire_from_dict(data)
    assert questionnaire.question("p1").basis is not None
    assert questionnaire.question("p2").basis is None


def test_basis_wording_is_checked() -> None:
    data = raw()
    data["sections"][1]["questions"][0]["basis"]["wording"] = "quoted"
    assert any("wording must be text" in item for item in problems_of(data))


def test_round_trip_keeps_the_new_keys(v2: Questionnaire) -> None:
    again = questionnaire_from_dict(copy.deepcopy(v2.to_dict()))
    assert again == v2
    assert again.content_hash == v2.content_hash
    assert again.section("tailings").show_if is not None


@pytest.mark.parametrize("name", sorted(PUBLISHED_1X))
def test_published_1x_files_keep_their_hash(name: str) -> None:
    questionnaire = load_questionnaire(ROOT / "questionnaires" / name)
    assert questionnaire.version.startswith("1.")
    assert questionnaire.content_hash == PUBLISHED_1X[name]
