"""Extraction: the questionnaire extractor, the reference-list extractor and what the
templates contain."""

from __future__ import annotations

import io
from importlib.metadata import entry_points

import pytest

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.loader import translatable_messages
from ppp_assess.domain.reference import REGIONS, SECTORS
from ppp_assess.i18n import catalogs
from ppp_assess.i18n.extract import extract_label_tables, extract_questionnaire

QUESTIONNAIRES = sorted((PROJECT_ROOT / "questionnaires").glob("*.yaml"))
SAMPLE = PROJECT_ROOT / "tests" / "data" / "complete.yaml"


@pytest.fixture(scope="module")
def messages_template():
    return catalogs.extract_template("messages")


@pytest.fixture(scope="module")
def questionnaires_template():
    return catalogs.extract_template("questionnaires")


def _extract(path) -> list[tuple[int, str | None, str, list[str]]]:
    with path.open("rb") as handle:
        return list(extract_questionnaire(handle, {}, (), {}))


def test_questionnaire_extractor_names_the_file_and_the_path() -> None:
    found = {message: (line, context, comments) for line, context, message, comments
             in _extract(SAMPLE)}
    line, context, comments = found["Which stage is the project in?"]
    assert comments == ["complete.yaml:/sections/0/questions/0/text"]
    assert context is None
    assert SAMPLE.read_text(encoding="utf-8").splitlines()[line - 1].strip() == (
        "text: Which stage is the project in?")
    # Surrounding spaces are not part of the msgid (the loader strips them too).
    assert found["Governance"][2] == ["complete.yaml:/sections/0/title"]
    assert found["Exemplary"][2] == ["complete.yaml:/scoring/levels/0/label"]
    assert found["Partly"][2] == ["complete.yaml:/answer_sets/compliance/1/label"]


def test_questionnaire_extractor_is_registered_with_babel() -> None:
    registered = {entry.name: entry.value for entry in entry_points(group="babel.extractors")}
    assert registered.get("ppp_questionnaire") == "ppp_assess.i18n.extract:extract_questionnaire"


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda path: path.name)
def test_every_questionnaire_text_is_in_the_template(path, questionnaires_template) -> None:
    texts = {message for _path, _line, message in
             translatable_messages(path.read_text(encoding="utf-8"), filename=path.name)}
    assert texts, path
    missing = sorted(text for text in texts if questionnaires_template.get(text) is None)
    assert not missing
    pointers = {comment.split(":", 1)[0] for message in questionnaires_template
                for comment in message.auto_comments}
    assert path.name in pointers


def test_questionnaire_texts_are_never_read_as_format_strings(questionnaires_template) -> None:
    for message in questionnaires_template:
        assert "python-format" not in message.flags, message.id
    percent = questionnaires_template.get("%")
    assert percent is not None and "no-python-format" in percent.flags


def test_reference_labels_are_extracted_with_their_list(messages_template) -> None:
    for table, name in ((SECTORS, "SECTORS"), (REGIONS, "REGIONS")):
        for code, label in table.items():
            message = messages_template.get(label)
            assert message is not None, label
            assert f'reference.py: {name}["{code}"]' in message.auto_comments


def test_label_tables_extractor_reads_only_code_to_label_dictionaries() -> None:
    source = (
        'LABELS: dict[str, str] = {"a": "First label", "b": "Second"}\n'
        'OTHER = {"x": 1, "y": "Not a number"}\n'
        'NESTED = {"k": {"inner": "Hidden"}}\n'
        'def f():\n    local = {"z": "Inside a function"}\n'
    )
    found = [(line, message, comments) for line, _context, message, comments
             in extract_label_tables(io.BytesIO(source.encode()), {}, (), {})]
    assert found == [(1, "First label", ['reference.py: LABELS["a"]']),
                     (1, "Second", ['reference.py: LABELS["b"]'])]


def test_templates_in_underscore_folders_are_extracted(messages_template) -> None:
    # Babel skips folders starting with "_" unless told otherwise: templates/_macros.
    assert messages_template.get("There is a problem") is not None
    macros = PROJECT_ROOT / "ppp_assess" / "web" / "templates" / "_macros"
    texts = [path for path in macros.glob("*.html") if '_("' in path.read_text("utf-8")]
    assert texts, "the macros are expected to hold translatable texts"


def test_service_errors_and_domain_markers_are_extracted(messages_template) -> None:
    # ``Invalid("...")`` in services and ``N_("...")`` in the pure domain.
    assert messages_template.get("Choose a region from the list.") is not None
    assert messages_template.get("In review") is not None


def test_trans_blocks_are_trimmed(messages_template) -> None:
    for message in messages_template:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            assert text == text.strip(), text
