"""Questionnaire versions, assessments, answers, submissions, reviews and certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ppp_assess.domain.board import AssignmentRole, AssignmentStatus
from ppp_assess.domain.evidence import Verdict
from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.workflow import Decision, Status
from ppp_assess.models.base import Base, JSONType, created_at, intpk, utcnow
from ppp_assess.models.organisation import Organisation, User, enum_column
from ppp_assess.models.project import Project


class QuestionnaireVersion(Base):
    """An immutable published version of a questionnaire file."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[intpk]
    #: The stable slug of the questionnaire file (``id:`` in the file).
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    #: "MAJOR.MINOR" as written in the file.
    version: Mapped[str] = mapped_column(String(20))
    #: Major version; peer groups compare assessments of the same major version only.
    major: Mapped[int] = mapped_column(Integer)
    subject: Mapped[SubjectType] = mapped_column(enum_column(SubjectType, name="subjecttype"))
    title: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the canonical definition; publishing other content under the same
    #: version number is refused.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The parsed definition as JSON, so old assessments keep scoring against it. Loaded
    #: only when read: a worker parses each content hash once
    #: (:func:`~ppp_assess.services.questionnaires.questionnaire_of`), and decoding the
    #: whole definition with every assessment a page shows cost more than the page.
    definition: Mapped[Any] = mapped_column(JSONType, deferred=True)
    published_at: Mapped[created_at]


class Assessment(Base):
    """One self-assessment of an organisation or project against one questionnaire version."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(
            "(subject_type = 'project') = (project_id IS NOT NULL)", name="subject_matches"
        ),
        Index("ix_assessments_benchmark", "questionnaire_version_id", "status"),
        # The evaluators' list, newest approval first (read backwards).
        Index("ix_assessments_approved", "approved_at", "id"),
    )

    id: Mapped[intpk]
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"), index=True
    )
    subject_type: Mapped[SubjectType] = mapped_column(enum_column(SubjectType, name="subjecttype"))
    #: The organisation that owns the assessment (for project assessments, the project's).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.draft, index=True)
    #: Optimistic concurrency counter: bumped by every change to answers or status.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The reviewer who started the review, if any.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Cached results of the latest scoring, for lists and benchmarks (recomputed on change).
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str | None] = mapped_column(String(40))
    completion: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    #: Set while the organisation chooses to show this approved assessment publicly.
    showcased_at: Mapped[dt.datetime | None]
    #: The project and organisation names as they were when published: the showcase
    #: shows these, and a later rename is shown only once published again.
    showcased_project_name: Mapped[str | None] = mapped_column(String(200))
    showcased_organisation_name: Mapped[str | None] = mapped_column(String(200))
    #: The project stage the assessment describes, a code of
    #: ``domain.reference.ASSESSMENT_STAGES``; None when not given.
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    #: The period it covers as the respondent names it (e.g. "2026" or "2026-Q1").
    period: Mapped[str | None] = mapped_column(String(40))
    #: The approved assessment this one was started from (a reassessment); its answers
    #: were carried over.
    previous_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()
    project: Mapped[Project | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )
    section_scores: Mapped[list[SectionScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )


class Answer(Base):
    """The current answer to one question of an assessment."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    #: Stable question id from the questionnaire file, never a list position.
    question_id: Mapped[str] = mapped_column(String(100))
    #: The answer as JSON (string, list of strings, number, ISO date or "na"); None = cleared.
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Evidence links (a JSON list of URLs).
    evidence: Mapped[Any] = mapped_column(JSONType, default=list)
    #: The assessment version this answer was last changed in; a save based on an older
    #: version of the assessment that would change this answer is a conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Carried over from the previous assessment and not yet confirmed: it counts as
    #: unanswered until the respondent saves it (the same value or another).
    carried: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class EvidenceDocument(Base):
    """A file attached to an answer as evidence.

    The bytes live in the evidence storage under their SHA-256, so the same file attached
    twice is stored once; this row says which answer it backs and what a reviewer made
    of it.
    """

    __tablename__ = "evidence_documents"
    __table_args__ = (Index("ix_evidence_documents_question", "assessment_id", "question_id"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    #: The question whose answer the document backs (stable id from the file).
    question_id: Mapped[str] = mapped_column(String(100))
    #: The file name as uploaded, without folders.
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Bytes.
    size: Mapped[int] = mapped_column(BigInteger)
    #: The media type decided from the content; downloads are served with it.
    media_type: Mapped[str] = mapped_column(String(100))
    #: SHA-256 (hex) of the content: its name in the storage.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[created_at]
    #: A reviewer's judgement; None until one is given.
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict), nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None]

    assessment: Mapped[Assessment] = relationship()


