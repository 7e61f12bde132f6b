"""Producing certificate and report PDFs for a request: language, rendering, rate limit.

Shared by the pages and the JSON API, so both give the same documents under the same
rules.
"""

from __future__ import annotations

from flask import Response, current_app, make_response, request
from flask_babel import force_locale, get_locale
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy.orm import Session

from ppp_assess import presentation
from ppp_assess.config import get_settings
from ppp_assess.extensions import limiter
from ppp_assess.models import Assessment, Certificate
from ppp_assess.pdf.certificate import render_certificate
from ppp_assess.pdf.report import render_report
from ppp_assess.pdf.signature import sign_document
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from ppp_assess.services.errors import ServiceError
from ppp_assess.web.locale import available_locales

#: PDF downloads allowed per user (or address, when signed out) unless configured otherwise
#: with the Flask setting ``PDF_DOWNLOAD_LIMIT``.
DEFAULT_PDF_LIMIT = "30 per minute"
#: Certificate checks (uploads) allowed per address.
DEFAULT_VERIFY_LIMIT = "20 per minute"


def _pdf_limit() -> str:
    return str(current_app.config.get("PDF_DOWNLOAD_LIMIT", DEFAULT_PDF_LIMIT))


def _verify_limit() -> str:
    return str(current_app.config.get("CERTIFICATE_VERIFY_LIMIT", DEFAULT_VERIFY_LIMIT))


def rate_limit_key() -> str:
    """Count a signed-in user's requests together, whatever address they come from."""
    if getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"


#: One budget for every PDF download, pages and API together: rendering is the costly part.
pdf_download_limit = limiter.shared_limit(_pdf_limit, scope="pdf-downloads",
                                          key_func=rate_limit_key)
def _lookup_limit() -> str:
    return str(current_app.config.get("CERTIFICATE_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT))


#: Looking certificates up by serial, on the page and in the API together: plenty for
#: anyone checking the certificates they were shown, far too few to try serials.
DEFAULT_LOOKUP_LIMIT = "60 per minute;600 per hour"
certificate_lookup_limit = limiter.shared_limit(_lookup_limit, scope="certificate-lookups",
                                                key_func=rate_limit_key, methods=["GET"])
#: Uploads to the verification page; reading an untrusted PDF costs time too.
verify_upload_limit = limiter.shared_limit(_verify_limit, scope="certificate-checks",
                                           key_func=rate_limit_key, methods=["POST"])


def document_language(requested: str | None) -> str:
    """Return the language a document is asked for, or the request's language.

    :raises ServiceError: code ``unsupported_language`` for a language not offered.
    """
    offered = available_locales()
    if not requested:
        current = get_locale()
        return str(current) if current is not None and str(current) in offered else offered[0]
    if requested not in offered:
        raise ServiceError(
            "Documents are not available in “%(language)s”. Choose one of: %(offered)s.",
            {"language": requested[:20], "offered": ", ".join(offered)},
            code="unsupported_language", fields={"lang": "unsupported"},
        )
    return requested


def certificate_pdf(session: Session, certificate: Certificate, language: str) -> bytes:
    """Render ``certificate`` in ``language`` from its signed facts."""
    with force_locale(language):
        localiser = presentation.localiser(language)
        data = certificate_service.certificate_data(session, certificate, localiser)
        return signed(render_certificate(data, translate=localiser.translate,
                                         format_score=localiser.score,
                                         format_number=localiser.number,
                                         format_date=localiser.date))


def report_pdf(session: Session, assessment: Assessment, language: str) -> bytes:
    """Render the full report of ``assessment`` in ``language``."""
    with force_locale(language):
        localiser = presentation.localiser(language)
        data = certificate_service.report_data(session, assessment, localiser)
        return signed(render_report(data, translate=localiser.translate,
                                    format_score=localiser.score,
                                    format_number=localiser.number, format_date=localiser.date))


def signed(pdf_bytes: bytes) -> bytes:
    """Return a rendered document signed as a whole with the platform's current key."""
    signer = signing.document_signer(get_settings(current_app))
    return sign_document(pdf_bytes, private_key=signer.private_key,
                         certificate=signer.certificate, chain=signer.chain)


def pdf_response(content: bytes, filename: str) -> Response:
    """Return ``content`` as a PDF download named ``filename``."""
    response = make_response(content)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The documents hold an organisation's answers: never kept by shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def public_base_url() -> str:
    """Return the platform's public address: the configured one, else this request's.

    The address the request came in on keeps its scheme, host and port (as forwarded by
    trusted proxies), so links and QR codes lead back to where the user is.
    """
    return get_settings(current_app).base_url or request.host_url.rstrip("/")


def public_key_pem() -> bytes:
    """Return the platform's public key in PEM form."""
    return signing.public_key_pem(get_settings(current_app))
