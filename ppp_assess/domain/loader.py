"""Loading and checking questionnaire files.

A file goes through three stages, and every problem found is reported with the file,
the place in the document (``sections[2].questions[4].show_if``) and the line:

1. YAML parsing (safe loading only; duplicate keys are reported too);
2. the check against ``questionnaire.schema.json`` (JSON Schema 2020-12), which holds
   every rule about one place of the file: keys, types, ranges, patterns, the keys of
   each question type and the shape of conditions;
3. the checks that need several places at once: unique ids, answer-set names,
   condition targets and values, level and band order, critical questions.

When stage 1 or 2 finds problems, stage 3 is skipped, since it relies on the structure.
All problems of the failing stage are reported together.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .question_types import (
    QUESTION_STRATEGIES,
    ConditionValue,
    ConditionValueError,
    strategy_for,
)
from .question_types.base import plain_number
from .schema import (
    DEFAULT_EVIDENCE_THRESHOLD,
    EXPLICIT_MAJOR_VERSION,
    AllCondition,
    AnyCondition,
    Basis,
    BasisWording,
    CompareCondition,
    Condition,
    DocumentPath,
    Evidence,
    InCondition,
    Level,
    NotInCondition,
    Operator,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    Source,
    Subject,
    iter_translatable,
    map_translatable,
    normalise_msgid,
)

_SCHEMA_FILE = "questionnaire.schema.json"
#: The definition that stands for a key of another question type in the schema.
_KEY_OF_ANOTHER_TYPE = "#/$defs/key_of_another_type"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire file."""

    file: str
    #: Where in the document, e.g. ``sections[2].questions[4].show_if``; empty for the whole file.
    path: str
    #: 1-based line in the YAML text; ``None`` when the definition did not come from text.
    line: int | None
    message: str

    def __str__(self) -> str:
        location = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            return f"{location}: {self.path}: {self.message}"
        return f"{location}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire that cannot be loaded; ``problems`` lists everything found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def format_path(path: DocumentPath) -> str:
    """Return a document path as text: ``sections[2].questions[4].show_if``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --------------------------------------------------------------------------- entry points


def load_questionnaire(source: str | Path, *, filename: str | None = None) -> Questionnaire:
    """Load and check a questionnaire from a file or from YAML text.

    A :class:`~pathlib.Path` is always a file. A string is a file name when it is a
    single line that ends in ``.yaml`` or ``.yml`` or names an existing file; otherwise
    it is the YAML text itself.

    :param source: a path to a YAML file, or YAML text.
    :param filename: the name to show in problems (default: the path, or ``<string>``).
    :return: the questionnaire.
    :raises QuestionnaireError: listing every problem found.
    """
    if _is_path(source):
        path = Path(source)
        name = filename or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise QuestionnaireError([Problem(name, "", None, "file not found")]) from None
        except UnicodeDecodeError as error:
            raise QuestionnaireError(
                [Problem(name, "", None, f"the file is not valid UTF-8 text ({error.reason})")]
            ) from None
        except OSError as error:
            raise QuestionnaireError(
                [Problem(name, "", None, f"cannot read the file: {error.strerror}")]
            ) from None
    else:
        text = str(source)
        name = filename or "<string>"
    data, lines, problems = _parse_yaml(text, name)
    return _build(data, name, lines, problems)


def questionnaire_from_dict(
    data: Mapping[str, Any], *, filename: str | None = None
) -> Questionnaire:
    """Check a questionnaire definition given as data and build it.

    This is the inverse of :meth:`Questionnaire.to_dict`; it runs the same checks as
    :func:`load_questionnaire`, without line numbers.

    :param data: the definition, shaped like a questionnaire file.
    :param filename: the name to show in problems (default ``<definition>``).
    :return: the questionnaire.
    :raises QuestionnaireError: listing every problem found.
    """
    return _build(data, filename or "<definition>", None, [])


def translatable_messages(
    text: str, *, filename: str = "<string>"
) -> list[tuple[DocumentPath, int | None, str]]:
    """List the translatable texts of questionnaire YAML with their places, for extraction.

    The file is only parsed, not checked, so that strings can be extracted from a file
    that is still being written.

    :param text: the YAML text.
    :param filename: the name to show in problems.
    :return: ``(path, line, msgid)`` for every non-empty msgid, in document order.
    :raises QuestionnaireError: when the text is not valid YAML.
    """
    data, lines, _ = _parse_yaml(text, filename)
    return [
        (path, lines.line(path), message) for path, message in iter_translatable(data) if message
    ]


def questionnaire_json_schema() -> dict[str, Any]:
    """Return (a copy of) the JSON Schema of the questionnaire file format."""
    return copy.deepcopy(_schema())


def _is_path(source: str | Path) -> bool:
    if isinstance(source, Path):
        return True
    if "\n" in source or not source.strip():
        return False
    if source.endswith((".yaml", ".yml")):
        return True
    try:
        return Path(source).is_file()
    except OSError:
        return False


# --------------------------------------------------------------------------- YAML and lines


class _LineMap:
    """1-based lines of a YAML document, by document path.

    A mapping entry is located at its key, so a block list or mapping is reported on
    the line that names it; a list item at its first line.
    """

    def __init__(self) -> None:
        self.lines: dict[DocumentPath, int] = {}

    def line(self, path: DocumentPath) -> int | None:
        """Return the line of ``path``, or of its nearest ancestor in the document."""
        for length in range(len(path), -1, -1):
            found = self.lines.get(path[:length])
            if found is not None:
                return found
        return None


def _parse_yaml(text: str, file: str) -> tuple[Any, _LineMap, list[Problem]]:
    # Composing the node tree and constructing from it is exactly what yaml.safe_load
    # does; doing the two steps here gives the line of every value from one parse.
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        message = f"invalid YAML: {detail}" + (f" ({context})" if context else "")
        raise QuestionnaireError([Problem(file, "", line, message)]) from None
    finally:
        loader.dispose()
    lines = _LineMap()
    problems: list[Problem] = []
    if node is not None:
        _index_node(node, (), lines, problems, file, set())
    return data, lines, problems


def _index_node(
    node: yaml.Node,
    path: DocumentPath,
    lines: _LineMap,
    problems: list[Problem],
    file: str,
    ancestors: set[int],
) -> None:
    lines.lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in ancestors:  # a recursive alias
        return
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            key_line = key_node.start_mark.line + 1
            if key == "<<":
                continue
            if key in seen:
                problems.append(
                    Problem(
                        file,
                        format_path((*path, key)),
                        key_line,
                        f"duplicate key '{key}' (first given on line {seen[key]})",
                    )
                )
                continue
            seen[key] = key_line
            child: DocumentPath = (*path, key)
            lines.lines.setdefault(child, key_line)
            _index_node(value_node, child, lines, problems, file, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_node(item, (*path, index), lines, problems, file, ancestors)


# --------------------------------------------------------------------------- structure


@cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value}"


def _suggest(word: object, candidates: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


@cache
def _key_types() -> dict[str, tuple[str, ...]]:
    """Return the question types that take each type-specific key, as the schema says.

    A rule of ``$defs/question`` that marks keys as belonging to another type applies to
    every type but those that its ``if`` lists under ``not``: those take the keys.
    """
    definitions = _schema()["$defs"]
    every_type: list[str] = definitions["question_type"]["enum"]
    found: dict[str, tuple[str, ...]] = {}
    for rule in definitions["question"].get("allOf", ()):
        others = rule.get("if", {}).get("properties", {}).get("type", {}).get("not", {})
        for key, value in rule.get("then", {}).get("properties", {}).items():
            if value == {"$ref": _KEY_OF_ANOTHER_TYPE} and "enum" in others:
                found[key] = tuple(kind for kind in every_type if kind in others["enum"])
    return found


def _schema_problems(data: Any, file: str, lines: _LineMap | None) -> list[Problem]:
    problems: list[tuple[int, int, Problem]] = []
    for order, error in enumerate(_validator().iter_errors(data)):
        path: DocumentPath = tuple(error.absolute_path)
        custom = _custom_message(error, path, data)
        explained = [(custom, path)] if custom is not None else _explain(error, path)
        if "propertyNames" in error.absolute_schema_path:
            # The error is about a mapping key, not about the mapping: point at the key.
            name: str = error.instance
            explained = [(message, (*path, name)) for message, _ in explained]
        for message, where in explained:
            line = lines.line(where) if lines is not None else None
            problems.append((line or 0, order, Problem(file, format_path(where), line, message)))
    return [problem for _, _, problem in sorted(problems, key=lambda item: item[:2])]


def _custom_message(
    error: jsonschema.ValidationError, path: DocumentPath, data: Any
) -> str | None:
    """Return the schema's own message for an error (its ``errorMessage``), if it has one.

    The placeholders the schema's description lists are filled in here; a message that
    cannot be filled in gives way to the generic one.
    """
    schema: Any = error.schema
    if not isinstance(schema, Mapping):
        return None
    messages = schema.get("errorMessage")
    template = messages.get(error.validator) if isinstance(messages, Mapping) else messages
    if not isinstance(template, str):
        return None
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    schema_path = list(error.absolute_schema_path)
    others = ""
    if "dependentSchemas" in schema_path and isinstance(error.instance, Mapping):
        index = len(schema_path) - 1 - schema_path[::-1].index("dependentSchemas")
        trigger = schema_path[index + 1] if index + 1 < len(schema_path) else None
        others = ", ".join(str(name) for name in error.instance if name != trigger)
    try:
        return template.format(
            instance=error.instance,
            key=key,
            type=_question_type_at(data, path),
            key_types=_word_list(_key_types().get(key, ())),
            others=others,
        )
    except (LookupError, AttributeError, TypeError, ValueError):
        return None


def _word_list(words: Sequence[str]) -> str:
    """Return ``a``, ``a and b``, ``a, b and c``."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _question_type_at(data: Any, path: DocumentPath) -> str:
    """Return the type of the question that ``path`` is in (or is), if any."""
    found = ""
    node = data
    for part in (*path, None):
        if isinstance(node, Mapping) and isinstance(node.get("type"), str):
            found = node["type"]
        if part is None:
            break
        try:
            node = node[part]
        except (LookupError, TypeError):
            break
    return found