class SectionScore(Base):
    """Cached score of one section, so peer statistics per section run in SQL."""

    __tablename__ = "section_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "section_id"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)

    assessment: Mapped[Assessment] = relationship(back_populates="section_scores")


class Submission(Base):
    """A frozen snapshot of the answers and score at one submission."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first submission, 2 after the first return, and so on.
    number: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[created_at]
    #: {question_id: {"value", "comment", "evidence"}} at submission.
    answers: Mapped[Any] = mapped_column(JSONType)
    #: The score report at submission (overall, level, sections, completion).
    score: Mapped[Any] = mapped_column(JSONType)


class QuestionScore(Base):
    """A question of a submission that scored below full marks, frozen at submission.

    One row per question below full marks of the assessment's latest submission (an
    earlier submission's rows are replaced), so the evaluators' dashboard sums the points
    lost in SQL instead of re-scoring every snapshot.
    """

    __tablename__ = "question_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(100))
    #: Points (0-100) the overall score would gain if this question scored full marks.
    points_lost: Mapped[float] = mapped_column(Float)


class ReviewAssignment(Base):
    """A reviewer on one submission's review: the lead who took it, or a panel member.

    The lead declared no conflict of interest when taking the assessment; panel members
    are checked for conflicts when they are assigned.
    """

    __tablename__ = "review_assignments"
    __table_args__ = (Index("ix_review_assignments_reviewer", "reviewer_id", "state"),)

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The reviewer declared no conflict of interest with the subject.
    declared_no_conflict: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[created_at]
    role: Mapped[AssignmentRole] = mapped_column(enum_column(AssignmentRole),
                                                 default=AssignmentRole.lead)
    #: Where the assignment stands (named apart from an assessment's lifecycle status).
    state: Mapped[AssignmentStatus] = mapped_column(enum_column(AssignmentStatus),
                                                    default=AssignmentStatus.active)
    #: The chair or administrator who assigned a panel member; None for the lead.
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    #: When the review of the submission is due; None without a deadline.
    due_at: Mapped[dt.datetime | None]
    declined_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: A panel member's recommendation: approve or return.
    recommendation: Mapped[Decision | None] = mapped_column(
        enum_column(Decision, name="recommendation"))
    recommendation_reason: Mapped[str | None] = mapped_column(Text)
    recommended_at: Mapped[dt.datetime | None]
    #: When the reminder before the due date, and the one after it, were queued.
    reminded_before_at: Mapped[dt.datetime | None]
    reminded_after_at: Mapped[dt.datetime | None]

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class ReviewSettings(Base):
    """How the review board works on one questionnaire (every version of it).

    A questionnaire without a row is reviewed by one reviewer, without chair or deadline.
    """

    __tablename__ = "review_settings"

    id: Mapped[intpk]
    #: The stable slug of the questionnaire file.
    questionnaire_id: Mapped[str] = mapped_column(String(100), unique=True)
    #: How many reviewers recommend on each submission.
    panel_size: Mapped[int] = mapped_column(Integer, default=1)
    #: The reviewer who takes the assessment chairs the panel and decides on its
    #: recommendations.
    chair_decides: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Days from submission to the due date; None: no deadline.
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    #: Days before the due date when the reviewers are reminded.
    remind_days_before: Mapped[int] = mapped_column(Integer, default=2)
    #: A reviewer from the subject's country has a conflict of interest.
    same_country_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The respondent sees who wrote each comment.
    show_reviewer_names: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewerInterest(Base):
    """A link a reviewer declared: with an organisation, or with a country.

    A reviewer is not assigned to assessments of a declared organisation, nor (where the
    questionnaire's settings say so) of a declared country.
    """

    __tablename__ = "reviewer_interests"

    id: Mapped[intpk]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"))
    #: ISO 3166-1 alpha-2 code, upper case.
    country: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]


class ReviewComment(Base):
    """A reviewer's comment on one question (or on the whole assessment)."""

    __tablename__ = "review_comments"

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    #: None for a comment on the assessment as a whole.
    question_id: Mapped[str | None] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    #: The respondent must revisit this question before resubmitting.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Kept as the reviewer types it, seen by nobody else until the decision or the
    #: recommendation sends it.
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]
    #: When the reviewer last changed the unsent comment.
    updated_at: Mapped[dt.datetime | None]


