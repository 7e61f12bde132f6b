"""Loading questionnaire files into the frozen model, and back out as data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from ppp_assess.domain import (
    TRANSLATABLE_KEYS,
    AllCondition,
    AnyCondition,
    Band,
    CompareCondition,
    Evidence,
    InCondition,
    MultiChoiceScoring,
    NotInCondition,
    Operator,
    Option,
    QuestionnaireError,
    QuestionType,
    Scale,
    Subject,
    iter_translatable,
    load_questionnaire,
    map_translatable,
    questionnaire_from_dict,
    questionnaire_json_schema,
    translatable_messages,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
COMPLETE = DATA / "complete.yaml"


def test_complete_file_is_read_in_full() -> None:
    questionnaire = load_questionnaire(COMPLETE)
    assert questionnaire.id == "complete-example"
    assert questionnaire.version == "2.3"
    assert questionnaire.major_version == 2
    assert questionnaire.subject is Subject.project
    assert questionnaire.description == "A questionnaire that uses every key of the file format."
    assert questionnaire.source.symbol == "TEST/2024/1"
    assert questionnaire.source.year == 2024
    assert [level.id for level in questionnaire.levels] == [
        "exemplary",
        "advanced",
        "developing",
        "initial",
    ]
    assert questionnaire.levels[0].description == "Leading practice."
    assert questionnaire.levels[1].description is None
    assert questionnaire.cap_level.id == "developing"
    assert [section.weight for section in questionnaire.sections] == [2.0, 1.0]
    assert questionnaire.sections[0].description == "How decisions are made."

    policy = questionnaire.question("policy")
    assert policy.type is QuestionType.choice
    assert policy.answer_set == "compliance"
    assert policy.options[3] == Option(value="na", label="Not applicable", score=None)
    assert policy.weight == 2.0
    assert policy.required and policy.critical
    assert policy.evidence is Evidence.recommended
    assert policy.guidance == "A policy adopted by the board.\nDrafts do not count."
    assert policy.action == "Adopt a written integrity policy."
    assert policy.reference == "Test, section 3.2 (topic: governance)"
    assert policy.scored

    stage = questionnaire.question("stage")
    assert not stage.scored  # an answer set without scores
    assert stage.evidence is Evidence.none and stage.weight == 1.0 and not stage.required

    channels = questionnaire.question("channels")
    assert channels.multi_scoring is MultiChoiceScoring.mean
    assert channels.answer_set is None
    assert channels.show_if == InCondition(question="policy", values=("yes", "partly"))

    maturity = questionnaire.question("maturity")
    assert maturity.scale == Scale(min=1, max=5, min_label="Not at all", max_label="Fully")
    assert maturity.na
    assert maturity.show_if == AllCondition(
        conditions=(
            NotInCondition(question="policy", values=("no",)),
            AnyCondition(
                conditions=(
                    InCondition(question="stage", values=("operation",)),
                    InCondition(question="channels", values=("gazette",)),
                )
            ),
        )
    )

    share = questionnaire.question("share")
    assert (share.minimum, share.maximum, share.unit, share.na) == (0.0, 100.0, "%", True)
    assert share.bands == (
        Band(min=80.0, score=1.0),
        Band(min=50.0, score=0.5),
        Band(min=0.0, score=0.0),
    )
    assert share.show_if == CompareCondition(question="maturity", operator=Operator.gte, value=3)

    budget = questionnaire.question("budget")
    assert not budget.scored and budget.weight == 0.0
    assert questionnaire.question("notes").max_length == 200
    assert questionnaire.question("adopted").type is QuestionType.date


def test_lookups() -> None:
    questionnaire = load_questionnaire(COMPLETE)
    ids = [question.id for question in questionnaire.all_questions()]
    assert ids == ["stage", "policy", "channels", "maturity", "share", "budget", "notes", "adopted"]
    assert questionnaire.position("share") == 4
    assert [questionnaire.number(id_) for id_ in ("stage", "maturity", "share")] == [
        "1.1", "1.4", "2.1"]
    assert questionnaire.section_of("share").id == "finance"
    assert questionnaire.section("finance").title == "Finance"
    assert questionnaire.level("advanced").min == 65
    assert questionnaire.has_question("notes")
    assert not questionnaire.has_question("missing")
    with pytest.raises(KeyError, match="missing"):
        questionnaire.question("missing")
    with pytest.raises(KeyError):
        questionnaire.level("missing")
    assert questionnaire.question("policy").option("partly").score == 0.5


def test_default_critical_cap_is_one_below_the_top() -> None:
    text = COMPLETE.read_text(encoding="utf-8").replace("  critical_cap: developing\n", "")
    assert load_questionnaire(text).critical_cap == "advanced"


# --------------------------------------------------------------------------- sources


def test_source_forms(tmp_path: Path) -> None:
    text = COMPLETE.read_text(encoding="utf-8")
    copy = tmp_path / "copy.yml"
    copy.write_text(text, encoding="utf-8")
    from_path = load_questionnaire(COMPLETE)
    assert load_questionnaire(str(COMPLETE)) == from_path
    assert load_questionnaire(str(copy)) == from_path
    assert load_questionnaire(text) == from_path


def test_problems_name_the_file() -> None:
    text = COMPLETE.read_text(encoding="utf-8").replace("type: date", "type: when")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(text)
    assert str(caught.value).startswith("<string>:")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(text, filename="questionnaires/complete.yaml")
    assert str(caught.value).startswith("questionnaires/complete.yaml:")


def test_only_safe_yaml_is_read() -> None:
    text = COMPLETE.read_text(encoding="utf-8").replace(
        "title: Complete example", "title: !!python/object/apply:os.getcwd []"
    )
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(text)
    assert "invalid YAML" in str(caught.value)


# --------------------------------------------------------------------------- stored definitions


def test_to_dict_round_trip() -> None:
    questionnaire = load_questionnaire(COMPLETE)
    data = json.loads(json.dumps(questionnaire.to_dict()))
    again = questionnaire_from_dict(data)
    assert again == questionnaire
    assert again.content_hash == questionnaire.content_hash
    assert again.to_dict() == data


def test_content_hash_follows_the_definition() -> None:
    questionnaire = load_questionnaire(COMPLETE)
    assert re.fullmatch(r"[0-9a-f]{64}", questionnaire.content_hash)
    text = COMPLETE.read_text(encoding="utf-8")
    # spelling out a default changes nothing
    spelled_out = text.replace(
        "        reference: Test 4.3\n", "        reference: Test 4.3\n        weight: 1.0\n"
    )
    assert spelled_out != text
    assert load_questionnaire(spelled_out).content_hash == questionnaire.content_hash
    # any real change does
    changed = text.replace("What is the budget?", "What is the total budget?")
    assert load_questionnaire(changed).content_hash != questionnaire.content_hash


def test_questionnaires_are_hashable_and_compare_by_definition() -> None:
    first = load_questionnaire(COMPLETE)
    second = load_questionnaire(COMPLETE)
    assert first is not second
    assert first == second and hash(first) == hash(second)
    assert {first: 1}[second] == 1


def test_from_dict_problems_have_no_line() -> None:
    data = load_questionnaire(COMPLETE).to_dict()
    data["sections"][1]["questions"][1]["weight"] = -3
    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_from_dict(data)
    (problem,) = caught.value.problems
    assert problem.line is None
    assert str(problem) == (
        "<definition>: sections[1].questions[1].weight: weight must be zero or more, got -3"
    )


def test_from_dict_leaves_its_input_alone() -> None:
    data = load_questionnaire(COMPLETE).to_dict()
    data["title"] = "  Spaced  "
    snapshot = json.dumps(data, sort_keys=True)
    assert questionnaire_from_dict(data).title == "Spaced"
    assert json.dumps(data, sort_keys=True) == snapshot


def test_from_dict_rejects_non_mappings() -> None:
    with pytest.raises(QuestionnaireError, match="must be a mapping"):
        questionnaire_from_dict([])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- translatable text


def test_every_translatable_key_occurs_in_the_complete_file() -> None:
    import yaml

    raw = yaml.safe_load(COMPLETE.read_text(encoding="utf-8"))
    found = {
        tuple("*" if not isinstance(part, str) else part for part in path)
        for path, _ in iter_translatable(raw)
    }
    # answer-set names are mapping keys, written as "*" in the patterns
    found = {
        ("answer_sets", "*", "*", "label") if path[0] == "answer_sets" else path for path in found
    }
    assert found == set(TRANSLATABLE_KEYS)


def test_msgids_are_the_normalised_translatable_strings() -> None:
    import yaml

    questionnaire = load_questionnaire(COMPLETE)
    raw = yaml.safe_load(COMPLETE.read_text(encoding="utf-8"))
    from_file = {text for _, text in iter_translatable(raw)}
    assert set(questionnaire.msgids()) == from_file
    assert "Governance" in questionnaire.msgids()  # written "  Governance  "
    assert questionnaire.sections[0].title == "Governance"
    # Ids and option values are not for translation; references (citations) are.
    assert "policy" not in from_file
    assert "Test 4.1" in from_file


def test_translatable_messages_have_their_lines() -> None:
    text = COMPLETE.read_text(encoding="utf-8")
    messages = translatable_messages(text, filename="complete.yaml")
    lines = text.splitlines()
    by_path = {path: (line, message) for path, line, message in messages}
    line, message = by_path[("sections", 0, "questions", 1, "action")]
    assert message == "Adopt a written integrity policy."
    assert line is not None and lines[line - 1].strip().startswith("action:")
    line, message = by_path[("answer_sets", "compliance", 1, "label")]
    assert message == "Partly" and line is not None and "partly" in lines[line - 1]
    assert {message for _, _, message in messages} == set(load_questionnaire(text).msgids())


def test_map_translatable_returns_a_copy() -> None:
    data = load_questionnaire(COMPLETE).to_dict()
    upper = map_translatable(data, str.upper)
    assert upper["title"] == "COMPLETE EXAMPLE"
    assert upper["answer_sets"]["compliance"][1]["label"] == "PARTLY"
    assert upper["answer_sets"]["compliance"][1]["value"] == "partly"
    assert upper["answer_sets"]["compliance"][1]["score"] == 0.5
    assert (
        upper["sections"][0]["questions"][1]["reference"]
        == data["sections"][0]["questions"][1]["reference"].upper()
    )
    assert data["title"] == "Complete example"


# --------------------------------------------------------------------------- schema and docs


def test_json_schema_is_valid_draft_2020_12() -> None:
    schema = questionnaire_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    schema["title"] = "changed"
    assert questionnaire_json_schema()["title"] != "changed"


def _error_messages(node: object) -> list[tuple[dict[str, object], str, str]]:
    """Return ``(schema, keyword, template)`` for every ``errorMessage`` in a schema."""
    found: list[tuple[dict[str, object], str, str]] = []
    if isinstance(node, dict):
        messages = node.get("errorMessage")
        if isinstance(messages, dict):
            found.extend((node, keyword, template) for keyword, template in messages.items())
        for value in node.values():
            found.extend(_error_messages(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_error_messages(value))
    return found


def test_json_schema_messages_name_their_keyword_and_known_placeholders() -> None:
    messages = _error_messages(questionnaire_json_schema())
    assert len(messages) >= 15
    fields = {"instance": {"value": "b"}, "key": "na", "type": "choice",
              "key_types": "scale and number", "others": "question"}
    for schema, keyword, template in messages:
        assert keyword in schema, f"errorMessage for {keyword!r} beside no such keyword"
        assert template.format(**fields)


def test_json_schema_accepts_stored_definitions() -> None:
    data = load_questionnaire(COMPLETE).to_dict()
    jsonschema.Draft202012Validator(questionnaire_json_schema()).validate(data)


def yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", markdown, flags=re.DOTALL)


def test_documentation_example_loads() -> None:
    markdown = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    complete = [block for block in yaml_blocks(markdown) if block.startswith("id:")]
    assert complete, "the format documentation has no complete example"
    for block in complete:
        questionnaire = load_questionnaire(block, filename="docs/questionnaire-format.md")
        assert questionnaire.all_questions()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "questionnaires").glob("*.yaml")), ids=lambda path: path.name
)
def test_shipped_questionnaires_load(path: Path) -> None:
    questionnaire = load_questionnaire(path)
    assert questionnaire.all_questions()
    assert questionnaire_from_dict(questionnaire.to_dict()) == questionnaire
