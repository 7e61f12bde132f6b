"""Carrying answers from one questionnaire version to the next through a mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppp_assess.domain import Questionnaire, load_questionnaire
from ppp_assess.domain.version_mapping import (
    MappingError,
    MappingRule,
    VersionMapping,
    carry_answers,
    check_mapping,
    find_mapping_file,
    load_mapping,
    may_have_mapping_from,
)

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "tests" / "data" / "versions"


@pytest.fixture(scope="module")
def old() -> Questionnaire:
    return load_questionnaire(VERSIONS / "upgrade-example.yaml")


@pytest.fixture(scope="module")
def new() -> Questionnaire:
    return load_questionnaire(VERSIONS / "upgrade-example-2.yaml")


@pytest.fixture(scope="module")
def mapping() -> VersionMapping:
    path = find_mapping_file(VERSIONS, "upgrade-example", "1.0", "2.0")
    assert path is not None
    return load_mapping(path)


def test_mapping_is_found_and_read(mapping: VersionMapping) -> None:
    assert (mapping.questionnaire, mapping.from_version, mapping.to_version) == (
        "upgrade-example", "1.0", "2.0")
    assert mapping.rules["x1"].targets == ()
    assert mapping.rules["t"].targets == ("t1", "t2")
    assert find_mapping_file(VERSIONS, "upgrade-example", "1.0", "3.0") is None


def test_a_version_without_any_mapping_onwards_is_told_without_looking_further(
        tmp_path: Path) -> None:
    assert may_have_mapping_from(VERSIONS, "upgrade-example", "1.0")
    assert not may_have_mapping_from(VERSIONS, "upgrade-example", "2.0")
    assert not may_have_mapping_from(VERSIONS, "upgrade", "1.0")
    assert not may_have_mapping_from(tmp_path, "upgrade-example", "1.0")  # no folder
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "upgrade-example-1.0-2.0.yml").write_text("")
    assert not may_have_mapping_from(tmp_path, "upgrade-example", "1.0")
    (tmp_path / "mappings" / "upgrade-example-1.0-7.3.yaml").write_text("")
    assert may_have_mapping_from(tmp_path, "upgrade-example", "1.0")
    assert find_mapping_file(tmp_path, "upgrade-example", "1.0", "7.3") is not None


def test_a_settled_mappings_folder_is_listed_once_and_again_when_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    from ppp_assess.domain import version_mapping

    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "upgrade-example-2.0-3.0.yaml").write_text("")
    settled = time.time() - 60
    os.utime(folder, (settled, settled))
    listed: list[str] = []
    listdir = os.listdir
    monkeypatch.setattr(version_mapping.os, "listdir",
                        lambda path: listed.append(path) or listdir(path))
    for _ in range(3):
        assert not may_have_mapping_from(tmp_path, "upgrade-example", "1.0")
        assert may_have_mapping_from(tmp_path, "upgrade-example", "2.0")
    assert len(listed) == 1
    # A file added moves the folder's time: it is seen at once, and listed afresh while
    # the folder changed too recently to be kept.
    (folder / "upgrade-example-1.0-2.0.yaml").write_text("")
    assert may_have_mapping_from(tmp_path, "upgrade-example", "1.0")
    assert may_have_mapping_from(tmp_path, "upgrade-example", "1.0")
    assert len(listed) == 3


def test_mapping_fits_both_versions(
    mapping: VersionMapping, old: Questionnaire, new: Questionnaire
) -> None:
    assert check_mapping(mapping, old, new) == []


def test_answers_carry_rename_split_and_drop(
    mapping: VersionMapping, old: Questionnaire, new: Questionnaire
) -> None:
    answers = {"p1": "rail", "l1": "law", "l2": "practice", "l3": ["hotline", "audit"],
               "t": "practice", "x1": "Notes", "x2": 3, "gone": "x"}
    carried, dropped = carry_answers(mapping, old, new, answers)
    assert carried == {"p1": "rail", "l1": "law", "l2": "applied",
                       "l3": ["audit", "hotline"], "t1": "applied", "t2": "applied"}
    assert list(carried) == ["p1", "l1", "l2", "l3", "t1", "t2"]
    # x1 is mapped to nothing, x2 is not listed, "gone" is no question of 1.0
    assert dropped == ["x1", "x2", "gone"]


def test_value_the_new_question_refuses_is_dropped(
    old: Questionnaire, new: Questionnaire
) -> None:
    # without the renaming, "law" is no option of the 2.0 question: the answer is dropped
    broken = VersionMapping("upgrade-example", "1.0", "2.0", {"l2": MappingRule(("l2",))})
    carried, dropped = carry_answers(broken, old, new, {"l2": "law"})
    assert carried == {}
    assert dropped == ["l2"]


def test_mapping_problems_are_listed(old: Questionnaire, new: Questionnaire) -> None:
    text = """
