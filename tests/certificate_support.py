"""Building assessments in every state, certificates, and altered copies, for the tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from babel import Locale
from flask import Flask
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DecodedStreamObject, DictionaryObject, NameObject
from sqlalchemy.orm import Session

from ppp_assess.config import get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.audit import canonical_json
from ppp_assess.domain.display import Localiser
from ppp_assess.domain.reference import PlatformRole, SubjectType
from ppp_assess.domain.schema import Question, Questionnaire, QuestionType
from ppp_assess.models import Assessment, Certificate, Organisation, User
from ppp_assess.pdf.certificate import render_certificate
from ppp_assess.pdf.signature import sign_document
from ppp_assess.services import assessments, reviews, signing
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.services.signing import DocumentSigner
from tests.factories import Factory

QUESTIONNAIRE = "people-first"


def english() -> Localiser:
    """Return an untranslated English localiser: plain formatting, CLDR's country names."""
    return Localiser(code="en", text_direction="ltr",
                     country=lambda code: str(Locale("en").territories.get(code, code)))


def _answer(question: Question, quality: float) -> Any:
    """Return an answer to ``question`` about ``quality`` (0-1) of full marks."""
    if question.type in (QuestionType.choice, QuestionType.multi_choice):
        scored = [option for option in question.options if option.score is not None]
        if not scored:
            value: Any = question.options[0].value
        else:
            value = min(scored, key=lambda option: abs((option.score or 0.0) - quality)).value
        return value if question.type is QuestionType.choice else [value]
    if question.type is QuestionType.scale and question.scale is not None:
        low, high = question.scale.min, question.scale.max
        return round(low + quality * (high - low))
    if question.type is QuestionType.number:
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else 100
        return round(low + quality * (high - low), 1)
    if question.type is QuestionType.date:
        return "2025-06-15"
    return "Described in the procurement manual."


def answers_for(questionnaire: Questionnaire, quality: float = 0.6,
                comment: str | None = None) -> dict[str, assessments.AnswerInput]:
    """Return an answer to every question of ``questionnaire``."""
    inputs = {}
    for index, question in enumerate(questionnaire.all_questions()):
        try:
            value = validate_answer(question, _answer(question, quality))
        except AnswerError:
            continue
        # Only the first answer carries the comment and evidence, to find them in reports.
        inputs[question.id] = assessments.AnswerInput(
            value, comment if index == 0 else None,
            ["https://example.org/evidence/first.pdf"] if index == 0 and comment else None)
    return inputs


@dataclass
class Scenario:
    """An assessment with the people around it."""

    assessment: Assessment
    organisation: Organisation
    respondent: User
    reviewer: User


def assessment_in(db: Session, factory: Factory, state: str, *,
                  organisation: Organisation | None = None, quality: float = 0.6,
                  comment: str | None = "Our procurement manual, chapter 3.",
                  reviewer: User | None = None) -> Scenario:
    """Return an assessment in ``state``: draft, submitted, in_review, returned or approved."""
    version = factory.questionnaires()[QUESTIONNAIRE]
    organisation = organisation or factory.organisation()
    respondent = factory.user(organisation=organisation)
    reviewer = reviewer or factory.user(role=None, platform_roles=(PlatformRole.reviewer,),
                                        name="Claire Reviewer")
    project = (factory.project(organisation, name="Copperbelt heavy-haul rail line")
               if SubjectType(version.subject) == SubjectType.project else None)
    assessment = assessments.start_assessment(db, actor=respondent, version=version,
                                              organisation_id=organisation.id, project=project)
    questionnaire = questionnaire_of(version)
    assessments.save_answers(db, assessment, answers_for(questionnaire, quality, comment),
                             base_version=assessment.version, actor=respondent)
    if state == "draft":
        return Scenario(assessment, organisation, respondent, reviewer)
    assessments.submit_assessment(db, assessment, actor=respondent)
    if state == "submitted":
        return Scenario(assessment, organisation, respondent, reviewer)
    reviews.start_review(db, assessment, reviewer=reviewer, declared_no_conflict=True)
    if state == "in_review":
        return Scenario(assessment, organisation, respondent, reviewer)
    first = questionnaire.all_questions()[0].id
    if state == "returned":
        reviews.decide(db, assessment, reviewer=reviewer, decision="return",
                       reason="Please link the law.",
                       question_comments={first: "Which law requires this?"})
        return Scenario(assessment, organisation, respondent, reviewer)
    assert state == "approved", state
    reviews.decide(db, assessment, reviewer=reviewer, decision="approve",
                   question_comments={first: "Well documented."})
    return Scenario(assessment, organisation, respondent, reviewer)


