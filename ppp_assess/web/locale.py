"""Request locale selection and text direction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from flask import Flask, current_app, g, request, session
from flask_login import current_user

from ppp_assess.config import ConfigurationError, Settings
from ppp_assess.extensions import babel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocaleInfo:
    """What templates need to know about the request's locale."""

    code: str
    language_tag: str
    text_direction: str
    display_name: str


def locale_info(code: str) -> LocaleInfo:
    """Return the :class:`LocaleInfo` of a locale code, with direction from CLDR."""
    parsed = Locale.parse(code)
    return LocaleInfo(
        code=code,
        language_tag=code.replace("_", "-"),
        text_direction=parsed.text_direction,
        display_name=(parsed.display_name or code),
    )


def available_locales(app: Flask | None = None) -> tuple[str, ...]:
    """Return the locales offered: configured and, except the default, compiled."""
    locales: tuple[str, ...] = (app or current_app).extensions["ppp_locales"]
    return locales


def _compiled(translations_dir: Path, code: str) -> bool:
    return (translations_dir / code / "LC_MESSAGES" / "messages.mo").exists()


def validate_locales(settings: Settings, translations_dir: Path) -> tuple[str, ...]:
    """Check the configured locales at start-up and return those that can be served.

    :raises ConfigurationError: when a configured locale is unknown to CLDR.
    """
    offered = []
    for code in settings.locales:
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError) as error:
            raise ConfigurationError(f"Unknown locale {code!r} in PPP_ASSESS_LOCALES.") from error
        if code == settings.default_locale or _compiled(translations_dir, code):
            offered.append(code)
        else:
            log.warning("Locale %s has no compiled catalog and is not offered.", code)
    return tuple(offered)


def select_locale() -> str:
    """Choose the request's locale.

    The order of precedence is:

    1. the ``lang`` query parameter (remembered in the session, and in the user's profile
       when signed in);
    2. the locale remembered in the session;
    3. the signed-in user's preferred locale;
    4. the browser's ``Accept-Language`` header;
    5. the configured default locale.

    Only available locales are ever chosen.
    """
    offered = available_locales()
    requested = request.args.get("lang")
    if requested in offered:
        session["locale"] = requested
        return requested
    remembered = session.get("locale")
    if remembered in offered:
        return str(remembered)
    if current_user and getattr(current_user, "is_authenticated", False):
        preferred = getattr(current_user, "locale", None)
        if preferred in offered:
            return str(preferred)
    accepted = [value.replace("-", "_") for value, _quality in request.accept_languages]
    negotiated = negotiate_locale(accepted, list(offered), sep="_")
    if negotiated:
        return negotiated
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    return default


def current_locale_info() -> LocaleInfo:
    """Return the request's :class:`LocaleInfo` (computed once per request)."""
    if "locale_info" not in g:
        from flask_babel import get_locale

        locale = get_locale()
        g.locale_info = locale_info(str(locale) if locale else "en")
    info: LocaleInfo = g.locale_info
    return info


def _set_locale_info() -> None:
    current_locale_info()


def init_app(app: Flask, settings: Settings) -> None:
    """Validate the locales and wire Flask-Babel with :func:`select_locale`."""
    translations_dir = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    app.extensions["ppp_locales"] = validate_locales(settings, translations_dir)
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_set_locale_info)

    @app.context_processor
    def _inject_locales() -> dict[str, object]:
        return {
            "available_locales": [locale_info(code) for code in available_locales()],
            "locale_info": current_locale_info(),
        }
