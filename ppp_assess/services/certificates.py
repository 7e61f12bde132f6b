"""Issuing, revoking and verifying certificates, and the data of the PDF documents.

A certificate attests the facts of one approved assessment as they were at issue: they
form a :class:`~ppp_assess.domain.certificates.CertificatePayload`, signed with the
platform's Ed25519 key and stored byte for byte. Everything shown later — the PDF in any
language, the verification page, the API — is read back from those stored bytes, never
recomputed, so it always shows exactly what was signed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar, assert_never

from babel import Locale, UnknownLocaleError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import (
    SERIAL_PREFIX,
    CertificateFormatError,
    CertificatePayload,
    CertificateSection,
)
from ppp_assess.domain.documents import (
    CertificateData,
    ReportData,
    ReportGap,
    ReportQuestion,
    ReportSection,
)
from ppp_assess.domain.question_types import (
    AnswerDescription,
    CalendarDate,
    ChosenOptions,
    FreeText,
    NotApplicable,
    Quantity,
    ScalePoint,
)
from ppp_assess.domain.schema import Question, Questionnaire
from ppp_assess.domain.scoring import score
from ppp_assess.domain.workflow import N_, STATUS_LABELS, Action, Status
from ppp_assess.models import (
    Assessment,
    Certificate,
    QuestionnaireVersion,
    ReviewComment,
    ReviewDecision,
    User,
)
from ppp_assess.models.base import utcnow
from ppp_assess.services.assessments import (
    answer_values,
    apply_action,
    latest_submission,
    load_answers,
    questionnaire_for,
)
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.permissions import (
    can_download_certificate,
    ensure_can_revoke,
    ensure_independent_certifier,
    get_assessment,
)

log = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock that serialises the numbering of serials.
SERIAL_LOCK_KEY = 0x5050_4345  # "PPCE"
#: How often issuing retries with the next number when a serial turned out to be taken.
SERIAL_ATTEMPTS = 5
MAX_REVOCATION_REASON_LENGTH = 2000
#: The line above the certificate's title.
ISSUER = "ppp-assess"

T = TypeVar("T")


# --------------------------------------------------------------------------- documents' locale


@dataclass(frozen=True)
class DocumentLocale:
    """The language a document is produced in, with its translation and formatting."""

    code: str
    text_direction: str
    #: Translates a msgid (a caption or a questionnaire text).
    translate: Callable[[str], str]
    #: Formats a score (0-100) or a number answer.
    format_number: Callable[[float], str]
    #: Formats a date.
    format_date: Callable[[dt.date], str]
    #: Formats a share (0-1) as a percentage.
    format_percent: Callable[[float], str]


def country_name(country_code: str, locale_code: str) -> str:
    """Return the name of a country in a language, or the code when CLDR has none."""
    try:
        territories = Locale.parse(locale_code).territories
    except (UnknownLocaleError, ValueError):
        return country_code
    return str(territories.get(country_code, country_code))


# --------------------------------------------------------------------------- lookups


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


# --------------------------------------------------------------------------- issuing


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


def _reviewer_name(session: Session, assessment: Assessment) -> str:
    name = session.scalar(
        select(User.name)
        .join(ReviewDecision, ReviewDecision.reviewer_id == User.id)
        .where(ReviewDecision.assessment_id == assessment.id,
               ReviewDecision.decision == "approve")
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(1)
    )
    if name is None and assessment.reviewer is not None:
        name = assessment.reviewer.name
    return name or ""


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
        reviewer_name=_reviewer_name(session, assessment),
        approved_on=assessment.approved_at.astimezone(dt.UTC).date(),
        issued_on=issued_on,
        verify_url=f"{base_url.rstrip('/')}/verify/{serial}",
    )


def issue_certificate(
    session: Session,
    assessment: Assessment,
    *,
    actor: User,
    signing_key: Ed25519PrivateKey,
    base_url: str,
    now: dt.datetime | None = None,
) -> Certificate:
    """Certify an approved assessment: sign its facts, store them, mark it certified.

    :param base_url: the platform's public address; the verification link starts with it.
    :raises Forbidden: when ``actor`` is neither evaluator nor administrator, or belongs
        to the assessment's organisation.
    :raises Conflict: when the assessment is not approved (draft, submitted, in review,
        returned, already certified or revoked), or has no score.
    """
    # Two evaluators pressing "issue" at once certify it only once.
    _lock_assessment(session, assessment)
    ensure_independent_certifier(session, actor, assessment)
    new_status = apply_action(assessment, Action.certify)
    now = now or utcnow()
    issued_on = now.astimezone(dt.UTC).date()
    _lock_numbering(session)
    for _attempt in range(SERIAL_ATTEMPTS):
        number = _next_number(session, issued_on.year)
        if number > certificate_domain.MAX_SERIAL_NUMBER:
            raise Conflict("No more certificate serial numbers are left for this year.",
                           code="serials_exhausted")
        serial = certificate_domain.make_serial(issued_on.year, number)
        payload = _payload(session, assessment, serial=serial, issued_on=issued_on,
                           base_url=base_url)
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
    before = assessment.status
    assessment.status = new_status
    assessment.version += 1
    assessment.updated_at = now
    session.flush()
    record_event(
        session, actor_id=actor.id, action="certificate.issued", object_type="certificate",
        object_id=serial, organisation_id=assessment.organisation_id,
        before={"assessment": assessment.id, "status": before.value},
        after={"assessment": assessment.id, "status": new_status.value, "serial": serial,
               "score": payload.overall_score, "level": payload.level_id},
    )
    return certificate


def revoke_certificate(
    session: Session,
    certificate: Certificate,
    *,
    actor: User,
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
    new_status = apply_action(assessment, Action.revoke)
    now = now or utcnow()
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    before = assessment.status
    assessment.status = new_status
    assessment.version += 1
    assessment.updated_at = now
    session.flush()
    record_event(
        session, actor_id=actor.id, action="certificate.revoked", object_type="certificate",
        object_id=certificate.serial, organisation_id=assessment.organisation_id,
        before={"assessment": assessment.id, "status": before.value},
        after={"assessment": assessment.id, "status": new_status.value, "reason": reason},
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


def issued_certificates(session: Session, *, page: int = 1,
                        per_page: int = 50) -> Page[Certificate]:
    """Return the issued certificates, revoked ones included, newest first."""
    query = (
        select(Certificate)
        .options(joinedload(Certificate.assessment).joinedload(Assessment.organisation),
                 joinedload(Certificate.assessment).joinedload(Assessment.project))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    count = select(func.count()).select_from(Certificate)
    return _page(session, query, count, page, per_page)


# --------------------------------------------------------------------------- verification


class Outcome(StrEnum):
    """What checking a certificate file found."""

    #: Signed by the platform, the same facts as on record, not revoked.
    valid = "valid"
    #: Signed by the platform and on record, but revoked since.
    revoked = "revoked"
    #: The file carries certificate data whose signature or facts do not match.
    signature_mismatch = "signature_mismatch"
    #: Not a certificate of this platform (no certificate data, or an unknown serial).
    not_a_certificate = "not_a_certificate"


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a certificate file."""

    outcome: Outcome
    #: The facts carried by the file, when they could be read.
    payload: CertificatePayload | None = None
    #: The signed bytes carried by the file, when its signature is the platform's.
    payload_json: bytes | None = None
    #: The certificate on record for the file's serial (online checks only).
    certificate: Certificate | None = None

    @property
    def ok(self) -> bool:
        """Return whether the file is a valid, unrevoked certificate."""
        return self.outcome == Outcome.valid


