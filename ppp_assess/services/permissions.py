"""Who may see and do what: every permission rule of the platform, in one place.

Each policy is a named predicate over plain objects: the acting :class:`Person` (a
stored :class:`User` or the snapshot a request signs in with; ``None`` for an anonymous
visitor), the object acted on, and a session where a membership must be
looked up. Views, the API, exports, PDF downloads, the navigation and the services ask
these functions, and nothing else decides who may do what.

Three kinds of function live here:

- **policies** (``can_*``) answer yes or no, and never raise;
- **getters** (``get_*``) return an object the user may see, or raise :class:`NotFound`:
  another organisation's id gets "not found", never "forbidden", so that nobody learns
  which ids exist;
- **checks** (``ensure_*``) raise :class:`Forbidden` with a message that says why, for
  the services to call where the user may see the object but not act on it.

Whether an action fits the assessment's status is the lifecycle's business
(:mod:`ppp_assess.domain.workflow`): the services refuse a wrong status with a conflict.
The policies take the status into account too, so that pages offer only what would
succeed.

The rules
    - Members of an organisation (respondents and organisation administrators) see all
      of its assessments and projects, answer its drafts (a returned assessment is a
      draft again) and submit them.
    - The review board (the reviewer role) sees assessments once they are submitted,
      starts the review of a submitted one and decides on the one it is reviewing, but
      never for an organisation its member belongs to.
    - Evaluators see decided assessments (approved, certified, revoked), the evaluations
      dashboard, peer statistics and exports; with administrators they issue
      certificates, never for their own organisation.
    - The reviewer who took a review chairs its panel: with platform administrators,
      they assign other reviewers to it, never one with a conflict of interest (a
      member of the organisation, a declared link with it, or, where the
      questionnaire's settings say so, a link with the subject's country). Panel members
      recommend; they see the others' recommendations once they have recorded theirs.
    - Platform administrators see everything, manage users, organisations and
      questionnaires, revoke certificates and manage any organisation's members; an
      organisation administrator manages the members of that organisation and decides
      what of it the public showcase shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import (
    Integer,
    ScalarSelect,
    String,
    Table,
    Text,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.orm import Session, joinedload

from ppp_assess.domain.board import AssignmentRole, AssignmentStatus
from ppp_assess.domain.messages import N_
from ppp_assess.domain.reference import OrgRole, PlatformRole, SubjectType
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Decision, Status, is_editable
from ppp_assess.models import (
    Answer,
    Assessment,
    Certificate,
    EvidenceDocument,
    Membership,
    Organisation,
    PlatformRoleGrant,
    Project,
    QuestionnaireVersion,
    ReviewAssignment,
    ReviewDecision,
    ReviewerInterest,
    Submission,
    User,
)
from ppp_assess.models.database import DriverStatement, writing_connection
from ppp_assess.services.errors import Conflict, Forbidden, NotFound
from ppp_assess.services.questionnaires import noted_questionnaire

#: Statuses the review board works on or has decided.
REVIEWABLE = frozenset({Status.submitted, Status.in_review, Status.approved, Status.certified,
                        Status.revoked})
#: Statuses evaluators see.
EVALUATED = frozenset({Status.approved, Status.certified, Status.revoked})
#: Statuses whose result an organisation may publish on the showcase.
PUBLISHABLE = frozenset({Status.approved, Status.certified})



class Person(Protocol):
    """Whoever acts: a stored :class:`User`, or the snapshot of one that a request is
    signed in with (:class:`ppp_assess.services.people.SignedIn`). The policies ask nothing
    else of them."""

    @property
    def id(self) -> int: ...

    @property
    def memberships(self) -> Sequence[object]: ...

    def has_platform_role(self, role: PlatformRole) -> bool: ...


# --------------------------------------------------------------------------- facts


def holds(user: Person | None, *roles: PlatformRole) -> bool:
    """Return whether ``user`` holds one of the platform ``roles`` (never for anonymous)."""
    return user is not None and any(user.has_platform_role(role) for role in roles)


def organisation_ids(session: Session, user: Person | None, *,
                     role: OrgRole | None = None) -> set[int]:
    """Return the ids of the organisations ``user`` belongs to (with ``role``, if given)."""
    if user is None:
        return set()
    query = select(Membership.organisation_id).where(Membership.user_id == user.id)
    if role is not None:
        query = query.where(Membership.role == role)
    return set(session.scalars(query))


def organisation_role(session: Session, user: Person | None,
                      organisation_id: int) -> OrgRole | None:
    """Return ``user``'s role in the organisation, or ``None`` for a non-member."""
    if user is None:
        return None
    return session.scalar(select(Membership.role).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation_id))


