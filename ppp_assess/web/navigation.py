"""The main navigation, filled by each blueprint with its own entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_login import current_user

from ppp_assess.domain.reference import PlatformRole


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation."""

    endpoint: str
    #: A lazy-translated label (``lazy_gettext``).
    label: object
    #: Who sees the link: "anyone", "signed_in", "member" or a platform role value; a
    #: tuple of these shows the link (once) to anyone matching one of them.
    audience: str | tuple[str, ...] = "signed_in"
    order: int = 50


def add_nav_item(app: Flask, item: NavItem) -> None:
    """Register a navigation link (blueprints call this from their ``init_app``)."""
    app.extensions.setdefault("ppp_nav", []).append(item)


def _matches(audience: str) -> bool:
    if audience == "anyone":
        return True
    if not getattr(current_user, "is_authenticated", False):
        return False
    if audience == "signed_in":
        return True
    if audience == "member":
        return bool(current_user.memberships)
    return bool(current_user.has_platform_role(PlatformRole(audience)))


def _visible(item: NavItem) -> bool:
    audiences = (item.audience,) if isinstance(item.audience, str) else item.audience
    return any(_matches(audience) for audience in audiences)


def nav_items() -> list[NavItem]:
    """Return the links the current user may see, in order."""
    items: list[NavItem] = current_app.extensions.get("ppp_nav", [])
    return sorted((item for item in items if _visible(item)), key=lambda item: item.order)


def init_app(app: Flask) -> None:
    """Expose :func:`nav_items` to templates."""
    helper: Callable[[], list[NavItem]] = nav_items
    app.jinja_env.globals["nav_items"] = helper