def _explain(
    error: jsonschema.ValidationError, path: DocumentPath
) -> list[tuple[str, DocumentPath]]:
    """Turn one schema error into readable messages with the place each is about."""
    validator = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if validator == "required":
        missing = [key for key in expected if key not in instance]
        return [(f"missing required key '{key}'", path) for key in missing]
    if validator == "additionalProperties":
        known = schema.get("properties", {})
        return [
            (f"unknown key '{key}'{_suggest(key, known)}", (*path, key))
            for key in instance
            if key not in known
        ]
    if validator == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_WORDS.get(name, name) for name in types)
        message = f"expected {wanted}, got {_describe(instance)}"
        if "string" in types and isinstance(instance, bool):
            message += (
                "; YAML reads unquoted yes/no/on/off/true/false as booleans,"
                ' so put the value in quotes, e.g. "yes"'
            )
        elif (
            "string" in types and instance is not None and not isinstance(instance, Mapping | list)
        ):
            message += f'; put the value in quotes, e.g. "{instance}"'
        return [(message, path)]
    if validator == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        suggestion = _suggest(instance, [str(choice) for choice in expected])
        return [(f"{_describe(instance)} is not one of: {choices}{suggestion}", path)]
    if validator == "pattern":
        return [(f"{instance!r} does not match the pattern {expected}", path)]
    if validator == "minItems":
        if expected == 1:
            return [("must not be empty", path)]
        return [(f"needs at least {expected} items", path)]
    if validator == "minLength":
        return [("must not be empty", path)]
    if validator == "minProperties":
        return [("must not be empty", path)]
    if validator in ("minimum", "maximum"):
        if "minimum" in schema and "maximum" in schema:
            bounds = f"between {schema['minimum']} and {schema['maximum']}"
        else:
            bounds = f"at least {expected}" if validator == "minimum" else f"at most {expected}"
        return [(f"must be {bounds}, got {instance}", path)]
    if validator == "maxProperties":
        return [(f"takes at most {expected} keys", path)]
    if validator == "not":
        key = next((part for part in reversed(path) if isinstance(part, str)), None)
        return [(f"'{key}' is not allowed here" if key else "not allowed here", path)]
    return [(error.message, path)]


