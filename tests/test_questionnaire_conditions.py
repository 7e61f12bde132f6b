"""Every condition in every published questionnaire file can be both true and false, and
answering a trigger "not applicable" never opens the questions that depend on it.

The check is generic: it runs over every ``questionnaires/*.yaml`` file, so new files
are covered as soon as they are added. Answers are generated from each question's own
possible answers (and the numbers its conditions compare with), and the engine's own
visibility rules decide; a condition passes when some generated answers, with its
section shown and every question it reads visible and answered, make it true, and
some make it false.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ppp_assess.domain import (
    NA,
    AllCondition,
    AnyCondition,
    CompareCondition,
    Condition,
    InCondition,
    NotInCondition,
    Question,
    Questionnaire,
    QuestionType,
    evaluate,
    load_questionnaire,
    referenced_questions,
)
from ppp_assess.domain.conditions import visibility_from_clean

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml"))
SAMPLES = 60


@dataclass(frozen=True)
class Owner:
    """A condition and what it belongs to."""

    label: str
    condition: Condition
    #: The section whose visibility the condition needs (``None`` for a section's own).
    section_id: str | None


def owners(questionnaire: Questionnaire) -> Iterator[Owner]:
    for section in questionnaire.sections:
        if section.show_if is not None:
            yield Owner(f"section {section.id}", section.show_if, None)
        for question in section.questions:
            if question.show_if is not None:
                yield Owner(f"question {question.id}", question.show_if, section.id)


def atoms(condition: Condition) -> Iterator[InCondition | NotInCondition | CompareCondition]:
    if isinstance(condition, AllCondition | AnyCondition):
        for part in condition.conditions:
            yield from atoms(part)
    else:
        yield condition


def compared_numbers(questionnaire: Questionnaire) -> dict[str, set[float]]:
    numbers: dict[str, set[float]] = {}
    for owner in owners(questionnaire):
        for atom in atoms(owner.condition):
            if isinstance(atom, CompareCondition):
                numbers.setdefault(atom.question, set()).update(
                    {atom.value - 1, atom.value, atom.value + 1})
    return numbers


def candidates(question: Question, numbers: set[float]) -> list[Any]:
    """Return answers worth trying for ``question`` (all valid, or filtered later)."""
    kind = question.type
    if kind is QuestionType.choice:
        return [option.value for option in question.options]
    if kind is QuestionType.multi_choice:
        return [[option.value] for option in question.options]
    if kind is QuestionType.scale:
        assert question.scale is not None
        values: list[Any] = list(range(question.scale.min, question.scale.max + 1))
        return values + ([NA] if question.na else [])
    if kind is QuestionType.number:
        found: set[float] = set(numbers) | {band.min for band in question.bands}
        for bound in (question.minimum, question.maximum):
            if bound is not None:
                found.add(bound)
        found.add(0)
        inside = [
            int(value) if float(value).is_integer() else value for value in sorted(found)
            if (question.minimum is None or value >= question.minimum)
            and (question.maximum is None or value <= question.maximum)
        ]
        return inside + ([NA] if question.na else [])
    return []


def read_questions(questionnaire: Questionnaire) -> set[str]:
    return {question_id for owner in owners(questionnaire)
            for question_id in referenced_questions(owner.condition)}


def sample_answers(questionnaire: Questionnaire, rng: random.Random,
                   pools: dict[str, list[Any]], forced: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question_id, pool in pools.items():
        if question_id in forced:
            answers[question_id] = forced[question_id]
        elif pool:
            answers[question_id] = rng.choice(pool)
    return answers


def outcomes(questionnaire: Questionnaire) -> dict[str, set[bool]]:
    """Return, per condition owner, the truth values seen with every input answered."""
    numbers = compared_numbers(questionnaire)
    tested = read_questions(questionnaire)
    pools = {question.id: candidates(question, numbers.get(question.id, set()))
             for question in questionnaire.all_questions() if question.id in tested}
    listed = list(owners(questionnaire))
    seen: dict[str, set[bool]] = {owner.label: set() for owner in listed}
    rng = random.Random(20261204)
    trials: list[dict[str, Any]] = [{}]
    for question_id, pool in pools.items():
        trials.extend({question_id: value} for value in pool)
    for forced in trials:
        for _ in range(SAMPLES if forced else SAMPLES * 5):
            answers = sample_answers(questionnaire, rng, pools, forced)
            sections, visible = visibility_from_clean(questionnaire, answers)
            for owner in listed:
                if owner.section_id is not None and owner.section_id not in sections:
                    continue
                inputs = set(referenced_questions(owner.condition))
                if not inputs <= visible:
                    continue
                seen[owner.label].add(evaluate(owner.condition, answers, visible))
    return seen


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_condition_can_be_true_and_false(path: Path) -> None:
    questionnaire = load_questionnaire(path)
    stuck = {label: sorted(found) for label, found in outcomes(questionnaire).items()
             if found != {True, False}}
    assert stuck == {}, f"conditions that are always one way (truth values seen): {stuck}"


def not_applicable_answers(question: Question) -> list[Any]:
    """Return the answers of ``question`` that mean "not applicable"."""
    if question.type is QuestionType.choice:
        return [option.value for option in question.options
                if question.is_not_applicable(option.value)]
    if question.type is QuestionType.multi_choice:
        return [[option.value] for option in question.options
                if question.is_not_applicable([option.value])]
    if question.type in (QuestionType.scale, QuestionType.number) and question.na:
        return [NA]
    return []


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_not_applicable_trigger_never_opens_its_follow_ups(path: Path) -> None:
    # A question that asks about something the trigger said does not apply would offer
    # answers that assume the opposite of the trigger.
    questionnaire = load_questionnaire(path)
    wrong = []
    for owner in owners(questionnaire):
        for atom in atoms(owner.condition):
            trigger = questionnaire.question(atom.question)
            for value in not_applicable_answers(trigger):
                if evaluate(atom, {trigger.id: value}, {trigger.id}):
                    wrong.append(f"{owner.label}: shown when {trigger.id} is {value!r}")
    assert wrong == []


def test_the_check_finds_a_condition_that_is_never_false() -> None:
    text = (ROOT / "tests" / "data" / "scoring-v2.yaml").read_text(encoding="utf-8")
    questionnaire = load_questionnaire(text.replace(
        "show_if: {question: t1, in: [checked, applied]}",
        "show_if: {any: [{question: t1, in: [checked, applied, in_law]},"
        " {question: t1, in: [none, na]}]}"))
    found = outcomes(questionnaire)
    assert found["question t2"] == {True}
    assert found["section tailings"] == {True, False}


def test_the_check_finds_a_follow_up_opened_by_not_applicable() -> None:
    text = (ROOT / "tests" / "data" / "scoring-v2.yaml").read_text(encoding="utf-8")
    questionnaire = load_questionnaire(text.replace(
        "show_if: {question: t1, in: [checked, applied]}",
        "show_if: {question: t1, not_in: [none]}"))
    atom = questionnaire.question("t2").show_if
    assert atom is not None
    trigger = questionnaire.question("t1")
    assert not_applicable_answers(trigger) == ["na"]
    assert evaluate(atom, {"t1": "na"}, {"t1"})


def complete_without(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Answer every visible required question that ``answers`` leave open, keeping them."""
    from ppp_assess.domain import score, validate_answer
    from ppp_assess.domain.question_types import strategy_for

    rng = random.Random(7)
    filled = dict(answers)
    for _ in range(len(questionnaire.all_questions())):
        missing = score(questionnaire, filled).missing_required
        if not missing:
            break
        for question_id in missing:
            question = questionnaire.question(question_id)
            value = strategy_for(question.type).example_answer(question, 1.0, rng)
            filled[question_id] = validate_answer(question, value)
    return filled


