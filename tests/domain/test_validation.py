"""One test per kind of malformed questionnaire file.

Each test builds a small file, loads it, and checks that the problem names what is
wrong, where (the document path) and on which line.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ppp_assess.domain import Problem, QuestionnaireError, load_questionnaire

LEVELS = """\
scoring:
  levels:
    - {id: high, min: 75, label: High}
    - {id: medium, min: 40, label: Medium}
    - {id: low, min: 0, label: Low}
"""

ANSWER_SETS = """\
answer_sets:
  compliance:
    - {value: "yes", label: "Yes", score: 1.0}
    - {value: partly, label: Partly, score: 0.5}
    - {value: "no", label: "No", score: 0.0}
    - {value: na, label: Not applicable, score: null}
"""

FIRST_QUESTION = """\
      - id: q1
        type: choice
        text: First question?
        answers: compliance
        reference: Test 1
"""


def document(
    questions: str = "",
    *,
    levels: str = LEVELS,
    answer_sets: str = ANSWER_SETS,
    sections: str = "",
    first: str = FIRST_QUESTION,
) -> str:
    """Return a valid file, with extra questions (indented as list items of section one)."""
    return (
        'id: sample\nversion: "1.0"\nsubject: project\ntitle: Sample\n'
        "source:\n  title: Test instrument\n"
        + levels
        + answer_sets
        + "sections:\n  - id: first\n    title: First\n    questions:\n"
        + first
        + textwrap.indent(textwrap.dedent(questions), "      ")
        + textwrap.indent(textwrap.dedent(sections), "  ")
    )


def line_of(text: str, marker: str) -> int:
    """Return the 1-based line of the only line containing ``marker``."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(found) == 1, f"marker {marker!r} found on lines {found}"
    return found[0]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(text, filename="sample.yaml")
    return caught.value.problems


def assert_problem(text: str, path: str, marker: str, *words: str) -> Problem:
    """Assert that loading ``text`` reports one problem at ``path`` on the marker's line."""
    problems = problems_of(text)
    line = line_of(text, marker)
    matching = [problem for problem in problems if problem.path == path]
    assert matching, f"no problem at {path!r}; got: {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.line == line, str(problem)
    assert problem.file == "sample.yaml"
    for word in words:
        assert word in problem.message, f"{word!r} not in {problem.message!r}"
    return problem


def test_the_base_document_is_valid() -> None:
    questionnaire = load_questionnaire(document())
    assert [question.id for question in questionnaire.all_questions()] == ["q1"]


# --------------------------------------------------------------------------- YAML level


def test_yaml_syntax_error() -> None:
    text = document("- id: q2\n  text: [unclosed\n  type: choice\n")
    problems = problems_of(text)
    assert len(problems) == 1
    assert "invalid YAML" in problems[0].message
    assert problems[0].line is not None and problems[0].line >= line_of(text, "[unclosed")


def test_duplicate_yaml_key() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          text: Second again?
          answers: compliance
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1].text", "Second again?", "duplicate key 'text'")


def test_empty_file() -> None:
    problems = problems_of("# nothing here\n")
    assert "must be a mapping" in problems[0].message
    assert "empty" in problems[0].message


def test_top_level_list() -> None:
    problems = problems_of("- id: sample\n")
    assert "must be a mapping" in problems[0].message
    assert problems[0].line == 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(tmp_path / "absent.yaml")
    assert "file not found" in str(caught.value)
    assert str(tmp_path / "absent.yaml") in str(caught.value)


# --------------------------------------------------------------------------- structure


def test_unknown_key_suggests_the_right_one() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          guidence: Help.
          answers: compliance
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].guidence",
        "guidence",
        "unknown key 'guidence'",
        "did you mean 'guidance'",
    )


def test_missing_reference() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
        """
    )
    assert_problem(text, "sections[0].questions[1]", "id: q2", "missing required key 'reference'")


def test_blank_text() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: "  "
          answers: compliance
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1].text", 'text: "  "', "must not be blank")


def test_unquoted_version() -> None:
    text = document().replace('version: "1.0"', "version: 1.0")
    assert_problem(text, "version", "version: 1.0", "expected text", 'quotes, e.g. "1.0"')


def test_badly_formed_version() -> None:
    text = document().replace('version: "1.0"', 'version: "v1"')
    assert_problem(text, "version", "version:", "not a valid version", "MAJOR.MINOR")


def test_unquoted_yes_becomes_a_boolean() -> None:
    text = document(answer_sets=ANSWER_SETS.replace('value: "yes"', "value: yes"))
    assert_problem(
        text,
        "answer_sets.compliance[0].value",
        "value: yes",
        "expected text",
        "got the boolean true",
        "quotes",
    )


def test_invalid_id() -> None:
    text = document(
        """\
        - id: Q_2
          type: choice
          text: Second?
          answers: compliance
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1].id", "id: Q_2", "'Q_2' is not a valid id")


