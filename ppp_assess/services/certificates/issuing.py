"""Issuing and revoking certificates: signing the facts of an approved assessment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import SERIAL_PREFIX, CertificatePayload, CertificateSection
from ppp_assess.domain.workflow import Action, Status
from ppp_assess.models import Assessment, Certificate, User
from ppp_assess.models.base import utcnow
from ppp_assess.services.assessments import latest_submission, questionnaire_for
from ppp_assess.services.audit import chain_head
from ppp_assess.services.certificates.records import reviewer_name
from ppp_assess.services.errors import Conflict, Invalid
from ppp_assess.services.evidence.documents import verified_score_of
from ppp_assess.services.lifecycle import apply_action, change_status
from ppp_assess.services.permissions import Person, ensure_can_revoke, ensure_independent_certifier
from ppp_assess.services.reviews import snapshot_values

log = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock that serialises the numbering of serials.
SERIAL_LOCK_KEY = 0x5050_4345  # "PPCE"
#: How often issuing retries with the next number when a serial turned out to be taken.
SERIAL_ATTEMPTS = 5
MAX_REVOCATION_REASON_LENGTH = 2000


def _lock_assessment(session: Session, assessment: Assessment) -> None:
    """Lock the assessment's row for this transaction and reload it.

    The lock is taken by a statement of its own: refreshing with ``FOR UPDATE`` would
    repeat the eager joins the object was loaded with, and PostgreSQL refuses to lock the
    nullable side of an outer join.
    """
    session.execute(
        select(Assessment.id).where(Assessment.id == assessment.id).with_for_update()
    )
    session.refresh(assessment)


def _lock_numbering(session: Session) -> None:
    """Serialise the numbering of serials across concurrent transactions.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite already runs one writer at
    a time because every transaction begins IMMEDIATE.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SERIAL_LOCK_KEY})


def _next_number(session: Session, year: int) -> int:
    prefix = f"{SERIAL_PREFIX}-{year:04d}-"
    # The number is zero-padded to a fixed width, so the greatest serial of the year
    # carries the greatest number.
    highest = session.scalar(
        select(func.max(Certificate.serial)).where(Certificate.serial.like(f"{prefix}%"))
    )
    if highest is None:
        return 1
    return int(highest[len(prefix) : len(prefix) + 6]) + 1


def _score_text(value: float | None) -> str | None:
    return None if value is None else certificate_domain.format_score(value)


def _payload(
    session: Session,
    assessment: Assessment,
    *,
    serial: str,
    issued_on: dt.date,
    base_url: str,
) -> CertificatePayload:
    """Collect the facts to sign from the approved submission."""
    submission = latest_submission(session, assessment)
    if submission is None or assessment.approved_at is None:
        raise Conflict("Only approved assessments can be certified.", code="not_approved")
    summary: Mapping[str, Any] = submission.score or {}
    overall = summary.get("overall")
    level_id = summary.get("level")
    if overall is None or level_id is None:
        raise Conflict("This assessment has no score to certify.", code="no_score")
    questionnaire = questionnaire_for(assessment)
    section_scores: Mapping[str, float | None] = summary.get("sections", {})
    sections = tuple(
        CertificateSection(id=section.id, title=section.title,
                           score=_score_text(section_scores.get(section.id)))
        for section in questionnaire.sections
    )
    # The verified score counts only the answers that documents back, as the score page
    # and the report show it; the signed facts carry both.
    verified = verified_score_of(session, assessment, snapshot_values(submission)).overall
    organisation = assessment.organisation
    project = assessment.project
    subject_name = project.name if project is not None else organisation.name
    country = project.country if project is not None else organisation.country
    return CertificatePayload(
        serial=serial,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        subject_name=subject_name,
        subject_type=assessment.subject_type.value,
        organisation_name=organisation.name,
        country_code=country.upper(),
        overall_score=certificate_domain.format_score(overall),
        level_id=level_id,
        level_label=questionnaire.level(level_id).label,
        section_scores=sections,
        reviewer_name=reviewer_name(session, assessment),
        approved_on=assessment.approved_at.astimezone(dt.UTC).date(),
        issued_on=issued_on,
        verify_url=f"{base_url.rstrip('/')}/verify/{serial}",
        verified_score=_score_text(verified),
    )


