"""Certificates in the JSON API: public status and facts, certificate and report PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import Response, current_app, jsonify, url_for
from pydantic import BaseModel, Field

from ppp_assess.config import get_settings
from ppp_assess.domain.certificates import PublishedKey
from ppp_assess.models import Certificate as CertificateRow
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import permissions, signing
from ppp_assess.unit_of_work import get_session
from ppp_assess.web import MAX_ID
from ppp_assess.web.api import bp
from ppp_assess.web.api.openapi import (
    CSRF,
    INVALID,
    NOT_FOUND,
    PUBLIC,
    READ,
    UNAUTHORIZED,
    WRITE,
    Error,
    QueryModel,
    Responses,
    StrictModel,
    spec,
)
from ppp_assess.web.certificates.documents import (
    certificate_lookup_limit,
    certificate_pdf,
    document_language,
    pdf_download_limit,
    pdf_response,
    public_base_url,
    report_pdf,
)
from ppp_assess.web.security import current_person, login_required, permission_required


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
@certificate_lookup_limit
@spec.validate(resp=Responses(
    HTTP_200=(CertificateStatus, "The certificate."),
    HTTP_404=(Error, "No certificate has this serial (code `not_found`), or the text is not "
                     "a serial (code `malformed_serial`)."),
    HTTP_429=(Error, "Too many certificates looked up in a short time; try again in a "
                     "minute."),
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
    certificate = certificate_service.certificate_for_download(session, current_person(),
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
    assessment = permissions.get_assessment(session, current_person(), assessment_id)
    language = document_language(query.lang)
    return pdf_response(report_pdf(session, assessment, language),
                        f"assessment-{assessment.id}-report-{language}.pdf")


# --------------------------------------------------------------------------- issuing


class RevokeInput(StrictModel):
    """Why a certificate is revoked."""

    reason: Annotated[str, Field(min_length=1,
                                 max_length=certificate_service.MAX_REVOCATION_REASON_LENGTH)
                      ] = Field(description="Shown on the verification page and in the API.")


class CertificateListQuery(QueryModel):
    """Filters of the list of certificates."""

    status: Literal["valid", "revoked"] | None = Field(
        None, description="Only unrevoked (`valid`) or only revoked certificates.")
    questionnaire: str | None = Field(None, examples=["people-first"],
                                      description="Only certificates of this questionnaire.")
    organisation: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="Only this organisation's.")
    issued_from: dt.date | None = Field(None, description="Issued on or after this day (UTC).")
    issued_to: dt.date | None = Field(None, description="Issued on or before this day (UTC).")
    page: int = Field(1, ge=1, le=MAX_ID)
    per_page: int = Field(50, ge=1, le=100)


class CertificateListItem(BaseModel):
    """One issued certificate."""

    serial: str
    assessment: int
    organisation: int
    subject: str = Field(description="The assessed project, or the organisation.")
    issued_at: dt.datetime
    status: Literal["valid", "revoked", "cannot_be_verified"]
    revoked_at: dt.datetime | None
    revocation_reason: str | None


class CertificateList(BaseModel):
    """A page of issued certificates, newest first."""

    certificates: list[CertificateListItem]
    page: int
    pages: int
    total: int


def _list_item(certificate: CertificateRow, keys: list[PublishedKey]) -> dict[str, object]:
    assessment = certificate.assessment
    revoked_at = certificate.revoked_at
    if not certificate_service.record_intact(certificate, keys):
        status = "cannot_be_verified"
    else:
        status = "revoked" if revoked_at is not None else "valid"
    return {
        "serial": certificate.serial,
        "assessment": assessment.id,
        "organisation": assessment.organisation_id,
        "subject": assessment.project.name if assessment.project is not None
        else assessment.organisation.name,
        "issued_at": certificate.issued_at.isoformat(),
        "status": status,
        "revoked_at": revoked_at.isoformat() if revoked_at is not None else None,
        "revocation_reason": certificate.revocation_reason if revoked_at is not None else None,
    }


_NOT_EVALUATOR = (Error, "Not an evaluator or administrator, or no such assessment.")


@bp.get("/certificates")
@permission_required(permissions.can_issue_certificates)
@spec.validate(resp=Responses(
    HTTP_200=(CertificateList, "A page of certificates."), HTTP_401=UNAUTHORIZED,
    HTTP_404=(Error, "Not an evaluator or administrator."), HTTP_422=INVALID),
    security=READ, operation_id="listCertificates", tags=["certificates"])
def list_certificates(query: CertificateListQuery) -> Response:
    """Issued certificates, newest first (evaluators and administrators)

    Revoked certificates are included unless `status` says otherwise. Each record is
    checked against the platform's keys: one that fails is listed as
    `cannot_be_verified`.
    """
    page = certificate_service.issued_certificates(
        get_session(), page=query.page, per_page=query.per_page,
        revoked=None if query.status is None else query.status == "revoked",
        questionnaire=query.questionnaire, organisation_id=query.organisation,
        issued_from=query.issued_from, issued_to=query.issued_to)
    keys = signing.published_keys(get_settings(current_app))
    return jsonify({"certificates": [_list_item(item, keys) for item in page.items],
                    "page": page.number, "pages": page.pages, "total": page.total})


@bp.post("/assessments/<int:assessment_id>/certificate")
@permission_required(permissions.can_issue_certificates)
@spec.validate(resp=Responses(
    HTTP_201=(CertificateStatus, "The certificate, issued and signed."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_403=(Error, "The caller belongs to the assessed organisation."),
    HTTP_404=_NOT_EVALUATOR,
    HTTP_409=(Error, "The assessment is not approved, or its certificate was issued "
                     "already (`invalid_transition`, `not_approved`)."),
    headers={"HTTP_201": {"Location": "The certificate's address."}}),
    security=WRITE, path_parameter_descriptions={"assessment_id": "The approved assessment."},
    operation_id="issueCertificate", tags=["certificates"])
def issue_certificate(assessment_id: int) -> tuple[Response, int]:
    """Issue the certificate of an approved assessment (evaluators and administrators)

    The facts of the approved submission are signed with the platform's current key, as
    on the Certificates page; the issue is recorded in the audit log. Read them first
    with `GET /api/v1/assessments/{assessment_id}`.
    """
    session = get_session()
    actor = current_person()
    assessment = permissions.get_assessment(session, actor, assessment_id)
    certificate = certificate_service.issue_certificate(
        session, assessment, actor=actor,
        signing_key=signing.signing_key(get_settings(current_app)),
        base_url=public_base_url())
    response = jsonify(certificate_json(certificate))
    response.headers["Location"] = url_for("api.certificate_status", serial=certificate.serial)
    return response, 201


@bp.post("/certificates/<serial>/revoke")
@permission_required(permissions.can_revoke_certificates)
@spec.validate(resp=Responses(
    HTTP_200=(CertificateStatus, "The certificate, now revoked."),
    HTTP_400=CSRF, HTTP_401=UNAUTHORIZED,
    HTTP_404=(Error, "Not an administrator, or no certificate has this serial."),
    HTTP_409=(Error, "The certificate was revoked already (`already_revoked`)."),
    HTTP_422=INVALID),
    security=WRITE, path_parameter_descriptions={"serial": "The certificate's serial number."},
    operation_id="revokeCertificate", tags=["certificates"])
def revoke_certificate(serial: str, json: RevokeInput) -> Response:
    """Revoke a certificate, with the reason everyone will see (administrators)

    The revocation shows at once on the verification page and in
    `GET /api/v1/certificates/{serial}`, and is recorded in the audit log.
    """
    session = get_session()
    certificate = certificate_service.get_certificate(session, serial)
    certificate_service.revoke_certificate(session, certificate, actor=current_person(),
                                           reason=json.reason)
    return jsonify(certificate_json(certificate))