questionnaire: upgrade-example
from: "1.0"
to: "2.0"
questions:
  l1: nowhere
  l2: {to: l2, values: {law: missing}}
  l3: l2
  zz: l1
"""
    problems = check_mapping(load_mapping(text), old, new)
    assert any("no question 'nowhere'" in item for item in problems)
    assert any("'missing' is not an option of 'l2'" in item for item in problems)
    assert any("'l2' is also seeded from 'l2'" in item for item in problems)
    assert any("no question 'zz' in version 1.0" in item for item in problems)
    with pytest.raises(MappingError):
        carry_answers(load_mapping(text), old, new, {})


def test_mapping_for_other_versions_is_refused(
    mapping: VersionMapping, new: Questionnaire
) -> None:
    problems = check_mapping(mapping, new, new)
    assert any("not from 2.0 to 2.0" in item for item in problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list", "must be a mapping"),
        ("questionnaire: q\nfrom: 1.0\nto: \"2.0\"\nquestions: {}", "'from' must be a version"),
        ("questionnaire: q\nfrom: \"1.0\"\nto: \"2.0\"\nquestions: {a: 3}", "give a new question"),
        ("questionnaire: q\nfrom: \"1.0\"\nto: \"2.0\"\nquestions: {a: {to: b, values: {yes: x}}}",
         "quote yes and no"),
        ("questionnaire: q\nfrom: \"1.0\"\nto: \"2.0\"\nquestions: {a: {into: b}}", "takes 'to'"),
        ("questionnaire: q\nfrom: \"1.0\"\nto: \"2.0\"\nquestions: {a: [b, b]}", "listed twice"),
        ("questionnaire: q\nfrom: \"1.0\"\nto: \"2.0\"\nextra: 1\nquestions: {}", "unknown keys"),
        ("a: [", "invalid YAML"),
    ],
)
def test_malformed_mapping_files(text: str, expected: str) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(text)
    assert any(expected in problem for problem in caught.value.problems)


def test_published_mapping_files_fit() -> None:
    folder = ROOT / "questionnaires"
    files = {}
    for path in sorted(folder.glob("*.yaml")):
        questionnaire = load_questionnaire(path)
        files[(questionnaire.id, questionnaire.version)] = questionnaire
    for path in sorted((folder / "mappings").glob("*.yaml")):
        mapping = load_mapping(path)
        old = files[(mapping.questionnaire, mapping.from_version)]
        new = files[(mapping.questionnaire, mapping.to_version)]
        assert check_mapping(mapping, old, new) == [], path.name


def test_loading_against_both_versions_checks_the_fit(
    old: Questionnaire, new: Questionnaire
) -> None:
    path = find_mapping_file(VERSIONS, "upgrade-example", "1.0", "2.0")
    assert path is not None
    mapping = load_mapping(path, old, new)
    carried, dropped = carry_answers(mapping, old, new, {"l2": "law", "x1": "Notes"})
    assert (carried, dropped) == ({"l2": "in_law"}, ["x1"])
    with pytest.raises(MappingError) as caught:
        load_mapping(path, new, new)
    assert any("not from 2.0 to 2.0" in problem for problem in caught.value.problems)