def is_member(session: Session, user: Person | None, organisation_id: int) -> bool:
    """Return whether ``user`` belongs to the organisation."""
    return organisation_role(session, user, organisation_id) is not None


def is_org_admin(session: Session, user: Person | None, organisation_id: int) -> bool:
    """Return whether ``user`` administers the organisation."""
    return organisation_role(session, user, organisation_id) == OrgRole.org_admin


def _submitted_once(session: Session, assessment: Assessment) -> bool:
    return session.scalar(select(Submission.id).where(
        Submission.assessment_id == assessment.id).limit(1)) is not None


# --------------------------------------------------------------------------- who you are


def anyone(user: Person | None) -> bool:
    """Allow everybody, signed in or not (public pages)."""
    return True


def is_signed_in(user: Person | None) -> bool:
    """Allow every signed-in user."""
    return user is not None


def has_organisation(user: Person | None) -> bool:
    """Allow users who belong to at least one organisation (the respondents' pages)."""
    return user is not None and bool(user.memberships)


def can_review(user: Person | None) -> bool:
    """Allow the review board: the review queue and the review pages."""
    return holds(user, PlatformRole.reviewer)


def can_evaluate(user: Person | None) -> bool:
    """Allow evaluators and administrators: the evaluations dashboard and peer statistics."""
    return holds(user, PlatformRole.evaluator, PlatformRole.admin)


def can_export_evaluations(user: Person | None) -> bool:
    """Allow evaluators and administrators to export decided assessments with answers."""
    return holds(user, PlatformRole.evaluator, PlatformRole.admin)


def can_issue_certificates(user: Person | None) -> bool:
    """Allow evaluators and administrators: the Certificates page, where they issue."""
    return holds(user, PlatformRole.evaluator, PlatformRole.admin)


def can_revoke_certificates(user: Person | None) -> bool:
    """Allow platform administrators to revoke certificates."""
    return holds(user, PlatformRole.admin)


def can_administer_platform(user: Person | None) -> bool:
    """Allow platform administrators: users, organisations, questionnaires, audit log."""
    return holds(user, PlatformRole.admin)


# --------------------------------------------------------------------------- organisations


def can_view_organisation(session: Session, user: Person | None,
                          organisation: Organisation) -> bool:
    """Return whether ``user`` may see the organisation and its members.

    Its members and platform administrators may.
    """
    return holds(user, PlatformRole.admin) or is_member(session, user, organisation.id)


def can_manage_members(session: Session, user: Person | None, organisation: Organisation) -> bool:
    """Return whether ``user`` may invite, remove and change the roles of its members.

    The organisation's administrators and platform administrators may.
    """
    return holds(user, PlatformRole.admin) or is_org_admin(session, user, organisation.id)


# --------------------------------------------------------------------------- projects


def can_view_project(session: Session, user: Person | None, project: Project) -> bool:
    """Return whether ``user`` may see the project: members of its organisation may."""
    return is_member(session, user, project.organisation_id)


def can_edit_project(session: Session, user: Person | None, project: Project) -> bool:
    """Return whether ``user`` may change the project's facts: members of its organisation."""
    return is_member(session, user, project.organisation_id)


def can_add_project(session: Session, user: Person | None, organisation: Organisation) -> bool:
    """Return whether ``user`` may record a project of the organisation.

    Members may, while the organisation is active.
    """
    return organisation.active and is_member(session, user, organisation.id)