def test_unknown_question_type() -> None:
    text = document(
        """\
        - id: q2
          type: choise
          text: Second?
          answers: compliance
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1].type", "type: choise", "not one of", "'choice'")


def test_scale_without_range() -> None:
    text = document(
        """\
        - id: q2
          type: scale
          text: Second?
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1]", "id: q2", "missing required key 'scale'")


def test_empty_section() -> None:
    text = document(sections="  - id: second\n    title: Second\n    questions: []\n")
    assert_problem(text, "sections[1].questions", "questions: []", "must not be empty")


# --------------------------------------------------------------------------- ids


def test_duplicate_section_id() -> None:
    text = document(
        sections="""\
          - id: first  # again
            title: Again
            questions:
              - {id: q9, type: text, text: Nine?, reference: Test 9}
        """
    )
    assert_problem(text, "sections[1].id", "# again", "duplicate section id 'first'")


def test_duplicate_question_id_across_sections() -> None:
    text = document(
        sections="""\
          - id: second
            title: Second
            questions:
              - {id: q1, type: text, text: Again?, reference: Test 9}
        """
    )
    assert_problem(
        text,
        "sections[1].questions[0].id",
        "text: Again?",
        "duplicate question id 'q1'",
        "sections[0].questions[0]",
    )


def test_duplicate_option_value_in_answer_set() -> None:
    text = document(answer_sets=ANSWER_SETS + "    - {value: partly, label: Again, score: 0.5}\n")
    assert_problem(
        text, "answer_sets.compliance[4].value", "label: Again", "duplicate option value 'partly'"
    )


def test_duplicate_option_value_inline() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A, score: 1}
            - {value: a, label: Also A, score: 0}
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].options[1].value", "Also A", "duplicate option value 'a'"
    )


def test_duplicate_level_id() -> None:
    levels = LEVELS.replace("{id: medium,", "{id: high,")
    text = document(levels=levels)
    assert_problem(text, "scoring.levels[1].id", "label: Medium", "duplicate level id 'high'")


# --------------------------------------------------------------------------- answer sets, options


def test_unknown_answer_set() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: complaince
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].answers",
        "answers: complaince",
        "unknown answer set 'complaince'",
        "did you mean 'compliance'",
    )


def test_answers_and_options_together() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          options:
            - {value: a, label: A, score: 1}
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].options", "options:", "either 'answers'", "not both"
    )


def test_choice_without_options() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1]", "id: q2", "needs 'answers'", "'options'")


def test_key_of_another_type() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          na: true
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].na",
        "na: true",
        "'na' does not apply to a choice question",
        "(only to scale and number)",
    )


@pytest.mark.parametrize(
    ("kind", "key", "line", "takers"),
    [
        ("text", "answers", "answers: stages", "choice and multi_choice"),
        ("date", "scoring", "scoring: sum", "multi_choice"),
        ("number", "scale", "scale: {min: 0, max: 4}", "scale"),
        ("scale", "bands", "bands: [{min: 1, score: 1}]", "number"),
        ("choice", "max_length", "max_length: 10", "text"),
    ],
)
def test_each_type_specific_key_names_the_types_that_take_it(
    kind: str, key: str, line: str, takers: str
) -> None:
    required = "  scale: {min: 1, max: 3}\n" if kind == "scale" and key != "scale" else ""
    required += "  answers: compliance\n" if kind == "choice" else ""
    text = document(
        f"- id: q2\n  type: {kind}\n  text: Second?\n{required}  {line}\n  reference: Test 2\n"
    )
    assert_problem(
        text,
        f"sections[0].questions[1].{key}",
        line,
        f"'{key}' does not apply to a {kind} question (only to {takers})",
    )


def test_a_question_of_an_unknown_type_gets_no_key_problems() -> None:
    text = document(
        """\
        - id: q2
          type: choise
          text: Second?
          answers: compliance
          na: true
          reference: Test 2
        """
    )
    assert [problem.path for problem in problems_of(text)] == ["sections[0].questions[1].type"]


def test_option_without_score_in_scored_list() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A, score: 1}
            - {value: b, label: B}
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].options[1]", "label: B}", "option 'b' has no score"
    )


def test_every_option_not_applicable() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A, score: null}
            - {value: b, label: B, score: null}
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].options", "options:", "at least one needs a score"
    )


