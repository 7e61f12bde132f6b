"""The request's language: selection, start-up validation and text direction.

Formatting in that language is :mod:`ppp_assess.presentation`'s; this module registers
its functions as the templates' filters.

English is the source language: every msgid is English, so ``en`` needs no catalog. Every
other configured locale is offered only when its catalogs are compiled (``flask
translations compile``); which locales are complete is enforced by the test suite, not
here (see ``docs/translating.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Domain, _get_current_context, get_locale, get_translations, refresh
from flask_login import current_user
from jinja2 import pass_context
from jinja2.ext import (  # the wrappers Jinja's own install_gettext_callables uses
    _make_new_gettext,
    _make_new_ngettext,
    _make_new_npgettext,
    _make_new_pgettext,
)

from ppp_assess import presentation
from ppp_assess.config import ConfigurationError, Settings
from ppp_assess.extensions import babel

log = logging.getLogger(__name__)

#: The language the msgids are written in; it is served without a catalog.
SOURCE_LOCALE = presentation.SOURCE_LOCALE
#: The query parameter that switches the language (``/any/page?lang=fr``).
QUERY_PARAMETER = "lang"
#: Where the chosen language is remembered between requests.
SESSION_KEY = "locale"
#: The catalogs a locale needs before it is offered.
DOMAINS = ("messages", "questionnaires")


@dataclass(frozen=True)
class LocaleInfo:
    """What templates need to know about a locale."""

    #: The code used in URLs, the session and the catalogs folder (``zh``, ``pt_BR``).
    code: str
    #: The BCP 47 tag for ``lang`` and ``hreflang`` attributes (``pt-BR``).
    language_tag: str
    #: ``ltr`` or ``rtl``, from CLDR.
    text_direction: str
    #: The language's name in that language ("Français", "العربية"), for language menus.
    display_name: str

    @property
    def is_rtl(self) -> bool:
        """Return whether the locale is written right to left."""
        return self.text_direction == "rtl"


@cache
def locale_info(code: str) -> LocaleInfo:
    """Return the :class:`LocaleInfo` of a locale code, with direction and name from CLDR."""
    return LocaleInfo(
        code=code,
        language_tag=code.replace("_", "-"),
        text_direction=Locale.parse(code).text_direction,
        display_name=presentation.language_name(code),
    )


def available_locales(app: Flask | None = None) -> tuple[str, ...]:
    """Return the locales offered, in configuration order (the default among them)."""
    locales: tuple[str, ...] = (app or current_app).extensions["ppp_locales"]
    return locales


def is_compiled(translations_dir: Path, code: str) -> bool:
    """Return whether every catalog of ``code`` has been compiled (``.mo``) in the folder."""
    folder = translations_dir / code / "LC_MESSAGES"
    return all((folder / f"{domain}.mo").is_file() for domain in DOMAINS)


def validate_locales(settings: Settings, translations_dir: Path) -> tuple[str, ...]:
    """Check the configured locales at start-up and return those that can be served.

    A locale other than English without compiled catalogs is left out with a warning
    during development, so a checkout works before ``flask translations compile``; in
    production it stops the start-up, because a deployment that silently loses a language
    is a packaging mistake.

    :raises ConfigurationError: when a configured locale is unknown to CLDR, when the
        default locale cannot be served, or, in production, when a locale has no compiled
        catalogs.
    """
    offered: list[str] = []
    for code in dict.fromkeys(settings.locales):
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError) as error:
            raise ConfigurationError(
                f"Unknown locale {code!r} in PPP_ASSESS_LOCALES (use codes such as fr or zh)."
            ) from error
        if code == SOURCE_LOCALE or is_compiled(translations_dir, code):
            offered.append(code)
        elif settings.is_production:
            raise ConfigurationError(
                f"Locale {code!r} has no compiled catalogs in {translations_dir}: run "
                "`python -m ppp_assess.i18n compile`, or remove it from PPP_ASSESS_LOCALES."
            )
        else:
            log.warning("Locale %s has no compiled catalogs in %s and is not offered "
                        "(run `flask --app wsgi translations compile`).", code, translations_dir)
    if settings.default_locale not in offered:
        raise ConfigurationError(
            f"The default locale {settings.default_locale!r} has no compiled catalogs in "
            f"{translations_dir}."
        )
    return tuple(offered)


def _match(requested: str | None, offered: tuple[str, ...]) -> str | None:
    """Return the offered locale ``requested`` names (``fr``, ``fr-CA``, ``zh_Hans``)."""
    if not requested:
        return None
    if requested in offered:
        return requested
    return negotiate_locale([requested.replace("-", "_")], list(offered), sep="_")


def requested_locale() -> str | None:
    """Return the offered locale asked for by the request's ``lang`` parameter, if any."""
    return _match(request.args.get(QUERY_PARAMETER), available_locales())


