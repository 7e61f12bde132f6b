"""A Babel extractor for questionnaire files.

It yields every translatable text of a questionnaire (the places listed in
``ppp_assess.domain.schema.TRANSLATABLE_KEYS``, shared with the loader so the two cannot
drift) with a translator comment naming the file and the path inside it, e.g.
``people-first.yaml:/sections/2/questions/4/guidance``. Registered as the
``ppp_questionnaire`` extraction method (``babel.extractors`` entry point).
"""

from __future__ import annotations

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
