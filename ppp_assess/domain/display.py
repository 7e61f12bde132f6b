"""How values are shown: the rounding rules, the wording of answers, and the localiser.

These are the rules every output of the platform follows — pages, the JSON API, PDF
documents, CSV and XLSX exports, mails — so that one assessment reads the same
everywhere. They are pure: the language comes in through a :class:`Localiser`, which
the presentation adapter (:mod:`ppp_assess.presentation`) builds from CLDR and the
catalogs.

Rounding
    Scores are stored exactly and rounded only for display. A score on the 0-100 scale
    is shown with **one decimal, rounded half up** from the exact stored value
    (:func:`rounded_score`): 86.45 is shown as 86.5, 86.44 as 86.4, 100 as 100.0. A
    stored float is read as the shortest decimal that gives it back (its ``repr``), so
    86.45 counts as 86.45 and not as its binary approximation. Python's ``round`` rounds
    half to even, and ``format`` and Babel round the binary value or half to even, so
    they would disagree on some values: nothing else rounds a score for display. The
    same rule applies to points lost (a gap's impact) and to statistics of scores on
    the 0-100 scale (quartiles, percentile ranks).

    Completion and other progress shares (0-1) are shown as **whole percents**, rounded
    half up the same way (:func:`whole_percent`): 2/3 is 67 %.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, assert_never

from ppp_assess.domain.messages import N_
from ppp_assess.domain.question_types import (
    AnswerDescription,
    CalendarDate,
    ChosenOptions,
    FreeText,
    NotApplicable,
    Quantity,
    ScalePoint,
)
from ppp_assess.domain.reference import (
    ASSESSMENT_STAGES,
    CONTRACT_TYPES,
    REGIONS,
    SECTORS,
    STAGES,
    SUBSECTORS,
)
from ppp_assess.domain.schema import Question

#: Decimals shown for a score, points lost, or a statistic of scores.
SCORE_DECIMALS = 1
_SCORE_STEP = Decimal(1).scaleb(-SCORE_DECIMALS)
_WHOLE = Decimal(1)

Number = int | float | Decimal


# --------------------------------------------------------------------------- rounding


def exact_decimal(value: Number) -> Decimal:
    """Return the decimal a stored number stands for.

    A float is read through its shortest representation (``repr``): ``0.285`` is
    ``Decimal("0.285")``, not the binary value just below it.

    :raises ValueError: for a value that is not a finite number (booleans included).
    """
    if isinstance(value, bool):
        raise ValueError("a score is a number, not a boolean")
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, int):
        exact = Decimal(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"a score must be finite, got {value!r}")
        exact = Decimal(repr(number))
    if not exact.is_finite():
        raise ValueError(f"a score must be finite, got {value!r}")
    return exact


@lru_cache(maxsize=8192, typed=True)
def _half_up(value: Number, step: Decimal) -> Decimal:
    # Kept once rounded: a page and a payload round the same few dozen scores, each
    # twice (the number and its text), through Decimal's exact arithmetic.
    rounded = exact_decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    # A rounded "-0.0" reads as 0.0.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def rounded_score(value: Number) -> Decimal:
    """Return a score for display: one decimal, rounded half up from the exact value.

    Also for points lost and statistics of scores on the 0-100 scale.
    ``86.45 -> 86.5``, ``86.44 -> 86.4``, ``72.25 -> 72.3``, ``100 -> 100.0``.

    :param value: the exact score.
    :return: a decimal with exactly one place.
    :raises ValueError: for a value that is not a finite number.
    """
    return _half_up(value, _SCORE_STEP)


def score_number(value: Number | None) -> float | None:
    """Return :func:`rounded_score` as a float (for JSON and spreadsheet cells), or None."""
    return None if value is None else float(rounded_score(value))


def whole_percent(share: Number) -> int:
    """Return a share (0-1) as a whole percent, rounded half up: ``2/3 -> 67``, ``0.125 -> 13``.

    :raises ValueError: for a value that is not a finite number.
    """
    return int(_half_up(exact_decimal(share) * 100, _WHOLE))


def percent_share(share: Number | None) -> float | None:
    """Return a share rounded to a whole percent, still as a share (``2/3 -> 0.67``), or None."""
    return None if share is None else whole_percent(share) / 100


# --------------------------------------------------------------------------- the localiser


#: Unicode's FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE.
FSI, PDI = "\u2068", "\u2069"


def isolate(text: str) -> str:
    """Return text people typed (a name, a title, a comment) isolated from its sentence.

    Inside the isolates the text takes the direction of its first letter, and outside
    it counts as one neutral character: the full stop after "Acme Ltd." in an Arabic
    sentence stays where the sentence puts it. Documents use this; pages use ``<bdi>``.
    """
    return f"{FSI}{text}{PDI}" if text else text


def _identity(text: str) -> str:
    return text


def plain_number(value: float) -> str:
    """Write a number as Python does, without a decimal part when it is whole."""
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return str(int(value))


def plain_score(value: float) -> str:
    """Write a score with one decimal by the rule, in the ASCII form (``86.5``)."""
    return str(rounded_score(value))


def plain_percent(share: float) -> str:
    """Write a share as a whole percent in the ASCII form (``67%``)."""
    return f"{whole_percent(share)}%"


@dataclass(frozen=True)
class Localiser:
    """How values are put into words and figures in one language.

    The presentation adapter builds one per language from CLDR and the catalogs
    (:func:`ppp_assess.presentation.localiser`); the services that produce documents and
    exports take it as a parameter, so they never format anything of their own, and
    the PDF renderers receive its callables. The defaults write plain text for machines:
    msgids untranslated, numbers as Python writes them, ISO dates, country codes.
    """

    #: The locale code (``fr``, ``zh``); documents carry it as their language.
    code: str = "en"
    #: ``ltr`` or ``rtl``, from CLDR.
    text_direction: str = "ltr"
    #: Translates a msgid (a caption, a questionnaire text, a reference label).
    translate: Callable[[str], str] = _identity
    #: Writes a plain number: a number answer, a count, a page number, an axis tick.
    number: Callable[[float], str] = plain_number
    #: Writes a score or points lost by the rule of :func:`rounded_score`.
    score: Callable[[float], str] = plain_score
    #: Writes a share (0-1) as a whole percent.
    percent: Callable[[float], str] = plain_percent
    #: Writes a date in documents, sentences and answers.
    date: Callable[[dt.date], str] = dt.date.isoformat
    #: Names a country from its ISO 3166-1 alpha-2 code.
    country: Callable[[str], str] = _identity


# --------------------------------------------------------------------------- answers

NOT_ANSWERED = N_("Not answered")
NOT_APPLICABLE = N_("Not applicable")
SCALE_POINT = N_("%(number)s of %(max)s")
SCALE_POINT_AT_END = N_("%(number)s of %(max)s (%(label)s)")
QUANTITY_WITH_UNIT = N_("%(number)s %(unit)s")


def answer_parts(description: AnswerDescription, localiser: Localiser) -> list[str]:
    """Word an answer's description: one string per selected option, else one string.

    This is the only wording of answers: pages, review, documents and exports all use it
    (through :func:`word_answer` where one string is wanted).
    """
    say = localiser.translate
    match description:
        case NotApplicable():
            return [say(NOT_APPLICABLE)]
        case ChosenOptions(options=options):
            return [say(option.label) if option.label else option.value for option in options]
        case ScalePoint(value=value, maximum=maximum, end_label=end):
            values: dict[str, Any] = {"number": localiser.number(value),
                                      "max": localiser.number(maximum)}
            if end:
                return [say(SCALE_POINT_AT_END) % {**values, "label": say(end)}]
            return [say(SCALE_POINT) % values]
        case Quantity(value=value, unit=unit):
            number = localiser.number(value)
            if not unit:
                return [number]
            return [say(QUANTITY_WITH_UNIT) % {"number": number, "unit": say(unit)}]
        case CalendarDate(date=date):
            return [localiser.date(date)]
        case FreeText(text=text):
            return [text]
    assert_never(description)


def word_answer(description: AnswerDescription, localiser: Localiser) -> str:
    """Word an answer's description as one string (selected options joined by ``; ``)."""
    return "; ".join(answer_parts(description, localiser))


