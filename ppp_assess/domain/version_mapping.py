"""Moving answers from one version of a questionnaire to another.

A mapping file ``questionnaires/mappings/<questionnaire-id>-<from>-<to>.yaml`` says which
answers of the old version carry over to the new one::

    questionnaire: people-first
    from: "1.0"
    to: "2.0"
    questions:
      pf-1-1: pf-1-1                      # carried as is
      pf-1-3: {to: pf-1-3, values: {provided: in_law, applied: practice}}  # values renamed
      pf-1-8: [pf-1-8a, pf-1-8b]          # a split question: the answer seeds both
      zt-9-9: null                        # not carried

Old question ids that are not listed are not carried. An answer is carried to a new
question only when (after renaming) the new question accepts it; otherwise it is
dropped. :func:`check_mapping` checks a mapping against both questionnaires;
:func:`carry_answers` applies it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .answers import AnswerError, AnswerValue, clean_answers, validate_answer
from .schema import Questionnaire

#: The folder, beside the questionnaire files, that holds the mapping files.
MAPPING_FOLDER = "mappings"

#: A value as a mapping renames it: an option value, or a scale point.
RenamedValue = str | int | float


class MappingError(Exception):
    """A mapping file that cannot be used; ``problems`` lists everything found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class MappingRule:
    """Where the answer to one old question goes."""

    #: The new questions it seeds, in the order written; empty when it is not carried.
    targets: tuple[str, ...]
    #: Old value -> new value; values not listed keep their value.
    values: Mapping[RenamedValue, RenamedValue] = field(default_factory=dict)

    def rename(self, value: AnswerValue) -> Any:
        """Return an answer with its values renamed (each item of a list)."""
        if isinstance(value, list):
            return [self.values.get(item, item) for item in value]
        return self.values.get(value, value)


@dataclass(frozen=True)
class VersionMapping:
    """The mapping between two versions of one questionnaire."""

    questionnaire: str
    from_version: str
    to_version: str
    #: Old question id -> rule, in the order written.
    rules: Mapping[str, MappingRule]
    #: Where the mapping was read from, for messages.
    file: str = "<mapping>"


def mapping_file_name(questionnaire_id: str, from_version: str, to_version: str) -> str:
    """Return the file name of the mapping between two versions."""
    return f"{questionnaire_id}-{from_version}-{to_version}.yaml"


def find_mapping_file(
    directory: Path, questionnaire_id: str, from_version: str, to_version: str
) -> Path | None:
    """Return the mapping file under ``directory/mappings`` if there is one."""
    name = mapping_file_name(questionnaire_id, from_version, to_version)
    path = directory / MAPPING_FOLDER / name
    return path if path.is_file() else None


def may_have_mapping_from(directory: Path, questionnaire_id: str, from_version: str) -> bool:
    """Return whether ``directory/mappings`` may hold a mapping from ``from_version``.

    ``False`` only when no file there is named like one (nor is the folder there): then
    :func:`find_mapping_file` finds none for any later version, and the versions
    published need not be read. The newest version of a questionnaire has no mapping
    onwards, so most drafts are answered without asking the database.
    """
    prefix = mapping_file_name(questionnaire_id, from_version, "")[:-len(".yaml")]
    names = _file_names(os.path.join(directory, MAPPING_FOLDER))
    if names is None:  # unreadable: let the mapping files themselves be looked up
        return True
    return any(name.startswith(prefix) and name.endswith(".yaml") for name in names)


#: A folder changed this recently (nanoseconds) is listed afresh rather than kept: its
#: modification time may not move again for a file added within the clock's tick.
_SETTLED_NS = 2_000_000_000


def _file_names(folder: str) -> frozenset[str] | None:
    """Return the names in ``folder`` (none when it is missing; ``None`` if unreadable).

    Every section page of a draft asks, so a listing is kept while the folder's
    modification time stays the same: one ``stat`` instead of reading the folder.
    """
    try:
        changed = os.stat(folder).st_mtime_ns
    except (FileNotFoundError, NotADirectoryError):
        return frozenset()
    except OSError:
        return None
    if time.time_ns() - changed < _SETTLED_NS:
        return _list(folder)
    return _kept_list(folder, changed)


def _list(folder: str) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return frozenset()
    except OSError:
        return None


@lru_cache(maxsize=64)
def _kept_list(folder: str, _changed: int) -> frozenset[str] | None:
    return _list(folder)