#: What a certificate file carries: the signed payload bytes and the signature string.
#: Reading them out of a file is the job of the adapter that received it (the PDF
#: package knows where it put them); services only check them.
Carried = tuple[bytes, str]


def verify_offline(carried: Carried | None, public_key: Ed25519PublicKey) -> Verification:
    """Check the signature a certificate file carries, without any database.

    Offline, revocation cannot be known: a valid outcome means only that the platform
    signed exactly these facts.

    :param carried: the payload and signature read from the file, or ``None`` when the
        file carries none (or is not a readable document).
    """
    if carried is None:
        return Verification(Outcome.not_a_certificate)
    payload_json, signature = carried
    if not certificate_domain.verify(payload_json, signature, public_key):
        return Verification(Outcome.signature_mismatch)
    try:
        payload = certificate_domain.payload_from_bytes(payload_json)
    except CertificateFormatError:
        # Signed by the key but not a certificate payload: not something this platform issued.
        return Verification(Outcome.not_a_certificate)
    return Verification(Outcome.valid, payload=payload, payload_json=payload_json)


def verify_document(session: Session, carried: Carried | None,
                    public_key: Ed25519PublicKey) -> Verification:
    """Check what a certificate file carries against the public key and the record.

    The file is valid when its embedded payload carries the platform's signature and is,
    byte for byte, the payload stored for its serial, and that certificate is not revoked.

    :param carried: the payload and signature read from the file, or ``None``.
    """
    offline = verify_offline(carried, public_key)
    if offline.payload is None or offline.payload_json is None:
        return offline
    certificate = find_certificate(session, offline.payload.serial)
    if certificate is None:
        return Verification(Outcome.not_a_certificate, payload=offline.payload,
                            payload_json=offline.payload_json)
    if offline.payload_json != certificate.payload.encode("utf-8"):
        return Verification(Outcome.signature_mismatch, payload=offline.payload,
                            payload_json=offline.payload_json, certificate=certificate)
    outcome = Outcome.revoked if certificate.revoked_at is not None else Outcome.valid
    return Verification(outcome, payload=offline.payload, payload_json=offline.payload_json,
                        certificate=certificate)