def test_option_score_above_one() -> None:
    text = document(answer_sets=ANSWER_SETS.replace("score: 1.0", "score: 10"))
    assert_problem(
        text,
        "answer_sets.compliance[0].score",
        "score: 10",
        "score must be between 0 and 1",
        "10",
    )


def test_option_score_below_zero() -> None:
    text = document(answer_sets=ANSWER_SETS.replace("score: 0.0", "score: -0.5"))
    assert_problem(
        text, "answer_sets.compliance[2].score", "score: -0.5", "between 0 and 1", "-0.5"
    )


# --------------------------------------------------------------------------- weights


def test_negative_question_weight() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          weight: -1
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].weight", "weight: -1", "weight must be zero or more"
    )


def test_negative_section_weight() -> None:
    text = document(
        sections="""\
          - id: second
            title: Second
            weight: -2
            questions:
              - {id: q9, type: text, text: Nine?, reference: Test 9}
        """
    )
    assert_problem(text, "sections[1].weight", "weight: -2", "weight must be zero or more", "-2")


# --------------------------------------------------------------------------- levels


def test_levels_not_decreasing() -> None:
    text = document(levels=LEVELS.replace("min: 40", "min: 80"))
    assert_problem(
        text, "scoring.levels[1].min", "min: 80", "strictly decreasing", "80 is not below 75"
    )


def test_equal_level_minimums() -> None:
    text = document(levels=LEVELS.replace("min: 40", "min: 75").replace("id: high", "id: top"))
    problem = problems_of(text)[0]
    assert problem.path == "scoring.levels[1].min"
    assert "strictly decreasing" in problem.message


def test_last_level_not_zero() -> None:
    text = document(levels=LEVELS.replace("min: 0,", "min: 10,"))
    assert_problem(text, "scoring.levels[2].min", "min: 10", "last (lowest) level must have min 0")


def test_level_above_hundred() -> None:
    text = document(levels=LEVELS.replace("min: 75", "min: 120"))
    assert_problem(text, "scoring.levels[0].min", "min: 120", "between 0 and 100")


def test_unknown_critical_cap() -> None:
    text = document(levels=LEVELS + "  critical_cap: medum\n")
    assert_problem(
        text,
        "scoring.critical_cap",
        "critical_cap: medum",
        "critical_cap 'medum' is not one of the level ids",
        "did you mean 'medium'",
    )


# --------------------------------------------------------------------------- critical questions


def test_critical_choice_without_zero_option() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A, score: 1}
            - {value: b, label: B, score: 0.5}
          critical: true
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].critical",
        "critical: true",
        "must be able to score 0",
        "none of its options has score 0",
    )


def test_critical_choice_without_scores() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A}
            - {value: b, label: B}
          critical: true
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].critical",
        "critical: true",
        "needs a scored question",
        "options of this choice question have no scores",
    )


def test_critical_question_with_an_unknown_answer_set_adds_no_echo() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: nowhere
          critical: true
          reference: Test 2
        """
    )
    assert [problem.path for problem in problems_of(text)] == ["sections[0].questions[1].answers"]


def test_critical_number_that_cannot_reach_zero() -> None:
    text = document(
        """\
        - id: q2
          type: number
          text: Share?
          min: 10
          bands:
            - {min: 50, score: 1}
            - {min: 10, score: 0.5}
          critical: true
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].critical",
        "critical: true",
        "must be able to score 0",
        "below the lowest band",
    )


def test_critical_number_below_its_bands_is_valid() -> None:
    # Without a lower bound, a value under the lowest band scores 0.
    text = document(
        """\
        - id: q2
          type: number
          text: Share?
          bands:
            - {min: 50, score: 1}
          critical: true
          reference: Test 2
        """
    )
    assert load_questionnaire(text).question("q2").critical


def test_critical_number_without_bands() -> None:
    text = document(
        """\
        - id: q2
          type: number
          text: Share?
          critical: true
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].critical",
        "critical: true",
        "needs a scored question",
        "without 'bands'",
    )


def test_critical_false_is_allowed_on_any_type() -> None:
    text = document(
        """\
        - {id: q2, type: text, text: Second?, critical: false, reference: Test 2}
        - {id: q3, type: date, text: Third?, critical: false, reference: Test 3}
        """
    )
    assert not load_questionnaire(text).question("q3").critical


def test_critical_text_question() -> None:
    text = document(
        """\
        - id: q2
          type: text
          text: Second?
          critical: true
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].critical", "critical: true", "needs a scored question"
    )


# --------------------------------------------------------------------------- scale and number


