"""ppp-assess: self-assessment, review and certification of public-private partnerships."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ppp_assess.config import MEGABYTE, Settings
from ppp_assess.models.database import Database

if TYPE_CHECKING:
    from flask_limiter import Limiter


class Application(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask asks it anew of every hook and view on every request (``inspect``'s checks,
    about twenty a request); the answer never changes for a function.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        with contextlib.suppress(KeyError, TypeError):  # not seen yet, or not hashable
            return self._synchronous[func]
        synchronous = super().ensure_sync(func)
        with contextlib.suppress(TypeError):
            self._synchronous[func] = synchronous
        return synchronous


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Create the application.

    :param config: a complete :class:`Settings`, or a mapping of setting names that override
        the values read from the environment (tests pass ``{"env": "testing", ...}``).
    :return: the configured Flask application.
    :raises ppp_assess.config.ConfigurationError: when the configuration cannot work, for
        example production without ``SECRET_KEY``.
    """
    if isinstance(config, Settings):
        settings = config.resolved()
    else:
        settings = Settings.from_env(**dict(config or {}))

    app = Application(
        __name__,
        instance_path=str(Path(settings.instance_path).resolve()),
        template_folder="web/templates",
        static_folder="web/static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        # A request may carry one evidence file of the largest size, and the form around it.
        MAX_CONTENT_LENGTH=max(10 * MEGABYTE, settings.evidence_max_file_size + MEGABYTE),
        # Two domains in one folder: the interface and the questionnaire texts.
        BABEL_TRANSLATION_DIRECTORIES=";".join([settings.translations_dir] * 2),
        BABEL_DOMAIN="messages;questionnaires",
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=settings.redis_prefix,
        # Explicit, because the limiter object is shared and would keep another app's choice.
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis away: count in memory for a while rather than refuse every request.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.config.update(settings.flask_overrides)
    if settings.trusted_proxies:
        # Only as many forwarding hops as there are proxies are believed, so a client
        # cannot pass itself off as another address.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions["ppp_settings"] = settings
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    from ppp_assess import cli, mail, observability, unit_of_work
    from ppp_assess.extensions import csrf, limiter
    from ppp_assess.web import locale, register_blueprints
    from ppp_assess.web.session_cookie import KeptSessionInterface

    app.session_interface = KeptSessionInterface()
    unit_of_work.init_app(app, Database(settings.database_url, echo=settings.sql_echo,
                                        audit_key=settings.audit_key.encode("utf-8")))
    csrf.init_app(app)
    limiter.init_app(app)
    _check_limits_in_views_only(app, limiter)
    locale.init_app(app, settings)
    cli.init_app(app)
    mail.init_app(app, settings)
    observability.init_app(app, settings)
    register_blueprints(app)
    return app


def _check_limits_in_views_only(app: Flask, limiter: Limiter) -> None:
    """Leave out the limiter's check before every request while only views set limits.

    A view decorated with a limit checks it itself when it runs; the check before each
    request only counts default, application and meta limits, which this application
    does not set, yet it cost about a twentieth of a kept section page's time. Should
    one be configured, the check stays.
    """
    manager = limiter.limit_manager
    if (manager.default_limits or manager.application_limits or limiter._meta_limits
            or getattr(manager, "_blueprint_limits", True)):
        return
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:  # not there when limits are switched off
        checks.remove(limiter._check_request_limit)
