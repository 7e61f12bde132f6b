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


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        # A view may be stricter (the token pages send "no-referrer"): keep its choice.
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_secure)
