"""Fixed captions, translation hook and default value formatting for the PDF renderers.

Every caption the renderers print is wrapped in :func:`N_` so that a Babel extractor run
with ``-k N_`` collects it; the caller translates at render time by passing a
``translate`` callable (for example ``flask_babel.gettext`` inside ``force_locale``).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

from ppp_assess.domain.messages import N_  # noqa: F401  (the renderers import it from here)

Translate = Callable[[str], str]
FormatNumber = Callable[[float], str]
FormatDate = Callable[[datetime.date], str]


def identity(message: str) -> str:
    """Return the caption untranslated (the English source string)."""
    return message


def default_format_number(value: float) -> str:
    """Format a score with one decimal, dropping a trailing ``.0``."""
    if math.isnan(value):
        return "–"
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def default_format_date(value: datetime.date) -> str:
    """Format a date as ISO 8601 (``2025-03-31``), readable in every locale."""
    return value.isoformat()
