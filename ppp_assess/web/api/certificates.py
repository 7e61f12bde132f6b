"""Certificates in the JSON API: public status and facts, certificate and report PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import Response, current_app, jsonify
from pydantic import BaseModel, Field

from ppp_assess.config import get_settings
from ppp_assess.models import Certificate as CertificateRow
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import permissions, signing
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
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
    """Return what anyone may know of a certificate: status, signed facts, signature.

    The stored record is checked against the platform's keys first; one that fails shows
    nothing but its serial and the status ``cannot_be_verified``.
    """
    keys = signing.published_keys(get_settings(current_app))
    if not certificate_service.record_intact(certificate, keys):
        return {"serial": certificate.serial, "status": "cannot_be_verified",
                "revoked_at": None, "revocation_reason": None, "facts": None,
                "payload": None, "signature": None, "key_id": None}
    revoked_at = certificate.revoked_at
    key = certificate_service.signing_key_of(certificate.payload.encode("utf-8"),
                                             certificate.signature, keys)
    return {
        "serial": certificate.serial,
        "status": "revoked" if revoked_at is not None else "valid",
        "revoked_at": revoked_at.isoformat() if revoked_at is not None else None,
        "revocation_reason": certificate.revocation_reason if revoked_at is not None else None,
        "facts": certificate_service.facts_of(certificate),
        # The exact signed text: a client checks the signature over these bytes (UTF-8).
        "payload": certificate.payload,
        "signature": certificate.signature,
        "key_id": key.key_id if key is not None else None,
    }


class CertificateStatus(BaseModel):
    """What anyone may know of a certificate."""

    serial: str = Field(examples=["PPP-2026-000123-K"])
    status: Literal["valid", "revoked", "cannot_be_verified"] = Field(description=(
        "`cannot_be_verified` when the platform's own record fails its signature check: "
        "then nothing else of it is given."))
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    facts: dict[str, Any] | None = Field(description=(
        "The signed facts: serial, questionnaire, subject, organisation, country, overall "
        "score and level, section scores, reviewer, dates, verification address. Texts are "
        "the English source strings."))
    payload: str | None = Field(description="The exact signed text (canonical JSON); the "
                                            "signature covers its UTF-8 bytes.")
    signature: str | None = Field(description="Ed25519 signature, base64url without padding. "
                                              "Public keys: "
                                              "/.well-known/ppp-assess-signing-key.pem")
    key_id: str | None = Field(description="The id of the key that signed it, as listed in "
                                           "the published key file.")


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
    HTTP_409=(Error, "The certificate was revoked."), HTTP_429=_TOO_MANY,
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
    HTTP_404=NOT_FOUND, HTTP_429=_TOO_MANY, media_types={"HTTP_200": "application/pdf"}),
    path_parameter_descriptions={"assessment_id": "The assessment."},
    security=READ, operation_id="getReportPdf", tags=["certificates"])
def report_document(assessment_id: int, query: DocumentQuery) -> Response:
    """The full report of an assessment as a PDF (drafts marked as draft)"""
    session = get_session()
    assessment = permissions.get_assessment(session, current_actor(), assessment_id)
    language = document_language(query.lang)
    return pdf_response(report_pdf(session, assessment, language),
                        f"assessment-{assessment.id}-report-{language}.pdf")