def test_scale_min_not_below_max() -> None:
    text = document(
        """\
        - id: q2
          type: scale
          text: Second?
          scale: {min: 4, max: 4}
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].scale",
        "scale: {min: 4",
        "scale min (4) must be less than max (4)",
    )


def test_number_min_not_below_max() -> None:
    text = document(
        """\
        - id: q2
          type: number
          text: Second?
          min: 100
          max: 0
          reference: Test 2
        """
    )
    assert_problem(
        text, "sections[0].questions[1].max", "max: 0", "min (100) must be less than max (0)"
    )


def test_number_bands_out_of_order() -> None:
    text = document(
        """\
        - id: q2
          type: number
          text: Second?
          bands:
            - {min: 10, score: 0.5}
            - {min: 80, score: 1}
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].bands[1].min",
        "min: 80",
        "bands must be listed highest first",
        "80 is not below 10",
    )


def test_band_score_out_of_range() -> None:
    text = document(
        """\
        - id: q2
          type: number
          text: Second?
          bands:
            - {min: 10, score: 1.5}
          reference: Test 2
        """
    )
    assert_problem(text, "sections[0].questions[1].bands[0].score", "score: 1.5", "between 0 and 1")


# --------------------------------------------------------------------------- conditions

SCALE_QUESTION = """\
- id: q2
  type: scale
  text: How far?
  scale: {min: 0, max: 4}
  reference: Test 2
- id: q3
  type: text
  text: Notes?
  reference: Test 3
"""


def with_condition(show_if: str) -> str:
    return document(
        SCALE_QUESTION
        + "- id: q4\n  type: choice\n  text: Fourth?\n  answers: compliance\n"
        + f"  show_if: {show_if}\n  reference: Test 4\n"
    )


def test_condition_on_unknown_question() -> None:
    text = with_condition('{question: q9, in: ["yes"]}')
    assert_problem(
        text,
        "sections[0].questions[3].show_if.question",
        "show_if:",
        "unknown question 'q9'",
    )


def test_condition_on_later_question() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          show_if: {question: q3, in: ["yes"]}
          reference: Test 2
        - id: q3
          type: choice
          text: Third?
          answers: compliance
          reference: Test 3
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].show_if.question",
        "show_if:",
        "'q3' comes later in the file",
        "earlier question",
    )


def test_condition_on_itself() -> None:
    text = with_condition('{question: q4, in: ["yes"]}')
    assert_problem(
        text,
        "sections[0].questions[3].show_if.question",
        "show_if:",
        "'q4' cannot depend on its own answer",
    )


def test_condition_value_not_an_option() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          show_if:
            question: q1
            in:
              - "yes"
              - maybe
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].show_if.in[1]",
        "- maybe",
        "'maybe' is not an option of question 'q1'",
        "yes, partly, no, na",
    )


def test_nested_condition_problem_has_the_nested_path() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          show_if:
            all:
              - {question: q1, in: ["yes"]}
              - any:
                  - {question: q1, not_in: ["no"]}
                  - {question: qx, in: ["no"]}
          reference: Test 2
        """
    )
    assert_problem(
        text,
        "sections[0].questions[1].show_if.all[1].any[1].question",
        "question: qx",
        "unknown question 'qx'",
    )


def test_condition_on_a_question_with_its_own_problem_adds_no_echo() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: nowhere
          reference: Test 2
        - id: q3
          type: text
          text: Third?
          show_if: {question: q2, in: [maybe]}
          reference: Test 3
        """
    )
    assert [problem.path for problem in problems_of(text)] == ["sections[0].questions[1].answers"]


