"""Security headers on every response: pages, errors, PDFs, exports and the API.

The Content-Security-Policy allows only this site's own scripts, styles, images, fonts
and connections; no inline script or style anywhere (templates carry none), no framing,
forms posting only here, no ``<base>``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
])

#: Features no page uses; a script injected somewhere could not turn them on.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb", "interest-cohort"))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Two years, sent only over HTTPS (browsers ignore it over plain HTTP anyway).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


#: The headers by their names in lower case, as they are looked for in a response.
_BY_NAME = tuple((name.lower(), name, value) for name, value in HEADERS.items())
#: The URL schemes of a secure request (Werkzeug's ``Request.is_secure``).
_SECURE_SCHEMES = frozenset({"https", "wss"})


class SecureHeaders:
    """Add the security headers to every response, as it leaves the application.

    A view may be stricter (the token pages send "no-referrer"): its choice is kept.
    Added to the plain list of headers the application hands to the server, after the
    response is made: through Werkzeug's ``Headers`` (each name and value checked again,
    each name looked for) they cost a thirtieth of a kept section page. The scheme is
    read when the response starts, once a proxy's forwarded scheme has been applied.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start_secure(status: str, headers: list[tuple[str, str]],
                         exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}
            headers = headers + [(name, value) for lower, name, value in _BY_NAME
                                 if lower not in present]
            if environ.get("wsgi.url_scheme") in _SECURE_SCHEMES \
                    and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_secure)


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.wsgi_app = SecureHeaders(app.wsgi_app)  # type: ignore[method-assign]
