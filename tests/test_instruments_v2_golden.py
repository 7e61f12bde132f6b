"""Golden scoring cases for version 2.0 of the shipped questionnaires, worked by hand.

Each case starts from the best answer to every question (see ``compliant_answers`` in
``test_instruments.py``), changes a few answers, and checks the score against a sum
written out term by term. Section weights are those written in the files; question
weights are 1 unless the file says 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppp_assess.domain import (
    AnswerError,
    Questionnaire,
    effective_weights,
    load_questionnaire,
    score,
    validate_answer,
    visible_questions,
)
from tests.test_instruments import compliant_answers

ROOT = Path(__file__).resolve().parents[1] / "questionnaires"
ZT, PF, MI = "zero-tolerance-corruption-2", "people-first-2", "mining-infrastructure-2"


def load(key: str) -> Questionnaire:
    return load_questionnaire(ROOT / f"{key}.yaml")


def exact(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- zero tolerance


def practice_questions(questionnaire: Questionnaire) -> list[str]:
    """Questions answered on the practice scale (the `practice` or `mandatory` set)."""
    return [question.id for question in questionnaire.all_questions()
            if {option.value for option in question.options} >= {"verified", "law-only"}
            and question.id != "zt-4-3"]


def practice_everywhere(value: str) -> float:
    """The overall score with every practice-scale answer set to ``value``.

    Per section: (practice weight x score + weight of own-option questions at 1) / total.
    governance 4 practice + 3 own (zt-1-4, 1-5, 1-6); integrity 7 (zt-2-2 weighs 2) + 1
    (zt-2-7); efficiency 7 + 0; procurement method 4 + 4 (zt-4-3, 4-4 weigh 2); steps
    7 + 1 (the bidding period, zt-5-3); bidders' information, confidentiality, corrupt
    practices, compliance: practice only; debarment 7 (zt-10-1 weighs 2) + 2 (zt-10-6,
    10-7); review 6 (zt-11-1 weighs 2) + 1 (zt-11-5); transparency, contract
    management: practice only. Section weights 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1.5, 2, 1.5
    (17 in all).
    """
    x = {"verified": 1.0, "applied": 0.7, "adhoc": 0.4, "law-only": 0.2, "none": 0.0}[value]
    sections = (
        1 * (4 * x + 3) / 7
        + 1 * (7 * x + 1) / 8
        + 1 * x
        + 2 * (4 * x + 4) / 8
        + 2 * (7 * x + 1) / 8
        + 4 * x  # four practice-only sections of weight 1
        + 1 * (7 * x + 2) / 9
        + 1.5 * (6 * x + 1) / 7
        + 2 * x
        + 1.5 * x
    )
    return 100 * sections / 17


@pytest.mark.parametrize(
    ("value", "level"),
    [("law-only", "initial"), ("applied", "advanced"), ("verified", "exemplary")],
)
def test_law_on_paper_scores_well_below_practice(value: str, level: str) -> None:
    questionnaire = load(ZT)
    answers = {**compliant_answers(ZT),
               **dict.fromkeys(practice_questions(questionnaire), value)}
    report = score(questionnaire, answers)
    assert report.overall == exact(practice_everywhere(value))
    assert report.level is not None and report.level.id == level
    assert not report.capped


def test_law_on_paper_figures() -> None:
    # 519.206.../17 for law on paper, 1257.20.../17 for practice without checks.
    assert practice_everywhere("law-only") == pytest.approx(30.5415, abs=1e-4)
    assert practice_everywhere("applied") == pytest.approx(73.9531, abs=1e-4)
    assert practice_everywhere("verified") == exact(100.0)


def test_a_failed_critical_question_caps_at_developing() -> None:
    questionnaire = load(ZT)
    report = score(questionnaire, {**compliant_answers(ZT), "zt-12-3a": "none"})
    # transparency: zt-12-3a (weight 2) at 0 among weights 1+1+2+1+1+1+1+1 = 9 -> 7/9;
    # overall = (15 x 100 + 2 x 700/9) / 17 = 97.39, Exemplary before the cap.
    assert report.overall == exact((1500 + 2 * 700 / 9) / 17)
    assert report.uncapped_level is not None and report.uncapped_level.id == "exemplary"
    assert report.level is not None and report.level.id == "developing"
    assert report.cap_reasons == ("zt-12-3a",)


def test_law_on_paper_does_not_trip_the_critical_cap() -> None:
    # "Provided for in law, not applied" is not a failed red flag (0.2, not 0).
    report = score(load(ZT), {**compliant_answers(ZT), "zt-2-2": "law-only"})
    assert not report.capped


# --------------------------------------------------------------------------- people first


def test_people_first_effective_weights() -> None:
    shares = effective_weights(load(PF))
    # Section weights 1 x 5 + 0.5 = 5.5. Access and equity scores pf-1-2 (2), 1-3, 1-4,
    # 1-5, 1-6, 1-7, 1-8a, 1-8b (1 each) and 1-9 (2): 11.
    assert shares["pf-1-2"] == exact(1 / 5.5 * 2 / 11)
    assert shares["pf-1-3"] == exact(1 / 5.5 * 1 / 11)
    # Cross-cutting: pf-6-1..6-4 (1 each) and 6-5 (2) = 6; the context questions are out.
    assert shares["pf-6-5"] == exact(0.5 / 5.5 * 2 / 6)
    assert {"pf-6-6", "pf-6-7", "pf-6-8", "pf-1-1"}.isdisjoint(shares)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_people_first_context_questions_never_move_the_score() -> None:
    questionnaire = load(PF)
    low = {**compliant_answers(PF), "pf-6-6": 0, "pf-6-7": "no", "pf-6-8": "no"}
    assert score(questionnaire, low).overall == exact(100.0)
    report = score(questionnaire, {**compliant_answers(PF), "pf-6-5": "no"})
    # cross-cutting: (4 x 1 + 2 x 0) / 6 = 66.67; overall (5 x 100 + 0.5 x 66.67) / 5.5
    assert report.overall == exact((500 + 0.5 * 400 / 6) / 5.5)


def test_people_first_none_of_these_stands_alone() -> None:
    question = load(PF).question("pf-5-5")
    with pytest.raises(AnswerError):
        validate_answer(question, ["contract", "none"])
    report = score(load(PF), {**compliant_answers(PF), "pf-5-5": ["none"]})
    assert report.questions["pf-5-5"].score == 0.0


def test_people_first_refused_consent_scores_by_what_followed() -> None:
    questionnaire = load(PF)
    respected = score(questionnaire, {**compliant_answers(PF), "pf-5-3": "refused-respected"})
    ignored = score(questionnaire, {**compliant_answers(PF), "pf-5-3": "refused-ignored"})
    assert respected.overall == exact(100.0)
    assert ignored.cap_reasons == ("pf-5-3",)
    assert ignored.level is not None and ignored.level.id == "developing"


# --------------------------------------------------------------------------- mining

HIDDEN_FOR_A_RAIL_LINE = {
    "tailings-design", "tailings-operation", "tailings-emergency", "coal-mine-methane",
    "resource-classification", "transboundary", "closure",
}


def rail_line_answers(**changes: object) -> dict[str, object]:
    """A rail line far from any border, every question it is shown answered at best."""
    questionnaire = load(MI)
    profile = {"mi-1-7": "rail", "mi-1-5": "no", "mi-1-6": "no"}
    answers = {**compliant_answers(MI), **profile, **changes}
    shown = visible_questions(questionnaire, answers)
    return {question_id: value for question_id, value in answers.items() if question_id in shown}


def test_a_rail_line_never_sees_tailings_or_methane_and_completes() -> None:
    questionnaire = load(MI)
    answers = rail_line_answers()
    assert not any(question_id.startswith(("mi-2-", "mi-3-", "mi-4-", "mi-5-", "mi-6-"))
                   for question_id in answers)
    assert "mi-1-3" not in answers and "mi-1-4" not in answers
    report = score(questionnaire, answers)
    assert report.completion == 1.0
    assert report.missing_required == ()
    for section in report.sections:
        if section.id in HIDDEN_FOR_A_RAIL_LINE:
            assert not section.visible, section.id
            assert section.score is None
            assert (section.answered, section.applicable) == (0, 0)
        else:
            assert section.visible, section.id
            assert section.answered == section.applicable, section.id
    assert report.overall == exact(100.0)


def test_a_rail_line_with_no_water_safeguards() -> None:
    answers = rail_line_answers(**{"mi-11-1": "no", "mi-11-2": "no", "mi-11-4": "no",
                                    "mi-11-5": "no", "mi-11-6": "no"})
    report = score(load(MI), answers)
    # mi-11-3 (discharges within limits) is hidden without a permit. Scored sections:
    # information (1), rights (1: land questions only), water (1.5, at 0), communities
    # and workers (1.5): (1 + 1 + 1.5) x 100 / 5 = 70, Advanced.
    assert "mi-11-3" not in answers
    assert report.overall == exact(70.0)
    assert report.level is not None and report.level.id == "advanced"


def test_an_unknown_border_effect_asks_for_screening_not_notification() -> None:
    questionnaire = load(MI)
    answers = rail_line_answers(**{"mi-1-5": "unknown", "mi-8-1": "underway"})
    shown = visible_questions(questionnaire, answers)
    transboundary = [q.id for q in questionnaire.sections[7].questions if q.id in shown]
    assert transboundary == ["mi-8-1"]
    report = score(questionnaire, answers)
    assert report.sections[7].score == exact(30.0)
    # (1 + 1 + 1 x 0.3 + 1.5 + 1.5) x 100 / 6
    assert report.overall == exact((1 + 1 + 0.3 + 1.5 + 1.5) * 100 / 6)
    assert not report.capped
