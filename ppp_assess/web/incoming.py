"""Text the platform never takes in: refused at the door with a 400, before any view.

PostgreSQL cannot store a NUL character in text, and no name, answer or comment needs
one; a lone surrogate is not a character at all and cannot be written as UTF-8. JSON
nested deeper than any request of the API needs is refused before it is walked. Each is
refused for every request, form or JSON, with the translated message of a bad request
(JSON under ``/api/``), so no view ever sees it and nothing is changed.
"""

from __future__ import annotations

import json
from typing import Any, cast

import orjson
from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response as BaseResponse

#: Deepest nesting of arrays and objects a request body may have.
MAX_JSON_DEPTH = 32


def _is_acceptable_text(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False  # a lone surrogate
    return True


def check_json(value: Any) -> None:
    """Raise ``ValueError`` for JSON too deep or holding text the platform refuses."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deep")
        if isinstance(item, str):
            if not _is_acceptable_text(item):
                raise ValueError("text with a NUL character or a lone surrogate")
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _is_acceptable_text(key):
                    raise ValueError("key with a NUL character or a lone surrogate")
                pending.append((inner, depth + 1))
        elif isinstance(item, list):
            pending.extend((inner, depth + 1) for inner in item)


#: orjson's options for a response: sorted keys and Flask's own forms for dates and
#: dataclasses (``default``), as the standard library's encoder would have written them.
_RESPONSE_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                     | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what :func:`check_json` refuses when reading a body, and
    writing responses with orjson.

    ``jsonify`` of the autosave's score took a twentieth of the save with the standard
    library's encoder. The text is the same JSON, with its characters in UTF-8 rather
    than escaped; what orjson does not take (an integer beyond 64 bits) is written by
    the standard library as before.
    """

    def response(self, *args: Any, **kwargs: Any) -> BaseResponse:
        obj = self._prepare_response_obj(args, kwargs)
        options = _RESPONSE_OPTIONS
        if (self.compact is None and self._app.debug) or self.compact is False:
            options |= orjson.OPT_INDENT_2
        try:
            body = orjson.dumps(obj, default=self.default, option=options)
        except TypeError:
            return super().response(*args, **kwargs)
        response_class: Any = self._app.response_class
        return cast(BaseResponse, response_class(body + b"\n", mimetype=self.mimetype))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as error:  # nested deeper than Python's parser goes
            raise ValueError("JSON nested too deep") from error
        check_json(value)
        return value


#: The bodies Werkzeug reads form fields from; any other body has none.
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _refuse_unacceptable_fields() -> None:
    # ``request.form`` is only built for a body of a form's type: asking for it on every
    # GET cost a thirtieth of a kept section page's time, and for a JSON body (each
    # autosave) it wrapped the stream for a parser that reads nothing of it.
    fields = (request.args, request.form) if request.want_form_data_parsed \
        and request.mimetype in _FORM_TYPES else (request.args,)
    for values in fields:
        for key, value in values.items(multi=True):
            if not (_is_acceptable_text(key) and _is_acceptable_text(value)):
                abort(400)


def init_app(app: Flask) -> None:
    """Read JSON strictly and refuse forms and queries with unacceptable text."""
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.before_request(_refuse_unacceptable_fields)
