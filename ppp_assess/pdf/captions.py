"""Fixed captions, translation hook and default value formatting for the PDF renderers.

Every caption the renderers print is wrapped in :func:`N_` so that a Babel extractor run
with ``-k N_`` collects it; the caller translates at render time by passing a
``translate`` callable, and formats values by passing ``format_score``, ``format_number``
and ``format_date`` (the application passes those of
:func:`ppp_assess.presentation.localiser`, so documents show what the pages show). The
defaults here write plain text for documents made without the application.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.messages import N_  # noqa: F401  (the renderers import it from here)

Translate = Callable[[str], str]
FormatNumber = Callable[[float], str]
FormatScore = Callable[[float], str]
FormatDate = Callable[[datetime.date], str]


def identity(message: str) -> str:
    """Return the caption untranslated (the English source string)."""
    return message


def default_format_number(value: float) -> str:
    """Format a plain number (a page number, an axis tick) without a needless ``.0``."""
    if math.isnan(value):
        return "–"
    return f"{value:g}"


def default_format_score(value: float) -> str:
    """Format a score or points lost by the platform's rule: one decimal, half up."""
    if math.isnan(value):
        return "–"
    return str(rounded_score(value))


def default_format_date(value: datetime.date) -> str:
    """Format a date as ISO 8601 (``2025-03-31``), readable in every locale."""
    return value.isoformat()
