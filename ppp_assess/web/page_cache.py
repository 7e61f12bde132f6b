"""Pages kept as rendered until what they show changes.

A draft's section page is the most requested page of the platform and the dearest to
build: the answers are read and scored, and the layout, the list of sections, the score
panel and every question are rendered. Yet most requests for it show exactly what the
previous one showed: a respondent comes back to a section, or reloads it.

:class:`RenderedPages` keeps such pages in the process's memory, least recently used
dropped first once their total size passes a budget (``PPP_ASSESS_PAGE_CACHE_MB``). A
page is found again only by a key that holds everything it shows beyond what is fixed by
the application's code and catalogs: the view builds the key from what it read anyway
(the assessment's stored row, whose version changes with every answer saved, its
documents, the signed-in user and the links they may follow, the language, the
address). Nothing is ever invalidated: a change gives a new key, and the old page ages
out. Each process keeps its own pages; none is shared between users.

The page's CSRF token is the one thing that differs between two requests showing the
same page: the token is cut out of the stored page and the request's own is put back in.
Pages are kept as the UTF-8 bytes sent, so that a page found again is not encoded again
(for a page of 50 KB with a few characters beyond ASCII, a twentieth of the request).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock

from flask import Flask, current_app

from ppp_assess.config import MEGABYTE, get_settings

_EXTENSION = "ppp_rendered_pages"


class RenderedPages:
    """A byte-bounded, least-recently-used store of rendered pages, kept as UTF-8."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._pages: OrderedDict[Hashable, tuple[bytes, ...]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()
            self.size = 0

    def get(self, key: Hashable, token: str) -> bytes | None:
        """Return the page kept under ``key`` with ``token`` as its CSRF token, encoded in
        UTF-8, or ``None``."""
        with self._lock:
            parts = self._pages.get(key)
            if parts is None:
                return None
            self._pages.move_to_end(key)
        return token.encode().join(parts)

    def put(self, key: Hashable, page: str, token: str) -> None:
        """Keep ``page``, rendered with the CSRF token ``token``, under ``key``."""
        encoded = page.encode()
        parts = tuple(encoded.split(token.encode())) if token else (encoded,)
        size = sum(len(part) for part in parts)
        if size > self.budget:
            return
        with self._lock:
            replaced = self._pages.pop(key, None)
            if replaced is not None:
                self.size -= sum(len(part) for part in replaced)
            self._pages[key] = parts
            self.size += size
            while self.size > self.budget:
                _key, dropped = self._pages.popitem(last=False)
                self.size -= sum(len(part) for part in dropped)


def rendered_pages(app: Flask | None = None) -> RenderedPages | None:
    """Return the application's page store, or ``None`` when the budget is 0."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store: RenderedPages | None = app.extensions.get(_EXTENSION)
    if store is None:
        budget = get_settings(app).page_cache_mb * MEGABYTE
        if budget == 0:
            return None
        store = app.extensions.setdefault(_EXTENSION, RenderedPages(budget))
    return store