# --------------------------------------------------------------------------- documents


def certificate_data(session: Session, certificate: Certificate,
                     locale: DocumentLocale) -> CertificateData:
    """Return what the certificate PDF prints, in ``locale``, from the signed facts only."""
    payload = payload_of(certificate)
    t = locale.translate
    title = questionnaire_title(session, payload.questionnaire_id, payload.questionnaire_version)
    return CertificateData(
        serial=payload.serial,
        subject_name=payload.subject_name,
        organisation_name=payload.organisation_name,
        country_name=country_name(payload.country_code, locale.code),
        questionnaire_title=t(title),
        questionnaire_version=payload.questionnaire_version,
        overall_score=float(payload.overall_score),
        level_label=t(payload.level_label),
        # Sections where nothing applied carry no score and are left off the chart.
        section_scores=tuple((t(section.title), float(section.score))
                             for section in payload.section_scores if section.score is not None),
        reviewer_name=payload.reviewer_name,
        approval_date=payload.approved_on,
        issue_date=payload.issued_on,
        verify_url=payload.verify_url,
        payload_json=certificate.payload.encode("utf-8"),
        signature=certificate.signature,
        locale=locale.code,
        text_direction=locale.text_direction,
        issuer=ISSUER,
    )


def certificate_for_download(session: Session, user: User, assessment_id: int) -> Certificate:
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


def _answer_label(question: Question, value: Any, locale: DocumentLocale) -> str:
    if value is None:
        return locale.translate(N_("Not answered"))
    return _word_answer(question.strategy.describe(question, value), locale)


def _word_answer(description: AnswerDescription, locale: DocumentLocale) -> str:
    t = locale.translate
    match description:
        case NotApplicable():
            return t(N_("Not applicable"))
        case ChosenOptions(options=options):
            return "; ".join(t(option.label) if option.label else option.value
                             for option in options)
        case ScalePoint(value=value, minimum=minimum, maximum=maximum):
            return t(N_("%(value)s on a scale from %(min)s to %(max)s")) % {
                "value": locale.format_number(float(value)),
                "min": locale.format_number(float(minimum)),
                "max": locale.format_number(float(maximum))}
        case Quantity(value=value, unit=unit):
            number = locale.format_number(float(value))
            if not unit:
                return number
            shown = t(unit)
            # A percent sign follows the number directly; other units after a space.
            return f"{number}{shown}" if shown == "%" else f"{number} {shown}"
        case CalendarDate(date=date):
            return locale.format_date(date)
        case FreeText(text=text):
            return text
    assert_never(description)