def test_a_critical_problem_does_not_hide_condition_problems() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          options:
            - {value: a, label: A, score: 1}
          critical: true
          reference: Test 2
        - id: q3
          type: text
          text: Third?
          show_if: {question: q2, in: [maybe]}
          reference: Test 3
        """
    )
    assert [problem.path for problem in problems_of(text)] == [
        "sections[0].questions[1].critical", "sections[0].questions[2].show_if.in[0]"]


def test_comparison_on_choice_question() -> None:
    text = with_condition("{question: q1, gt: 1}")
    assert_problem(
        text,
        "sections[0].questions[3].show_if.gt",
        "show_if:",
        "'gt' compares numbers",
        "'q1' is a choice question",
    )


def test_comparison_on_text_question() -> None:
    text = with_condition("{question: q3, lte: 1}")
    assert_problem(
        text, "sections[0].questions[3].show_if.lte", "show_if:", "'q3' is a text question"
    )


def test_in_on_text_question() -> None:
    text = with_condition("{question: q3, in: [a]}")
    assert_problem(
        text, "sections[0].questions[3].show_if.in", "show_if:", "cannot test a text question"
    )


def test_scale_condition_value_out_of_range() -> None:
    text = with_condition("{question: q2, in: [2, 7]}")
    assert_problem(
        text,
        "sections[0].questions[3].show_if.in[1]",
        "show_if:",
        "7 is not a possible answer",
        "from 0 to 4",
    )


def test_na_condition_on_question_without_na() -> None:
    text = with_condition("{question: q2, in: [na]}")
    assert_problem(text, "sections[0].questions[3].show_if.in[0]", "show_if:", "has no 'na' answer")


def test_condition_without_operator() -> None:
    text = with_condition("{question: q1}")
    assert_problem(text, "sections[0].questions[3].show_if", "show_if:", "needs one operator")


def test_condition_with_two_operators() -> None:
    text = with_condition("{question: q2, gt: 1, lt: 3}")
    assert_problem(
        text,
        "sections[0].questions[3].show_if",
        "show_if:",
        "exactly one operator",
        "gt, lt",
        "'all'",
    )


def test_condition_without_question() -> None:
    text = with_condition('{in: ["yes"]}')
    assert_problem(text, "sections[0].questions[3].show_if", "show_if:", "needs 'question'")


def test_all_mixed_with_a_question() -> None:
    text = with_condition('{question: q1, all: [{question: q1, in: ["yes"]}]}')
    assert_problem(
        text,
        "sections[0].questions[3].show_if",
        "show_if:",
        "'all' cannot be combined with other keys",
    )


def test_combinator_problem_lists_every_other_key() -> None:
    text = with_condition('{question: q1, in: ["yes"], any: [{question: q1, in: ["no"]}]}')
    problem = assert_problem(
        text, "sections[0].questions[3].show_if", "show_if:", "'any' cannot be combined"
    )
    assert "(question, in)" in problem.message
    assert len(problems_of(text)) == 1


def test_unknown_condition_operator() -> None:
    text = with_condition("{question: q2, above: 1}")
    assert_problem(
        text, "sections[0].questions[3].show_if.above", "show_if:", "unknown key 'above'"
    )


# --------------------------------------------------------------------------- reporting


def test_every_problem_is_reported_in_line_order() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: nowhere
          show_if: {question: q9, in: ["yes"]}
          reference: Test 2
        - id: q2
          type: text
          text: Again?
          reference: Test 3
        """,
        levels=LEVELS + "  critical_cap: nobody\n",
    )
    problems = problems_of(text)
    assert [problem.line for problem in problems] == [
        line_of(text, "critical_cap"),
        line_of(text, "answers: nowhere"),
        line_of(text, "question: q9"),
        line_of(text, "Again?") - 2,
    ]


def test_every_schema_problem_is_reported_in_line_order() -> None:
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: compliance
          weight: -1
          reference: Test 2
        - id: q3
          type: text
          text: Third?
          max_length: 0
          na: true
          reference: Test 3
        """,
        levels=LEVELS.replace("min: 75", "min: 175"),
    )
    problems = problems_of(text)
    assert [(problem.line, problem.path) for problem in problems] == [
        (line_of(text, "min: 175"), "scoring.levels[0].min"),
        (line_of(text, "weight: -1"), "sections[0].questions[1].weight"),
        (line_of(text, "max_length: 0"), "sections[0].questions[2].max_length"),
        (line_of(text, "na: true"), "sections[0].questions[2].na"),
    ]


def test_schema_problems_stop_before_the_checks_across_the_file() -> None:
    # The unknown answer set would be reported too, once the weight is put right.
    text = document(
        """\
        - id: q2
          type: choice
          text: Second?
          answers: nowhere
          weight: -1
          reference: Test 2
        """
    )
    assert [problem.path for problem in problems_of(text)] == ["sections[0].questions[1].weight"]
    fixed = text.replace("weight: -1", "weight: 1")
    assert [problem.path for problem in problems_of(fixed)] == ["sections[0].questions[1].answers"]


def test_error_text_lists_file_line_path_and_message() -> None:
    text = with_condition('{question: q9, in: ["yes"]}')
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(text, filename="sample.yaml")
    line = line_of(text, "show_if:")
    assert str(caught.value) == (
        f"sample.yaml:{line}: sections[0].questions[3].show_if.question: unknown question 'q9'"
    )


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(tmp_path)
    assert "cannot read the file" in str(caught.value)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(document().replace("Sample", "Échantillon").encode("latin-1"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "not valid UTF-8" in str(caught.value)
