"""Views of the certificates blueprint: issue, revoke, download, and public verification."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ppp_assess import presentation
from ppp_assess.config import get_settings
from ppp_assess.domain.certificates import (
    VERIFIED_FORMATS,
    CertificatePayload,
    normalise_serial,
    validate_serial,
)
from ppp_assess.models import Certificate
from ppp_assess.observability import count_verification
from ppp_assess.pdf import document_signature, extract_certificate
from ppp_assess.pdf.certificate import DISCLAIMER
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import permissions, signing
from ppp_assess.services.certificates import Outcome, Verification
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.certificates import bp
from ppp_assess.web.certificates.documents import (
    certificate_lookup_limit,
    certificate_pdf,
    document_language,
    pdf_download_limit,
    pdf_response,
    public_base_url,
    public_key_pem,
    report_pdf,
    verify_upload_limit,
)
from ppp_assess.web.certificates.forms import IssueForm, RevokeForm, SerialForm, UploadForm
from ppp_assess.web.errors import refuse
from ppp_assess.web.security import current_person, login_required, permission_required

SUBJECT_LABELS = {"project": _l("Project"), "organisation": _l("Organisation")}

#: What each outcome of a check says, and how the page marks it.
NOT_VALID = _l("Not valid")
OUTCOME_TITLES = {
    Outcome.valid: _l("Valid"),
    Outcome.revoked: NOT_VALID,
    Outcome.altered: NOT_VALID,
    Outcome.unknown_signer: NOT_VALID,
    Outcome.no_such_certificate: NOT_VALID,
    Outcome.not_a_certificate: NOT_VALID,
    Outcome.unverifiable: _l("Cannot be verified"),
}
OUTCOME_EXPLANATIONS = {
    Outcome.valid: _l("This file was signed by the platform as a whole and has not been "
                      "changed since; its facts are exactly those on record. The "
                      "certificate has not been revoked."),
    # Revoked: the page says when and why instead.
    Outcome.revoked: _l("This file is a genuine certificate of this platform, but the "
                        "certificate has been revoked since. Do not rely on it."),
    Outcome.altered: _l("Changed after signing: this file is not the document the platform "
                        "signed, or it is not signed at all. Do not rely on it."),
    Outcome.unknown_signer: _l("Unknown signer: this file was signed with a key that is not "
                               "this platform's. Do not rely on it."),
    Outcome.no_such_certificate: _l("No such certificate: this platform never issued a "
                                    "certificate with the serial number in this file."),
    Outcome.not_a_certificate: _l("This file carries no certificate data issued by this "
                                  "platform."),
    Outcome.unverifiable: _l("The platform's own record of this certificate fails its "
                             "signature check, so nothing of it can be shown. Do not rely "
                             "on it; the operator has been alerted."),
}


@dataclass(frozen=True)
class FactsView:
    """The signed facts of a certificate, formatted in the request's language."""

    serial: str
    subject_name: str
    subject_type: str
    organisation_name: str
    country: str
    questionnaire_title: str
    questionnaire_version: str
    overall_score: str
    #: ``None`` on certificates issued before they carried a verified score.
    verified_score: str | None
    level: str
    sections: tuple[tuple[str, str], ...]
    reviewer_name: str
    approved_on: str
    issued_on: str
    verify_url: str


def _score(value: str | None) -> str:
    if value is None:
        return _("Not applicable")
    # The signed decimal, shown by the same rule as every other score.
    return presentation.score_text(Decimal(value))


