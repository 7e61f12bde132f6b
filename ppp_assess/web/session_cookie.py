"""The session cookie, verified once per process and value rather than on every request.

Flask's cookie session checks the cookie's signature on every request: it builds a
serializer, derives the signing key, checks the HMAC, decodes base64, decompresses and
parses the tagged JSON. For a signed-in browser the cookie is the same bytes from one
request to the next (it changes only when the session does), and those steps cost about
a tenth of a kept section page. :class:`KeptSessionInterface` keeps what a cookie it has
verified holds, under the cookie's exact value and the signing keys, and the time it was
signed. A cookie seen again is then only checked for its age, as the signature check
would (a cookie older than ``PERMANENT_SESSION_LIFETIME``, or signed in the future, opens
an empty session), and each request gets a copy of its own.

Only cookies whose signature held are kept, so nobody without the secret key can fill
the store; it holds at most :data:`KEPT_COOKIES` of them, and is emptied when full (each
is then verified once more). Writing the cookie is Flask's own.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

#: At most this many verified cookies are kept per process.
KEPT_COOKIES = 4096

#: A cookie's value and the keys it was verified with.
_Key = tuple[tuple[Any, ...], str]


class KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, each cookie's signature checked once per process."""

    def __init__(self) -> None:
        #: What each verified cookie holds, and when it was signed (seconds since the epoch).
        #: (A dict's single operations need no lock between a worker's threads.)
        self._kept: dict[_Key, tuple[dict[str, Any], int]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not app.secret_key:
            return super().open_session(app, request)
        if not value:
            # Flask builds a serializer first, for nothing: a script with a bearer token
            # sends no cookie with any of its requests.
            return self.session_class()
        key = ((app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ())), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._kept.get(key)
        if kept is not None:
            data, signed = kept
            # As itsdangerous's check: expired when older than max_age or from the future.
            if 0 <= int(time.time()) - signed <= max_age:
                return self.session_class(copy.deepcopy(data))
            self._kept.pop(key, None)
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict):
            if len(self._kept) >= KEPT_COOKIES:
                self._kept.clear()
            self._kept[key] = (data, int(signed_at.timestamp()))
            data = copy.deepcopy(data)
        return self.session_class(data)