def select_locale() -> str:
    """Choose the request's locale.

    The order of precedence is:

    1. the ``lang`` query parameter (which :func:`remember_requested_locale` also keeps
       in the session; a signed-in user saves a preference with the language menu, a
       POST);
    2. the locale remembered in the session;
    3. the signed-in user's preferred locale;
    4. the browser's ``Accept-Language`` header;
    5. the configured default locale.

    Only offered locales (:func:`available_locales`) are ever chosen; outside a request
    (commands, e-mails sent from the CLI) the default is used unless ``force_locale``
    says otherwise.
    """
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    offered = available_locales()
    requested = requested_locale()
    if requested:
        return requested
    remembered = session.get(SESSION_KEY)
    if remembered in offered:
        return str(remembered)
    if getattr(current_user, "is_authenticated", False):
        preferred = getattr(current_user, "locale", None)
        if preferred in offered:
            return str(preferred)
    accepted = [value.replace("-", "_") for value, _quality in request.accept_languages
                if value != "*"]
    negotiated = negotiate_locale(accepted, list(offered), sep="_")
    return negotiated or default


def _selected_locale() -> Locale:
    """Return :func:`select_locale`'s choice as Babel's :class:`~babel.Locale`.

    Flask-Babel parses the selector's answer into a ``Locale`` on every request unless it
    is one already: each offered locale is parsed once per process instead.
    """
    return _parsed_locale(select_locale())


@lru_cache(maxsize=64)
def _parsed_locale(tag: str) -> Locale:
    return Locale.parse(tag)


def remember_requested_locale() -> None:
    """Keep the language chosen with ``?lang=`` in the session (the browser's cookie).

    Nothing is stored on the server: a GET never changes state, and the API answers in
    the requested language without remembering it. A signed-in user saves a preference
    with the language menu, which posts it.
    """
    requested = requested_locale()
    if requested is None or request.blueprint == "api":
        return
    if session.get(SESSION_KEY) != requested:
        session[SESSION_KEY] = requested


def current_locale_info() -> LocaleInfo:
    """Return the request's :class:`LocaleInfo` (computed once per request)."""
    if "locale_info" not in g:
        locale = get_locale()
        g.locale_info = locale_info(str(locale) if locale else SOURCE_LOCALE)
    info: LocaleInfo = g.locale_info
    return info


def _page_address(**extra: str) -> str:
    """Return the current page's address with ``lang`` left out and ``extra`` added.

    A page reached only by POST (a form answer) cannot be fetched again: its address is
    the home page's.
    """
    rule = request.url_rule
    if rule is not None and "GET" not in (rule.methods or ()):
        query = urlencode(extra)
        return f"{request.script_root}/" + (f"?{query}" if query else "")
    args = [(key, value) for key, value in request.args.items(multi=True)
            if key != QUERY_PARAMETER]
    args.extend(extra.items())
    query = urlencode(args)
    return f"{request.script_root}{request.path}" + (f"?{query}" if query else "")


def switch_locale_url(code: str) -> str:
    """Return the address of the current page in another language (``lang`` replaced)."""
    return _page_address(**{QUERY_PARAMETER: code})


def current_page_path() -> str:
    """Return the current page's address without ``lang``, to come back to after a POST."""
    return _page_address()


# --- Formatting, as Jinja filters ------------------------------------------------------


def _at_render_time(function: Callable[..., str]) -> Callable[..., str]:
    """Wrap a filter so Jinja never runs it while compiling a template.

    Jinja evaluates filters on constants (``{{ 0.5|percent }}``) at compile time, outside
    any request, which would freeze the first locale's formatting into the template.
    """

    @pass_context
    def filter_(_context: Any, *args: Any, **kwargs: Any) -> str:
        return function(*args, **kwargs)

    filter_.__doc__ = function.__doc__
    return filter_


