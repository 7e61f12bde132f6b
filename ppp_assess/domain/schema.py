"""The questionnaire model: frozen dataclasses built from a questionnaire file.

Everything here is plain data. :mod:`ppp_assess.domain.loader` builds these objects from
YAML (or from the dictionary that :meth:`Questionnaire.to_dict` produces), checking them
on the way; :mod:`~ppp_assess.domain.conditions`, :mod:`~ppp_assess.domain.answers` and
:mod:`~ppp_assess.domain.scoring` read them. Text fields hold the English source strings
(msgids) exactly as the file gives them, stripped of surrounding whitespace; adapters
translate them at the edge.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from .question_types import QuestionStrategy

#: The stored answer that means "not applicable" for scale and number questions.
NA = "na"

#: Longest text answer accepted when a text question gives no ``max_length``.
DEFAULT_MAX_LENGTH = 5000


class QuestionType(StrEnum):
    """What kind of answer a question takes."""

    choice = "choice"
    multi_choice = "multi_choice"
    scale = "scale"
    number = "number"
    text = "text"
    date = "date"


#: How much an unevidenced answer to an ``evidence: required`` question counts in the
#: verified score when the file does not say: half marks.
DEFAULT_EVIDENCE_THRESHOLD = 0.5


class Evidence(StrEnum):
    """How strongly a question asks for supporting documents."""

    none = "none"
    optional = "optional"
    recommended = "recommended"
    required = "required"


class Subject(StrEnum):
    """What one assessment of a questionnaire is about."""

    organisation = "organisation"
    project = "project"


class MultiChoiceScoring(StrEnum):
    """How the scores of several selected options combine into one."""

    #: Sum of the selected scores, capped at 1.
    sum = "sum"
    #: Mean of the selected scores.
    mean = "mean"
    #: Best selected score.
    max = "max"


class BasisWording(StrEnum):
    """Where a question's wording comes from, with respect to its instrument."""

    #: Taken from the instrument's text.
    text = "text"
    #: Derived from the instrument's text.
    derived = "derived"
    #: The platform's own good practice.
    practice = "practice"


#: From this MAJOR version on, a file must give every section a ``weight`` and every
#: question a ``basis``.
EXPLICIT_MAJOR_VERSION = 2


class Operator(StrEnum):
    """A numeric comparison in a condition."""

    gt = "gt"
    gte = "gte"
    lt = "lt"
    lte = "lte"
    eq = "eq"
    ne = "ne"


# --------------------------------------------------------------------------- translation


#: Where translatable text lives in a questionnaire file (and in :meth:`Questionnaire.to_dict`,
#: which has the same shape). Each entry is a path pattern; ``"*"`` stands for any list
#: index or mapping key. The loader normalises exactly these strings, and the catalog
#: extractor extracts exactly these strings, so the two cannot drift apart.
TRANSLATABLE_KEYS: tuple[tuple[str, ...], ...] = (
    ("title",),
    ("description",),
    ("scoring", "levels", "*", "label"),
    ("scoring", "levels", "*", "description"),
    ("answer_sets", "*", "*", "label"),
    ("sections", "*", "title"),
    ("sections", "*", "description"),
    ("sections", "*", "questions", "*", "text"),
    ("sections", "*", "questions", "*", "guidance"),
    ("sections", "*", "questions", "*", "action"),
    ("sections", "*", "questions", "*", "reference"),
    ("sections", "*", "questions", "*", "options", "*", "label"),
    ("sections", "*", "questions", "*", "scale", "min_label"),
    ("sections", "*", "questions", "*", "scale", "max_label"),
    ("sections", "*", "questions", "*", "unit"),
)

#: A location inside a questionnaire document: mapping keys and list indexes.
DocumentPath: TypeAlias = tuple[str | int, ...]

_LEAF = "\0leaf"


