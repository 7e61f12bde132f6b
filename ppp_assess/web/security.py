"""Who is acting, and the decorator that guards views by a permission policy."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import abort, url_for
from flask_login import current_user, login_required

from ppp_assess.models import User

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["acting_user", "current_actor", "login_required", "permission_required",
           "safe_next"]


def current_actor() -> User:
    """Return the signed-in user (views guarded by ``login_required`` only)."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        abort(401)
    return user


def acting_user() -> User | None:
    """Return the signed-in user, or ``None`` for an anonymous visitor."""
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def permission_required(policy: Callable[[User | None], bool]) -> Callable[[F], F]:
    """Allow the view only to signed-in users whom ``policy`` allows.

    ``policy`` is one of the user-level policies of
    :mod:`ppp_assess.services.permissions` (``can_review``, ``can_evaluate``, ...).
    Anonymous visitors are asked to sign in; others get 404, not 403: pages for the
    board, evaluators or administrators are not advertised.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not policy(current_actor()):
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
