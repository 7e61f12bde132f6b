"""The marker for messages that are translated later, at the edge."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction into the catalog without translating it.

    The domain and the services keep English msgids; the web, PDF and mail adapters
    translate them in the reader's language.
    """
    return message