def _reviewer_comments(session: Session, assessment: Assessment) -> tuple[dict[str, str], str]:
    """Return the reviewers' comments by question, and those on the whole assessment."""
    by_question: dict[str, list[str]] = {}
    general: list[str] = []
    rows = session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == assessment.id)
        .order_by(ReviewComment.created_at, ReviewComment.id)
    )
    for row in rows:
        if row.question_id is None:
            general.append(row.body)
        else:
            by_question.setdefault(row.question_id, []).append(row.body)
    return {key: "\n".join(bodies) for key, bodies in by_question.items()}, "\n".join(general)


def _latest_decision_reason(session: Session, assessment: Assessment) -> str:
    reason = session.scalar(
        select(ReviewDecision.reason).where(ReviewDecision.assessment_id == assessment.id)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()).limit(1)
    )
    return reason or ""


def report_data(session: Session, assessment: Assessment, locale: DocumentLocale, *,
                today: dt.date | None = None) -> ReportData:
    """Return the full assessment report in ``locale``: every answer, comment and gap."""
    t = locale.translate
    questionnaire: Questionnaire = questionnaire_for(assessment)
    answers = load_answers(session, assessment)
    comments, general_comment = _reviewer_comments(session, assessment)
    report = score(questionnaire, answer_values(answers))
    section_scores = {section.id: section.score for section in report.sections}
    sections = []
    for section in questionnaire.sections:
        questions = []
        for question in section.questions:
            result = report.questions.get(question.id)
            if result is not None and not result.visible:
                # Hidden by a condition on another answer: it does not apply to the subject.
                continue
            row = answers.get(question.id)
            value = row.value if row is not None else None
            questions.append(ReportQuestion(
                id=question.id,
                text=t(question.text),
                guidance=t(question.guidance) if question.guidance else "",
                answer_label=_answer_label(question, value, locale),
                comment=row.comment if row is not None else "",
                evidence_links=tuple(row.evidence or ()) if row is not None else (),
                reviewer_comment=comments.get(question.id, ""),
                score=(None if result is None or result.score is None else result.score * 100),
            ))
        sections.append(ReportSection(t(section.title), section_scores.get(section.id),
                                      tuple(questions)))
    gaps = tuple(
        ReportGap(question_text=t(questionnaire.question(gap.question_id).text),
                  lost_points=gap.impact, action=t(gap.action) if gap.action else "")
        for gap in report.gaps
    )
    organisation = assessment.organisation
    project = assessment.project
    facts: list[tuple[str, str]] = [
        (t(N_("Completion")), locale.format_percent(report.completion)),
    ]
    if assessment.submitted_at is not None:
        facts.append((t(N_("Submitted on")), locale.format_date(assessment.submitted_at.date())))
    if assessment.approved_at is not None:
        facts.append((t(N_("Approved on")), locale.format_date(assessment.approved_at.date())))
        reviewer = _reviewer_name(session, assessment)
        if reviewer:
            facts.append((t(N_("Reviewer")), reviewer))
    if assessment.status in {Status.certified, Status.revoked}:
        certificate = certificate_of(session, assessment)
        if certificate is not None:
            facts.append((t(N_("Certificate")), certificate.serial))
    if general_comment:
        facts.append((t(N_("Review comments")), general_comment))
    decision_reason = _latest_decision_reason(session, assessment)
    if decision_reason:
        facts.append((t(N_("Reason given with the last review decision")), decision_reason))
    return ReportData(
        questionnaire_title=t(questionnaire.title),
        questionnaire_version=questionnaire.version,
        subject_name=project.name if project is not None else organisation.name,
        organisation_name=organisation.name,
        status=t(STATUS_LABELS[assessment.status]),
        is_draft=assessment.status == Status.draft,
        overall_score=report.overall,
        level_label=t(report.level.label) if report.level is not None else "",
        sections=tuple(sections),
        gaps=gaps,
        generated_date=today or utcnow().date(),
        locale=locale.code,
        text_direction=locale.text_direction,
        issuer=ISSUER,
        cover_facts=tuple(facts),
    )
