"""Babel extractors for texts that are not gettext calls.

``extract_questionnaire`` reads questionnaire files. It yields every translatable text
of a questionnaire (the places listed in ``ppp_assess.domain.schema.TRANSLATABLE_KEYS``,
shared with the loader so the two cannot drift) with a translator comment naming the
file and the path inside it, e.g. ``people-first.yaml:/sections/2/questions/4/guidance``.
Registered as the ``ppp_questionnaire`` extraction method (``babel.extractors`` entry
point).

``extract_label_tables`` reads the reference lists of ``ppp_assess.domain.reference``:
module-level dictionaries from a stable code to an English label, which the pure domain
cannot wrap in a gettext call and the web layer translates at render time.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ppp_assess.domain.loader import translatable_messages


def extract_questionnaire(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield ``(line, None, msgid, [comment])`` for each translatable text of a file."""
    name = Path(getattr(fileobj, "name", "questionnaire.yaml")).name
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for path, line, message in translatable_messages(text, filename=name):
        pointer = "/" + "/".join(str(part) for part in path)
        yield (line or 1), None, message, [f"{name}:{pointer}"]


def extract_label_tables(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield the labels of every module-level ``{code: label}`` dictionary of a module.

    Each label gets the comment ``reference.py: SECTORS["mining"]`` so translators see
    which list it belongs to.
    """
    name = Path(getattr(fileobj, "name", "reference.py")).name
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")), filename=name)
    for statement in tree.body:
        target: ast.expr
        value: ast.expr | None
        if isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        else:
            continue
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict):
            continue
        # Only tables of code -> label: every key and every value a literal string.
        pairs = [(_string(key), _string(label), label.lineno)
                 for key, label in zip(value.keys, value.values, strict=True)]
        if not pairs or any(code is None or label is None for code, label, _line in pairs):
            continue
        for code, label, line in pairs:
            if label and label.strip():
                yield line, None, label, [f'{name}: {target.id}["{code}"]']


def _string(node: ast.expr | None) -> str | None:
    """Return the value of a string literal node, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