@pytest.mark.parametrize("path", [*FILES, ROOT / "tests" / "data" / "scoring-v2.yaml"],
                         ids=lambda path: path.name)
def test_sections_that_do_not_apply_never_hold_progress_back(path: Path) -> None:
    # A rail line never sees the tailings section, and completes without it.
    from ppp_assess.domain import score

    questionnaire = load_questionnaire(path)
    numbers = compared_numbers(questionnaire)
    conditional = [section for section in questionnaire.sections if section.show_if]
    rng = random.Random(11)
    for section in conditional:
        assert section.show_if is not None
        inputs = list(dict.fromkeys(referenced_questions(section.show_if)))
        pools = {question_id: candidates(questionnaire.question(question_id),
                                         numbers.get(question_id, set()))
                 for question_id in inputs}
        hidden_with = None
        for _ in range(SAMPLES * 5):
            answers = {question_id: rng.choice(pool) for question_id, pool in pools.items()
                       if pool}
            sections, visible = visibility_from_clean(questionnaire, answers)
            if section.id not in sections and set(inputs) <= visible:
                hidden_with = answers
                break
        assert hidden_with is not None, f"section {section.id} always applies"
        report = score(questionnaire, complete_without(questionnaire, hidden_with))
        item = next(entry for entry in report.sections if entry.id == section.id)
        assert not item.visible
        assert (item.applicable, item.answered, item.score) == (0, 0, None)
        assert report.completion == 1.0, section.id
        assert not any(questionnaire.section_of(question_id).id == section.id
                       for question_id in report.missing_required)