#: The serial shown in a preview, before the real one is assigned at issue.
PREVIEW_SERIAL = certificate_domain.make_serial(1000, 1)


def facts_digest(payload: CertificatePayload) -> str:
    """Return a fingerprint of the facts of ``payload`` other than its serial.

    The serial (and the verification address, which holds it) is assigned at issue, so
    two payloads with the same digest sign the same facts about the same assessment.
    """
    neutral = dataclasses.replace(payload, serial=PREVIEW_SERIAL, verify_url=payload.verify_url
                                  .replace(payload.serial, PREVIEW_SERIAL))
    return hashlib.sha256(certificate_domain.payload_bytes(neutral)).hexdigest()


def preview_certificate(
    session: Session,
    assessment: Assessment,
    *,
    actor: Person,
    base_url: str,
    now: dt.datetime | None = None,
) -> CertificatePayload:
    """Return the facts that issuing the certificate now would sign, for a person to confirm.

    The serial is :data:`PREVIEW_SERIAL`: the real one is assigned when it is issued.

    :raises Forbidden: as :func:`issue_certificate`.
    :raises Conflict: when the assessment is not approved, or has no score.
    """
    ensure_independent_certifier(session, actor, assessment)
    if assessment.status != Status.approved:
        raise Conflict("Only approved assessments can be certified.", code="not_approved")
    issued_on = (now or utcnow()).astimezone(dt.UTC).date()
    return _payload(session, assessment, serial=PREVIEW_SERIAL, issued_on=issued_on,
                    base_url=base_url)


def issue_certificate(
    session: Session,
    assessment: Assessment,
    *,
    actor: Person,
    signing_key: Ed25519PrivateKey,
    base_url: str,
    now: dt.datetime | None = None,
    confirmed: str | None = None,
) -> Certificate:
    """Certify an approved assessment: sign its facts, store them, mark it certified.

    :param base_url: the platform's public address; the verification link starts with it.
    :param confirmed: the :func:`facts_digest` of the preview the actor confirmed; when
        given, the certificate is issued only if it signs exactly those facts.
    :raises Forbidden: when ``actor`` is neither evaluator nor administrator, or belongs
        to the assessment's organisation.
    :raises Conflict: when the assessment is not approved (draft, submitted, in review,
        returned, already certified or revoked), or has no score.
    """
    # Two evaluators pressing "issue" at once certify it only once.
    _lock_assessment(session, assessment)
    ensure_independent_certifier(session, actor, assessment)
    apply_action(assessment, Action.certify)
    now = now or utcnow()
    issued_on = now.astimezone(dt.UTC).date()
    _lock_numbering(session)
    for _attempt in range(SERIAL_ATTEMPTS):
        number = _next_number(session, issued_on.year)
        if number > certificate_domain.MAX_SERIAL_NUMBER:
            raise Conflict("No more certificate serial numbers are left for this year.",
                           code="serials_exhausted")
        serial = certificate_domain.make_serial(issued_on.year, number,
                                                certificate_domain.random_serial_part())
        payload = _payload(session, assessment, serial=serial, issued_on=issued_on,
                           base_url=base_url)
        if confirmed is not None and facts_digest(payload) != confirmed:
            raise Conflict("The facts of this certificate changed since they were shown to "
                           "you. Look at them again before issuing it.", code="facts_changed")
        signed = certificate_domain.payload_bytes(payload)
        certificate = Certificate(
            serial=serial,
            assessment_id=assessment.id,
            payload=signed.decode("utf-8"),
            signature=certificate_domain.sign(signed, signing_key),
            issued_by_id=actor.id,
            issued_at=now,
        )
        try:
            # A savepoint, so that a serial taken by a writer that bypassed the lock
            # costs one retry rather than the whole transaction.
            with session.begin_nested():
                session.add(certificate)
                session.flush()
        except IntegrityError:
            log.warning("Certificate serial %s was taken; trying the next number.", serial)
            continue
        break
    else:
        raise Conflict("Another certificate was being issued at the same moment. Try again.",
                       code="serial_taken")
    change_status(
        session, assessment, Action.certify, actor=actor, event="certificate.issued", now=now,
        object_type="certificate", object_id=serial,
        details={"serial": serial, "score": payload.overall_score, "level": payload.level_id},
    )
    head = chain_head(session)
    if head is not None:
        certificate.audit_head = f"{head[0]}:{head[1]}"
        session.flush()
    return certificate


