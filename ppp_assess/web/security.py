"""Who is acting, the decorator that guards views by a permission policy, and the
session's signed CSRF token."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, g, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ppp_assess.models import User
from ppp_assess.services.people import SignedIn
from ppp_assess.services.permissions import Person
from ppp_assess.unit_of_work import get_session

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["acting_user", "csrf_token", "current_actor", "current_person", "login_required",
           "permission_required", "safe_next"]


#: The stored signed-in user with the memberships and platform roles that permission
#: checks ask for. Built once: on every request, building the statement cost more than
#: running it.
_USER_WITH_ROLES = (select(User).where(User.id == bindparam("user_id"))
                    .options(joinedload(User.memberships), joinedload(User.platform_roles)))


#: Signed CSRF tokens by signing key, the session's own token and minute.
_SIGNED_TOKENS: dict[tuple[Any, str, int], str] = {}
#: At most this many are kept (then they are all let go: each is signed again once).
_SIGNED_TOKENS_KEPT = 4096


def csrf_token() -> str:
    """Return the session's CSRF token signed as Flask-WTF signs it, signing it at most
    once a minute for a session in each process.

    Signing (a key derived afresh, JSON, an attempt at zlib, an HMAC) cost about a
    twentieth of a kept section page, which sends a token with every copy. A token kept
    here is at most a minute older than one signed now, so it stays valid for
    ``WTF_CSRF_TIME_LIMIT`` less that minute; the rest of the request (form fields,
    ``csrf_token()`` in templates) gets the same one, as Flask-WTF keeps it on ``g``.
    """
    config = current_app.config
    name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    own = session.get(name)
    if not isinstance(own, str) or name in g:
        return str(generate_csrf())
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, own,
           int(time.time() // 60))
    token = _SIGNED_TOKENS.get(key)
    if token is None:
        token = str(generate_csrf())
        if len(_SIGNED_TOKENS) >= _SIGNED_TOKENS_KEPT:
            _SIGNED_TOKENS.clear()
        _SIGNED_TOKENS[key] = token
    else:
        setattr(g, name, token)
    return token


def current_person() -> Person:
    """Return who is signed in (views guarded by ``login_required`` only): enough for the
    permission policies and for the services that act on their behalf by id."""
    user = acting_user()
    if user is None:
        abort(401)
    return user


def current_actor() -> User:
    """Return the stored signed-in user, for the services to act on their behalf (views
    guarded by ``login_required`` only). Read once per request."""
    user = current_user._get_current_object()
    if isinstance(user, User):
        return user
    if not isinstance(user, SignedIn):
        abort(401)
    stored: User | None = g.get("_stored_actor")
    if stored is None or stored.id != user.id:
        stored = get_session().scalars(
            _USER_WITH_ROLES, {"user_id": user.id}).unique().one_or_none()
        if stored is None:
            abort(401)
        g._stored_actor = stored
    return stored


def acting_user() -> Person | None:
    """Return who is signed in, or ``None`` for an anonymous visitor: what the
    permission policies and the navigation ask of them, nothing stored."""
    user = current_user._get_current_object()
    return user if isinstance(user, User | SignedIn) else None


def permission_required(policy: Callable[[Person | None], bool]) -> Callable[[F], F]:
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
            if not policy(acting_user()):
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