# --------------------------------------------------------------------------- assessments


def can_view_assessment(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may read the assessment (its pages, full report, benchmark).

    Members of its organisation and platform administrators always may; the review board
    once it was submitted; evaluators once it was decided.
    """
    if user is None:
        return False
    if holds(user, PlatformRole.admin) or is_member(session, user, assessment.organisation_id):
        return True
    if holds(user, PlatformRole.reviewer) and assessment.status in REVIEWABLE:
        return True
    return holds(user, PlatformRole.evaluator) and assessment.status in EVALUATED


def can_edit_assessment(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may change the answers: a member, while it is a draft.

    A returned assessment is a draft again, so its members may answer it.
    """
    return is_editable(assessment.status) and is_member(session, user,
                                                        assessment.organisation_id)


def can_submit_assessment(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may submit the assessment: a member, while it is a draft."""
    return assessment.status == Status.draft and is_member(session, user,
                                                           assessment.organisation_id)


# --------------------------------------------------------------------------- evidence


def can_view_evidence(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may list and download the assessment's evidence documents.

    Exactly who may read its answers (:func:`can_view_assessment`): its organisation's
    members, the review board once it was submitted, evaluators once it was decided, and
    platform administrators.
    """
    return can_view_assessment(session, user, assessment)


def can_attach_evidence(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may attach documents: who may answer it
    (:func:`can_edit_assessment`), a member while it is a draft."""
    return can_edit_assessment(session, user, assessment)


def can_delete_evidence(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may detach the assessment's documents: a member while it is
    a draft. Once submitted, the evidence is frozen with the answers."""
    return can_edit_assessment(session, user, assessment)


def can_judge_evidence(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may mark documents accepted or insufficient: the reviewer
    deciding the review (:func:`can_decide_review`)."""
    return can_decide_review(session, user, assessment)


def get_evidence(session: Session, user: Person, evidence_id: int) -> EvidenceDocument:
    """Return the document if ``user`` may see it (:func:`can_view_evidence`).

    :raises NotFound: when it does not exist or ``user`` may not see its assessment.
    """
    document = session.get(EvidenceDocument, evidence_id)
    if document is None or not can_view_evidence(session, user, document.assessment):
        raise NotFound("This document does not exist.")
    return document


# --------------------------------------------------------------------------- review


def is_independent_reviewer(session: Session, user: Person | None,
                            assessment: Assessment) -> bool:
    """Return whether ``user`` is on the review board and not of the assessed organisation."""
    return can_review(user) and not is_member(session, user, assessment.organisation_id)


def can_open_review(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may open the assessment's review page.

    The review board may, for an assessment it may read that was submitted at least once
    (a draft never submitted is the organisation's private work in progress).
    """
    return (can_review(user) and can_view_assessment(session, user, assessment)
            and (assessment.status != Status.draft or _submitted_once(session, assessment)))


def can_start_review(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may start reviewing the assessment.

    An independent reviewer (see :func:`is_independent_reviewer`) may, while it waits.
    """
    return (assessment.status == Status.submitted
            and is_independent_reviewer(session, user, assessment))


def can_decide_review(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may approve or return the assessment.

    Only the independent reviewer who started the review may, while it is in review.
    """
    return (assessment.status == Status.in_review and user is not None
            and assessment.reviewer_id == user.id
            and is_independent_reviewer(session, user, assessment))


def ensure_independent_reviewer(session: Session, user: Person, assessment: Assessment) -> None:
    """Refuse unless ``user`` may review the assessment's organisation.

    :raises Forbidden: when ``user`` is not on the board, or (code ``own_organisation``)
        belongs to the organisation.
    """
    if not can_review(user):
        raise Forbidden("Only members of the review board can review assessments.")
    if is_member(session, user, assessment.organisation_id):
        raise Forbidden("You cannot review an assessment of an organisation you belong to.",
                        code="own_organisation")


def ensure_assigned_reviewer(user: Person, assessment: Assessment) -> None:
    """Refuse when another reviewer is reviewing the assessment.

    :raises Forbidden: code ``not_assigned``.
    """
    if assessment.status == Status.in_review and assessment.reviewer_id != user.id:
        raise Forbidden("Another reviewer is reviewing this assessment.",
                        code="not_assigned")


# --------------------------------------------------------------------------- the panel


#: Statuses in which reviewers are assigned to an assessment's panel.
ASSIGNABLE = frozenset({Status.submitted, Status.in_review})


def is_review_lead(user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` took the assessment's review (and so chairs its panel)."""
    return (user is not None and assessment.status == Status.in_review
            and assessment.reviewer_id == user.id)


def can_assign_reviewers(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may assign reviewers to the assessment's panel.

    Platform administrators may while it waits for or is in review; the independent
    reviewer who took the review (the chair) may while it is in review.
    """
    if assessment.status not in ASSIGNABLE:
        return False
    if holds(user, PlatformRole.admin):
        return True
    return is_review_lead(user, assessment) and is_independent_reviewer(session, user,
                                                                        assessment)


def active_assignment(session: Session, user: Person | None,
                      assessment: Assessment) -> ReviewAssignment | None:
    """Return ``user``'s open panel assignment on the assessment's latest submission."""
    if user is None:
        return None
    return session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.assessment_id == assessment.id,
            ReviewAssignment.reviewer_id == user.id,
            ReviewAssignment.role == AssignmentRole.member,
            ReviewAssignment.state == AssignmentStatus.active,
            ReviewAssignment.submission_id == _latest_submission_id(assessment))
        .limit(1))


def _latest_submission_id(assessment: Assessment) -> ScalarSelect[int]:
    return (select(func.max(Submission.id)).where(Submission.assessment_id == assessment.id)
            .scalar_subquery())


def can_recommend(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may record a recommendation (or decline) on the assessment.

    A reviewer assigned to its panel may, once, while it waits for or is in review and
    while they are still independent of its organisation.
    """
    return (assessment.status in ASSIGNABLE
            and is_independent_reviewer(session, user, assessment)
            and active_assignment(session, user, assessment) is not None)


def can_see_recommendations(session: Session, user: Person | None,
                            assessment: Assessment) -> bool:
    """Return whether ``user`` may read every panel member's recommendation and comments.

    Platform administrators may; the reviewer who took the review (the chair) may; a
    panel member may once they have recorded their own recommendation on the latest
    submission, so that nobody is swayed by the others before making up their mind.
    """
    if user is None:
        return False
    if holds(user, PlatformRole.admin):
        return True
    if not can_review(user):
        return False
    if assessment.reviewer_id == user.id:
        return True
    return session.scalar(
        select(ReviewAssignment.id).where(
            ReviewAssignment.assessment_id == assessment.id,
            ReviewAssignment.reviewer_id == user.id,
            ReviewAssignment.state == AssignmentStatus.recommended,
            ReviewAssignment.submission_id == _latest_submission_id(assessment))
        .limit(1)) is not None


#: Conflict-of-interest codes, with the message (msgid) each refusal gives.
CONFLICT_MESSAGES = {
    "own_organisation": N_("This reviewer belongs to the assessed organisation."),
    "declared_link": N_("This reviewer declared a link with the assessed organisation."),
    "same_country": N_("This reviewer is linked with the country of the assessed subject."),
}


def subject_country(assessment: Assessment) -> str:
    """Return the country of the assessed subject: the project's site, or the organisation."""
    if assessment.project is not None:
        return assessment.project.country
    return assessment.organisation.country


def conflicts_of_interest(session: Session, user: Person, assessment: Assessment, *,
                          same_country: bool) -> list[str]:
    """Return why ``user`` may not review the assessment (codes of :data:`CONFLICT_MESSAGES`).

    A reviewer has a conflict with the organisations they belong to and those they
    declared a link with; where ``same_country`` is set, also with the countries of their
    organisations and the countries they declared.
    """
    found = []
    if is_member(session, user, assessment.organisation_id):
        found.append("own_organisation")
    interests = list(session.scalars(select(ReviewerInterest).where(
        ReviewerInterest.reviewer_id == user.id)))
    if any(row.organisation_id == assessment.organisation_id for row in interests):
        found.append("declared_link")
    if same_country:
        countries = {row.country for row in interests if row.country}
        countries.update(session.scalars(
            select(Organisation.country).join(Membership,
                                              Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id)))
        if subject_country(assessment) in countries:
            found.append("same_country")
    return found


def ensure_no_conflict_of_interest(session: Session, user: Person, assessment: Assessment, *,
                                   same_country: bool) -> None:
    """Refuse to put ``user`` on the assessment's review when they have a conflict.

    :raises Conflict: code ``conflict_of_interest``, with the first conflict's message.
    """
    found = conflicts_of_interest(session, user, assessment, same_country=same_country)
    if found:
        raise Conflict(CONFLICT_MESSAGES[found[0]], code="conflict_of_interest")


# --------------------------------------------------------------------------- certificates


def is_independent_certifier(session: Session, user: Person | None,
                             assessment: Assessment) -> bool:
    """Return whether ``user`` may certify the assessment's organisation.

    Evaluators and administrators may, unless they belong to the organisation or
    approved the assessment themselves: the certificate is a second person's look at
    the approved result.
    """
    return (can_issue_certificates(user)
            and not is_member(session, user, assessment.organisation_id)
            and not _approved_by(session, user, assessment))


def _approved_by(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` made the decision that approved the assessment last."""
    if user is None:
        return False
    approver = session.scalar(
        select(ReviewDecision.reviewer_id)
        .where(ReviewDecision.assessment_id == assessment.id,
               ReviewDecision.decision == Decision.approve)
        .order_by(ReviewDecision.id.desc()).limit(1))
    return approver is not None and approver == user.id


def can_issue_certificate(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may issue the assessment's certificate: an independent
    certifier (see :func:`is_independent_certifier`), once it is approved."""
    return (assessment.status == Status.approved
            and is_independent_certifier(session, user, assessment))


def ensure_independent_certifier(session: Session, user: Person, assessment: Assessment) -> None:
    """Refuse unless ``user`` may certify the assessment's organisation.

    :raises Forbidden: when ``user`` is neither evaluator nor administrator, or (code
        ``own_organisation``) belongs to the organisation.
    """
    if not can_issue_certificates(user):
        raise Forbidden("Only evaluators and administrators can issue certificates.")
    if is_member(session, user, assessment.organisation_id):
        raise Forbidden(
            "You cannot certify an assessment of an organisation you belong to.",
            code="own_organisation",
        )
    if _approved_by(session, user, assessment):
        raise Forbidden(
            "You approved this assessment; another evaluator or administrator issues its "
            "certificate.",
            code="own_approval",
        )


def can_revoke_certificate(user: Person | None, certificate: Certificate) -> bool:
    """Return whether ``user`` may revoke the certificate: an administrator, once."""
    return certificate.revoked_at is None and can_revoke_certificates(user)


def ensure_can_revoke(user: Person) -> None:
    """Refuse unless ``user`` may revoke certificates.

    :raises Forbidden: when ``user`` is not an administrator.
    """
    if not can_revoke_certificates(user):
        raise Forbidden("Only administrators can revoke certificates.")


def can_download_certificate(session: Session, user: Person | None,
                             certificate: Certificate) -> bool:
    """Return whether ``user`` may download the certificate as a PDF.

    Whoever may read the assessment may, as long as the certificate is not revoked: a
    revoked certificate is not handed out again.
    """
    return (certificate.revoked_at is None
            and can_view_assessment(session, user, certificate.assessment))


# --------------------------------------------------------------------------- showcase


def can_publish_result(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may put the assessment on the public showcase.

    An administrator of its organisation may, for an approved or certified project
    assessment.
    """
    return (assessment.subject_type == SubjectType.project
            and assessment.status in PUBLISHABLE
            and is_org_admin(session, user, assessment.organisation_id))


def can_withdraw_result(session: Session, user: Person | None, assessment: Assessment) -> bool:
    """Return whether ``user`` may take the assessment off the public showcase.

    An administrator of its organisation, or a platform administrator, may.
    """
    return (holds(user, PlatformRole.admin)
            or is_org_admin(session, user, assessment.organisation_id))


def ensure_can_publish(session: Session, user: Person, assessment: Assessment, *,
                       publish: bool) -> None:
    """Refuse unless ``user`` may publish (or withdraw) the assessment's result.

    Only who is asked is checked here; whether the assessment can be shown is the
    showcase's own rule.

    :raises Forbidden: when ``user`` is not an administrator of the organisation (nor,
        to withdraw, a platform administrator).
    """
    org_admin = is_org_admin(session, user, assessment.organisation_id)
    if publish and not org_admin:
        raise Forbidden("Only an administrator of the organisation can publish its results.")
    if not publish and not (org_admin or holds(user, PlatformRole.admin)):
        raise Forbidden("Only an administrator of the organisation can withdraw its results.")


# --------------------------------------------------------------------------- getters


def get_assessment(session: Session, user: Person, assessment_id: int) -> Assessment:
    """Return the assessment if ``user`` may read it (:func:`can_view_assessment`).

    :raises NotFound: when it does not exist or ``user`` may not see it.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not can_view_assessment(session, user, assessment):
        raise NotFound("This assessment does not exist.")
    return assessment


#: Key in ``Session.info``: the assessments whose row the current transaction locked.
_LOCKED = "locked_assessments"


@dataclass(slots=True)
class LockedAssessment:
    """An assessment's row, read as it is now and locked for this transaction: what a
    change of its answers needs of it, without an ORM object (:func:`lock_own_assessment`).

    ``version`` is the version stored now; the save that writes a new one sets it.
    """

    id: int
    organisation_id: int
    questionnaire_version_id: int
    status: Status
    version: int
    #: The questionnaire version it answers, parsed.
    questionnaire: Questionnaire
    #: Its answers and the documents' verdicts as the lock found them (PostgreSQL, asked
    #: for with ``with_answers``), for the save that follows at once, which takes them
    #: (``services.assessments._answers_to_save``, whose rows they are); ``None`` where
    #: the save reads them itself.
    answers_read: tuple[tuple[Any, ...], ...] | None = None


def holds_row_lock(session: Session, assessment: Assessment | LockedAssessment) -> bool:
    """Return whether this transaction read ``assessment`` locked
    (:func:`lock_own_assessment`)."""
    return session.info.get(_LOCKED, {}).get(assessment.id) is session.get_transaction()


def lock_assessment_row(session: Session, assessment: Assessment) -> None:
    """Read ``assessment`` again as it is now and lock its row for the transaction.

    Only the assessment's own row is locked (``FOR UPDATE OF assessments``): an
    assessment read with its questionnaire version and project joined (the respondents'
    pages) is refreshed with the same outer joins, and PostgreSQL refuses to lock the
    nullable side of an outer join.
    """
    session.refresh(assessment, with_for_update={"of": Assessment})


#: One query for the respondents' pages: the membership is checked in it, and the
#: questionnaire version and the project the pages show come with it. The hot statements
#: are built once: on every request, building them cost more than running them.
#: The rule of :func:`get_own_assessment` as SQL: the assessment belongs to one of the
#: organisations of the user bound as ``user_id``. Reads of a respondent's own
#: assessment that load no :class:`Assessment` (a kept page's stamp) ask the same.
OWN_ASSESSMENT = Assessment.organisation_id.in_(
    select(Membership.organisation_id).where(Membership.user_id == bindparam("user_id")))
_OWN_ASSESSMENT = (
    select(Assessment).where(Assessment.id == bindparam("assessment_id"), OWN_ASSESSMENT)
    .options(joinedload(Assessment.questionnaire_version), joinedload(Assessment.project)))
_ASSESSMENTS = cast(Table, Assessment.__table__)
_ANSWERS = cast(Table, Answer.__table__)
_DOCUMENTS = cast(Table, EvidenceDocument.__table__)
#: What a change of the answers needs of the assessment, read as it is now and locked,
#: with the membership and the content hash: columns of the table, no ORM object (whose
#: loading cost the autosave more than twice the statement).
_LOCK_OWN_ASSESSMENT = (
    select(_ASSESSMENTS.c.id, _ASSESSMENTS.c.organisation_id,
           _ASSESSMENTS.c.questionnaire_version_id, _ASSESSMENTS.c.status,
           _ASSESSMENTS.c.version, QuestionnaireVersion.content_hash, Membership.role)
    .join(QuestionnaireVersion,
          QuestionnaireVersion.id == _ASSESSMENTS.c.questionnaire_version_id)
    .outerjoin(Membership, (Membership.organisation_id == _ASSESSMENTS.c.organisation_id)
               & (Membership.user_id == bindparam("user_id")))
    .where(_ASSESSMENTS.c.id == bindparam("assessment_id"))
    .with_for_update(of=_ASSESSMENTS))
_LOCK_OWN_ASSESSMENT_READER = DriverStatement(_LOCK_OWN_ASSESSMENT)


def get_own_assessment(session: Session, user: Person, assessment_id: int) -> Assessment:
    """Return the assessment if it belongs to one of ``user``'s organisations.

    These are the respondents' pages, where it is answered and submitted; whether it may
    still be changed is :func:`can_edit_assessment`.

    :raises NotFound: otherwise, whatever platform role ``user`` holds.
    """
    if user is None:
        raise NotFound("This assessment does not exist.")
    assessment = session.scalar(_OWN_ASSESSMENT,
                                {"assessment_id": assessment_id, "user_id": user.id})
    if assessment is None:
        raise NotFound("This assessment does not exist.")
    return assessment


#: PostgreSQL: :data:`_LOCK_OWN_ASSESSMENT` and then, for a member, the answers with the
#: documents' verdicts, in one round trip. The function (migration
#: ``0018_assessment_locked_answers``) reads them once the lock is granted, with a
#: snapshot of their own: what the lock's previous holder committed. Its rows: the
#: locked row first (kind 2: its version, id, organisation, questionnaire version,
#: status, the version's content hash and the membership's role, NULL for none), then
#: each answer (kind 0) and each document's verdict (kind 1) in the columns of the save's
#: own read.
_LOCKED_ANSWERS = select(*func.assessment_locked_answers(
    bindparam("assessment_id", type_=Integer), bindparam("user_id", type_=Integer),
).table_valued(
    column("kind", Integer), column("question_id", String),
    column("value", _ANSWERS.c.value.type), column("comment", Text),
    column("evidence", _ANSWERS.c.evidence.type), column("version", Integer),
    column("carried", _ANSWERS.c.carried.type), column("id", Integer),
    column("verdict", _DOCUMENTS.c.verdict.type), column("organisation_id", Integer),
    column("questionnaire_version_id", Integer), column("status", String),
    column("content_hash", String), column("role", String)).c)
_LOCKED_ANSWERS_READER = DriverStatement(_LOCKED_ANSWERS)


def lock_own_assessment(session: Session, user: Person, assessment_id: int, *,
                        with_answers: bool = False) -> LockedAssessment:
    """Read the row of an assessment of one of ``user``'s organisations as it is now and
    lock it for the transaction (``SELECT ... FOR UPDATE``, with the membership and the
    questionnaire's content hash in the same statement): for a change of its answers,
    which would lock it anyway (the autosave).

    :param with_answers: read its answers too, where that saves a round trip
        (PostgreSQL), for a save that follows at once (:attr:`LockedAssessment.answers_read`).
    :raises NotFound: as :func:`get_own_assessment`; ``session`` must be a writing one.
    """
    if user is None:
        raise NotFound("This assessment does not exist.")
    connection = writing_connection(session)
    answers: tuple[tuple[Any, ...], ...] | None = None
    if with_answers and connection.dialect.name == "postgresql":
        rows = _LOCKED_ANSWERS_READER.rows(
            connection, {"assessment_id": assessment_id, "user_id": user.id})
        if not rows or rows[0][13] is None:  # no such assessment, or no membership
            raise NotFound("This assessment does not exist.")
        (_kind, _question, _value, _comment, _evidence, version, _carried, row_id,
         _verdict, organisation_id, version_id, status, content_hash, _role) = rows[0]
        answers = tuple(row[:9] for row in rows[1:])
    else:
        rows = _LOCK_OWN_ASSESSMENT_READER.rows(
            connection, {"assessment_id": assessment_id, "user_id": user.id})
        if not rows or rows[0][6] is None:  # no such assessment, or no membership
            raise NotFound("This assessment does not exist.")
        row_id, organisation_id, version_id, status, version, content_hash, _role = rows[0]
    questionnaire = noted_questionnaire(session, version_id, content_hash)
    session.info.setdefault(_LOCKED, {})[row_id] = session.get_transaction()
    return LockedAssessment(row_id, organisation_id, version_id, Status(status), version,
                            questionnaire, answers)


def get_for_review(session: Session, user: Person, assessment_id: int) -> Assessment:
    """Return an assessment whose review page ``user`` may open (:func:`can_open_review`).

    :raises NotFound: when ``user`` is not on the board, or the assessment does not
        exist, may not be read or has never been submitted.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not can_open_review(session, user, assessment):
        raise NotFound("This assessment does not exist.")
    return assessment


def get_for_panel(session: Session, user: Person, assessment_id: int) -> Assessment:
    """Return an assessment whose review panel ``user`` may see.

    Platform administrators may see every panel (they assign reviewers); the review board
    sees the panels of the assessments whose review page it may open.

    :raises NotFound: otherwise.
    """
    if holds(user, PlatformRole.admin):
        return get_assessment(session, user, assessment_id)
    return get_for_review(session, user, assessment_id)


def get_project(session: Session, user: Person, project_id: int) -> Project:
    """Return the project if ``user`` may see it (:func:`can_view_project`).

    :raises NotFound: otherwise.
    """
    project = session.get(Project, project_id)
    if project is None or not can_view_project(session, user, project):
        raise NotFound("This project does not exist.")
    return project


def get_organisation(session: Session, user: Person, organisation_id: int) -> Organisation:
    """Return the organisation if ``user`` may see it (:func:`can_view_organisation`).

    :raises NotFound: otherwise.
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not can_view_organisation(session, user, organisation):
        raise NotFound("This organisation does not exist.")
    return organisation


def get_managed_organisation(session: Session, user: Person, organisation_id: int) -> Organisation:
    """Return the organisation if ``user`` may manage its members (:func:`can_manage_members`).

    :raises NotFound: when ``user`` may not see it (not a member, not a platform
        administrator).
    :raises Forbidden: when ``user`` is a member without the organisation admin role.
    """
    organisation = get_organisation(session, user, organisation_id)
    if not can_manage_members(session, user, organisation):
        raise Forbidden("Only the organisation's administrators can manage its members.")
    return organisation


# --------------------------------------------------------------------------- people


def eligible_reviewers(session: Session, assessment: Assessment) -> list[User]:
    """Return the active reviewers who may review ``assessment`` (not of its organisation)."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == assessment.organisation_id)
    return list(session.scalars(
        select(User).join(PlatformRoleGrant, PlatformRoleGrant.user_id == User.id)
        .where(PlatformRoleGrant.role == PlatformRole.reviewer, User.active.is_(True),
               User.id.not_in(members))
        .order_by(User.id)))


def active_members(session: Session, organisation_id: int) -> list[User]:
    """Return the active members of an organisation."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        .order_by(User.id)))
