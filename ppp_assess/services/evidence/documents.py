"""Attaching, listing, downloading, deleting and judging evidence documents."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.evidence import (
    ACCEPTED_EXTENSIONS,
    KINDS_BY_ID,
    FileKind,
    Verdict,
    extension_of,
)
from ppp_assess.domain.evidence import clean_name as clean_file_name
from ppp_assess.domain.messages import N_
from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.domain.verification import VerifiedScore, verified_score
from ppp_assess.domain.workflow import Status, is_editable
from ppp_assess.models import Assessment, EvidenceDocument
from ppp_assess.models.base import utcnow
from ppp_assess.services.assessments import questionnaire_for
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, NotFound, TooLarge, Unavailable
from ppp_assess.services.evidence.scanning import Scanner, ScannerUnavailable
from ppp_assess.services.evidence.sniffing import sniff
from ppp_assess.services.evidence.storage import EvidenceStorage, FileTooLarge, StagedFile
from ppp_assess.services.permissions import (
    Person,
    ensure_assigned_reviewer,
    ensure_independent_reviewer,
    lock_assessment_row,
)

log = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
MAX_DESCRIPTION_LENGTH = 1000
MAX_REVIEW_COMMENT_LENGTH = 5000

#: Kinds that share one signature: the file's name says which of them it is.
_SIBLINGS: dict[str, tuple[str, ...]] = {"doc": ("doc", "xls"), "txt": ("txt", "csv")}

#: Why a kind of content is refused, by the sniffer's reason.
_REFUSALS = {
    "markup": N_("Web pages, SVG images and other markup cannot be attached: they could "
                 "run scripts. Save the page as PDF and attach that."),
    "script": N_("Scripts and programs cannot be attached."),
    "executable": N_("Scripts and programs cannot be attached."),
    "archive": N_("Archives (ZIP and the like) cannot be attached: attach each document "
                  "on its own."),
    "unknown": N_("This file is not one of the accepted kinds: PDF, PNG, JPEG, Word, "
                  "Excel, OpenDocument, CSV or plain text."),
}


@dataclass(frozen=True)
class EvidenceLimits:
    """How much may be uploaded, in bytes."""

    max_file_size: int = 20 * MEGABYTE
    max_assessment_size: int = 500 * MEGABYTE


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:g}"


def _not_editable(assessment: Assessment) -> Conflict:
    return Conflict("This assessment is %(status)s and can no longer be changed.",
                    {"status": assessment.status.value}, code="not_editable")


def _kind_for(sniffed: FileKind, extension: str) -> FileKind | None:
    """Return the accepted kind the content and the name agree on, if they do."""
    for kind_id in _SIBLINGS.get(sniffed.id, (sniffed.id,)):
        kind = KINDS_BY_ID[kind_id]
        if extension in kind.extensions:
            return kind
    return None


def _audit(session: Session, document: EvidenceDocument, action: str, *,
           actor: Person | None, assessment: Assessment) -> None:
    record_event(
        session, actor_id=actor.id if actor else None, action=action,
        object_type="evidence", object_id=document.id, organisation_id=assessment.organisation_id,
        after={"assessment": assessment.id, "question": document.question_id,
               "name": document.name, "size": document.size, "sha256": document.sha256,
               **({"verdict": document.verdict.value} if document.verdict else {})})


def stored_bytes(session: Session, assessment: Assessment) -> int:
    """Return the bytes of every document attached to the assessment."""
    return int(session.scalar(select(func.coalesce(func.sum(EvidenceDocument.size), 0))
                              .where(EvidenceDocument.assessment_id == assessment.id)) or 0)


def attach_evidence(
    session: Session,
    assessment: Assessment,
    question_id: str,
    *,
    actor: Person,
    stream: IO[bytes],
    filename: str,
    description: str = "",
    storage: EvidenceStorage,
    limits: EvidenceLimits,
    scanner: Scanner | None = None,
) -> EvidenceDocument:
    """Attach a file to the answer of one question, while the assessment is a draft.

    The file is streamed to storage in chunks; its kind is decided from its content and
    must agree with its name; it is scanned when a scanner is configured. A refused file
    leaves nothing behind: no row, and no file in storage. The same bytes already stored
    (for any answer) are not stored again.

    :param stream: the upload, read once to its end.
    :param filename: the name the user's file had (folders are dropped).
    :return: the new document (flushed), recorded in the audit log with its SHA-256.
    :raises NotFound: for a question the questionnaire does not have.
    :raises Conflict: code ``not_editable`` when the assessment is not a draft.
    :raises Invalid: for an empty file, a refused kind, content that does not match the
        name, a description too long, or a file the scanner flags.
    :raises TooLarge: beyond the size of one file or of all of the assessment's files.
    :raises Unavailable: when the configured scanner cannot be reached.
    """
    lock_assessment_row(session, assessment)
    if not is_editable(assessment.status):
        raise _not_editable(assessment)
    if not questionnaire_for(assessment).has_question(question_id):
        raise NotFound("This question does not exist.")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise Invalid("The description is longer than %(max)s characters.",
                      {"max": MAX_DESCRIPTION_LENGTH}, fields={"description": "too_long"})
    name = clean_file_name(filename or "")
    extension = extension_of(name)
    if extension not in ACCEPTED_EXTENSIONS:
        raise Invalid("Files ending in “%(extension)s” cannot be attached. Accepted: PDF, "
                      "PNG, JPEG, Word, Excel, OpenDocument, CSV and plain text.",
                      {"extension": extension or name}, fields={"file": "refused_type"})
    try:
        staged = storage.stage(stream, max_size=limits.max_file_size)
    except FileTooLarge:
        raise TooLarge("A file may be at most %(size)s MB.",
                       {"size": _megabytes(limits.max_file_size)},
                       fields={"file": "too_large"}) from None
    try:
        kind = _check(session, assessment, staged, extension, limits, scanner)
        staged.keep()
    except BaseException:
        staged.discard()
        raise
    document = EvidenceDocument(
        assessment_id=assessment.id, question_id=question_id, name=name,
        description=description, size=staged.size, media_type=kind.media_type,
        sha256=staged.sha256, uploaded_by_id=actor.id, uploaded_at=utcnow(),
        review_comment="")
    session.add(document)
    session.flush()
    _audit(session, document, "evidence.uploaded", actor=actor, assessment=assessment)
    log.info("evidence %s attached to assessment %s by user %s", document.id, assessment.id,
             actor.id)
    return document


def _check(session: Session, assessment: Assessment, staged: StagedFile, extension: str,
           limits: EvidenceLimits, scanner: Scanner | None) -> FileKind:
    if staged.size == 0:
        raise Invalid("The file is empty.", fields={"file": "empty"})
    if stored_bytes(session, assessment) + staged.size > limits.max_assessment_size:
        raise TooLarge("The documents of one assessment may take at most %(size)s MB "
                       "together.", {"size": _megabytes(limits.max_assessment_size)},
                       fields={"file": "quota"})
    with staged.open() as handle:
        sniffed = sniff(handle)
        if sniffed.kind is None:
            raise Invalid(_REFUSALS[sniffed.refusal or "unknown"],
                          fields={"file": "refused_type"})
        kind = _kind_for(sniffed.kind, extension)
        if kind is None:
            raise Invalid("The file's content (%(kind)s) does not match its name "
                          "(“%(extension)s”).",
                          {"kind": sniffed.kind.label, "extension": extension},
                          fields={"file": "mismatch"})
        if scanner is not None:
            handle.seek(0)
            try:
                threat = scanner(handle)
            except ScannerUnavailable as error:
                log.warning("virus scanner unavailable: %s", error)
                raise Unavailable("The virus scanner cannot be reached just now. Try again "
                                  "in a few minutes.") from None
            if threat is not None:
                log.warning("upload to assessment %s refused by the scanner: %s",
                            assessment.id, threat)
                raise Invalid("The virus scanner found a threat in this file; it was not "
                              "attached.", fields={"file": "infected"})
    return kind


#: The hot read of the section page, built once.
_DOCUMENTS = (select(EvidenceDocument)
              .where(EvidenceDocument.assessment_id == bindparam("assessment_id"))
              .order_by(EvidenceDocument.question_id, EvidenceDocument.id))


def list_evidence(session: Session, assessment: Assessment) -> list[EvidenceDocument]:
    """Return the documents of an assessment, by question, oldest first."""
    return list(session.scalars(_DOCUMENTS, {"assessment_id": assessment.id}))


def evidence_by_question(documents: Sequence[EvidenceDocument]
                         ) -> dict[str, list[EvidenceDocument]]:
    """Group documents by the question they back."""
    grouped: dict[str, list[EvidenceDocument]] = {}
    for document in documents:
        grouped.setdefault(document.question_id, []).append(document)
    return grouped


def evidenced_questions(documents: Sequence[EvidenceDocument]) -> set[str]:
    """Return the questions with a document no reviewer marked insufficient."""
    return {document.question_id for document in documents
            if document.verdict != Verdict.insufficient}


def delete_evidence(session: Session, document: EvidenceDocument, *, actor: Person) -> None:
    """Detach a document while its assessment is a draft (returned ones are drafts again).

    The row goes now; the stored bytes stay until ``flask evidence prune`` finds no row
    naming them, since other answers may share them.

    :raises Conflict: code ``not_editable`` once the assessment is submitted.
    """
    assessment = document.assessment
    lock_assessment_row(session, assessment)
    if not is_editable(assessment.status):
        raise _not_editable(assessment)
    _audit(session, document, "evidence.deleted", actor=actor, assessment=assessment)
    session.delete(document)
    session.flush()


def record_download(session: Session, document: EvidenceDocument, *, actor: Person) -> None:
    """Write the download of a document to the audit log, with its SHA-256."""
    _audit(session, document, "evidence.downloaded", actor=actor,
           assessment=document.assessment)


def judge_evidence(session: Session, document: EvidenceDocument, *, actor: Person,
                   verdict: Verdict, comment: str = "") -> EvidenceDocument:
    """Mark a document accepted or insufficient, with a comment, during its review.

    :raises Forbidden: unless ``actor`` is the independent reviewer reviewing it.
    :raises Conflict: code ``not_in_review`` when the assessment is not in review.
    :raises Invalid: for a comment too long, or an insufficient verdict without one.
    """
    assessment = document.assessment
    lock_assessment_row(session, assessment)
    ensure_independent_reviewer(session, actor, assessment)
    if assessment.status != Status.in_review:
        raise Conflict("Documents are judged during the review.", code="not_in_review")
    ensure_assigned_reviewer(actor, assessment)
    comment = (comment or "").strip()
    if len(comment) > MAX_REVIEW_COMMENT_LENGTH:
        raise Invalid("The comment is longer than %(max)s characters.",
                      {"max": MAX_REVIEW_COMMENT_LENGTH}, fields={"comment": "too_long"})
    if verdict == Verdict.insufficient and not comment:
        raise Invalid("Say why the document is insufficient.", fields={"comment": "required"})
    document.verdict = verdict
    document.review_comment = comment
    document.reviewed_by_id = actor.id
    document.reviewed_at = utcnow()
    session.flush()
    _audit(session, document, "evidence.reviewed", actor=actor, assessment=assessment)
    return document


def prune_storage(session: Session, storage: EvidenceStorage, *,
                  older_than: dt.timedelta = dt.timedelta(hours=1),
                  now: dt.datetime | None = None) -> list[str]:
    """Remove stored files that no document names and that are older than a grace period.

    Files of rolled-back uploads and of deleted documents end here. The grace period
    keeps a file whose upload is still in progress (its row not yet committed).

    :return: the hashes removed.
    """
    cutoff = (now or utcnow()) - older_than
    named = set(session.scalars(select(EvidenceDocument.sha256).distinct()))
    removed = []
    for sha256, written in storage.stored():
        if sha256 not in named and written < cutoff:
            storage.delete(sha256)
            removed.append(sha256)
    return removed


def verified_score_of(session: Session, assessment: Assessment, values: Mapping[str, object],
                      declared: ScoreReport | None = None,
                      documents: Sequence[EvidenceDocument] | None = None) -> VerifiedScore:
    """Score the answers counting only what the assessment's documents back.

    :param values: the answered values by question id.
    :param declared: the self-declared report of the same values, if already computed.
    :param documents: the assessment's documents (:func:`list_evidence`), if already read.
    """
    if documents is None:
        documents = list_evidence(session, assessment)
    evidenced = evidenced_questions(documents)
    return verified_score(questionnaire_for(assessment), values, evidenced, declared=declared)


def document_facts(document: EvidenceDocument) -> Mapping[str, object]:
    """Return what the API and exports say of a document."""
    return {
        "id": document.id, "question_id": document.question_id, "name": document.name,
        "description": document.description, "size": document.size,
        "media_type": document.media_type, "sha256": document.sha256,
        "uploaded_at": document.uploaded_at.isoformat(),
        "verdict": document.verdict.value if document.verdict else None,
        "review_comment": document.review_comment,
    }