class ReviewDecision(Base):
    """A reviewer's decision on one submission: approve or return for changes."""

    __tablename__ = "review_decisions"

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Approve or return, stored as "approve" or "return".
    decision: Mapped[Decision] = mapped_column(enum_column(Decision))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[created_at]
    #: The panel's recommendations the decision was taken on:
    #: ``[{"reviewer": id, "recommendation": "approve" | "return", "reason": ...}]``;
    #: None when the reviewer decided alone.
    recommendations: Mapped[Any] = mapped_column(JSONType, nullable=True)


class Certificate(Base):
    """A signed certificate of an approved assessment."""

    __tablename__ = "certificates"

    id: Mapped[intpk]
    #: Serial with a check character, e.g. PPP-2026-000123-K.
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), index=True
    )
    #: The canonical JSON payload exactly as signed.
    payload: Mapped[str] = mapped_column(Text)
    #: Ed25519 signature of the payload, base64url.
    signature: Mapped[str] = mapped_column(String(200))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[created_at]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: The audit chain's head once the certificate was issued, ``SEQUENCE:HASH`` (its own
    #: issue event): ``flask audit verify --head`` with it proves the log still holds
    #: everything up to the certificate.
    audit_head: Mapped[str | None] = mapped_column(String(100))

    assessment: Mapped[Assessment] = relationship()


class AuditEvent(Base):
    """One append-only, hash-chained audit event.

    Actor and object ids are plain integers and strings, not foreign keys: deleting a user
    must never rewrite history (and would break the chain).
    """

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    #: 1, 2, 3, ... without gaps; the order of the chain.
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    #: What happened, e.g. "answer.changed", "assessment.submitted", "user.signed_in".
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[Any] = mapped_column(JSONType, nullable=True)
    after: Mapped[Any] = mapped_column(JSONType, nullable=True)
    #: Hash of the previous event (64 zeros for the first).
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 over this event's canonical JSON, prev_hash included.
    hash: Mapped[str] = mapped_column(String(64))


class PeerKey(Base):
    """One key of the peer index: a questionnaire, major version, subject type and section.

    Peer scores carry the key's id rather than its four columns, so that the indexes the
    statistics walk lead with one integer: comparing it costs less, on every index entry
    walked, than comparing three strings and two more keys. Keys are added as scores
    first need them and never removed; a key without scores counts none.
    """

    __tablename__ = "peer_keys"
    __table_args__ = (UniqueConstraint("questionnaire_id", "major", "subject_type",
                                       "section_key"),)

    id: Mapped[intpk]
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    major: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[SubjectType] = mapped_column(enum_column(SubjectType,
                                                                  name="subjecttype"))
    #: ``"*"`` for the overall score, else the section id.
    section_key: Mapped[str] = mapped_column(String(100))


class PeerScore(Base):
    """One score of a subject's current peer result, kept for peer statistics.

    A subject's current result, for one questionnaire and major version, is its latest
    approved, certified or revoked assessment, when that one is not revoked. It has one
    row for its overall score (section key ``"*"``) and one per section with a score,
    each under its :class:`PeerKey` and with the attributes peer groups are filtered on.
    The rows are replaced in the transaction that changes what they come from (see
    :mod:`ppp_assess.services.peer_index`), so that statistics read ordered index ranges
    instead of ranking every assessment. Organisation questionnaires' rows are those
    without a project.
    """

    __tablename__ = "peer_scores"
    __table_args__ = (
        Index("ix_peer_scores_group", "key_id", "score", "organisation_id"),
        Index("ix_peer_scores_sector", "key_id", "sector", "score", "organisation_id"),
        Index("ix_peer_scores_organisations", "key_id", "organisation_id"),
        Index("ix_peer_scores_sector_organisations", "key_id", "sector", "organisation_id"),
        Index("ix_peer_scores_project_id", "project_id"),
        Index("ix_peer_scores_organisation_id", "organisation_id"),
    )

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("peer_keys.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    sector: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(32))
    contract_type: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
