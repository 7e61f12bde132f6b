"""Check that a translation keeps the placeholders of its source text.

Two kinds of placeholders reach translators:

- ``%(name)s`` (and, discouraged, positional ``%s``) in messages flagged ``python-format``,
  filled by ``gettext(..., name=value)``;
- ``{name}`` in any message, filled by ``.format(name=value)`` after the call.

A translation must use exactly the placeholders of its source: a missing one silently drops
information (a count, a name), an extra or misspelt one raises ``KeyError`` on the page.
The one exception is the plural form of a language that applies to a single number (Arabic
has forms for exactly 0, 1 and 2): "إجابة واحدة" ("one answer") may leave the count out.
Babel's own ``python_format`` checker misses a dropped named placeholder, hence this module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

from babel.messages.catalog import PYTHON_FORMAT, Message

#: ``{name}``, ``{name!r}``, ``{name:>10}``, ``{0}``; ``{{`` and ``}}`` are literal braces.
BRACE_FORMAT = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?:![rsa])?(?::[^{}]*)?\}")

#: How far plural rules are evaluated to decide whether a form covers a single number.
_PLURAL_PROBE = 1000


def percent_placeholders(text: str) -> Counter[str]:
    """Return the ``%`` placeholders of ``text``: ``%(name)s`` as ``name``, ``%d`` as ``%d``."""
    found: Counter[str] = Counter()
    for match in PYTHON_FORMAT.finditer(text):
        name, _flags, conversion = match.groups()
        if conversion == "%" and name is None:
            continue  # "%%", a literal percent sign
        found[name if name is not None else f"%{conversion}"] += 1
    return found


def brace_placeholders(text: str) -> Counter[str]:
    """Return the names of the ``{name}`` placeholders of ``text``."""
    literal_free = text.replace("{{", "").replace("}}", "")
    return Counter(match.group(1) for match in BRACE_FORMAT.finditer(literal_free))


def _placeholders(text: str, python_format: bool) -> set[str]:
    names = {f"{{{name}}}" for name in brace_placeholders(text)}
    if python_format:
        names |= {key if key.startswith("%") else f"%({key})s"
                  for key in percent_placeholders(text)}
    return names


def _positional(text: str) -> list[str]:
    return [match.group(3) for match in PYTHON_FORMAT.finditer(text)
            if match.group(1) is None and match.group(3) != "%"]


def single_number_forms(plural: Callable[[int], int], count: int) -> set[int]:
    """Return the indexes of the plural forms that apply to exactly one number."""
    numbers: dict[int, set[int]] = {}
    for number in range(_PLURAL_PROBE):
        numbers.setdefault(plural(number), set()).add(number)
    return {index for index in range(count) if len(numbers.get(index, ())) == 1}


def placeholder_problems(message: Message, plural: Callable[[int], int] | None = None,
                         ) -> Iterator[str]:
    """Yield a sentence for every placeholder the translation of ``message`` gets wrong.

    :param message: a catalog message; untranslated forms are not checked.
    :param plural: the catalog's plural function (``Catalog.plural_expr`` compiled), used to
        let forms that cover a single number omit placeholders.
    :return: an iterator of problem descriptions (empty when the placeholders match).
    """
    python_format = "python-format" in message.flags
    if isinstance(message.id, (list, tuple)):
        source = message.id[-1]
        # Placeholders only the singular uses still count ("One answer by %(name)s").
        expected = _placeholders(source, python_format) | _placeholders(message.id[0],
                                                                          python_format)
        strings = list(message.string) if isinstance(message.string, (list, tuple)) else []
        lenient = single_number_forms(plural, len(strings)) if plural else set()
    else:
        source = message.id
        expected = _placeholders(source, python_format)
        strings = [message.string] if isinstance(message.string, str) else []
        lenient = set()
    for index, translation in enumerate(strings):
        if not translation:
            continue
        found = _placeholders(translation, python_format)
        where = f"form {index}" if isinstance(message.id, (list, tuple)) else "translation"
        unknown = found - expected
        if unknown:
            yield f"{where} uses placeholders the source does not have: {_join(unknown)}"
        missing = expected - found
        if missing and index not in lenient:
            yield f"{where} drops placeholders: {_join(missing)}"
        if python_format and Counter(_positional(translation)) != Counter(_positional(source)):
            yield f"{where} does not keep the positional placeholders of the source"


def _join(names: set[str]) -> str:
    return ", ".join(sorted(names))