def facts_view(session: Session, payload: CertificatePayload) -> FactsView:
    """Return the facts of ``payload`` ready to show, translated and formatted."""
    title = certificate_service.questionnaire_title(session, payload.questionnaire_id,
                                                    payload.questionnaire_version)
    return FactsView(
        serial=payload.serial,
        subject_name=payload.subject_name,
        subject_type=str(SUBJECT_LABELS.get(payload.subject_type, payload.subject_type)),
        organisation_name=payload.organisation_name,
        country=presentation.country_name(payload.country_code),
        questionnaire_title=_(title),
        questionnaire_version=payload.questionnaire_version,
        overall_score=_score(payload.overall_score),
        verified_score=(_score(payload.verified_score)
                        if payload.format in VERIFIED_FORMATS else None),
        level=_(payload.level_label),
        sections=tuple((_(section.title), _score(section.score))
                       for section in payload.section_scores),
        reviewer_name=payload.reviewer_name,
        approved_on=presentation.long_date_text(payload.approved_on),
        issued_on=presentation.long_date_text(payload.issued_on),
        verify_url=payload.verify_url,
    )


def _check_upload(session: Session, form: UploadForm) -> Verification | None:
    """Check the uploaded file when the form was posted and is valid."""
    if not form.validate_on_submit():
        return None
    content = form.certificate.data.read()
    result = certificate_service.verify_document(
        session, extract_certificate(content), document_signature(content),
        signing.published_keys(get_settings(current_app)))
    count_verification(result.outcome.value)
    return result


