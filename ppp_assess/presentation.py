"""How the platform shows values to people, in their language: the one place for it.

Pages and their Jinja filters, the PDF documents (through the callables handed to
:mod:`ppp_assess.pdf`), the CSV and XLSX exports, the mails and the score fields of the
JSON API all format through this module, so one assessment reads the same everywhere.
The rules themselves are pure and live in :mod:`ppp_assess.domain.display`; this module
applies them with CLDR data (Babel) in the language Flask-Babel has selected: the
request's, or the one forced with ``flask_babel.force_locale`` for documents, exports
and mails.

Scores (0-100) and points lost are shown with one decimal, rounded half up from the exact
stored value; completion and other shares as whole percents. Dates have one width per
use: :func:`date_text` (medium) in tables and lists, :func:`long_date_text` in sentences,
documents and answers; date-times are medium (:func:`datetime_text`).

This is an adapter: it may import Flask-Babel, the domain and the configuration. Services
and the domain never import it; they receive a :class:`~ppp_assess.domain.display.Localiser`
from :func:`localiser` instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import numbers as babel_numbers
from babel.numbers import format_compact_currency
from babel.units import format_unit
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_translations,
)
from flask_babel import gettext as _
from markupsafe import Markup

from ppp_assess.domain import display
from ppp_assess.domain.display import Localiser, rounded_score, whole_percent
from ppp_assess.domain.schema import Question, Questionnaire
from ppp_assess.domain.workflow import STATUS_LABELS, Status

#: What stands for a missing score or value in tables.
EMPTY = "–"
#: The language of the msgids, used outside any request or forced locale.
SOURCE_LOCALE = "en"

Number = int | float | Decimal


def current_locale() -> Locale:
    """Return the locale values are shown in (the request's or the forced one)."""
    return get_locale() or Locale.parse(SOURCE_LOCALE)


_NUMBER_PART = re.compile(r"[#0,]*0(?:\.[0#]*)?")


def with_decimals(pattern: str, digits: int) -> str:
    """Return a CLDR number ``pattern`` changed to show exactly ``digits`` decimals.

    The locale's own pattern is kept (grouping, the place and spacing of the % sign), so
    ``#,##0 %`` becomes ``#,##0.0 %`` rather than a pattern written for English.
    """
    positive = pattern.split(";")[0]
    match = _NUMBER_PART.search(positive)
    if match is None:
        return positive
    integer = match.group(0).split(".")[0]
    fraction = "." + "0" * digits if digits > 0 else ""
    return positive[:match.start()] + integer + fraction + positive[match.end():]


# --------------------------------------------------------------------------- numbers


def score_number(value: Number | None) -> float | None:
    """Return a score rounded by the rule, as a number (API fields, spreadsheet cells)."""
    return display.score_number(value)


def score_text(value: Number | None, empty: str = EMPTY) -> str:
    """Return a 0-100 score with one decimal, rounded half up, in the locale's digits.

    ``86.45`` is "86.5" in English and "86,5" in French; ``None`` gives ``empty``. Also
    for statistics of scores (quartiles, percentile ranks).
    """
    return _score_in(_tag(get_locale()), value, empty)


def _tag(locale: Locale | None) -> str:
    """Return the key the number texts of ``locale`` are kept under ("" for none)."""
    return "" if locale is None else str(locale)


@cache
def _locale_of(tag: str) -> Locale | None:
    return Locale.parse(tag) if tag else None


def _score_in(tag: str, value: Number | None, empty: str) -> str:
    if value is None:
        return empty
    # Keyed by its text: equal decimals such as 0.0 and -0.0 read differently.
    return _rounded_score_text(tag, str(rounded_score(value)))


#: How many (locale, value) texts of scores and percents are kept: a score has a
#: thousand values with one decimal, a whole percent a hundred and one.
_NUMBER_TEXTS = 8192


# Kept by the locale's tag, not the Locale: Babel compares and hashes a Locale in Python,
# which cost more than the lookup itself (a dozen lookups in every autosave's score).
@lru_cache(maxsize=_NUMBER_TEXTS)
def _rounded_score_text(tag: str, rounded: str) -> str:
    """Return a score already rounded by the rule in the digits of the locale ``tag``
    names (a page shows a dozen, each formatted by Babel from the locale's pattern: kept
    once written)."""
    locale = _locale_of(tag)
    pattern = with_decimals((locale or Locale.parse(SOURCE_LOCALE)).decimal_formats[None]
                            .pattern, display.SCORE_DECIMALS)
    # Already rounded by the rule: Babel's own rounding (half to even) never applies.
    return str(babel_numbers.format_decimal(Decimal(rounded), format=pattern, locale=locale))


def points_text(value: Number | None, empty: str = EMPTY) -> str:
    """Return points lost (a gap's impact) by the score rule: "4.5"."""
    return score_text(value, empty)


def percent_text(share: Number | None, empty: str = "") -> str:
    """Return a share (0-1) as a whole percent in the locale's form ("67%", "67 %")."""
    return _percent_in(_tag(get_locale()), share, empty)


def _percent_in(tag: str, share: Number | None, empty: str) -> str:
    if share is None:
        return empty
    return _whole_percent_text(tag, whole_percent(share))


@lru_cache(maxsize=_NUMBER_TEXTS)
def _whole_percent_text(tag: str, percent: int) -> str:
    """Return a whole percent in the form of the locale ``tag`` names (kept once
    written)."""
    locale = _locale_of(tag)
    pattern = with_decimals((locale or Locale.parse(SOURCE_LOCALE)).percent_formats[None]
                            .pattern, 0)
    return str(babel_numbers.format_percent(Decimal(percent) / 100, format=pattern,
                                            locale=locale))


def share_text(share: Number | None, empty: str = "") -> str:
    """Return a share (0-1) of the overall score as a percent with one decimal ("7.5 %").

    The methodology's effective weights are often a few percent: whole percents would
    hide their differences. Rounded half up, as scores are.
    """
    if share is None:
        return empty
    pattern = with_decimals(current_locale().percent_formats[None].pattern,
                            display.SCORE_DECIMALS)
    return str(format_percent(rounded_score(Decimal(str(share)) * 100) / 100, format=pattern))


def number_text(value: Number | None) -> str:
    """Return a plain number in the locale's form (an answer, a count, an axis tick).

    As many decimals as the value has: this is no score, which :func:`score_text` shows.
    """
    if value is None:
        return ""
    return str(format_decimal(value))


def money_text(value: Number | None, currency: str | None, compact: bool = False,
               whole: bool = False) -> str:
    """Return an amount of money for the locale.

    :param compact: short form for large amounts ("$500M", "500 M $US").
    :param whole: whole units after the currency sign, as project facts show a capital
        value ("$1,250,000").
    """
    if value is None:
        return ""
    if not currency:
        return number_text(value)
    if compact:
        return str(format_compact_currency(value, currency, locale=current_locale(),
                                           fraction_digits=1))
    if whole:
        return str(format_currency(value, currency, format="¤#,##0", currency_digits=False))
    return str(format_currency(value, currency))


# --------------------------------------------------------------------------- dates


def date_text(value: dt.date | dt.datetime | None) -> str:
    """Return a date as tables and lists show it (CLDR's medium width: "Mar 5, 2025").

    A datetime is first moved to the user's time zone, then shown as its date.
    """
    if value is None:
        return ""
    return str(format_date(value, format="medium"))


def long_date_text(value: dt.date | dt.datetime | None) -> str:
    """Return a date as sentences, documents and answers show it ("March 5, 2025")."""
    if value is None:
        return ""
    return str(format_date(value, format="long"))


def datetime_text(value: dt.datetime | None) -> str:
    """Return a date and time in the user's time zone (CLDR's medium width)."""
    if value is None:
        return ""
    return str(format_datetime(value, format="medium"))


def user_text(value: str | None) -> Markup:
    """Return text people typed (a name, a title, a comment) isolated for the page: ``<bdi>``.

    The browser then gives it the direction of its own first letter and keeps the
    sentence around it in order: the full stop after "Acme Ltd." in an Arabic sentence
    stays where the sentence puts it. Documents use isolates instead
    (:func:`ppp_assess.domain.display.isolate`).
    """
    if not value:
        return Markup("")
    return Markup("<bdi>%s</bdi>") % value


def machine_datetime(value: dt.date | dt.datetime | None) -> str:
    """Return a date or date-time as ``<time datetime>`` carries it: valid HTML, no locale.

    A date-time is given in UTC to the second ("2025-03-05T14:02:09Z"): HTML allows at
    most three fraction digits, and nobody reads them. Naive values are taken as UTC, as
    the database stores them. A date is "2025-03-05".
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def file_size_text(size: int) -> str:
    """Return a file's size worded by CLDR: whole kilobytes below a megabyte ("12 kB"),
    megabytes with one decimal above ("3.4 MB"), 1024 bytes to the kilobyte."""
    if size < 1024 * 1024:
        return str(format_unit(max(1, round(size / 1024)), "digital-kilobyte", length="short",
                               locale=current_locale()))
    megabytes = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"))
    return str(format_unit(megabytes, "digital-megabyte", length="short",
                           locale=current_locale()))


def days_text(days: int) -> str:
    """Return a length of time in whole days, worded by CLDR ("3 days", "3 jours")."""
    return str(format_unit(days, "duration-day", length="long", locale=current_locale()))


# --------------------------------------------------------------------------- names and labels


def data_text(msgid: str | None) -> str:
    """Return a text that comes from data (a questionnaire, a reference list) translated.

    Unlike Jinja's ``_()``, this never applies %-formatting, so texts such as "5 % to
    15 %" come out as written.
    """
    return _(msgid) if msgid else ""


@dataclass(frozen=True, slots=True)
class Wording:
    """The current language's catalogs and number formats, looked up once.

    :func:`data_text`, :func:`score_text` and :func:`percent_text` look the language up
    again through Flask-Babel (the application, the request's context, the domain) for
    every text; a payload of a few dozen texts and figures (the live score after every
    save) asks once. Each method words its value as that function does. Use it within
    the request (or ``force_locale``) it was made in.
    """

    locale: Locale | None
    gettext: Callable[[str], str]
    #: The key of the locale's number texts.
    tag: str = ""

    def data(self, msgid: str | None) -> str:
        """Return a text that comes from data translated, as :func:`data_text`."""
        return str(self.gettext(msgid)) if msgid else ""

    def score(self, value: Number | None, empty: str = EMPTY) -> str:
        """Return a score (or points lost) as :func:`score_text` writes it."""
        return _score_in(self.tag, value, empty)

    def percent(self, share: Number | None, empty: str = "") -> str:
        """Return a share (0-1) as :func:`percent_text` writes it."""
        return _percent_in(self.tag, share, empty)

    def text(self, msgid: str, **variables: Any) -> str:
        """Return an interface text translated and %-formatted with ``variables``, as
        Flask-Babel's ``gettext`` does (mark the msgid with ``N_`` for the catalogs)."""
        translated = str(self.gettext(msgid))
        return translated % variables if variables else translated

    def level(self, questionnaire: Questionnaire, level_id: str | None) -> str | None:
        """Return a level's label, as :func:`level_label`."""
        if level_id is None:
            return None
        try:
            return self.data(questionnaire.level(level_id).label)
        except KeyError:
            return level_id


def wording() -> Wording:
    """Return the current language's :class:`Wording`."""
    locale = get_locale()
    return Wording(locale, _kept_gettext(get_translations()), _tag(locale))


def _kept_gettext(translations: Any) -> Callable[[str], str]:
    """Return ``translations.gettext``, keeping each text it gave on the catalogs.

    A catalog falls back through the domains and the language's parents for each text
    asked for; the live score asks for the same two dozen after every save. The catalogs
    of a language stay loaded for the application's life (Flask-Babel keeps them), and
    the texts asked for are the questionnaires' and the interface's own, so what is kept
    is bounded by the catalogs.
    """
    kept: Callable[[str], str] | None = getattr(translations, "_ppp_kept_gettext", None)
    if kept is not None:
        return kept
    texts: dict[str, str] = {}
    lookup = translations.gettext

    def gettext(msgid: str) -> str:
        try:
            return texts[msgid]
        except KeyError:
            text = texts[msgid] = str(lookup(msgid))
            return text

    translations._ppp_kept_gettext = gettext
    return gettext


def country_name(code: str | None) -> str:
    """Return a country's name from CLDR (the code when CLDR has none; "" for none)."""
    if not code:
        return ""
    return str(current_locale().territories.get(code.upper(), code))


def currency_name(code: str | None) -> str:
    """Return a currency's name from CLDR (the code when CLDR has none; "" for none)."""
    if not code:
        return ""
    return str(current_locale().currencies.get(code.upper(), code))


def language_name(code: str | None) -> str:
    """Name a locale's language in that language, capitalised ("Français", "العربية")."""
    if not code:
        return ""
    try:
        parsed = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return code
    name = parsed.get_display_name(parsed) or code
    # CLDR writes most language names in lower case ("français"); a menu capitalises.
    return name[:1].upper() + name[1:]


def code_label(kind: str, code: str | None) -> str:
    """Return the label of a sector, subsector, region, stage, contract type or country."""
    return display.code_label(kind, code, localiser())


def status_label(status: Status | str) -> str:
    """Return the label of a lifecycle status."""
    return _(STATUS_LABELS[Status(status)])


def level_label(questionnaire: Questionnaire, level_id: str | None) -> str | None:
    """Return the label of a level of ``questionnaire`` (its id if it has no such level)."""
    return wording().level(questionnaire, level_id)


def answer_text(question: Question, value: Any) -> str:
    """Return a stored answer as the reader reads it, or "Not answered"."""
    return display.answer_text(question, value, localiser())


def answer_parts(question: Question, value: Any) -> list[str]:
    """Return a stored answer as one string per selected option (else one); [] if none."""
    if not display.is_answered(value):
        return []
    return display.answer_parts(question.strategy.describe(question, value), localiser())


# --------------------------------------------------------------------------- languages


def recipient_locale(preferred: str | None, fallback: str | None,
                     offered: tuple[str, ...], default: str) -> str:
    """Return the language to write to someone in.

    Their own preference when it is offered; else the language the action was taken in
    (``fallback``); else the default.
    """
    for candidate in (preferred, fallback):
        if candidate and candidate in offered:
            return candidate
    return default


@cache
def _text_direction(code: str) -> str:
    return str(Locale.parse(code).text_direction)


def localiser(code: str | None = None) -> Localiser:
    """Return the localiser of the current language, for services, documents and exports.

    Its callables format in the language current when they are called: build and use it
    inside the request, or inside ``force_locale(code)``.

    :param code: the language the result is declared in; by default the current one.
    """
    locale_code = code or str(current_locale())
    return Localiser(
        code=locale_code,
        # Asked for every answer a page words: CLDR is read once per language.
        text_direction=_text_direction(locale_code),
        translate=data_text,
        number=number_text,
        score=score_text,
        percent=percent_text,
        date=long_date_text,
        country=country_name,
    )
