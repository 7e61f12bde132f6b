"""Who is acting, and decorators that guard views by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import abort, url_for
from flask_login import current_user, login_required

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import User

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["current_actor", "login_required", "roles_required", "safe_next"]


def current_actor() -> User:
    """Return the signed-in user (views guarded by ``login_required`` only)."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if not isinstance(user, User):
        abort(401)
    return user


def roles_required(*roles: PlatformRole) -> Callable[[F], F]:
    """Allow the view only to signed-in users holding one of the platform ``roles``.

    Others get 404, not 403: pages for the board or administrators are not advertised.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_actor()
            if not any(user.has_platform_role(role) for role in roles):
                abort(404)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def _unsafe_character(text: str) -> bool:
    return any(ord(character) < 0x20 or 0x7F <= ord(character) < 0xA0 or character == "\\"
               for character in text)


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else the home page's address.

    Only relative paths are kept: no scheme, no host, no ``//`` or backslash, and no
    control character, before or after percent-decoding (browsers drop tabs and line
    breaks, so ``/%09/evil.example`` would otherwise lead off the site).
    """
    home = url_for("main.index")
    if not target:
        return home
    decoded = unquote(target)
    for candidate in (target, decoded):
        if _unsafe_character(candidate) or not candidate.startswith("/") or \
                candidate.startswith("//"):
            return home
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return home
    return target
