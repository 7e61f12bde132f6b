"""Addresses built once per request and rule, for pages that link many rows of one kind.

``url_for`` matches the rule and quotes every value on each call: about 25 µs. A page
that links each section, each question's evidence form and each document pays it dozens
of times for the same rule with one value changing. :func:`address_builder` builds the
address once with a placeholder in place of that value and then only puts each value in,
quoted as Werkzeug quotes a path segment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, url_for
from werkzeug.routing import BaseConverter, Map

#: Placeholders: one for string segments, the largest id for ``int`` segments.
TEXT_SLOT = "value-slot"
ID_SLOT = 2**31 - 1

_PATH_SEGMENT = BaseConverter(Map())


def address_builder(endpoint: str, name: str, slot: str | int = TEXT_SLOT,
                    **values: Any) -> Callable[[str | int], str]:
    """Return value -> ``url_for(endpoint, **values, name=value)``, cached for the request.

    ``slot`` must be a value the rule's converter for ``name`` accepts: :data:`TEXT_SLOT`
    for plain segments, :data:`ID_SLOT` for ids. Where the placeholder's text occurs more
    than once in the address (another value equal to it), every call falls back to
    ``url_for``.
    """
    key = (endpoint, name, slot, tuple(sorted(values.items())))
    cache: dict[tuple[Any, ...], Callable[[str | int], str]] = g.setdefault(
        "address_builders", {})
    build = cache.get(key)
    if build is None:
        arguments: dict[str, Any] = {**values, name: slot}
        sample = url_for(endpoint, **arguments)
        head, _slot, tail = sample.partition(str(slot))
        if sample.count(str(slot)) == 1:
            def build(value: str | int) -> str:
                return f"{head}{_PATH_SEGMENT.to_url(value)}{tail}"
        else:
            def build(value: str | int) -> str:
                return url_for(endpoint, **{**arguments, name: value})
        cache[key] = build
    return build
