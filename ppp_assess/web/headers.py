"""Security headers on every response: pages, errors, PDFs, exports and the API.

The Content-Security-Policy allows only this site's own scripts, styles, images, fonts
and connections; no inline script or style anywhere (templates carry none), no framing,
forms posting only here, no ``<base>``.
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def _secure(response: Response) -> Response:
    # A view may be stricter (the token pages send "no-referrer"): keep its choice. The
    # names present are collected once: asking the headers for each missing name raised
    # and caught an exception per header, a few per cent of a kept page.
    present = {name.lower() for name, _value in response.headers}
    headers = response.headers
    for lower, name, value in _BY_NAME:
        if lower not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_secure)
