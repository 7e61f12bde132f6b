"""Certificates in the JSON API: public status and facts, certificate and report PDFs."""

from __future__ import annotations

from flask import Response, jsonify, request

from ppp_assess.models import Certificate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import permissions
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    NOT_FOUND,
    UNAUTHORIZED,
    add_paths,
    add_schemas,
    error_response,
    json_response,
    path_parameter,
    ref,
)
from ppp_assess.web.certificates.documents import (
    certificate_pdf,
    document_language,
    pdf_download_limit,
    pdf_response,
    report_pdf,
)
from ppp_assess.web.security import current_actor, login_required


def certificate_json(certificate: Certificate) -> dict[str, object]:
    """Return what anyone may know of a certificate: status, signed facts, signature."""
    revoked_at = certificate.revoked_at
    return {
        "serial": certificate.serial,
        "status": "revoked" if revoked_at is not None else "valid",
        "revoked_at": revoked_at.isoformat() if revoked_at is not None else None,
        "revocation_reason": certificate.revocation_reason if revoked_at is not None else None,
        "facts": certificate_service.facts_of(certificate),
        # The exact signed text: a client checks the signature over these bytes (UTF-8).
        "payload": certificate.payload,
        "signature": certificate.signature,
    }


@bp.get("/certificates/<serial>")
def certificate_status(serial: str) -> Response:
    """Return a certificate's status and signed facts (public, like the verification page)."""
    certificate = certificate_service.get_certificate(get_session(), serial)
    response = jsonify(certificate_json(certificate))
    # A revocation must show at once: nobody may keep an old "valid" answer.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/assessments/<int:assessment_id>/certificate.pdf")
@pdf_download_limit
@login_required
def certificate_document(assessment_id: int) -> Response:
    """Download the certificate of an assessment; ``?lang=`` chooses the language."""
    session = get_session()
    certificate = certificate_service.certificate_for_download(session, current_actor(),
                                                               assessment_id)
    language = document_language(request.args.get("lang"))
    return pdf_response(certificate_pdf(session, certificate, language),
                        f"certificate-{certificate.serial}-{language}.pdf")


@bp.get("/assessments/<int:assessment_id>/report.pdf")
@pdf_download_limit
@login_required
def report_document(assessment_id: int) -> Response:
    """Download the full report of an assessment; ``?lang=`` chooses the language."""
    session = get_session()
    assessment = permissions.get_assessment(session, current_actor(), assessment_id)
    language = document_language(request.args.get("lang"))
    return pdf_response(report_pdf(session, assessment, language),
                        f"assessment-{assessment.id}-report-{language}.pdf")


_LANGUAGE = {"name": "lang", "in": "query", "required": False,
             "description": "Language of the document, one the platform offers (default: "
                            "the caller's language).",
             "schema": {"type": "string", "example": "fr"}}
_PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
_UNSUPPORTED_LANGUAGE = error_response("A language the platform does not offer "
                                       "(code `unsupported_language`).")
_TOO_MANY = error_response("Too many PDF downloads in a short time; try again in a minute.")

add_schemas({
    "CertificateStatus": {
        "type": "object",
        "required": ["serial", "status", "revoked_at", "revocation_reason", "facts", "payload",
                     "signature"],
        "properties": {
            "serial": {"type": "string", "example": "PPP-2026-000123-K"},
            "status": {"type": "string", "enum": ["valid", "revoked"]},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "revocation_reason": {"type": ["string", "null"]},
            "facts": {"type": "object", "description": "The signed facts: serial, "
                      "questionnaire, subject, organisation, country, overall score and "
                      "level, section scores, reviewer, dates, verification address. Texts "
                      "are the English source strings."},
            "payload": {"type": "string", "description": "The exact signed text (canonical "
                        "JSON); the signature covers its UTF-8 bytes."},
            "signature": {"type": "string", "description": "Ed25519 signature, base64url "
                          "without padding. Public key: /.well-known/"
                          "ppp-assess-signing-key.pem"},
        },
    },
})

add_paths({
    "/certificates/{serial}": {"get": {
        "operationId": "getCertificate",
        "summary": "Status and signed facts of a certificate (public)",
        "security": [],
        "parameters": [path_parameter("serial", "The serial number printed on the "
                                                "certificate.", integer=False)],
        "responses": {"200": json_response("The certificate.", ref("CertificateStatus")),
                      "404": error_response("No certificate has this serial (code "
                                            "`not_found`), or the text is not a serial "
                                            "(code `malformed_serial`).")},
    }},
    "/assessments/{assessment_id}/certificate.pdf": {"get": {
        "operationId": "getCertificatePdf",
        "summary": "The certificate of an assessment as a PDF carrying its signed facts",
        "parameters": [path_parameter("assessment_id", "The certified assessment."),
                       _LANGUAGE],
        "responses": {"200": {"description": "The certificate.", "content": _PDF},
                      "400": _UNSUPPORTED_LANGUAGE, "401": UNAUTHORIZED,
                      "404": NOT_FOUND,
                      "409": error_response("The certificate was revoked."),
                      "429": _TOO_MANY},
    }},
    "/assessments/{assessment_id}/report.pdf": {"get": {
        "operationId": "getReportPdf",
        "summary": "The full report of an assessment as a PDF (drafts marked as draft)",
        "parameters": [path_parameter("assessment_id", "The assessment."), _LANGUAGE],
        "responses": {"200": {"description": "The report.", "content": _PDF},
                      "400": _UNSUPPORTED_LANGUAGE, "401": UNAUTHORIZED,
                      "404": NOT_FOUND, "429": _TOO_MANY},
    }},
})
