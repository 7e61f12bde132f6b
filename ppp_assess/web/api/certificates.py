"""Certificates in the JSON API: public status and facts, certificate and report PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field

from ppp_assess.models import Certificate as CertificateRow
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import permissions
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    INVALID,
    NOT_FOUND,
    PUBLIC,
    READ,
    UNAUTHORIZED,
    Error,
    QueryModel,
    Responses,
    spec,
)
from ppp_assess.web.certificates.documents import (
    certificate_pdf,
    document_language,
    pdf_download_limit,
    pdf_response,
    report_pdf,
)
from ppp_assess.web.security import current_actor, login_required


def certificate_json(certificate: CertificateRow) -> dict[str, object]:
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


class CertificateStatus(BaseModel):
    """What anyone may know of a certificate."""

    serial: str = Field(examples=["PPP-2026-000123-K"])
    status: Literal["valid", "revoked"]
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    facts: dict[str, Any] = Field(description=(
        "The signed facts: serial, questionnaire, subject, organisation, country, overall "
        "score and level, section scores, reviewer, dates, verification address. Texts are "
        "the English source strings."))
    payload: str = Field(description="The exact signed text (canonical JSON); the signature "
                                     "covers its UTF-8 bytes.")
    signature: str = Field(description="Ed25519 signature, base64url without padding. Public "
                                       "key: /.well-known/ppp-assess-signing-key.pem")


class DocumentQuery(QueryModel):
    """The language of a document."""

    lang: str | None = Field(None, examples=["fr"], description=(
        "Language of the document, one the platform offers (default: the caller's "
        "language)."))


_UNSUPPORTED_LANGUAGE = (Error, "A language the platform does not offer (code "
                                "`unsupported_language`).")
_TOO_MANY = (Error, "Too many PDF downloads in a short time; try again in a minute.")


@bp.get("/certificates/<serial>")
@spec.validate(resp=Responses(
    HTTP_200=(CertificateStatus, "The certificate."),
    HTTP_404=(Error, "No certificate has this serial (code `not_found`), or the text is not "
                     "a serial (code `malformed_serial`)."),
    headers={"HTTP_200": {"Cache-Control": "`no-cache`: a revocation shows at once."}}),
    path_parameter_descriptions={"serial": "The serial number printed on the certificate."},
    security=PUBLIC, operation_id="getCertificate", tags=["certificates"])
def certificate_status(serial: str) -> Response:
    """Status and signed facts of a certificate (public)"""
    certificate = certificate_service.get_certificate(get_session(), serial)
    response = jsonify(certificate_json(certificate))
    # A revocation must show at once: nobody may keep an old "valid" answer.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/assessments/<int:assessment_id>/certificate.pdf")
@pdf_download_limit
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(None, "The certificate."), HTTP_400=_UNSUPPORTED_LANGUAGE,
    HTTP_401=UNAUTHORIZED, HTTP_404=NOT_FOUND,
    HTTP_409=(Error, "The certificate was revoked."), HTTP_422=INVALID, HTTP_429=_TOO_MANY,
    media_types={"HTTP_200": "application/pdf"}),
    path_parameter_descriptions={"assessment_id": "The certified assessment."},
    security=READ, operation_id="getCertificatePdf", tags=["certificates"])
def certificate_document(assessment_id: int, query: DocumentQuery) -> Response:
    """The certificate of an assessment as a PDF carrying its signed facts"""
    session = get_session()
    certificate = certificate_service.certificate_for_download(session, current_actor(),
                                                               assessment_id)
    language = document_language(query.lang)
    return pdf_response(certificate_pdf(session, certificate, language),
                        f"certificate-{certificate.serial}-{language}.pdf")


@bp.get("/assessments/<int:assessment_id>/report.pdf")
@pdf_download_limit
@login_required
@spec.validate(resp=Responses(
    HTTP_200=(None, "The report."), HTTP_400=_UNSUPPORTED_LANGUAGE, HTTP_401=UNAUTHORIZED,
    HTTP_404=NOT_FOUND, HTTP_422=INVALID, HTTP_429=_TOO_MANY,
    media_types={"HTTP_200": "application/pdf"}),
    path_parameter_descriptions={"assessment_id": "The assessment."},
    security=READ, operation_id="getReportPdf", tags=["certificates"])
def report_document(assessment_id: int, query: DocumentQuery) -> Response:
    """The full report of an assessment as a PDF (drafts marked as draft)"""
    session = get_session()
    assessment = permissions.get_assessment(session, current_actor(), assessment_id)
    language = document_language(query.lang)
    return pdf_response(report_pdf(session, assessment, language),
                        f"assessment-{assessment.id}-report-{language}.pdf")
