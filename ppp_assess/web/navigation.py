"""The main navigation, filled by each blueprint with its own entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from ppp_assess.services import permissions
from ppp_assess.services.permissions import Person
from ppp_assess.web.security import acting_user


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation."""

    endpoint: str
    #: A lazy-translated label (``lazy_gettext``).
    label: object
    #: Who sees the link: a user-level policy of :mod:`ppp_assess.services.permissions`,
    #: the same one that guards the page it leads to.
    visible_to: Callable[[Person | None], bool] = permissions.is_signed_in
    order: int = 50

    @property
    def public(self) -> bool:
        """Return whether anonymous visitors see the link too."""
        return self.visible_to(None)


def add_nav_item(app: Flask, item: NavItem) -> None:
    """Register a navigation link (blueprints call this from their ``init_app``)."""
    app.extensions.setdefault("ppp_nav", []).append(item)


def nav_items() -> list[NavItem]:
    """Return the links the current user may see, in order."""
    items: list[NavItem] = current_app.extensions.get("ppp_nav", [])
    user = acting_user()
    return sorted((item for item in items if item.visible_to(user)),
                  key=lambda item: item.order)


def init_app(app: Flask) -> None:
    """Expose :func:`nav_items` to templates."""
    helper: Callable[[], list[NavItem]] = nav_items
    app.jinja_env.globals["nav_items"] = helper