#: The formatting filters of every template, all from :mod:`ppp_assess.presentation`.
FILTERS: dict[str, Callable[..., str]] = {
    "score": presentation.score_text,
    "points": presentation.points_text,
    "percent": presentation.percent_text,
    "file_size": presentation.file_size_text,
    "number": presentation.number_text,
    "money": presentation.money_text,
    "date": presentation.date_text,
    "long_date": presentation.long_date_text,
    "datetime": presentation.datetime_text,
    "machine_datetime": presentation.machine_datetime,
    "bdi": presentation.user_text,
    "days": presentation.days_text,
    "country_name": presentation.country_name,
    "language_name": presentation.language_name,
}
#: Functions templates call, all from :mod:`ppp_assess.presentation`: data texts (two
#: names for one function), answers and labels. Globals, not context variables: the
#: question macros are imported without context.
GLOBALS: dict[str, Callable[..., Any]] = {
    "translate": presentation.data_text,
    "questionnaire_text": presentation.data_text,
    "answer_text": presentation.answer_text,
    "answer_parts": presentation.answer_parts,
    "code_label": presentation.code_label,
    "status_label": presentation.status_label,
}
#: Flask-Babel's own filters, removed so that every page formats through the one module.
BABEL_FILTERS = ("datetimeformat", "dateformat", "timeformat", "timedeltaformat",
                 "numberformat", "decimalformat", "currencyformat", "percentformat",
                 "scientificformat")


class _AppDomain(Domain):
    """Flask-Babel's domain, with compiled catalogs cached per application.

    Flask-Babel caches catalogs per process and locale; two applications with different
    translation folders (tests, or a pseudo-locale build) would otherwise share them.
    """

    def get_translations_cache(self, ctx: object) -> dict[Any, Any]:
        """Return the translation cache of the current application."""
        cache: dict[Any, Any] = current_app.extensions.setdefault("ppp_translations", {})
        return cache

    def get_translations(self) -> Any:
        """Return the request's catalogs, looked up once per request and locale.

        Flask-Babel looks up the application, the locale and its name again for every
        string. The catalogs are kept in the request's Babel context under the name
        Flask-Babel itself clears: ``refresh()`` deletes it and ``force_locale`` swaps it
        out and back with the locale.
        """
        context = _get_current_context()
        if context is None:
            return super().get_translations()
        translations = getattr(context, "babel_translations", None)
        if translations is None:
            translations = super().get_translations()
            context.babel_translations = translations
        return translations


def _set_locale_info() -> None:
    """Choose the request's locale afresh and put its :class:`LocaleInfo` on ``g``."""
    # ``g`` outlives the request when an application context was pushed beforehand (tests,
    # scripts): a locale cached by an earlier request must not leak into this one.
    g.pop("locale_info", None)
    refresh()
    if request.endpoint != "static":
        current_locale_info()


def init_app(app: Flask, settings: Settings) -> None:
    """Validate the locales and wire Flask-Babel with :func:`select_locale`."""
    translations_dir = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    app.extensions["ppp_locales"] = validate_locales(settings, translations_dir)
    babel.init_app(app, locale_selector=_selected_locale)
    if not isinstance(babel.__dict__.get("domain_instance"), _AppDomain):
        babel.domain_instance = _AppDomain(domain=app.config["BABEL_DOMAIN"])
    app.before_request(remember_requested_locale)
    app.before_request(_set_locale_info)
    for name in BABEL_FILTERS:
        app.jinja_env.filters.pop(name, None)
    app.jinja_env.filters.update({name: _at_render_time(function)
                                  for name, function in FILTERS.items()})
    app.jinja_env.globals.update(GLOBALS)
    app.jinja_env.globals["switch_locale_url"] = switch_locale_url
    app.jinja_env.globals["current_page_path"] = current_page_path

    @app.context_processor
    def _inject_locales() -> dict[str, object]:
        return {
            "available_locales": [locale_info(code) for code in available_locales()],
            "locale_info": current_locale_info(),
            **template_gettext(get_translations()),
        }


@lru_cache(maxsize=64)
def template_gettext(translations: NullTranslations) -> dict[str, Callable[..., str]]:
    """Return the template's ``gettext`` family bound to the request's catalogs.

    Flask-Babel installs functions that look up the request's locale, domain and catalogs
    again for every string: a page of a hundred strings spent about a millisecond on it.
    A page renders in one locale, so the context processor passes these instead; they
    take precedence over the environment's globals, which remain for templates rendered
    without a request. Catalogs are cached per locale, so these are built once each.
    """
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
        "pgettext": _make_new_pgettext(translations.upgettext),
        "npgettext": _make_new_npgettext(translations.unpgettext),
    }