def _render_verification(
    session: Session,
    *,
    certificate: Certificate | None,
    result: Verification | None,
    form: UploadForm,
    serial_form: SerialForm,
    message: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    recorded = result.certificate if result is not None else None
    shown = certificate or (recorded if result is not None
                            and result.outcome in {Outcome.valid, Outcome.revoked} else None)
    # The record is shown only once its own signature is checked.
    intact = shown is not None and certificate_service.record_intact(
        shown, signing.published_keys(get_settings(current_app)))
    facts = facts_view(session, certificate_service.payload_of(shown)) \
        if shown is not None and intact else None
    return render_template(
        "certificates/verify.html",
        certificate=shown,
        record_intact=intact,
        facts=facts,
        result=result,
        outcome_titles=OUTCOME_TITLES,
        outcome_explanations=OUTCOME_EXPLANATIONS,
        unverifiable=Outcome.unverifiable,
        disclaimer=DISCLAIMER,
        form=form,
        serial_form=serial_form,
        message=message,
    ), status


@bp.get("/.well-known/ppp-assess-signing-key.pem")
def signing_key() -> Response:
    """Publish every key that signed certificates of this platform, newest first."""
    response = make_response(public_key_pem())
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/verify", methods=["GET", "POST"])
@verify_upload_limit
def lookup() -> ResponseReturnValue:
    """Find a certificate by serial number, or check an uploaded certificate file."""
    serial_form = SerialForm(request.args)
    if "serial" in request.args and serial_form.validate():
        serial = normalise_serial(serial_form.serial.data or "")
        return redirect(url_for(".verify", serial=serial))
    form = UploadForm()
    session = get_session()
    result = _check_upload(session, form)
    return _render_verification(session, certificate=None, result=result, form=form,
                                serial_form=serial_form)


@bp.route("/verify/<serial>", methods=["GET", "POST"])
@verify_upload_limit
@certificate_lookup_limit
def verify(serial: str) -> ResponseReturnValue:
    """Show a certificate's signed facts and status, and check an uploaded copy of it."""
    normalised = normalise_serial(serial)
    if request.method == "GET" and normalised != serial and validate_serial(normalised):
        return redirect(url_for(".verify", serial=normalised), code=301)
    session = get_session()
    form = UploadForm()
    serial_form = SerialForm(formdata=None, serial=serial)
    try:
        certificate = certificate_service.get_certificate(session, serial)
    except NotFound as error:
        return _render_verification(session, certificate=None, result=None, form=form,
                                    serial_form=serial_form,
                                    message=refuse(error), status=404)
    result = _check_upload(session, form)
    return _render_verification(session, certificate=certificate, result=result, form=form,
                                serial_form=serial_form)


@bp.get("/certificates/")
@permission_required(permissions.can_issue_certificates)
def index() -> str:
    """List the approved assessments ready to certify and the certificates issued."""
    session = get_session()
    ready = certificate_service.ready_to_certify(session, page=request.args.get("ready", 1, int))
    issued = certificate_service.issued_certificates(session,
                                                     page=request.args.get("page", 1, int))
    return render_template("certificates/index.html", ready=ready, issued=issued,
                           can_revoke=permissions.can_revoke_certificates(current_person()))


@bp.route("/certificates/issue/<int:assessment_id>", methods=["GET", "POST"])
@permission_required(permissions.can_issue_certificates)
def issue(assessment_id: int) -> ResponseReturnValue:
    """Show exactly the facts a certificate would sign; issue it once they are confirmed.

    The CSRF token is checked before the view runs; the confirmation carries the
    fingerprint of the facts shown, and nothing else is signed.
    """
    session = get_session()
    actor = current_person()
    settings = get_settings(current_app)
    assessment = permissions.get_assessment(session, actor, assessment_id)
    try:
        preview = certificate_service.preview_certificate(session, assessment, actor=actor,
                                                          base_url=public_base_url())
    except Conflict as error:
        if request.method == "POST":
            raise
        # Nothing to confirm (not approved, or certified already): back to the list.
        flash(refuse(error), "error")
        return redirect(url_for(".index"))
    form = IssueForm()
    if form.validate_on_submit():
        certificate = certificate_service.issue_certificate(
            session, assessment, actor=actor, signing_key=signing.signing_key(settings),
            base_url=public_base_url(), confirmed=form.facts.data)
        flash(_("Certificate %(serial)s issued.", serial=certificate.serial), "success")
        return redirect(url_for(".index"))
    form.facts.data = certificate_service.facts_digest(preview)
    facts = dataclasses.replace(facts_view(session, preview),
                                serial=_("Assigned when the certificate is issued"))
    verify_address = preview.verify_url.removesuffix(certificate_service.PREVIEW_SERIAL)
    return render_template("certificates/confirm.html", assessment=assessment, facts=facts,
                           form=form, disclaimer=DISCLAIMER, verify_address=verify_address,
                           ), 400 if request.method == "POST" else 200


@bp.route("/certificates/<serial>/revoke", methods=["GET", "POST"])
@permission_required(permissions.can_revoke_certificates)
def revoke(serial: str) -> ResponseReturnValue:
    """Revoke a certificate, with the reason the verification page will show."""
    session = get_session()
    certificate = certificate_service.get_certificate(session, serial)
    form = RevokeForm()
    if permissions.can_revoke_certificate(current_person(), certificate) and \
            form.validate_on_submit():
        certificate_service.revoke_certificate(session, certificate, actor=current_person(),
                                               reason=form.reason.data or "")
        flash(_("Certificate %(serial)s revoked.", serial=certificate.serial), "success")
        return redirect(url_for(".verify", serial=certificate.serial))
    facts = facts_view(session, certificate_service.payload_of(certificate))
    return render_template("certificates/revoke.html", certificate=certificate, facts=facts,
                           form=form)


@bp.get("/assessments/<int:assessment_id>/certificate.pdf", defaults={"lang": None})
@bp.get("/assessments/<int:assessment_id>/<lang>/certificate.pdf")
@pdf_download_limit
@login_required
def download(assessment_id: int, lang: str | None) -> Response:
    """Download the certificate of an assessment in a chosen language."""
    session = get_session()
    certificate = certificate_service.certificate_for_download(session, current_person(),
                                                               assessment_id)
    language = document_language(lang or request.args.get("lang"))
    return pdf_response(certificate_pdf(session, certificate, language),
                        f"certificate-{certificate.serial}-{language}.pdf")


@bp.get("/assessments/<int:assessment_id>/report.pdf", defaults={"lang": None})
@bp.get("/assessments/<int:assessment_id>/<lang>/report.pdf")
@pdf_download_limit
@login_required
def report(assessment_id: int, lang: str | None) -> Response:
    """Download the full report of an assessment in a chosen language."""
    session = get_session()
    assessment = permissions.get_assessment(session, current_person(), assessment_id)
    language = document_language(lang or request.args.get("lang"))
    return pdf_response(report_pdf(session, assessment, language),
                        f"assessment-{assessment.id}-report-{language}.pdf")
