"""``show_if`` conditions as XLSForm ``relevant`` expressions, and back.

The condition language maps onto a small part of XPath, written so that a question that
is unanswered or hidden (its value is empty in ODK) makes every condition on it false,
as it does here:

==========================  ==================================================
condition                   ``relevant``
==========================  ==================================================
``in: [a, b]`` on a choice  ``(selected(${q}, 'a') or selected(${q}, 'b'))``
  multi-choice or scale
``in: [5]`` on a number     ``${q} = '5'``
``not_in: [a]``             ``(${q} != '' and not(selected(${q}, 'a')))``
``gt: 3`` (``gte`` ...)     ``${q} > 3`` (``>=``, ``<``, ``<=``, ``=``)
``ne: 3``                   ``(${q} < 3 or ${q} > 3)``
``all`` / ``any``           ``(...) and (...)`` / ``(...) or (...)``
==========================  ==================================================

A number compared with an empty value or with ``na`` is false in XPath, as here. Reading
goes the other way and also takes the plain forms XLSForm authors write (``${q} = 'a'``,
``${q} != 'a'``); whatever else it meets raises :class:`RelevantError` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .schema import (
    NA,
    AllCondition,
    AnyCondition,
    Condition,
    InCondition,
    NotInCondition,
    Operator,
    QuestionType,
)

_SYMBOLS = {Operator.gt: ">", Operator.gte: ">=", Operator.lt: "<", Operator.lte: "<=",
            Operator.eq: "="}
_OPERATORS = {symbol: operator for operator, symbol in _SYMBOLS.items()}


class RelevantError(ValueError):
    """A ``relevant`` expression with no equivalent in the condition language."""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _quote(value: object) -> str:
    text = _number(value) if isinstance(value, int | float) else str(value)
    return "'" + text + "'" if "'" not in text else '"' + text + '"'


def to_relevant(condition: Condition, types: Mapping[str, QuestionType]) -> str:
    """Return the ``relevant`` expression of a condition.

    :param condition: the condition.
    :param types: the type of every question the condition may name.
    :return: the XPath expression.
    """
    if isinstance(condition, AllCondition | AnyCondition):
        joiner = " and " if isinstance(condition, AllCondition) else " or "
        return joiner.join(f"({to_relevant(part, types)})" for part in condition.conditions)
    ref = "${" + condition.question + "}"
    if isinstance(condition, InCondition | NotInCondition):
        if types[condition.question] is QuestionType.number:
            tests = [f"{ref} = {_quote(value)}" for value in condition.values]
        else:
            tests = [f"selected({ref}, {_quote(value)})" for value in condition.values]
        either = tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"
        if isinstance(condition, InCondition):
            return either
        return f"({ref} != '' and not({either}))"
    value = _number(condition.value)
    if condition.operator is Operator.ne:
        return f"({ref} < {value} or {ref} > {value})"
    return f"{ref} {_SYMBOLS[condition.operator]} {value}"


# --------------------------------------------------------------------------- reading

_TOKEN = re.compile(r"""\s*(?:
    (?P<ref>\$\{[^}]*\})
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_:-]*)
)""", re.VERBOSE)


@dataclass(frozen=True)
class _Ref:
    name: str


@dataclass(frozen=True)
class _Literal:
    value: str | float
    quoted: bool


@dataclass(frozen=True)
class _Node:
    kind: str  # "and", "or", "not", "selected", "compare"
    parts: tuple[Any, ...]


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise RelevantError(f"cannot read the expression at {text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenise(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = "the end" if token is None else repr(token[1])
            raise RelevantError(f"expected {value or kind} but found {found}")
        self.index += 1
        return token[1]

    def parse(self) -> Any:
        node = self.expression()
        if self.peek() is not None:
            raise RelevantError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def expression(self) -> Any:
        parts = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.index += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else _Node("or", tuple(parts))

    def conjunction(self) -> Any:
        parts = [self.unary()]
        while self.peek() == ("word", "and"):
            self.index += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else _Node("and", tuple(parts))

    def unary(self) -> Any:
        token = self.peek()
        if token == ("punct", "("):
            self.index += 1
            node = self.expression()
            self.take("punct", ")")
            return node
        if token == ("word", "not"):
            self.index += 1
            self.take("punct", "(")
            node = self.expression()
            self.take("punct", ")")
            return _Node("not", (node,))
        if token == ("word", "selected"):
            self.index += 1
            self.take("punct", "(")
            ref = self.operand()
            self.take("punct", ",")
            literal = self.operand()
            self.take("punct", ")")
            if not isinstance(ref, _Ref) or not isinstance(literal, _Literal):
                raise RelevantError("selected() takes a question and a value")
            return _Node("selected", (ref, literal))
        if token is not None and token[0] == "word":
            raise RelevantError(f"the function or word {token[1]!r} has no equivalent")
        left = self.operand()
        operator = self.take("op")
        right = self.operand()
        if isinstance(left, _Literal) and isinstance(right, _Ref):
            flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
            left, right, operator = right, left, flipped.get(operator, operator)
        if not isinstance(left, _Ref) or not isinstance(right, _Literal):
            raise RelevantError("a comparison must set a question against a value")
        return _Node("compare", (left, operator, right))

    def operand(self) -> _Ref | _Literal:
        token = self.peek()
        if token is None:
            raise RelevantError("the expression ends too early")
        self.index += 1
        kind, text = token
        if kind == "ref":
            return _Ref(text[2:-1].strip())
        if kind == "string":
            return _Literal(text[1:-1], quoted=True)
        if kind == "number":
            return _Literal(float(text), quoted=False)
        raise RelevantError(f"unexpected {text!r}")


def _value(literal: _Literal, question_type: QuestionType) -> str | int | float:
    text = literal.value
    if question_type in (QuestionType.choice, QuestionType.multi_choice):
        return _number(text) if isinstance(text, float) else text
    if isinstance(text, str):
        if text == NA:
            return NA
        try:
            number = float(text)
        except ValueError:
            raise RelevantError(f"{text!r} is not a number") from None
    else:
        number = text
    if question_type is QuestionType.scale or number.is_integer():
        if not number.is_integer():
            raise RelevantError(f"{text!r} is not a whole number")
        return int(number)
    return number


def from_relevant(text: str, types: Mapping[str, QuestionType]) -> dict[str, Any]:
    """Return the condition (as written in a questionnaire file) of a ``relevant`` expression.

    :param text: the expression.
    :param types: the type of every question that comes before the one it belongs to.
    :return: the condition, e.g. ``{"question": "q1", "in": ["yes"]}``.
    :raises RelevantError: when the expression has no equivalent, naming why.
    """
    return _convert(_Parser(text).parse(), types)


def _type_of(ref: _Ref, types: Mapping[str, QuestionType]) -> QuestionType:
    if ref.name not in types:
        raise RelevantError(f"${{{ref.name}}} is not an earlier question")
    found = types[ref.name]
    if found in (QuestionType.text, QuestionType.date):
        raise RelevantError(f"${{{ref.name}}} is a {found.value} question, which cannot be tested")
    return found


def _convert(node: Any, types: Mapping[str, QuestionType]) -> dict[str, Any]:
    if not isinstance(node, _Node):
        raise RelevantError("a bare value is not a condition")
    if node.kind == "selected":
        ref, literal = node.parts
        return {"question": ref.name, "in": [_value(literal, _type_of(ref, types))]}
    if node.kind == "compare":
        return _compare(node, types)
    if node.kind == "not":
        inner = _convert(node.parts[0], types)
        if "in" not in inner:
            raise RelevantError("not() is only read around a test of values")
        return {"question": inner["question"], "not_in": inner["in"]}
    if node.kind == "or":
        parts = [_convert(part, types) for part in node.parts]
        return _merge_or(parts)
    parts = [part for part in node.parts if not _is_guard(part, node.parts)]
    converted = [_convert(part, types) for part in parts]
    return converted[0] if len(converted) == 1 else {"all": converted}


def _is_guard(part: Any, siblings: tuple[Any, ...]) -> bool:
    """``${q} != ''`` beside another test of ``q``: the test already needs an answer."""
    if not (isinstance(part, _Node) and part.kind == "compare"):
        return False
    ref, operator, literal = part.parts
    if operator != "!=" or literal.value != "" or not literal.quoted:
        return False
    return any(other is not part and ref.name in _names(other) for other in siblings)


def _names(node: Any) -> set[str]:
    if isinstance(node, _Ref):
        return {node.name}
    if isinstance(node, _Node):
        return set().union(*(_names(part) for part in node.parts))
    return set()


def _compare(node: _Node, types: Mapping[str, QuestionType]) -> dict[str, Any]:
    ref, operator, literal = node.parts
    question_type = _type_of(ref, types)
    if literal.quoted and literal.value == "":
        raise RelevantError("a test for an empty or non-empty answer has no equivalent")
    if operator in ("=", "!=") and (literal.quoted or question_type in (
            QuestionType.choice, QuestionType.multi_choice)):
        key = "in" if operator == "=" else "not_in"
        return {"question": ref.name, key: [_value(literal, question_type)]}
    if question_type not in (QuestionType.scale, QuestionType.number):
        raise RelevantError(f"${{{ref.name}}} is not a number or scale question, so it "
                            "cannot be compared")
    number = _value(literal, QuestionType.number)
    if operator == "!=":
        return {"question": ref.name, "ne": number}
    return {"question": ref.name, _OPERATORS[operator].value: number}


def _merge_or(parts: list[dict[str, Any]]) -> dict[str, Any]:
    questions = {part.get("question") for part in parts}
    if len(questions) == 1 and None not in questions:
        if all(set(part) == {"question", "in"} for part in parts):
            values = [value for part in parts for value in part["in"]]
            return {"question": parts[0]["question"], "in": values}
        if (len(parts) == 2 and {next(iter(set(part) - {"question"})) for part in parts}
                == {"lt", "gt"} and parts[0].get("lt", parts[0].get("gt"))
                == parts[1].get("lt", parts[1].get("gt"))):
            return {"question": parts[0]["question"],
                    "ne": parts[0].get("lt", parts[0].get("gt"))}
    return {"any": parts}