def _is_value(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _version(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def load_mapping(source: Path | str, old: Questionnaire | None = None,
                 new: Questionnaire | None = None, *,
                 filename: str | None = None) -> VersionMapping:
    """Read a mapping file (a path) or mapping YAML (text), checking its shape.

    Given the two questionnaires, the mapping is also checked against them
    (:func:`check_mapping`).

    :raises MappingError: listing every problem found.
    """
    if isinstance(source, Path):
        name = filename or str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise MappingError([f"{name}: cannot read the file ({error})"]) from None
    else:
        name = filename or "<string>"
        text = source
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError([f"{name}: invalid YAML: {error}"]) from None
    mapping = mapping_from_dict(data, filename=name)
    if old is not None and new is not None:
        problems = check_mapping(mapping, old, new)
        if problems:
            raise MappingError(problems)
    return mapping


def mapping_from_dict(data: object, *, filename: str = "<mapping>") -> VersionMapping:
    """Build a mapping from parsed YAML, checking its shape.

    :raises MappingError: listing every problem found.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise MappingError([f"{filename}: a mapping file must be a mapping at the top level"])
    unknown = sorted(str(key) for key in data if key not in ("questionnaire", "from", "to",
                                                            "questions"))
    if unknown:
        problems.append(f"{filename}: unknown keys: {', '.join(unknown)}")
    questionnaire = data.get("questionnaire")
    if not isinstance(questionnaire, str) or not questionnaire:
        problems.append(f"{filename}: 'questionnaire' must name the questionnaire id")
    versions = {key: _version(data.get(key)) for key in ("from", "to")}
    for key, value in versions.items():
        if value is None:
            problems.append(f"{filename}: '{key}' must be a version, quoted: \"1.0\"")
    raw_rules = data.get("questions")
    rules: dict[str, MappingRule] = {}
    if not isinstance(raw_rules, Mapping):
        problems.append(f"{filename}: 'questions' must map old question ids to new ones")
        raw_rules = {}
    for old_id, raw in raw_rules.items():
        where = f"{filename}: questions.{old_id}"
        if not isinstance(old_id, str):
            problems.append(f"{where}: a question id must be text")
            continue
        rule = _rule(raw, where, problems)
        if rule is not None:
            rules[old_id] = rule
    if problems:
        raise MappingError(problems)
    assert isinstance(questionnaire, str)
    return VersionMapping(
        questionnaire=questionnaire,
        from_version=str(versions["from"]),
        to_version=str(versions["to"]),
        rules=rules,
        file=filename,
    )


def _targets(raw: object, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if raw is None:
        return ()
    if isinstance(raw, str) and raw:
        return (raw,)
    if isinstance(raw, list) and raw and all(isinstance(item, str) and item for item in raw):
        if len(set(raw)) != len(raw):
            problems.append(f"{where}: a new question is listed twice")
            return None
        return tuple(raw)
    problems.append(
        f"{where}: give a new question id, a list of them, null, or {{to: ..., values: ...}}"
    )
    return None


def _rule(raw: object, where: str, problems: list[str]) -> MappingRule | None:
    if not isinstance(raw, Mapping):
        targets = _targets(raw, where, problems)
        return None if targets is None else MappingRule(targets)
    extra = sorted(str(key) for key in raw if key not in ("to", "values"))
    if extra or "to" not in raw:
        problems.append(f"{where}: a rule takes 'to' and optionally 'values', got"
                        f" {', '.join(str(key) for key in raw) or 'nothing'}")
        return None
    targets = _targets(raw["to"], where, problems)
    values = raw.get("values", {})
    if not isinstance(values, Mapping) or not all(
        _is_value(old) and _is_value(new) for old, new in values.items()
    ):
        problems.append(f"{where}.values: map old values to new values (quote yes and no)")
        return None
    if targets is None:
        return None
    return MappingRule(targets, dict(values))


def check_mapping(
    mapping: VersionMapping, old: Questionnaire, new: Questionnaire
) -> list[str]:
    """Return what is wrong with ``mapping`` between ``old`` and ``new`` (empty when nothing).

    The ids and versions must match; every old question must exist in ``old`` and
    every target in ``new``; no new question may be seeded from two old ones; a renamed
    value must be an option of the old question and, renamed, of every target that has
    options.
    """
    problems: list[str] = []
    file = mapping.file
    if mapping.questionnaire != old.id or mapping.questionnaire != new.id:
        problems.append(f"{file}: the mapping is for '{mapping.questionnaire}', not for"
                        f" '{old.id}' and '{new.id}'")
    if (mapping.from_version, mapping.to_version) != (old.version, new.version):
        problems.append(f"{file}: the mapping goes from {mapping.from_version} to"
                        f" {mapping.to_version}, not from {old.version} to {new.version}")
    seeded: dict[str, str] = {}
    for old_id, rule in mapping.rules.items():
        where = f"{file}: questions.{old_id}"
        if not old.has_question(old_id):
            problems.append(f"{where}: no question '{old_id}' in version {old.version}")
            continue
        old_question = old.question(old_id)
        for target in rule.targets:
            if not new.has_question(target):
                problems.append(f"{where}: no question '{target}' in version {new.version}")
                continue
            if target in seeded:
                problems.append(f"{where}: '{target}' is also seeded from '{seeded[target]}'")
            seeded.setdefault(target, old_id)
            new_question = new.question(target)
            for old_value, new_value in rule.values.items():
                if old_question.options and not old_question.has_option(old_value):
                    problems.append(f"{where}: {old_value!r} is not an option of '{old_id}'")
                if new_question.options and not new_question.has_option(new_value):
                    problems.append(f"{where}: {new_value!r} is not an option of '{target}'")
    return problems


def carry_answers(
    mapping: VersionMapping,
    old: Questionnaire,
    new: Questionnaire,
    answers: Mapping[str, object],
) -> tuple[dict[str, AnswerValue], list[str]]:
    """Apply ``mapping`` to answers given to ``old``.

    :param answers: old question id -> stored answer.
    :return: ``(carried, dropped)``: new question id -> answer (in ``new``'s document
        order), and the old question ids whose answers went nowhere (in ``old``'s
        document order). An answer that ``old`` does not accept is dropped too.
    :raises MappingError: when the mapping does not fit the two questionnaires.
    """
    problems = check_mapping(mapping, old, new)
    if problems:
        raise MappingError(problems)
    accepted = clean_answers(old, answers)
    carried: dict[str, AnswerValue] = {}
    dropped: list[str] = []
    for question in old.all_questions():
        if question.id not in accepted:
            continue
        rule = mapping.rules.get(question.id)
        landed = False
        for target in rule.targets if rule is not None else ():
            assert rule is not None
            try:
                carried[target] = validate_answer(
                    new.question(target), rule.rename(accepted[question.id])
                )
            except AnswerError:
                continue
            landed = True
        if not landed:
            dropped.append(question.id)
    dropped.extend(question_id for question_id in answers if question_id not in accepted)
    order = {question.id: index for index, question in enumerate(new.all_questions())}
    return dict(sorted(carried.items(), key=lambda item: order[item[0]])), dropped
