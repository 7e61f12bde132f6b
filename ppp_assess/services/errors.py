"""Errors that services raise and adapters turn into responses.

Messages are English msgids with named placeholders; adapters translate them and fill
in ``params``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ServiceError(Exception):
    """A request that cannot be carried out; nothing was changed."""

    #: HTTP status the adapters answer with.
    status = 400
    #: Stable machine-readable code.
    code = "bad_request"

    def __init__(self, message: str, params: Mapping[str, Any] | None = None,
                 *, code: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        self.message = message
        self.params = dict(params or {})
        self.fields = dict(fields or {})
        if code is not None:
            self.code = code
        super().__init__(message % self.params if self.params else message)


class NotFound(ServiceError):
    """The object does not exist, or the actor may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The actor may see the object but not do this to it."""

    status = 403
    code = "forbidden"


class Invalid(ServiceError):
    """The input was not acceptable (field messages in ``fields``)."""

    status = 422
    code = "invalid"


class Conflict(ServiceError):
    """The object changed in the meantime, or is not in a state that allows this."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, params: Mapping[str, Any] | None = None, *,
                 code: str | None = None, current: Any = None) -> None:
        super().__init__(message, params, code=code)
        #: What is stored now, for the client to show beside its own value.
        self.current = current


class MissingAnswers(Invalid):
    """Submission refused: required questions are unanswered."""

    code = "missing_answers"

    def __init__(self, message: str, missing: Sequence[str]) -> None:
        super().__init__(message, {"count": len(missing)})
        self.missing = list(missing)


class TooLarge(Invalid):
    """The upload is larger than a limit allows."""

    status = 413
    code = "too_large"


class Unavailable(ServiceError):
    """Something the action needs cannot be reached just now; nothing was changed."""

    status = 503
    code = "unavailable"