def evaluator(factory: Factory, **overrides: Any) -> User:
    """Return a user holding the evaluator role and no membership."""
    return factory.user(role=None, platform_roles=(PlatformRole.evaluator,), **overrides)


def admin(factory: Factory, **overrides: Any) -> User:
    """Return a user holding the admin role and no membership."""
    return factory.user(role=None, platform_roles=(PlatformRole.admin,), **overrides)


def issue(db: Session, app: Flask, assessment: Assessment, actor: User,
          now: dt.datetime | None = None) -> Certificate:
    """Issue the certificate of ``assessment`` with the app's key and address."""
    settings = get_settings(app)
    return certificate_service.issue_certificate(
        db, assessment, actor=actor, signing_key=signing.signing_key(settings),
        base_url=settings.base_url or "http://ppp.test", now=now)


def certified(db: Session, factory: Factory, app: Flask, **options: Any) -> tuple[Scenario,
                                                                                  Certificate]:
    """Return an approved assessment and its freshly issued certificate (committed)."""
    scenario = assessment_in(db, factory, "approved", **options)
    certificate = issue(db, app, scenario.assessment, evaluator(factory))
    db.commit()
    return scenario, certificate


def certificate_pdf(app: Flask, db: Session, certificate: Certificate, *,
                    payload: bytes | None = None, signature: str | None = None,
                    signer: DocumentSigner | None = None, sign: bool = True) -> bytes:
    """Render ``certificate``, optionally carrying another payload or signature.

    The document is signed as a whole as the platform does, with the app's current key,
    or with ``signer``; ``sign=False`` leaves it unsigned.
    """
    data = certificate_service.certificate_data(db, certificate, english())
    data = dataclasses.replace(
        data,
        payload_json=data.payload_json if payload is None else payload,
        signature=data.signature if signature is None else signature,
    )
    # Ends the test session's read transaction, so that requests made next by the test
    # client can use the shared connection.
    db.commit()
    rendered = render_certificate(data)
    if not sign:
        return rendered
    signer = signer or signing.document_signer(get_settings(app))
    return sign_document(rendered, private_key=signer.private_key,
                         certificate=signer.certificate, chain=signer.chain)


def stranger_signer(name: str = "ppp-assess") -> DocumentSigner:
    """Return a document signer that is not the platform's, with the platform's name."""
    key = certificate_domain.load_private_key(certificate_domain.generate_private_key_pem())
    return DocumentSigner(signing.derived_document_key(key),
                          signing.self_issued_certificate(key, name))


def text_drawn_over(pdf: bytes, text: str = "Overall score 99.9", *,
                    incremental: bool) -> bytes:
    """Return ``pdf`` with ``text`` drawn over its page.

    Incrementally: an update appended after the signature, as editors save a signed file.
    Otherwise the page's content stream is rewritten and the whole file written anew.
    """
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(reader, incremental=True) if incremental else PdfWriter(clone_from=reader)
    page = writer.pages[0]
    fonts = page["/Resources"].get_object().setdefault(NameObject("/Font"), DictionaryObject())
    fonts.get_object()[NameObject("/FHelv")] = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /FHelv 28 Tf 150 420 Td ({text}) Tj ET".encode("latin-1"))
    contents = page.get_contents()
    assert contents is not None
    combined = ContentStream(None, reader)
    combined.set_data(contents.get_data() + b"\n" + stream.get_data())
    page.replace_contents(combined)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def page_added(pdf: bytes) -> bytes:
    """Return ``pdf`` with a blank page appended by an incremental update."""
    writer = PdfWriter(PdfReader(io.BytesIO(pdf)), incremental=True)
    writer.add_blank_page()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def one_byte_changed(payload: bytes) -> bytes:
    """Return ``payload`` with one letter of the organisation's name changed."""
    start = payload.index(b'"organisation_name":"') + len(b'"organisation_name":"')
    replacement = b"X" if payload[start:start + 1] != b"X" else b"Y"
    return payload[:start] + replacement + payload[start + 1:]


def score_changed(payload: bytes, new_score: str = "99.5") -> bytes:
    """Return ``payload`` claiming another overall score, in canonical form."""
    document = json.loads(payload)
    assert document["overall_score"] != new_score
    document["overall_score"] = new_score
    return canonical_json(document)


def signature_changed(signature: str) -> str:
    """Return ``signature`` with its first character changed."""
    return ("B" if signature[0] != "B" else "C") + signature[1:]


def signed_revision(pdf: bytes) -> bytes:
    """Return the document as rendered, before the update that adds its signature."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF\n")
    assert len(pdf) > end, "the document is not signed"
    return pdf[:end]