# --------------------------------------------------------------------------- across the file


def _build(data: Any, file: str, lines: _LineMap | None, problems: list[Problem]) -> Questionnaire:
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"{_describe(data)}"
        raise QuestionnaireError(
            [
                *problems,
                Problem(
                    file,
                    "",
                    lines.line(()) if lines else None,
                    f"a questionnaire file must be a mapping at the top level, got {what}",
                ),
            ]
        )
    problems = problems + _schema_problems(data, file, lines)
    if problems:
        raise QuestionnaireError(sorted(problems, key=lambda problem: problem.line or 0))
    builder = _Builder(file, lines)
    questionnaire = builder.build(map_translatable(data, normalise_msgid))
    if builder.problems or questionnaire is None:
        raise QuestionnaireError(builder.sorted_problems())
    return questionnaire


@dataclass
class _QuestionDraft:
    question: Question
    path: DocumentPath
    position: int
    raw: Mapping[str, Any]
    #: Problems were found in the question's own definition.
    flawed: bool


@dataclass(frozen=True)
class _ConditionOwner:
    """What a condition belongs to: a question, or a section (``is_section``)."""

    id: str
    #: A condition may refer only to questions placed before this position.
    before: int
    is_section: bool = False


class _Builder:
    """Builds the dataclasses from schema-valid data, collecting the problems across it.

    It is the :class:`~ppp_assess.domain.question_types.BuildContext` that question-type
    strategies build their questions with.
    """

    def __init__(self, file: str, lines: _LineMap | None) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.answer_sets: dict[str, tuple[Option, ...]] = {}

    def problem(self, path: DocumentPath, message: str) -> None:
        line = self.lines.line(path) if self.lines is not None else None
        self.problems.append(Problem(self.file, format_path(path), line, message))

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    # ----------------------------------------------------------------- top level

    def build(self, data: Mapping[str, Any]) -> Questionnaire | None:
        levels, critical_cap = self.levels(data["scoring"])
        self.answer_sets = {
            name: self.options(raw_options, ("answer_sets", name))
            for name, raw_options in data.get("answer_sets", {}).items()
        }
        drafts: list[_QuestionDraft] = []
        sections = self.sections(data["sections"], drafts)
        sections = self.attach_conditions(sections, drafts)
        sections = self.attach_section_conditions(data["sections"], sections, drafts)
        self.explicit_keys(data)
        source = data["source"]
        if self.problems:
            return None
        return Questionnaire(
            id=data["id"],
            version=data["version"],
            subject=Subject(data["subject"]),
            title=data["title"],
            description=data.get("description"),
            source=Source(
                title=source["title"], symbol=source.get("symbol"), year=source.get("year")
            ),
            levels=levels,
            critical_cap=critical_cap,
            evidence_threshold=float(
                data["scoring"].get("evidence_threshold", DEFAULT_EVIDENCE_THRESHOLD)),
            answer_sets=self.answer_sets,
            sections=sections,
        )

    def levels(self, scoring: Mapping[str, Any]) -> tuple[tuple[Level, ...], str]:
        base: DocumentPath = ("scoring", "levels")
        levels: list[Level] = []
        seen: set[str] = set()
        for index, raw in enumerate(scoring["levels"]):
            path = (*base, index)
            if raw["id"] in seen:
                self.problem((*path, "id"), f"duplicate level id '{raw['id']}'")
            seen.add(raw["id"])
            minimum = float(raw["min"])
            if levels and minimum >= levels[-1].min:
                self.problem(
                    (*path, "min"),
                    f"levels must be listed highest first with strictly decreasing 'min':"
                    f" {raw['min']} is not below {plain_number(levels[-1].min)}"
                    f" (level '{levels[-1].id}')",
                )
            levels.append(
                Level(
                    id=raw["id"],
                    min=minimum,
                    label=raw["label"],
                    description=raw.get("description"),
                )
            )
        if levels and levels[-1].min != 0:
            self.problem(
                (*base, len(levels) - 1, "min"),
                f"the last (lowest) level must have min 0, got {plain_number(levels[-1].min)},"
                " so that every score has a level",
            )
        ids = [level.id for level in levels]
        if "critical_cap" in scoring:
            critical_cap = scoring["critical_cap"]
            if critical_cap not in ids:
                self.problem(
                    ("scoring", "critical_cap"),
                    f"critical_cap '{critical_cap}' is not one of the level ids"
                    f" ({', '.join(ids)}){_suggest(critical_cap, ids)}",
                )
        else:
            # By default a critical zero keeps the result out of the top level.
            critical_cap = ids[1] if len(ids) > 1 else ids[0]
        return tuple(levels), critical_cap

    def answer_set(self, name: str, path: DocumentPath) -> tuple[Option, ...] | None:
        if name in self.answer_sets:
            return self.answer_sets[name]
        known = ", ".join(self.answer_sets) or "none"
        self.problem(
            path,
            f"unknown answer set '{name}'{_suggest(name, self.answer_sets)};"
            f" the answer sets of this file are: {known}",
        )
        return None

    def options(
        self, raw_options: Sequence[Mapping[str, Any]], path: DocumentPath
    ) -> tuple[Option, ...]:
        """Build an option list, checking that its values are unique."""
        options: list[Option] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_options):
            value = raw["value"]
            if value in seen:
                self.problem(
                    (*path, index, "value"), f"duplicate option value '{value}' in this list"
                )
            seen.add(value)
            score = raw.get("score")
            options.append(
                Option(
                    value=value,
                    label=raw["label"],
                    score=None if score is None else float(score),
                    exclusive=raw.get("exclusive", False),
                )
            )
        return tuple(options)

    # ----------------------------------------------------------------- sections and questions

    def sections(
        self, raw_sections: Sequence[Mapping[str, Any]], drafts: list[_QuestionDraft]
    ) -> tuple[Section, ...]:
        sections: list[Section] = []
        section_ids: dict[str, int] = {}
        question_ids: dict[str, str] = {}
        for section_index, raw in enumerate(raw_sections):
            path: DocumentPath = ("sections", section_index)
            section_id = raw["id"]
            if section_id in section_ids:
                self.problem(
                    (*path, "id"),
                    f"duplicate section id '{section_id}'"
                    f" (also sections[{section_ids[section_id]}])",
                )
            section_ids.setdefault(section_id, section_index)
            questions: list[Question] = []
            for question_index, raw_question in enumerate(raw["questions"]):
                question_path: DocumentPath = (*path, "questions", question_index)
                question_id = raw_question["id"]
                if question_id in question_ids:
                    self.problem(
                        (*question_path, "id"),
                        f"duplicate question id '{question_id}' (also {question_ids[question_id]});"
                        " question ids must be unique in the whole file",
                    )
                    continue
                question_ids[question_id] = format_path(question_path)
                question, flawed = self.question(raw_question, question_path)
                drafts.append(
                    _QuestionDraft(question, question_path, len(drafts), raw_question, flawed)
                )
                questions.append(question)
            sections.append(
                Section(
                    id=section_id,
                    title=raw["title"],
                    description=raw.get("description"),
                    weight=float(raw.get("weight", 1)),
                    questions=tuple(questions),
                )
            )
        return tuple(sections)

    def question(self, raw: Mapping[str, Any], path: DocumentPath) -> tuple[Question, bool]:
        """Build a question; return it and whether its own definition has problems."""
        strategy = strategy_for(QuestionType(raw["type"]))
        known_problems = len(self.problems)
        question = Question(
            id=raw["id"],
            type=strategy.question_type,
            text=raw["text"],
            reference=raw["reference"],
            guidance=raw.get("guidance"),
            action=raw.get("action"),
            weight=float(raw.get("weight", 1)),
            required=raw.get("required", False),
            evidence=Evidence(raw.get("evidence", "none")),
            critical=raw.get("critical", False),
            context=raw.get("scored", True) is False,
            basis=self.basis(raw.get("basis")),
            **strategy.build(raw, path, self),
        )
        if strategy.question_type is not QuestionType.multi_choice and "options" in raw:
            for index, option in enumerate(raw["options"]):
                if option.get("exclusive"):
                    self.problem(
                        (*path, "options", index, "exclusive"),
                        "'exclusive' applies only to the options of a multi_choice question,"
                        f" and this is a {strategy.question_type} question",
                    )
        flawed = len(self.problems) > known_problems
        # A question whose own definition is wrong would only add echoes of that problem.
        if question.critical and not flawed:
            problem = strategy.critical_problem(question)
            if problem is not None:
                self.problem((*path, "critical"), problem)
        return question, flawed

    @staticmethod
    def basis(raw: Mapping[str, Any] | None) -> Basis | None:
        if raw is None:
            return None
        return Basis(
            instrument=raw["instrument"], part=raw["part"], wording=BasisWording(raw["wording"])
        )

    def explicit_keys(self, data: Mapping[str, Any]) -> None:
        """From MAJOR version 2 on, ask for every section's weight and every question's basis."""
        major = int(str(data["version"]).split(".", 1)[0])
        if major < EXPLICIT_MAJOR_VERSION:
            return
        for section_index, section in enumerate(data["sections"]):
            path: DocumentPath = ("sections", section_index)
            if "weight" not in section:
                self.problem(
                    path,
                    f"section '{section['id']}' has no 'weight'; from version"
                    f" {EXPLICIT_MAJOR_VERSION}.0 on every section states its weight",
                )
            for question_index, question in enumerate(section["questions"]):
                if "basis" not in question:
                    self.problem(
                        (*path, "questions", question_index),
                        f"question '{question['id']}' has no 'basis'; from version"
                        f" {EXPLICIT_MAJOR_VERSION}.0 on every question says which instrument"
                        " and part it serves: basis: {instrument: ..., part: ...,"
                        " wording: text | derived | practice}",
                    )

    # ----------------------------------------------------------------- conditions

    def attach_section_conditions(
        self,
        raw_sections: Sequence[Mapping[str, Any]],
        sections: tuple[Section, ...],
        drafts: list[_QuestionDraft],
    ) -> tuple[Section, ...]:
        """Build the sections' ``show_if``: they may refer only to earlier sections."""
        by_id = {draft.question.id: draft for draft in drafts}
        result: list[Section] = []
        start = 0
        for index, (raw, section) in enumerate(zip(raw_sections, sections, strict=True)):
            if "show_if" in raw:
                owner = _ConditionOwner(section.id, start, is_section=True)
                condition = self.condition(
                    raw["show_if"], ("sections", index, "show_if"), owner, by_id
                )
                section = replace(section, show_if=condition)
            result.append(section)
            start += len(section.questions)
        return tuple(result)

    def attach_conditions(
        self, sections: tuple[Section, ...], drafts: list[_QuestionDraft]
    ) -> tuple[Section, ...]:
        by_id = {draft.question.id: draft for draft in drafts}
        replaced: dict[str, Question] = {}
        for draft in drafts:
            if "show_if" not in draft.raw:
                continue
            owner = _ConditionOwner(draft.question.id, draft.position)
            condition = self.condition(draft.raw["show_if"], (*draft.path, "show_if"), owner, by_id)
            if condition is not None:
                replaced[draft.question.id] = replace(draft.question, show_if=condition)
        if not replaced:
            return sections
        return tuple(
            replace(
                section,
                questions=tuple(
                    replaced.get(question.id, question) for question in section.questions
                ),
            )
            for section in sections
        )

    def condition(
        self,
        raw: Mapping[str, Any],
        path: DocumentPath,
        owner: _ConditionOwner,
        by_id: Mapping[str, _QuestionDraft],
    ) -> Condition | None:
        for combinator in ("all", "any"):
            if combinator in raw:
                parts = [
                    self.condition(part, (*path, combinator, index), owner, by_id)
                    for index, part in enumerate(raw[combinator])
                ]
                if any(part is None for part in parts):
                    return None
                conditions = tuple(part for part in parts if part is not None)
                if combinator == "all":
                    return AllCondition(conditions=conditions)
                return AnyCondition(conditions=conditions)
        # The schema leaves exactly one operator beside 'question'.
        question_id = raw["question"]
        operator = next(key for key in raw if key != "question")
        target = by_id.get(question_id)
        where = (*path, "question")
        if question_id == owner.id and not owner.is_section:
            self.problem(where, f"question '{question_id}' cannot depend on its own answer")
            return None
        if target is None:
            self.problem(
                where,
                f"unknown question '{question_id}'{_suggest(question_id, by_id)}",
            )
            return None
        if owner.is_section and target.position >= owner.before:
            self.problem(
                where,
                f"question '{question_id}' is not in an earlier section"
                f" ({format_path(target.path)}); a section's condition may only refer to"
                " questions of earlier sections",
            )
            return None
        if target.position > owner.before:
            self.problem(
                where,
                f"question '{question_id}' comes later in the file ({format_path(target.path)});"
                " a condition may only refer to an earlier question",
            )
            return None
        question = target.question
        strategy = strategy_for(question.type)
        if operator in ("in", "not_in"):
            if not strategy.testable:
                self.problem(
                    (*path, operator),
                    f"conditions cannot test a {question.type} question ('{question_id}');"
                    f" they work on {_testable_types()} questions",
                )
                return None
            if target.flawed:
                return None  # its own problems are reported already
            values = self.condition_values(raw[operator], (*path, operator), question)
            if values is None:
                return None
            if operator == "in":
                return InCondition(question=question_id, values=values)
            return NotInCondition(question=question_id, values=values)
        if not strategy.comparable:
            hint = (
                "use 'in' or 'not_in'"
                if strategy.testable
                else f"conditions work on {_testable_types()} questions"
            )
            self.problem(
                (*path, operator),
                f"'{operator}' compares numbers, but '{question_id}' is a {question.type}"
                f" question; {hint}",
            )
            return None
        return CompareCondition(
            question=question_id, operator=Operator(operator), value=float(raw[operator])
        )

    def condition_values(
        self, raw_values: Sequence[Any], path: DocumentPath, question: Question
    ) -> tuple[ConditionValue, ...] | None:
        strategy = strategy_for(question.type)
        values: list[ConditionValue] = []
        for index, value in enumerate(raw_values):
            try:
                values.append(strategy.condition_value(question, value))
            except ConditionValueError as error:
                self.problem((*path, index), str(error))
        return tuple(values) if len(values) == len(raw_values) else None


def _testable_types() -> str:
    """Return the question types that conditions can test, for messages."""
    return _word_list(
        [kind.value for kind, strategy in QUESTION_STRATEGIES.items() if strategy.testable]
    )
