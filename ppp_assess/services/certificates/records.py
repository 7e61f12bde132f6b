"""Finding certificates, listing them, and which one a reader may download."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import CertificatePayload
from ppp_assess.domain.workflow import Decision, Status
from ppp_assess.models import Assessment, Certificate, QuestionnaireVersion, ReviewDecision, User
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.services.permissions import Person, can_download_certificate, get_assessment

T = TypeVar("T")


def find_certificate(session: Session, serial: str) -> Certificate | None:
    """Return the certificate with ``serial`` (exact, already normalised), if any."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.serial == serial)
        .options(joinedload(Certificate.assessment))
    )


def get_certificate(session: Session, serial: str) -> Certificate:
    """Return the certificate with ``serial``, after normalising what was typed.

    :raises NotFound: code ``malformed_serial`` when the text is not a serial (a typing
        mistake breaks its check character), ``not_found`` when no such certificate
        was issued.
    """
    normalised = certificate_domain.normalise_serial(serial)
    if not certificate_domain.validate_serial(normalised):
        raise NotFound(
            "“%(serial)s” is not a certificate serial number. Check it for typing mistakes: "
            "serial numbers look like PPP-2026-000123-K.",
            {"serial": serial[:60]},
            code="malformed_serial",
        )
    certificate = find_certificate(session, normalised)
    if certificate is None:
        raise NotFound(
            "No certificate with the serial number %(serial)s was issued by this platform.",
            {"serial": normalised},
        )
    return certificate


def certificate_of(session: Session, assessment: Assessment) -> Certificate | None:
    """Return the newest certificate of ``assessment``, revoked or not."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.assessment_id == assessment.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )


def certificates_of(session: Session, assessment_ids: Sequence[int]) -> dict[int, Certificate]:
    """Return the newest certificate of each of ``assessment_ids`` that has one."""
    if not assessment_ids:
        return {}
    found: dict[int, Certificate] = {}
    for certificate in session.scalars(
            select(Certificate).where(Certificate.assessment_id.in_(assessment_ids))
            .order_by(Certificate.issued_at, Certificate.id)):
        found[certificate.assessment_id] = certificate
    return found


def payload_of(certificate: Certificate) -> CertificatePayload:
    """Return the facts of ``certificate``, parsed from the stored signed bytes."""
    return certificate_domain.payload_from_bytes(certificate.payload.encode("utf-8"))


def facts_of(certificate: Certificate) -> dict[str, Any]:
    """Return the signed payload of ``certificate`` as a JSON object."""
    facts: dict[str, Any] = json.loads(certificate.payload)
    return facts


def questionnaire_title(session: Session, questionnaire_id: str, version: str) -> str:
    """Return the title (msgid) of a published questionnaire version, or its id if unknown.

    Published versions never change, so the title looked up now is the one of the
    version the certificate names.
    """
    title = session.scalar(
        select(QuestionnaireVersion.title).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.version == version,
        )
    )
    return title or questionnaire_id


def reviewer_name(session: Session, assessment: Assessment) -> str:
    """Return the name of the reviewer who approved ``assessment`` (empty if unknown)."""
    name = session.scalar(
        select(User.name)
        .join(ReviewDecision, ReviewDecision.reviewer_id == User.id)
        .where(ReviewDecision.assessment_id == assessment.id,
               ReviewDecision.decision == Decision.approve)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(1)
    )
    if name is None and assessment.reviewer is not None:
        name = assessment.reviewer.name
    return name or ""


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list."""

    items: Sequence[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return how many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Return whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Return whether a page comes after this one."""
        return self.number < self.pages


def _page(session: Session, query: Select[T], count: Select[int], number: int,
          per_page: int) -> Page[T]:
    total = session.scalar(count) or 0
    number = max(1, min(number, max(1, math.ceil(total / per_page))))
    items = session.scalars(query.offset((number - 1) * per_page).limit(per_page)).unique().all()
    return Page(items=items, number=number, per_page=per_page, total=total)


def ready_to_certify(session: Session, *, page: int = 1, per_page: int = 50) -> Page[Assessment]:
    """Return the approved assessments waiting for a certificate, longest waiting first."""
    condition = Assessment.status == Status.approved
    query = (
        select(Assessment)
        .where(condition)
        .options(joinedload(Assessment.organisation), joinedload(Assessment.project),
                 joinedload(Assessment.questionnaire_version))
        .order_by(Assessment.approved_at, Assessment.id)
    )
    count = select(func.count()).select_from(Assessment).where(condition)
    return _page(session, query, count, page, per_page)


def issued_certificates(session: Session, *, page: int = 1, per_page: int = 50,
                        revoked: bool | None = None, questionnaire: str | None = None,
                        organisation_id: int | None = None,
                        issued_from: dt.date | None = None,
                        issued_to: dt.date | None = None) -> Page[Certificate]:
    """Return the issued certificates, revoked ones included, newest first.

    :param revoked: only revoked (``True``) or only unrevoked (``False``) certificates.
    :param questionnaire: only certificates of assessments of this questionnaire id.
    :param organisation_id: only certificates of this organisation's assessments.
    :param issued_from: only certificates issued on or after this day (UTC).
    :param issued_to: only certificates issued on or before this day (UTC).
    """
    conditions: list[ColumnElement[bool]] = []
    if revoked is not None:
        conditions.append(Certificate.revoked_at.is_not(None) if revoked
                          else Certificate.revoked_at.is_(None))
    if questionnaire is not None:
        conditions.append(Certificate.assessment_id.in_(
            select(Assessment.id).join(QuestionnaireVersion,
                                       QuestionnaireVersion.id
                                       == Assessment.questionnaire_version_id)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire)))
    if organisation_id is not None:
        conditions.append(Certificate.assessment_id.in_(
            select(Assessment.id).where(Assessment.organisation_id == organisation_id)))
    if issued_from is not None:
        conditions.append(Certificate.issued_at >= dt.datetime.combine(issued_from, dt.time(),
                                                                       dt.UTC))
    if issued_to is not None:
        conditions.append(Certificate.issued_at < dt.datetime.combine(
            issued_to + dt.timedelta(days=1), dt.time(), dt.UTC))
    query = (
        select(Certificate)
        .where(*conditions)
        .options(joinedload(Certificate.assessment).joinedload(Assessment.organisation),
                 joinedload(Certificate.assessment).joinedload(Assessment.project))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    count = select(func.count()).select_from(Certificate).where(*conditions)
    return _page(session, query, count, page, per_page)


def certificate_for_download(session: Session, user: Person, assessment_id: int) -> Certificate:
    """Return the certificate of an assessment that ``user`` may download.

    Whoever may read the assessment may download it, unless the certificate was revoked
    (see :func:`ppp_assess.services.permissions.can_download_certificate`).

    :raises NotFound: when ``user`` may not see the assessment, or it has no certificate.
    :raises Conflict: when its certificate was revoked: a revoked certificate is not
        handed out again.
    """
    assessment = get_assessment(session, user, assessment_id)
    certificate = certificate_of(session, assessment)
    if certificate is None:
        raise NotFound("This assessment has no certificate.", code="no_certificate")
    if not can_download_certificate(session, user, certificate):
        raise Conflict("The certificate of this assessment was revoked.", code="revoked")
    return certificate
