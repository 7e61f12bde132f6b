"""How many assessments per second ``score()`` handles, beside a naive weighted mean.

Scoring runs on every autosave, so it has to stay cheap. This benchmark scores many
random complete answer sets against the largest questionnaire in ``questionnaires/``
(or a synthetic 120-question one when there is none) and, in the same run, times a
plain-Python weighted mean over the same answers that ignores conditions, answer
checks, levels and gaps. The ratio shows what the full rules cost.

Run it as ``.venv/bin/python benchmarks/bench_scoring.py``; a benchmark runner calls
:func:`run`, which returns rows with the keys name, value, unit, baseline and ratio.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ppp_assess.domain import (
    NA,
    Question,
    Questionnaire,
    QuestionnaireError,
    QuestionType,
    load_questionnaire,
    questionnaire_from_dict,
    score,
)

ROOT = Path(__file__).resolve().parents[1]
ANSWER_SETS = 2000
SECONDS_PER_MEASURE = 2.0
ROUNDS = 5


def largest_questionnaire() -> tuple[Questionnaire, str]:
    """Return the questionnaire with the most questions, and a name for it."""
    loaded: list[Questionnaire] = []
    for path in sorted((ROOT / "questionnaires").glob("*.yaml")):
        try:
            loaded.append(load_questionnaire(path))
        except QuestionnaireError:
            continue
    if loaded:
        largest = max(loaded, key=lambda questionnaire: len(questionnaire.all_questions()))
        return largest, f"{largest.id} {largest.version}"
    return synthetic_questionnaire(), "synthetic questionnaire"


def synthetic_questionnaire(sections: int = 8, per_section: int = 15) -> Questionnaire:
    """Build a 120-question questionnaire with every question type and some conditions."""
    kinds = ["choice", "choice", "choice", "multi_choice", "scale", "number", "choice", "text"]
    section_list = []
    for section_index in range(sections):
        questions: list[dict[str, Any]] = []
        for index in range(per_section):
            question_id = f"q-{section_index}-{index}"
            kind = kinds[index % len(kinds)]
            question: dict[str, Any] = {
                "id": question_id,
                "type": kind,
                "text": f"Question {question_id}?",
                "reference": f"Clause {section_index}.{index}",
                "weight": 1 + index % 3,
                "required": index % 2 == 0,
            }
            if kind == "choice":
                question["answers"] = "compliance"
                question["critical"] = index == 0
            elif kind == "multi_choice":
                question["answers"] = "channels"
                question["scoring"] = "sum"
            elif kind == "scale":
                question["scale"] = {"min": 0, "max": 4}
                question["na"] = True
            elif kind == "number":
                question["min"] = 0
                question["max"] = 100
                question["bands"] = [{"min": 80, "score": 1}, {"min": 50, "score": 0.5}]
                question["na"] = True
            if index % 5 == 1:
                previous = questions[-1]
                if previous["type"] == "choice":
                    question["show_if"] = {"question": previous["id"], "in": ["yes", "partly"]}
            questions.append(question)
        section_list.append(
            {
                "id": f"s-{section_index}",
                "title": f"Section {section_index}",
                "weight": 1 + section_index % 2,
                "questions": questions,
            }
        )
    return questionnaire_from_dict(
        {
            "id": "synthetic",
            "version": "1.0",
            "subject": "project",
            "title": "Synthetic",
            "source": {"title": "Synthetic instrument"},
            "scoring": {
                "levels": [
                    {"id": "high", "min": 75, "label": "High"},
                    {"id": "medium", "min": 40, "label": "Medium"},
                    {"id": "low", "min": 0, "label": "Low"},
                ]
            },
            "answer_sets": {
                "compliance": [
                    {"value": "yes", "label": "Yes", "score": 1.0},
                    {"value": "partly", "label": "Partly", "score": 0.5},
                    {"value": "no", "label": "No", "score": 0.0},
                    {"value": "na", "label": "Not applicable", "score": None},
                ],
                "channels": [
                    {"value": "web", "label": "Website", "score": 0.5},
                    {"value": "gazette", "label": "Gazette", "score": 0.3},
                    {"value": "press", "label": "Press", "score": 0.2},
                ],
            },
            "sections": section_list,
        }
    )


def random_answer(question: Question, rng: random.Random) -> object:
    """Return a valid answer to ``question``, "not applicable" now and then."""
    kind = question.type
    if kind is QuestionType.choice:
        return rng.choice(question.options).value
    if kind is QuestionType.multi_choice:
        scored = [option.value for option in question.options if option.score is not None]
        if len(scored) < len(question.options) and rng.random() < 0.1:
            return [next(o.value for o in question.options if o.score is None)]
        return rng.sample(scored, rng.randint(1 if question.required else 0, len(scored)))
    if kind is QuestionType.scale:
        assert question.scale is not None
        if question.na and rng.random() < 0.1:
            return NA
        return rng.randint(question.scale.min, question.scale.max)
    if kind is QuestionType.number:
        if question.na and rng.random() < 0.1:
            return NA
        low = question.minimum if question.minimum is not None else 0.0
        high = question.maximum if question.maximum is not None else low + 200.0
        return round(rng.uniform(low, high), 2)
    if kind is QuestionType.date:
        return f"20{rng.randint(10, 29)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return "Answered."


def naive_weighted_mean(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> float | None:
    """Weighted mean of question scores, without conditions, checks, levels or gaps."""
    total = 0.0
    total_weight = 0.0
    for section in questionnaire.sections:
        numerator = 0.0
        denominator = 0.0
        for question in section.questions:
            value = answers.get(question.id)
            result: float | None = None
            if question.type is QuestionType.choice:
                for option in question.options:
                    if option.value == value:
                        result = option.score
            elif question.type is QuestionType.multi_choice and value:
                scores = [o.score or 0.0 for o in question.options if o.value in value]
                result = min(1.0, sum(scores))
            elif question.type is QuestionType.scale and isinstance(value, int):
                assert question.scale is not None
                result = (value - question.scale.min) / (question.scale.max - question.scale.min)
            elif question.type is QuestionType.number and isinstance(value, int | float):
                bands = question.bands
                result = next((b.score for b in bands if value >= b.min), 0.0) if bands else None
            if result is not None:
                numerator += question.weight * result
                denominator += question.weight
        if denominator:
            total += section.weight * 100.0 * numerator / denominator
            total_weight += section.weight
    return total / total_weight if total_weight else None


def rate(
    function: Callable[[Mapping[str, Any]], object],
    answer_sets: Sequence[Mapping[str, Any]],
    seconds: float,
) -> float:
    """Return calls per CPU second of ``function`` over ``answer_sets``, run for about
    ``seconds`` of CPU time.

    CPU time of this process, not wall time: on a machine busy with other work the two
    sides are then compared for the work they did, not for when they were scheduled.
    """
    calls = 0
    started = time.process_time()
    elapsed = 0.0
    while elapsed < seconds:
        for answers in answer_sets:
            function(answers)
        calls += len(answer_sets)
        elapsed = time.process_time() - started
    return calls / elapsed


def run(
    answer_sets: int = ANSWER_SETS, seconds: float = SECONDS_PER_MEASURE
) -> list[dict[str, Any]]:
    """Measure scoring throughput; return one row per measurement."""
    questionnaire, name = largest_questionnaire()
    rng = random.Random(20240601)
    questions = questionnaire.all_questions()
    samples = [
        {question.id: random_answer(question, rng) for question in questions}
        for _ in range(answer_sets)
    ]
    score(questionnaire, samples[0])  # build the per-questionnaire structures once
    # Alternate short rounds and keep each side's best, so that a machine getting busier
    # or quieter during the run moves both figures alike.
    scored = baseline = 0.0
    for _round in range(ROUNDS):
        scored = max(scored, rate(lambda answers: score(questionnaire, answers), samples,
                                  seconds / ROUNDS))
        baseline = max(baseline, rate(lambda answers: naive_weighted_mean(questionnaire, answers),
                                      samples, seconds / ROUNDS))
    return [
        {
            "name": f"score(): {name}, {len(questions)} questions",
            "value": scored,
            "unit": "assessments/s",
            "baseline": baseline,
            "ratio": scored / baseline,
        }
    ]


def main() -> None:
    """Print the measurements as a table."""
    rows = run()
    print(f"{'benchmark':<52} {'value':>12} {'baseline':>12} {'ratio':>7}  unit")
    for row in rows:
        print(
            f"{row['name']:<52} {row['value']:>12,.0f} {row['baseline']:>12,.0f}"
            f" {row['ratio']:>7.2f}  {row['unit']}"
        )


if __name__ == "__main__":
    main()
