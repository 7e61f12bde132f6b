"""What the review pages need beyond :mod:`ppp_assess.presentation`: safe evidence links."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_link(url: object) -> str | None:
    """Return ``url`` if it is a web address that is safe to link to, else ``None``."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return url.strip()
