"""Loading and checking questionnaire files.

A file goes through three stages, and every problem found is reported with the file,
the place in the document (``sections[2].questions[4].show_if``) and the line:

1. YAML parsing (safe loading only; duplicate keys are reported too);
2. the structural check against ``questionnaire.schema.json`` (JSON Schema 2020-12);
3. the semantic checks that need more than one value at a time: unique ids, answer
   sets, conditions, scores, levels, critical questions.

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

from .schema import (
    NA,
    AllCondition,
    AnyCondition,
    Band,
    CompareCondition,
    Condition,
    DocumentPath,
    Evidence,
    InCondition,
    Level,
    MultiChoiceScoring,
    NotInCondition,
    Operator,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Scale,
    Section,
    Source,
    Subject,
    iter_translatable,
    map_translatable,
    normalise_msgid,
)

_SCHEMA_FILE = "questionnaire.schema.json"
_SLUG_PATTERN = "^[a-z0-9][a-z0-9-]*$"
_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]*$"
_VERSION_PATTERN = "^[0-9]+\\.[0-9]+$"
_NOT_BLANK_PATTERN = "\\S"

#: Keys that only some question types take.
_TYPE_KEYS: dict[str, frozenset[QuestionType]] = {
    "answers": frozenset({QuestionType.choice, QuestionType.multi_choice}),
    "options": frozenset({QuestionType.choice, QuestionType.multi_choice}),
    "scoring": frozenset({QuestionType.multi_choice}),
    "scale": frozenset({QuestionType.scale}),
    "min": frozenset({QuestionType.number}),
    "max": frozenset({QuestionType.number}),
    "unit": frozenset({QuestionType.number}),
    "bands": frozenset({QuestionType.number}),
    "na": frozenset({QuestionType.scale, QuestionType.number}),
    "max_length": frozenset({QuestionType.text}),
}

_OPERATOR_KEYS = ("in", "not_in", *(operator.value for operator in Operator))


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


def _schema_problems(data: Any, file: str, lines: _LineMap | None) -> list[Problem]:
    problems: list[tuple[int, int, Problem]] = []
    for order, error in enumerate(_validator().iter_errors(data)):
        path: DocumentPath = tuple(error.absolute_path)
        explained = _explain(error, path)
        if "propertyNames" in error.absolute_schema_path:
            # The error is about a mapping key, not about the mapping: point at the key.
            name: str = error.instance  # type: ignore[assignment]
            explained = [(message, (*path, name)) for message, _ in explained]
        for message, where in explained:
            line = lines.line(where) if lines is not None else None
            problems.append((line or 0, order, Problem(file, format_path(where), line, message)))
    return [problem for _, _, problem in sorted(problems, key=lambda item: item[:2])]


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
        if expected == _SLUG_PATTERN:
            message = f"{instance!r} is not a valid id: use lowercase letters, digits and hyphens"
        elif expected == _NAME_PATTERN:
            message = (
                f"{instance!r} is not a valid name: use lowercase letters, digits,"
                " hyphens and underscores"
            )
        elif expected == _VERSION_PATTERN:
            message = f'{instance!r} is not a valid version: write "MAJOR.MINOR", e.g. "1.0"'
        elif expected == _NOT_BLANK_PATTERN:
            message = "must not be blank"
        else:
            message = f"{instance!r} does not match the pattern {expected}"
        return [(message, path)]
    if validator == "minItems":
        if expected == 1:
            return [("must not be empty", path)]
        return [(f"needs at least {expected} items", path)]
    if validator == "minLength":
        return [("must not be empty", path)]
    if validator == "minProperties":
        return [("must not be empty", path)]
    if validator == "minimum":
        return [(f"must be at least {expected}, got {instance}", path)]
    if validator == "maximum":
        return [(f"must be at most {expected}, got {instance}", path)]
    return [(error.message, path)]


# --------------------------------------------------------------------------- semantics


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


class _Builder:
    """Builds the dataclasses from structurally valid data, collecting semantic problems."""

    def __init__(self, file: str, lines: _LineMap | None) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, path: DocumentPath, message: str) -> None:
        line = self.lines.line(path) if self.lines is not None else None
        self.problems.append(Problem(self.file, format_path(path), line, message))

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda problem: problem.line or 0)

    # ----------------------------------------------------------------- top level

    def build(self, data: Mapping[str, Any]) -> Questionnaire | None:
        levels, critical_cap = self.levels(data["scoring"])
        answer_sets = self.answer_sets(data.get("answer_sets", {}))
        drafts: list[_QuestionDraft] = []
        sections = self.sections(data["sections"], answer_sets, drafts)
        sections = self.attach_conditions(sections, drafts)
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
            answer_sets={name: options for name, (options, _) in answer_sets.items()},
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
            if not 0 <= minimum <= 100:
                self.problem(
                    (*path, "min"), f"level minimum must be between 0 and 100, got {raw['min']}"
                )
            if levels and minimum >= levels[-1].min:
                self.problem(
                    (*path, "min"),
                    f"levels must be listed highest first with strictly decreasing 'min':"
                    f" {raw['min']} is not below {_number(levels[-1].min)}"
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
                f"the last (lowest) level must have min 0, got {_number(levels[-1].min)},"
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

    def answer_sets(
        self, raw_sets: Mapping[str, Any]
    ) -> dict[str, tuple[tuple[Option, ...], bool]]:
        sets: dict[str, tuple[tuple[Option, ...], bool]] = {}
        for name, raw_options in raw_sets.items():
            sets[name] = self.options(raw_options, ("answer_sets", name))
        return sets

    def options(
        self, raw_options: Sequence[Mapping[str, Any]], path: DocumentPath
    ) -> tuple[tuple[Option, ...], bool]:
        """Build an option list; return it and whether it is scored."""
        scored = any("score" in raw for raw in raw_options)
        options: list[Option] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_options):
            option_path = (*path, index)
            value = raw["value"]
            if value in seen:
                self.problem(
                    (*option_path, "value"), f"duplicate option value '{value}' in this list"
                )
            seen.add(value)
            score = raw.get("score")
            if scored and "score" not in raw:
                self.problem(
                    option_path,
                    f"option '{value}' has no score, but the other options of this list have one;"
                    " give it a score between 0 and 1, or score: null for 'not applicable'",
                )
            if score is not None and not 0 <= score <= 1:
                self.problem((*option_path, "score"), f"score must be between 0 and 1, got {score}")
            options.append(
                Option(
                    value=value, label=raw["label"], score=None if score is None else float(score)
                )
            )
        if scored and all(option.score is None for option in options):
            self.problem(
                path,
                "every option has score null ('not applicable'); at least one needs a score",
            )
        return tuple(options), scored

    # ----------------------------------------------------------------- sections and questions

    def sections(
        self,
        raw_sections: Sequence[Mapping[str, Any]],
        answer_sets: Mapping[str, tuple[tuple[Option, ...], bool]],
        drafts: list[_QuestionDraft],
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
            weight = self.weight(raw, path)
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
                question = self.question(raw_question, question_path, answer_sets)
                drafts.append(_QuestionDraft(question, question_path, len(drafts), raw_question))
                questions.append(question)
            sections.append(
                Section(
                    id=section_id,
                    title=raw["title"],
                    description=raw.get("description"),
                    weight=weight,
                    questions=tuple(questions),
                )
            )
        return tuple(sections)

    def weight(self, raw: Mapping[str, Any], path: DocumentPath) -> float:
        weight = raw.get("weight", 1)
        if weight < 0:
            self.problem((*path, "weight"), f"weight must be zero or more, got {weight}")
        return float(weight)

    def question(
        self,
        raw: Mapping[str, Any],
        path: DocumentPath,
        answer_sets: Mapping[str, tuple[tuple[Option, ...], bool]],
    ) -> Question:
        kind = QuestionType(raw["type"])
        for key, types in _TYPE_KEYS.items():
            if key in raw and kind not in types:
                allowed = " and ".join(sorted(str(name) for name in types))
                self.problem(
                    (*path, key),
                    f"'{key}' does not apply to a {kind} question (only to {allowed})",
                )
        fields: dict[str, Any] = {}
        if kind in (QuestionType.choice, QuestionType.multi_choice):
            fields.update(self.choice_fields(raw, path, kind, answer_sets))
        elif kind is QuestionType.scale:
            scale = raw["scale"]
            if scale["min"] >= scale["max"]:
                self.problem(
                    (*path, "scale"),
                    f"scale min ({scale['min']}) must be less than max ({scale['max']})",
                )
            fields["scale"] = Scale(
                min=int(scale["min"]),
                max=int(scale["max"]),
                min_label=scale.get("min_label"),
                max_label=scale.get("max_label"),
            )
            fields["na"] = raw.get("na", False)
        elif kind is QuestionType.number:
            fields.update(self.number_fields(raw, path))
        elif kind is QuestionType.text and "max_length" in raw:
            fields["max_length"] = raw["max_length"]
        question = Question(
            id=raw["id"],
            type=kind,
            text=raw["text"],
            reference=raw["reference"],
            guidance=raw.get("guidance"),
            action=raw.get("action"),
            weight=self.weight(raw, path),
            required=raw.get("required", False),
            evidence=Evidence(raw.get("evidence", "none")),
            critical=raw.get("critical", False),
            **fields,
        )
        if question.critical:
            self.check_critical(question, path)
        return question

    def choice_fields(
        self,
        raw: Mapping[str, Any],
        path: DocumentPath,
        kind: QuestionType,
        answer_sets: Mapping[str, tuple[tuple[Option, ...], bool]],
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if kind is QuestionType.multi_choice:
            fields["multi_scoring"] = MultiChoiceScoring(raw.get("scoring", "sum"))
        if "answers" in raw and "options" in raw:
            self.problem(
                (*path, "options"),
                "give either 'answers' (the name of an answer set) or 'options', not both",
            )
        elif "answers" in raw:
            name = raw["answers"]
            if name in answer_sets:
                fields["options"] = answer_sets[name][0]
                fields["answer_set"] = name
            else:
                known = ", ".join(answer_sets) or "none"
                self.problem(
                    (*path, "answers"),
                    f"unknown answer set '{name}'{_suggest(name, answer_sets)};"
                    f" the answer sets of this file are: {known}",
                )
        elif "options" in raw:
            fields["options"] = self.options(raw["options"], (*path, "options"))[0]
        else:
            self.problem(
                path,
                f"a {kind} question needs 'answers' (the name of an answer set) or 'options'",
            )
        return fields

    def number_fields(self, raw: Mapping[str, Any], path: DocumentPath) -> dict[str, Any]:
        minimum, maximum = raw.get("min"), raw.get("max")
        if minimum is not None and maximum is not None and minimum >= maximum:
            self.problem((*path, "max"), f"min ({minimum}) must be less than max ({maximum})")
        bands: list[Band] = []
        for index, band in enumerate(raw.get("bands", ())):
            band_path = (*path, "bands", index)
            if not 0 <= band["score"] <= 1:
                self.problem(
                    (*band_path, "score"), f"score must be between 0 and 1, got {band['score']}"
                )
            if bands and band["min"] >= bands[-1].min:
                self.problem(
                    (*band_path, "min"),
                    "bands must be listed highest first with strictly decreasing 'min':"
                    f" {band['min']} is not below {_number(bands[-1].min)}",
                )
            bands.append(Band(min=float(band["min"]), score=float(band["score"])))
        return {
            "minimum": None if minimum is None else float(minimum),
            "maximum": None if maximum is None else float(maximum),
            "unit": raw.get("unit"),
            "bands": tuple(bands),
            "na": raw.get("na", False),
        }

    def check_critical(self, question: Question, path: DocumentPath) -> None:
        where = (*path, "critical")
        if not question.scored:
            if (
                question.type in (QuestionType.choice, QuestionType.multi_choice)
                and not question.options
            ):
                return  # the missing options are reported already
            self.problem(
                where,
                f"'critical' needs a scored question, but this {question.type} question"
                " can never score (a critical question caps the level when it scores 0)",
            )
            return
        if question.type in (QuestionType.choice, QuestionType.multi_choice):
            if not any(option.score == 0 for option in question.options):
                self.problem(
                    where,
                    "a critical question must be able to score 0, but none of its options"
                    " has score 0",
                )
        elif question.type is QuestionType.number:
            lowest = question.bands[-1]
            below_possible = question.minimum is None or question.minimum < lowest.min
            if not below_possible and not any(band.score == 0 for band in question.bands):
                self.problem(
                    where,
                    "a critical question must be able to score 0, but no band scores 0 and no"
                    " allowed value lies below the lowest band",
                )

    # ----------------------------------------------------------------- conditions

    def attach_conditions(
        self, sections: tuple[Section, ...], drafts: list[_QuestionDraft]
    ) -> tuple[Section, ...]:
        by_id = {draft.question.id: draft for draft in drafts}
        replaced: dict[str, Question] = {}
        for draft in drafts:
            if "show_if" not in draft.raw:
                continue
            condition = self.condition(draft.raw["show_if"], (*draft.path, "show_if"), draft, by_id)
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
        owner: _QuestionDraft,
        by_id: Mapping[str, _QuestionDraft],
    ) -> Condition | None:
        for combinator in ("all", "any"):
            if combinator in raw:
                others = sorted(key for key in raw if key != combinator)
                if others:
                    self.problem(
                        path,
                        f"'{combinator}' cannot be combined with other keys ({', '.join(others)});"
                        f" put every condition inside the '{combinator}' list",
                    )
                    return None
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
        operators = [key for key in _OPERATOR_KEYS if key in raw]
        if "question" not in raw:
            self.problem(path, "a condition needs 'question' (or 'all' / 'any')")
            return None
        if len(operators) != 1:
            listed = ", ".join(_OPERATOR_KEYS)
            if operators:
                message = (
                    f"a condition takes exactly one operator, got {', '.join(operators)};"
                    " combine several with 'all'"
                )
            else:
                message = f"a condition needs one operator: {listed}"
            self.problem(path, message)
            return None
        question_id = raw["question"]
        operator = operators[0]
        target = by_id.get(question_id)
        where = (*path, "question")
        if question_id == owner.question.id:
            self.problem(where, f"question '{question_id}' cannot depend on its own answer")
            return None
        if target is None:
            self.problem(
                where,
                f"unknown question '{question_id}'{_suggest(question_id, by_id)}",
            )
            return None
        if target.position > owner.position:
            self.problem(
                where,
                f"question '{question_id}' comes later in the file ({format_path(target.path)});"
                " a condition may only refer to an earlier question",
            )
            return None
        question = target.question
        if operator in ("in", "not_in"):
            values = self.condition_values(raw[operator], (*path, operator), question)
            if values is None:
                return None
            if operator == "in":
                return InCondition(question=question_id, values=values)
            return NotInCondition(question=question_id, values=values)
        if question.type not in (QuestionType.scale, QuestionType.number):
            hint = (
                "use 'in' or 'not_in'"
                if question.type in (QuestionType.choice, QuestionType.multi_choice)
                else "conditions work on choice, multi_choice, scale and number questions"
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
    ) -> tuple[str | int | float, ...] | None:
        values: list[str | int | float] = []
        ok = True
        kind = question.type
        for index, value in enumerate(raw_values):
            where = (*path, index)
            if kind in (QuestionType.choice, QuestionType.multi_choice):
                if not question.options:
                    return None  # the missing options are reported already
                if not question.has_option(value):
                    choices = ", ".join(option.value for option in question.options)
                    self.problem(
                        where,
                        f"{value!r} is not an option of question '{question.id}'"
                        f" (its options: {choices})",
                    )
                    ok = False
                values.append(value)
            elif kind in (QuestionType.scale, QuestionType.number):
                if value == NA:
                    if not question.na:
                        self.problem(
                            where,
                            f"question '{question.id}' has no 'na' answer"
                            " (it does not set na: true)",
                        )
                        ok = False
                    values.append(NA)
                elif isinstance(value, str):
                    self.problem(
                        where,
                        f"{value!r} is not a possible answer of {kind} question '{question.id}';"
                        " use numbers (or na)",
                    )
                    ok = False
                elif kind is QuestionType.scale:
                    assert question.scale is not None
                    if value != int(value) or not question.scale.min <= value <= question.scale.max:
                        self.problem(
                            where,
                            f"{value} is not a possible answer of scale question '{question.id}'"
                            f" (whole numbers from {question.scale.min} to {question.scale.max})",
                        )
                        ok = False
                    values.append(int(value))
                else:
                    values.append(float(value))
            else:
                self.problem(
                    path,
                    f"conditions cannot test a {kind} question ('{question.id}'); they work on"
                    " choice, multi_choice, scale and number questions",
                )
                return None
        return tuple(values) if ok else None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