def _pattern_tree(patterns: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for pattern in patterns:
        node = tree
        for part in pattern:
            node = node.setdefault(part, {})
        node[_LEAF] = True
    return tree


_TRANSLATABLE_TREE = _pattern_tree(TRANSLATABLE_KEYS)


def normalise_msgid(text: str) -> str:
    """Return ``text`` as it is stored and extracted: without surrounding whitespace.

    :param text: a translatable string from a questionnaire file.
    :return: the msgid.
    """
    return text.strip()


def iter_translatable(data: Any) -> Iterator[tuple[DocumentPath, str]]:
    """Yield every translatable string of a questionnaire document, in document order.

    Only string values are yielded; anything else at a translatable place is left to
    validation.

    :param data: a questionnaire as parsed from YAML, or :meth:`Questionnaire.to_dict`.
    :return: an iterator of ``(path, msgid)`` pairs.
    """
    yield from _walk_translatable(data, _TRANSLATABLE_TREE, ())


def _walk_translatable(
    data: Any, tree: Mapping[str, Any], path: DocumentPath
) -> Iterator[tuple[DocumentPath, str]]:
    if tree.get(_LEAF):
        if isinstance(data, str):
            yield path, normalise_msgid(data)
        return
    items: list[tuple[str | int, Any]]
    if isinstance(data, Mapping):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return
    for key, value in items:
        subtree = tree.get(key) if isinstance(key, str) else None
        if subtree is None:
            subtree = tree.get("*")
        if subtree is not None:
            yield from _walk_translatable(value, subtree, (*path, key))


def map_translatable(data: Any, function: Callable[[str], str]) -> Any:
    """Return a copy of a questionnaire document with ``function`` applied to its msgids.

    :param data: a questionnaire as parsed from YAML.
    :param function: applied to every string at a :data:`TRANSLATABLE_KEYS` place.
    :return: the new document; ``data`` itself is left unchanged.
    """
    return _map_translatable(data, _TRANSLATABLE_TREE, function)


def _map_translatable(
    data: Any, tree: Mapping[str, Any] | None, function: Callable[[str], str]
) -> Any:
    if tree is not None and tree.get(_LEAF):
        return function(data) if isinstance(data, str) else data

    def subtree(key: Any) -> Mapping[str, Any] | None:
        if tree is None:
            return None
        found = tree.get(key) if isinstance(key, str) else None
        return found if found is not None else tree.get("*")

    if isinstance(data, Mapping):
        return {
            key: _map_translatable(value, subtree(key), function) for key, value in data.items()
        }
    if isinstance(data, list):
        return [
            _map_translatable(value, subtree(index), function) for index, value in enumerate(data)
        ]
    return data


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True, kw_only=True)
class InCondition:
    """True when the answer to ``question`` is one of ``values`` (any of them, for a list)."""

    question: str
    values: tuple[str | int | float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the condition as it is written in a questionnaire file."""
        return {"question": self.question, "in": list(self.values)}


@dataclass(frozen=True, kw_only=True)
class NotInCondition:
    """True when the answer to ``question`` is none of ``values``."""

    question: str
    values: tuple[str | int | float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the condition as it is written in a questionnaire file."""
        return {"question": self.question, "not_in": list(self.values)}


@dataclass(frozen=True, kw_only=True)
class CompareCondition:
    """True when the numeric answer to ``question`` compares with ``value`` as ``operator`` says."""

    question: str
    operator: Operator
    value: float

    def to_dict(self) -> dict[str, Any]:
        """Return the condition as it is written in a questionnaire file."""
        return {"question": self.question, self.operator.value: self.value}


@dataclass(frozen=True, kw_only=True)
class AllCondition:
    """True when every one of ``conditions`` is true."""

    conditions: tuple[Condition, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the condition as it is written in a questionnaire file."""
        return {"all": [condition.to_dict() for condition in self.conditions]}


@dataclass(frozen=True, kw_only=True)
class AnyCondition:
    """True when at least one of ``conditions`` is true."""

    conditions: tuple[Condition, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the condition as it is written in a questionnaire file."""
        return {"any": [condition.to_dict() for condition in self.conditions]}


#: A ``show_if`` condition.
Condition: TypeAlias = InCondition | NotInCondition | CompareCondition | AllCondition | AnyCondition


# --------------------------------------------------------------------------- building blocks


@dataclass(frozen=True, kw_only=True)
class Option:
    """One answer a choice or multi-choice question offers.

    ``score`` is in [0, 1]. In a scored question ``None`` marks the "not applicable"
    option; in an unscored question every option has ``None``.
    """

    value: str
    label: str
    score: float | None = None
    #: multi_choice: this option ("None of these") cannot be combined with another one.
    exclusive: bool = False


def options_to_list(options: tuple[Option, ...]) -> list[dict[str, Any]]:
    """Return an option list as it is written in a questionnaire file.

    Scores are written for every option of a scored list and for none of an unscored one;
    ``exclusive`` only where it is set, so that files without it keep their hash.
    """
    scored = any(option.score is not None for option in options)
    rows: list[dict[str, Any]] = []
    for option in options:
        row: dict[str, Any] = {"value": option.value, "label": option.label}
        if scored:
            row["score"] = option.score
        if option.exclusive:
            row["exclusive"] = True
        rows.append(row)
    return rows


@dataclass(frozen=True, kw_only=True)
class Level:
    """A maturity level reached by an overall score of at least ``min`` (0-100)."""

    id: str
    min: float
    label: str
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the level as it is written in a questionnaire file."""
        data: dict[str, Any] = {"id": self.id, "min": self.min, "label": self.label}
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(frozen=True, kw_only=True)
class Scale:
    """The integer range of a scale question and the labels of its ends."""

    min: int
    max: int
    min_label: str | None = None
    max_label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the scale as it is written in a questionnaire file."""
        data: dict[str, Any] = {"min": self.min, "max": self.max}
        if self.min_label is not None:
            data["min_label"] = self.min_label
        if self.max_label is not None:
            data["max_label"] = self.max_label
        return data


@dataclass(frozen=True, kw_only=True)
class Band:
    """A number question scores ``score`` when its value is at least ``min``."""

    min: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        """Return the band as it is written in a questionnaire file."""
        return {"min": self.min, "score": self.score}


@dataclass(frozen=True, kw_only=True)
class Source:
    """The instrument a questionnaire is aligned with."""

    title: str
    symbol: str | None = None
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the source as it is written in a questionnaire file."""
        data: dict[str, Any] = {"title": self.title}
        if self.symbol is not None:
            data["symbol"] = self.symbol
        if self.year is not None:
            data["year"] = self.year
        return data


@dataclass(frozen=True, kw_only=True)
class Basis:
    """Which instrument and part a question serves, and where its wording comes from."""

    instrument: str
    part: str
    wording: BasisWording

    def to_dict(self) -> dict[str, Any]:
        """Return the basis as it is written in a questionnaire file."""
        return {"instrument": self.instrument, "part": self.part, "wording": self.wording.value}


# --------------------------------------------------------------------------- questions


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question. Type-specific fields keep their defaults on other types.

    What depends on the type is the business of the type's strategy
    (:mod:`ppp_assess.domain.question_types`); :attr:`scored`, :meth:`is_not_applicable`
    and :meth:`to_dict` ask it.
    """

    id: str
    type: QuestionType
    text: str
    reference: str
    guidance: str | None = None
    action: str | None = None
    weight: float = 1.0
    required: bool = False
    evidence: Evidence = Evidence.none
    critical: bool = False
    show_if: Condition | None = None
    #: A context question (``scored: false`` in the file): asked and stored, never scored.
    context: bool = False
    #: Which instrument and part the question serves (required from version 2.0 on).
    basis: Basis | None = None
    #: choice and multi_choice: the options, resolved from ``answer_set`` when it is set.
    options: tuple[Option, ...] = ()
    #: choice and multi_choice: the name of the answer set the options come from.
    answer_set: str | None = None
    #: multi_choice: how selected scores combine.
    multi_scoring: MultiChoiceScoring = MultiChoiceScoring.sum
    #: scale: the range.
    scale: Scale | None = None
    #: number: inclusive bounds.
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    #: number: score bands, highest ``min`` first; empty means unscored.
    bands: tuple[Band, ...] = ()
    #: scale and number: whether "na" (not applicable) is an accepted answer.
    na: bool = False
    #: text: longest accepted answer.
    max_length: int = DEFAULT_MAX_LENGTH

    @property
    def strategy(self) -> QuestionStrategy:
        """The strategy of this question's type."""
        # The strategies are built on the classes of this module, so they come in late.
        from .question_types import strategy_for

        return strategy_for(self.type)

    @cached_property
    def scored(self) -> bool:
        """Whether an answer to this question can produce a score."""
        return not self.context and self.strategy.scored(self)

    @cached_property
    def exclusive_values(self) -> frozenset[str]:
        """The values of the options that cannot be combined with another one."""
        return frozenset(option.value for option in self.options if option.exclusive)

    @cached_property
    def _options_by_value(self) -> dict[str, Option]:
        return {option.value: option for option in self.options}

    def option(self, value: str) -> Option:
        """Return the option with ``value``.

        :raises KeyError: when the question has no such option.
        """
        return self._options_by_value[value]

    def has_option(self, value: object) -> bool:
        """Return whether ``value`` is the value of one of the options."""
        return isinstance(value, str) and value in self._options_by_value

    def is_not_applicable(self, value: object) -> bool:
        """Return whether a (valid) answer ``value`` means "not applicable"."""
        return self.strategy.not_applicable_test(self)(value)

    def to_dict(self) -> dict[str, Any]:
        """Return the question as it is written in a questionnaire file."""
        data: dict[str, Any] = {"id": self.id, "type": self.type.value, "text": self.text}
        if self.guidance is not None:
            data["guidance"] = self.guidance
        data.update(self.strategy.dump(self))
        # New keys are written only when set, so that files without them keep their hash.
        if self.context:
            data["scored"] = False
        else:
            data["weight"] = self.weight
        data["required"] = self.required
        data["evidence"] = self.evidence.value
        data["critical"] = self.critical
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        if self.action is not None:
            data["action"] = self.action
        data["reference"] = self.reference
        if self.basis is not None:
            data["basis"] = self.basis.to_dict()
        return data


@dataclass(frozen=True, kw_only=True)
class Section:
    """A titled group of questions with a weight in the overall score.

    A section with ``show_if`` applies only when its condition holds (it may refer only
    to questions of earlier sections); otherwise every question in it is hidden.
    """

    id: str
    title: str
    questions: tuple[Question, ...]
    description: str | None = None
    weight: float = 1.0
    show_if: Condition | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the section as it is written in a questionnaire file."""
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description is not None:
            data["description"] = self.description
        data["weight"] = self.weight
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        data["questions"] = [question.to_dict() for question in self.questions]
        return data


class _Index:
    """Lookups over one questionnaire, built once."""

    def __init__(self, sections: tuple[Section, ...]) -> None:
        self.questions = tuple(question for section in sections for question in section.questions)
        self.by_id = {question.id: question for question in self.questions}
        self.position = {question.id: index for index, question in enumerate(self.questions)}
        self.section_of = {
            question.id: section for section in sections for question in section.questions
        }
        self.sections = {section.id: section for section in sections}
        self.numbers = {
            question.id: f"{section_index}.{question_index}"
            for section_index, section in enumerate(sections, start=1)
            for question_index, question in enumerate(section.questions, start=1)
        }


@dataclass(frozen=True, kw_only=True)
class Questionnaire:
    """One version of a questionnaire.

    Two questionnaires are equal when their definitions are; the hash is that of
    :attr:`content_hash`, so a questionnaire can key a cache.
    """

    id: str
    version: str
    subject: Subject
    title: str
    source: Source
    #: Highest first; the last one has ``min == 0``.
    levels: tuple[Level, ...]
    #: Id of the level that a critical question scored 0 caps the result at.
    critical_cap: str
    sections: tuple[Section, ...]
    answer_sets: Mapping[str, tuple[Option, ...]] = field(default_factory=dict)
    description: str | None = None
    #: The most (0-1) an answer to an ``evidence: required`` question counts in the
    #: verified score until a document backs it (``scoring.evidence_threshold``).
    evidence_threshold: float = DEFAULT_EVIDENCE_THRESHOLD

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def __eq__(self, other: object) -> bool:
        # The content hash is that of the whole definition: comparing it is the same test
        # as comparing field by field, without walking every question. Caches keyed by a
        # questionnaire (scoring plans, compiled markup) compare keys on every lookup.
        if self is other:
            return True
        if not isinstance(other, Questionnaire):
            return NotImplemented
        return self.content_hash == other.content_hash

    @cached_property
    def _index(self) -> _Index:
        return _Index(self.sections)

    @property
    def major_version(self) -> int:
        """The MAJOR part of ``version``: benchmarks compare only within one."""
        return int(self.version.split(".", 1)[0])

    @property
    def cap_level(self) -> Level:
        """The level named by :attr:`critical_cap`."""
        return self.level(self.critical_cap)

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def question(self, question_id: str) -> Question:
        """Return the question with ``question_id``.

        :raises KeyError: when there is no such question.
        """
        try:
            return self._index.by_id[question_id]
        except KeyError:
            raise KeyError(f"no question {question_id!r} in {self.id} {self.version}") from None

    def has_question(self, question_id: str) -> bool:
        """Return whether a question with ``question_id`` exists."""
        return question_id in self._index.by_id

    def all_questions(self) -> tuple[Question, ...]:
        """Return every question in document order."""
        return self._index.questions

    def position(self, question_id: str) -> int:
        """Return the 0-based place of a question in document order.

        :raises KeyError: when there is no such question.
        """
        return self._index.position[question_id]

    def number(self, question_id: str) -> str:
        """Return the number people know a question by: "2.3", the third of section 2.

        Ids ("pf-2-3") stay what exports, the API and the files use; pages and documents
        show numbers.

        :raises KeyError: when there is no such question.
        """
        return self._index.numbers[question_id]

    def section(self, section_id: str) -> Section:
        """Return the section with ``section_id``.

        :raises KeyError: when there is no such section.
        """
        return self._index.sections[section_id]

    def section_of(self, question_id: str) -> Section:
        """Return the section that holds a question.

        :raises KeyError: when there is no such question.
        """
        return self._index.section_of[question_id]

    def level(self, level_id: str) -> Level:
        """Return the level with ``level_id``.

        :raises KeyError: when there is no such level.
        """
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def msgids(self) -> tuple[str, ...]:
        """Return every translatable string of the questionnaire once, in document order."""
        return tuple(dict.fromkeys(text for _, text in iter_translatable(self.to_dict())))

    def to_dict(self) -> dict[str, Any]:
        """Return the definition as JSON-serialisable data in the file format.

        Defaults are written out, so two files that differ only in spelling out a
        default give the same data (and the same :attr:`content_hash`).
        ``questionnaire_from_dict`` turns the result back into an equal questionnaire.
        """
        data: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "subject": self.subject.value,
            "title": self.title,
        }
        if self.description is not None:
            data["description"] = self.description
        data["source"] = self.source.to_dict()
        data["scoring"] = {
            "levels": [level.to_dict() for level in self.levels],
            "critical_cap": self.critical_cap,
        }
        # Written only when set: files published before the key existed keep their hash.
        if self.evidence_threshold != DEFAULT_EVIDENCE_THRESHOLD:
            data["scoring"]["evidence_threshold"] = self.evidence_threshold
        if self.answer_sets:
            data["answer_sets"] = {
                name: options_to_list(options) for name, options in self.answer_sets.items()
            }
        data["sections"] = [section.to_dict() for section in self.sections]
        return data