def revoke_certificate(
    session: Session,
    certificate: Certificate,
    *,
    actor: Person,
    reason: str,
    now: dt.datetime | None = None,
) -> Certificate:
    """Revoke a certificate with a reason that the verification page shows.

    :raises Forbidden: when ``actor`` is not an administrator.
    :raises Invalid: when the reason is missing or too long.
    :raises Conflict: when the certificate is already revoked.
    """
    ensure_can_revoke(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Say why the certificate is revoked.", fields={"reason": "required"})
    if len(reason) > MAX_REVOCATION_REASON_LENGTH:
        raise Invalid("The reason is longer than %(max)s characters.",
                      {"max": MAX_REVOCATION_REASON_LENGTH}, fields={"reason": "too_long"})
    assessment = certificate.assessment
    _lock_assessment(session, assessment)
    session.refresh(certificate)
    if certificate.revoked_at is not None:
        raise Conflict("This certificate was already revoked.", code="already_revoked")
    apply_action(assessment, Action.revoke)
    now = now or utcnow()
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    change_status(
        session, assessment, Action.revoke, actor=actor, event="certificate.revoked", now=now,
        object_type="certificate", object_id=certificate.serial, details={"reason": reason},
    )
    return certificate


# --------------------------------------------------------------------------- demonstration


#: Every how many approved project assessments the demonstration data certifies.
DEMO_CERTIFY_EVERY = 3


def certify_demo_assessments(
    session: Session,
    *,
    evaluator: User,
    administrator: User,
    signing_key: Ed25519PrivateKey,
    base_url: str,
) -> int:
    """Certify every third approved project assessment and revoke the first certificate.

    Used by the demonstration data, so the lists, the verification page and the API show
    certified and revoked states. Organisation assessments stay approved: their peer group
    is small and benchmarks need it. Each certificate is dated a few days after approval.

    :return: how many certificates were issued.
    """
    approved = session.scalars(
        select(Assessment)
        .where(Assessment.status == Status.approved, Assessment.project_id.is_not(None))
        .order_by(Assessment.id)
    ).all()
    now = utcnow()
    planned = []
    for assessment in approved[::DEMO_CERTIFY_EVERY]:
        approved_at = assessment.approved_at or now
        wanted = approved_at + dt.timedelta(days=2 + assessment.id % 5)
        planned.append((_not_later(wanted, approved_at, now), assessment.id, assessment))
    issued: list[Certificate] = []
    # In order of issue, so that serial numbers grow with the dates.
    for issued_at, _id, assessment in sorted(planned, key=lambda item: item[:2]):
        issued.append(issue_certificate(session, assessment, actor=evaluator,
                                        signing_key=signing_key, base_url=base_url,
                                        now=issued_at))
    if issued:
        first = issued[0]
        revoke_certificate(session, first, actor=administrator,
                           reason="Issued in error: the approved submission lacked the "
                                  "required evidence on tailings safety.",
                           now=_not_later(first.issued_at + dt.timedelta(days=9),
                                          first.issued_at, now))
    return len(issued)


def _not_later(wanted: dt.datetime, earliest: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Return ``wanted``, but no later than now unless ``earliest`` is itself later."""
    return min(wanted, max(earliest, now))
