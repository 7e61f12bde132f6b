"""Addresses built once per rule and values, for pages that link many rows of one kind.

``url_for`` matches the rule and quotes every value on each call: about 25 µs. A page
that links each section, each question's evidence form and each document pays it dozens
of times for the same rule with one value changing, and every autosave's score links its
gaps. :func:`address_builder` builds the address once with a placeholder in place of that
value and then only puts each value in, quoted as Werkzeug quotes a path segment. What it
builds is kept by the application for the path the application is mounted at (a relative
address depends on nothing else here), at most :data:`KEPT_BUILDERS` of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import BaseConverter, Map

#: Placeholders: one for string segments, the largest id for ``int`` segments.
TEXT_SLOT = "value-slot"
ID_SLOT = 2**31 - 1

_PATH_SEGMENT = BaseConverter(Map())

#: How many builders the application keeps (one per rule, mount path and fixed values,
#: such as an assessment's id); beyond that they are all built again.
KEPT_BUILDERS = 4096


def address_builder(endpoint: str, name: str, slot: str | int = TEXT_SLOT,
                    **values: Any) -> Callable[[str | int], str]:
    """Return value -> ``url_for(endpoint, **values, name=value)``, kept by the application.

    ``slot`` must be a value the rule's converter for ``name`` accepts: :data:`TEXT_SLOT`
    for plain segments, :data:`ID_SLOT` for ids. Where the placeholder's text occurs more
    than once in the address (another value equal to it), every call falls back to
    ``url_for``.
    """
    mount = request.script_root if has_request_context() else None
    key = (mount, endpoint, name, slot, tuple(sorted(values.items())))
    cache: dict[tuple[Any, ...], Callable[[str | int], str]] = \
        current_app.extensions.setdefault("ppp_address_builders", {})
    build = cache.get(key)
    if build is None:
        if len(cache) >= KEPT_BUILDERS:
            cache.clear()
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


def question_url(assessment_id: int, section_id: str, question_id: str) -> str:
    """Return the address of a question on its section page."""
    return url_for("assessments.section", assessment_id=assessment_id,
                   section_id=section_id, _anchor=f"question-{question_id}")


#: The characters Flask's ``url_for`` leaves unquoted in an ``_anchor``.
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def section_addresses(assessment_id: int) -> Callable[[str], str]:
    """Return section id -> address of that section page of the assessment.

    The steps and the score panel link every section, a dozen addresses per page.
    """
    return address_builder("assessments.section", "section_id", assessment_id=assessment_id)


def question_urls(assessment_id: int) -> Callable[[str, str], str]:
    """Return :func:`question_url` for one assessment, without ``url_for`` each time."""
    section = section_addresses(assessment_id)

    def url(section_id: str, question_id: str) -> str:
        return f"{section(section_id)}#{quote(f'question-{question_id}', safe=_ANCHOR_SAFE)}"

    return url