def is_answered(value: object) -> bool:
    """Return whether a stored value is an answer (``None`` and an empty list are not)."""
    return value is not None and value != []


def answer_text(question: Question, value: object, localiser: Localiser) -> str:
    """Word a stored answer to ``question``, or say that it is not answered."""
    if not is_answered(value):
        return localiser.translate(NOT_ANSWERED)
    return word_answer(question.strategy.describe(question, value), localiser)


# --------------------------------------------------------------------------- reference codes

#: The reference lists a code label is looked up in, by the name of the field.
CODE_LISTS: Mapping[str, Mapping[str, str]] = {
    "sector": SECTORS,
    "subsector": SUBSECTORS,
    "region": REGIONS,
    "stage": STAGES,
    "assessment_stage": ASSESSMENT_STAGES,
    "contract_type": CONTRACT_TYPES,
}


def code_label(kind: str, code: str | None, localiser: Localiser) -> str:
    """Return the label of a reference code: a sector, subsector, region, stage, contract
    type or (``kind="country"``) a country; the code itself when the list lacks it, and
    an empty string for no code.

    :raises KeyError: for a ``kind`` that is no reference list.
    """
    if kind != "country" and kind not in CODE_LISTS:
        raise KeyError(kind)
    if not code:
        return ""
    if kind == "country":
        return localiser.country(code)
    labels = CODE_LISTS[kind]
    return localiser.translate(labels[code]) if code in labels else code
