"""The review board's services: lifecycle, conflicts of interest, comments, queue, mail."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import String, cast, select

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.review_diff import ChangeKind
from ppp_assess.domain.workflow import TRANSITIONS, Action, Decision, Status
from ppp_assess.mail.sender import Delivery, deliver_due
from ppp_assess.mail.transport import sent_messages
from ppp_assess.models import (
    AuditEvent,
    OutboxMessage,
    ReviewAssignment,
    ReviewComment,
    ReviewDecision,
)
from ppp_assess.services import assessments, certificates, permissions, reviews
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.errors import Conflict, Forbidden, Invalid, NotFound
from ppp_assess.services.lifecycle import apply_action
from tests.services.review_support import (
    PROJECT_QUESTIONNAIRE,
    Case,
    audit_count,
    draft,
    reviewer,
    submitted,
)


def _first_questions(case: Case, count: int) -> list[str]:
    return [question.id for question in case.questionnaire.all_questions()[:count]]


def test_the_full_cycle(factory, db) -> None:
    case = submitted(factory)
    assessment = case.assessment
    assert assessment.status == Status.submitted

    assignment = reviews.start_review(db, assessment, reviewer=case.reviewer,
                                      declared_no_conflict=True)
    assert assessment.status == Status.in_review
    assert assessment.reviewer_id == case.reviewer.id
    assert assignment.declared_no_conflict is True
    assert reviews.submission_changes(db, assessment) is None  # a first submission

    first, second, third = _first_questions(case, 3)
    reviews.decide(db, assessment, reviewer=case.reviewer, decision="return",
                   reason="Add the evidence.",
                   question_comments={second: "Link the decree.", first: "Which law?",
                                      third: "   "})
    assert assessment.status == Status.draft
    assert assessment.reviewer_id is None
    open_comments = reviews.open_review_comments(db, assessment)
    assert {key: [row.body for row in rows] for key, rows in open_comments.items()} == {
        first: ["Which law?"], second: ["Link the decree."]}
    assert all(row.flagged for rows in open_comments.values() for row in rows)

    question = case.questionnaire.question(first)
    other = next(option.value for option in question.options
                 if option.value != assessments.load_answers(db, assessment)[first].value)
    assessments.save_answers(db, assessment, {
        first: AnswerInput(other, "Now required by the 2024 decree.",
                           ["https://example.org/decree-2024.pdf"]),
    }, base_version=assessment.version, actor=case.respondent)
    assessments.submit_assessment(db, assessment, actor=case.respondent)
    # Still open while the resubmission waits: the reviewer checks against them.
    assert set(reviews.open_review_comments(db, assessment)) == {first, second}

    (change,) = reviews.submission_changes(db, assessment)
    assert change.question_id == first
    assert change.kind == ChangeKind.changed
    assert change.value is not None and change.value.after == other
    assert change.comment is not None and change.comment.kind == ChangeKind.added
    assert change.evidence_added == ("https://example.org/decree-2024.pdf",)

    reviews.start_review(db, assessment, reviewer=case.reviewer, declared_no_conflict=True)
    view = reviews.review_view(db, case.reviewer, assessment)
    assert view.changed_ids == {first}
    assert view.submission.number == 2
    assert view.can_decide and not view.can_start
    decision = reviews.decide(db, assessment, reviewer=case.reviewer, decision="approve")
    assert decision.decision is Decision.approve
    assert assessment.status == Status.approved
    assert assessment.approved_at is not None
    assert reviews.open_review_comments(db, assessment) == {}
    db.expire_all()
    stored = [row.decision for row in reviews.decisions_of(db, assessment)]
    assert stored == [Decision.return_, Decision.approve]
    assert all(type(row) is Decision for row in stored)
    assert db.scalars(select(cast(ReviewDecision.decision, String))
                      .where(ReviewDecision.assessment_id == assessment.id)
                      .order_by(ReviewDecision.id)).all() == ["return", "approve"]


# --------------------------------------------------------------------------- illegal moves


def _reach(factory, db, status: Status) -> Case:
    """Return an assessment brought to ``status`` the way the platform gets there."""
    if status == Status.draft:
        return draft(factory)
    case = submitted(factory)
    if status == Status.submitted:
        return case
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    if status == Status.in_review:
        return case
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    if status == Status.approved:
        return case
    # Certifying and revoking belong to the certificates feature; only the status matters.
    case.assessment.status = status
    db.flush()
    return case


def _attempt(db, case: Case, action: Action, evaluator) -> None:
    assessment = case.assessment
    if action == Action.submit:
        assessments.submit_assessment(db, assessment, actor=case.respondent)
    elif action == Action.start_review:
        reviews.start_review(db, assessment, reviewer=case.reviewer, declared_no_conflict=True)
    elif action in (Action.return_, Action.approve):
        reviews.decide(db, assessment, reviewer=case.reviewer, decision=action.value,
                       reason="Reason.")
    elif action == Action.certify:
        certificates.issue_certificate(db, assessment, actor=evaluator,
                                       signing_key=Ed25519PrivateKey.generate(),
                                       base_url="http://ppp.test")
    else:
        # Revoking needs an issued certificate, which no other status has: the shared
        # lifecycle guard is what every service consults first.
        apply_action(assessment, action)


ILLEGAL = [(status, action) for status, action in itertools.product(Status, Action)
           if (status, action) not in TRANSITIONS]


@pytest.mark.parametrize(("status", "action"), ILLEGAL,
                         ids=[f"{status.value}-{action.value}" for status, action in ILLEGAL])
def test_an_illegal_transition_is_refused_and_changes_nothing(factory, db, status,
                                                              action) -> None:
    case = _reach(factory, db, status)
    evaluator = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
    db.commit()
    assessment = case.assessment
    version, events = assessment.version, audit_count(db)
    decisions = len(reviews.decisions_of(db, assessment))
    with pytest.raises(Conflict) as raised:
        _attempt(db, case, action, evaluator)
    assert raised.value.code == "invalid_transition"
    assert raised.value.params == {"status": status.value, "action": action.value}
    # Queried in the same session: anything the service had added would be flushed now.
    assert audit_count(db) == events
    assert len(reviews.decisions_of(db, assessment)) == decisions
    assert assessment.status == status
    assert assessment.version == version
    db.rollback()
    db.refresh(assessment)
    assert (assessment.status, assessment.version) == (status, version)


def test_every_illegal_pair_is_covered() -> None:
    assert len(ILLEGAL) == len(Status) * len(Action) - len(TRANSITIONS)
    assert len(ILLEGAL) == 30


# --------------------------------------------------------------------------- who may review


def test_a_reviewer_of_the_same_organisation_is_refused(factory, db) -> None:
    case = submitted(factory)
    insider = factory.user(organisation=case.organisation, role=OrgRole.respondent,
                           platform_roles=(PlatformRole.reviewer,))
    events = audit_count(db)
    with pytest.raises(Forbidden) as raised:
        reviews.start_review(db, case.assessment, reviewer=insider, declared_no_conflict=True)
    assert raised.value.code == "own_organisation"
    assert case.assessment.status == Status.submitted
    assert audit_count(db) == events
    assert db.scalars(select(ReviewAssignment)).all() == []

    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    with pytest.raises(Forbidden) as raised:
        reviews.decide(db, case.assessment, reviewer=insider, decision="approve")
    assert raised.value.code == "own_organisation"
    assert case.assessment.status == Status.in_review


def test_respondents_cannot_review(factory, db) -> None:
    case = submitted(factory)
    with pytest.raises(Forbidden):
        reviews.start_review(db, case.assessment, reviewer=case.respondent,
                             declared_no_conflict=True)
    with pytest.raises(NotFound):
        permissions.get_for_review(db, case.respondent, case.assessment.id)


def test_only_the_assigned_reviewer_decides(factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    colleague = reviewer(factory)
    with pytest.raises(Forbidden) as raised:
        reviews.decide(db, case.assessment, reviewer=colleague, decision="approve")
    assert raised.value.code == "not_assigned"
    assert case.assessment.status == Status.in_review


def test_the_conflict_of_interest_declaration_is_required_and_recorded(factory, db) -> None:
    case = submitted(factory)
    events = audit_count(db)
    with pytest.raises(Invalid) as raised:
        reviews.start_review(db, case.assessment, reviewer=case.reviewer,
                             declared_no_conflict=False)
    assert raised.value.fields == {"declared_no_conflict": "required"}
    assert audit_count(db) == events
    assert case.assessment.status == Status.submitted

    assignment = reviews.start_review(db, case.assessment, reviewer=case.reviewer,
                                      declared_no_conflict=True)
    stored = db.get(ReviewAssignment, assignment.id)
    assert stored is not None and stored.declared_no_conflict is True
    assert stored.reviewer_id == case.reviewer.id
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc())).first()
    assert event is not None and event.action == "review.started"
    assert event.after["declared_no_conflict"] is True
    assert event.after["reviewer"] == case.reviewer.id


def test_a_draft_never_submitted_is_invisible_to_the_board(factory, db) -> None:
    case = draft(factory)
    with pytest.raises(NotFound):
        permissions.get_for_review(db, case.reviewer, case.assessment.id)


# --------------------------------------------------------------------------- bad decisions


@pytest.mark.parametrize(("decision", "reason", "comments", "field"), [
    ("maybe", "x", {}, "decision"),
    ("return", "   ", {}, "reason"),
    ("return", "x" * (reviews.MAX_REASON_LENGTH + 1), {}, "reason"),
    ("return", "Fix it.", {"no-such-question": "?"}, "no-such-question"),
    ("approve", "", {"FIRST": "y" * (reviews.MAX_REASON_LENGTH + 1)}, "FIRST"),
])
def test_a_bad_decision_is_refused_and_changes_nothing(factory, db, decision, reason,
                                                       comments, field) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first = _first_questions(case, 1)[0]
    comments = {first if key == "FIRST" else key: value for key, value in comments.items()}
    field = first if field == "FIRST" else field
    version, events = case.assessment.version, audit_count(db)
    with pytest.raises(Invalid) as raised:
        reviews.decide(db, case.assessment, reviewer=case.reviewer, decision=decision,
                       reason=reason, question_comments=comments)
    assert field in raised.value.fields
    assert audit_count(db) == events
    assert db.scalars(select(ReviewComment)).all() == []
    assert db.scalars(select(ReviewDecision)).all() == []
    assert (case.assessment.status, case.assessment.version) == (Status.in_review, version)


def test_comments_on_approval_are_kept_but_not_flagged(factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first = _first_questions(case, 1)[0]
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve",
                   reason="Well documented.", question_comments={first: "Exemplary."})
    (comment,) = db.scalars(select(ReviewComment)).all()
    assert comment.flagged is False and comment.question_id == first
    assert reviews.open_review_comments(db, case.assessment) == {}


# --------------------------------------------------------------------------- the queue


def test_the_queue_lists_what_waits_with_its_facts(factory, db) -> None:
    board_member = reviewer(factory)
    organisation = factory.organisation(name="Ministry of Roads", country="CL",
                                        region="latin_america")
    by_organisation = submitted(factory, organisation=organisation, board_member=board_member)
    by_project = submitted(factory, questionnaire_id=PROJECT_QUESTIONNAIRE,
                           board_member=board_member, name="Copper rail line",
                           sector="transport", country="PE", region="latin_america")
    draft(factory, board_member=board_member)  # never listed
    reviews.start_review(db, by_project.assessment, reviewer=board_member,
                         declared_no_conflict=True)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=3, hours=1)
    page = reviews.review_queue(db, board_member, now=now)
    entries = {entry.assessment_id: entry for entry in page.entries}
    assert set(entries) == {by_organisation.assessment.id, by_project.assessment.id}
    organisation_entry = entries[by_organisation.assessment.id]
    assert organisation_entry.subject == "Ministry of Roads"
    assert organisation_entry.country == "CL"
    assert organisation_entry.sector is None
    assert organisation_entry.status == Status.submitted
    assert organisation_entry.waiting_days == 3
    assert organisation_entry.submission_number == 1
    assert organisation_entry.score == pytest.approx(by_organisation.assessment.score)
    project_entry = entries[by_project.assessment.id]
    assert project_entry.subject == "Copper rail line"
    assert (project_entry.country, project_entry.sector) == ("PE", "transport")
    assert project_entry.questionnaire_id == PROJECT_QUESTIONNAIRE
    assert project_entry.assigned_to_viewer is True
    assert project_entry.reviewer_name == board_member.name
    assert not any(entry.own_organisation for entry in page.entries)


def test_the_queue_filters(factory, db) -> None:
    board_member = reviewer(factory)
    chile = submitted(factory, board_member=board_member,
                      organisation=factory.organisation(country="CL", region="latin_america"))
    peru_project = submitted(factory, questionnaire_id=PROJECT_QUESTIONNAIRE,
                             board_member=board_member, sector="energy", country="PE",
                             region="latin_america")
    kazakh_project = submitted(factory, questionnaire_id=PROJECT_QUESTIONNAIRE,
                               board_member=board_member, sector="transport")
    reviews.start_review(db, kazakh_project.assessment, reviewer=board_member,
                         declared_no_conflict=True)

    def ids(**filters) -> set[int]:
        page = reviews.review_queue(db, board_member, reviews.QueueFilters(**filters))
        return {entry.assessment_id for entry in page.entries}

    assert ids(questionnaire=PROJECT_QUESTIONNAIRE) == {peru_project.assessment.id,
                                                        kazakh_project.assessment.id}
    assert ids(status=Status.in_review) == {kazakh_project.assessment.id}
    assert ids(status=Status.submitted) == {chile.assessment.id, peru_project.assessment.id}
    assert ids(country="cl") == {chile.assessment.id}
    assert ids(country="PE") == {peru_project.assessment.id}
    assert ids(sector="energy") == {peru_project.assessment.id}
    assert ids(sector="energy", status=Status.in_review) == set()
    options = reviews.queue_options(db)
    assert {"CL", "PE", "KZ"} <= set(options.countries)
    assert set(options.sectors) == {"energy", "transport"}
    assert PROJECT_QUESTIONNAIRE in dict(options.questionnaires)


def test_the_queue_sorts(factory, db) -> None:
    board_member = reviewer(factory)
    cases = [submitted(factory, board_member=board_member) for _ in range(3)]
    now = dt.datetime.now(dt.UTC)
    # Oldest submission = longest wait; scores spread, one unscored.
    for days, score, case in zip((2, 10, 5), (40.0, None, 90.0), cases, strict=True):
        case.assessment.submitted_at = now - dt.timedelta(days=days)
        case.assessment.score = score
    db.flush()
    a, b, c = (case.assessment.id for case in cases)

    def order(sort: str, reverse: bool = False) -> list[int]:
        page = reviews.review_queue(db, board_member, sort=sort, reverse=reverse)
        return [entry.assessment_id for entry in page.entries]

    assert order("waiting") == [b, c, a]
    assert order("waiting", reverse=True) == [a, c, b]
    assert order("submitted") == [a, c, b]
    assert order("score") == [c, a, b]
    assert order("score", reverse=True) == [a, c, b]  # unscored last either way
    with pytest.raises(Invalid):
        reviews.review_queue(db, board_member, sort="name")


def test_the_queue_marks_the_reviewers_own_organisation(factory, db) -> None:
    case = submitted(factory)
    insider = factory.user(organisation=case.organisation, role=OrgRole.org_admin,
                           platform_roles=(PlatformRole.reviewer,))
    other = submitted(factory)
    page = reviews.review_queue(db, insider)
    marks = {entry.assessment_id: entry.own_organisation for entry in page.entries}
    assert marks == {case.assessment.id: True, other.assessment.id: False}


def test_the_queue_pages(factory, db) -> None:
    board_member = reviewer(factory)
    organisation = factory.organisation()
    created = {submitted(factory, board_member=board_member, organisation=organisation,
                         questionnaire_id=PROJECT_QUESTIONNAIRE).assessment.id
               for _ in range(3)}
    first = reviews.review_queue(db, board_member, per_page=2)
    second = reviews.review_queue(db, board_member, page=2, per_page=2)
    beyond = reviews.review_queue(db, board_member, page=9, per_page=2)
    assert (first.total, first.pages) == (3, 2)
    assert len(first.entries) == 2 and len(second.entries) == 1
    assert {e.assessment_id for e in first.entries + second.entries} == created
    assert beyond.page == 2


# --------------------------------------------------------------------------- notifications


def _deliver(app, settings=None) -> Delivery:
    """Send what the outbox holds, as the sender does after a commit."""
    with app.app_context():
        return deliver_due(app, settings or get_settings(app))


def test_submission_notice_goes_to_each_eligible_reviewer_in_their_language(app, factory,
                                                                             db) -> None:
    settings = get_settings(app)
    case = draft(factory)
    french = reviewer(factory, locale="fr")
    unknown = reviewer(factory, locale="xx")
    inactive = reviewer(factory)
    inactive.active = False
    insider = factory.user(organisation=case.organisation, role=OrgRole.respondent,
                           platform_roles=(PlatformRole.reviewer,))
    factory.user()  # no role: never told
    db.flush()
    assessments.submit_assessment(db, case.assessment, actor=case.respondent, locale="es")
    assert sent_messages(settings) == []  # nothing leaves before the sender runs
    assert _deliver(app).sent == 3
    messages = sent_messages(settings)
    languages = {message["To"]: message["Content-Language"] for message in messages}
    # Their own language, else the one the submission was made in.
    assert languages == {case.reviewer.email: "es", french.email: "fr", unknown.email: "es"}
    assert insider.email not in languages
    body = messages[0].get_content()
    assert f"/review/{case.assessment.id}" in body
    assert body.count("http://ppp.test/review/") >= 1
    assert _deliver(app).sent == 0  # each message goes out once


def test_decision_notice_goes_to_the_organisations_members(app, factory, db) -> None:
    settings = get_settings(app)
    case = submitted(factory)
    colleague = factory.user(organisation=case.organisation, role=OrgRole.org_admin,
                             locale="fr")
    factory.user(organisation=factory.organisation())  # another organisation
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first = _first_questions(case, 1)[0]
    _deliver(app)
    before = len(sent_messages(settings))
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="Please add the decree.",
                   question_comments={first: "Which decree exactly?"})
    assert _deliver(app).sent == 2
    messages = sent_messages(settings)[before:]
    assert {m["To"]: m["Content-Language"] for m in messages} == {
        case.respondent.email: "en", colleague.email: "fr"}
    body = messages[0].get_content()
    assert f"http://ppp.test/assessments/{case.assessment.id}" in body
    assert "Please add the decree." in body
    assert "Which decree exactly?" in body
    assert case.questionnaire.question(first).text in body


def test_approval_notice_gives_the_score_and_level(app, factory, db) -> None:
    settings = get_settings(app)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    _deliver(app)
    before = len(sent_messages(settings))
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve",
                   reason="Well evidenced.")
    assert _deliver(app).sent == 1
    (message,) = sent_messages(settings)[before:]
    assert message["To"] == case.respondent.email
    assert message["Subject"].startswith("Assessment approved:")
    body = message.get_content()
    level = case.questionnaire.level(case.assessment.level or "").label
    assert f"Overall score: {case.assessment.score:.1f} out of 100" in body
    assert f"Level: {level}" in body
    assert "Well evidenced." in body


def test_a_mail_failure_is_kept_for_a_later_attempt_and_never_raised(app, factory,
                                                                     db) -> None:
    # Nothing listens on the discard port: every connection is refused at once.
    settings = get_settings(app).with_overrides(
        {"mail_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": 9,
         "smtp_starttls": False})
    case = submitted(factory)
    result = _deliver(app, settings)
    assert (result.sent, result.failed) == (0, 1)
    row = db.scalars(select(OutboxMessage)).one()
    db.refresh(row)
    assert row.sent_at is None and row.given_up_at is None and row.attempts == 1
    assert "ConnectionRefusedError" in (row.last_error or "")
    assert row.due_at > row.created_at  # retried later, not at once
    assert _deliver(app, settings).failed == 0  # not due again yet
    assert case.assessment.status == Status.submitted
