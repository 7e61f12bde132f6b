"""The review board as a panel: settings, conflicts, recommendations, the chair, deadlines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ppp_assess.domain.board import AssignmentRole, AssignmentStatus
from ppp_assess.domain.reference import OrgRole
from ppp_assess.domain.workflow import Decision, Status
from ppp_assess.models import AuditEvent, OutboxMessage, ReviewDecision, Submission
from ppp_assess.models.base import utcnow
from ppp_assess.services import board, outbox, reviews
from ppp_assess.services.errors import Conflict, Forbidden, Invalid
from tests.certificate_support import admin
from tests.services.review_support import (
    ORGANISATION_QUESTIONNAIRE,
    Case,
    audit_actions_since,
    audit_count,
    reviewer,
    submitted,
)


def _panel(factory, db, *, size: int = 3, chair: bool = True, deadline: int | None = 14,
           **options) -> tuple[Case, object, list]:
    """Return a submitted case under review by its lead, with the rest of the panel."""
    factory.questionnaires()
    operator = admin(factory)
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=size,
                        chair_decides=chair, deadline_days=deadline, **options)
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    # Without a chair, the reviewer who took the assessment is one of the panel.
    members = [reviewer(factory) for _ in range(size if chair else size - 1)]
    for member in members:
        board.assign_reviewer(db, case.assessment, actor=case.reviewer, reviewer=member)
    return case, operator, members


def _questions(case: Case, count: int) -> list[str]:
    return [question.id for question in case.questionnaire.all_questions()[:count]]


# --------------------------------------------------------------------------- settings


def test_settings_default_to_a_board_of_one_and_only_admins_change_them(factory, db) -> None:
    factory.questionnaires()
    rules = board.rules_for(db, ORGANISATION_QUESTIONNAIRE)
    assert (rules.panel_size, rules.chair_decides, rules.deadline_days) == (1, False, None)
    assert rules.required_recommendations == 0
    with pytest.raises(Forbidden):
        board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=reviewer(factory),
                            panel_size=3, chair_decides=True, deadline_days=10)
    operator = admin(factory)
    with pytest.raises(Invalid) as error:
        board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=0,
                            chair_decides=True, deadline_days=10)
    assert error.value.fields == {"panel_size": "out_of_range"}
    with pytest.raises(Invalid):
        board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=3,
                            chair_decides=True, deadline_days=0)
    count = audit_count(db)
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=3,
                        chair_decides=True, deadline_days=10)
    rules = board.rules_for(db, ORGANISATION_QUESTIONNAIRE)
    assert (rules.panel_size, rules.chair_decides, rules.deadline_days) == (3, True, 10)
    assert rules.required_recommendations == 3
    assert audit_actions_since(db, count) == ["review.settings_changed"]


# --------------------------------------------------------------------------- conflicts


def test_a_conflicted_reviewer_cannot_be_assigned(factory, db) -> None:
    factory.questionnaires()
    operator = admin(factory)
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=2,
                        chair_decides=True, deadline_days=None, same_country_conflict=True)
    case = submitted(factory, organisation=factory.organisation(country="CL",
                                                                region="latin_america"))
    insider = reviewer(factory)
    factory.session.flush()
    from ppp_assess.services import accounts

    accounts.add_member(db, user=insider, organisation=case.organisation,
                        role=OrgRole.respondent)
    linked = reviewer(factory)
    board.declare_interest(db, linked, organisation_id=case.organisation.id,
                           note="Advised the ministry in 2024.")
    compatriot = reviewer(factory)
    board.declare_interest(db, compatriot, country="cl")
    count = audit_count(db)
    for conflicted, reason in ((insider, "belongs to"), (linked, "declared a link"),
                               (compatriot, "country")):
        with pytest.raises(Conflict) as error:
            board.assign_reviewer(db, case.assessment, actor=operator, reviewer=conflicted)
        assert error.value.code == "conflict_of_interest"
        assert reason in error.value.message
    assert audit_count(db) == count
    assert board.assignments_of(db, case.assessment) == []

    # The country is a conflict only where the settings say so.
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=2,
                        chair_decides=True, deadline_days=None, same_country_conflict=False)
    row = board.assign_reviewer(db, case.assessment, actor=operator, reviewer=compatriot)
    assert (row.role, row.state) == (AssignmentRole.member, AssignmentStatus.active)
    # Only the board can be assigned, and nobody twice.
    with pytest.raises(Invalid):
        board.assign_reviewer(db, case.assessment, actor=operator,
                              reviewer=factory.user(role=None))
    with pytest.raises(Conflict) as error:
        board.assign_reviewer(db, case.assessment, actor=operator, reviewer=compatriot)
    assert error.value.code == "already_assigned"
    # A declared link also stops the reviewer taking the assessment themselves.
    with pytest.raises(Conflict):
        reviews.start_review(db, case.assessment, reviewer=linked, declared_no_conflict=True)


def test_only_the_chair_or_an_admin_assigns(factory, db) -> None:
    case, _operator, (member, *_rest) = _panel(factory, db, size=1)
    outsider = reviewer(factory)
    with pytest.raises(Forbidden):
        board.assign_reviewer(db, case.assessment, actor=member, reviewer=outsider)
    assigned = db.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == outbox.REVIEW_ASSIGNED)).all()
    assert [message.recipient_id for message in assigned] == [member.id]


# --------------------------------------------------------------------------- recommendations


def test_reviewers_see_each_others_comments_only_after_recommending(factory, db) -> None:
    case, _operator, (first, second, third) = _panel(factory, db)
    question, other = _questions(case, 2)
    board.recommend(db, case.assessment, reviewer=first, recommendation="approve",
                    reason="Sound.", question_comments={question: "Well evidenced."})

    before = board.panel_view(db, second, case.assessment)
    assert before.sees_all is False
    seats = {seat.assignment.reviewer_id: seat for seat in before.seats}
    assert seats[first.id].recommendation is None
    assert seats[first.id].reason is None
    assert seats[first.id].comments == {}
    assert before.own_open is not None

    board.recommend(db, case.assessment, reviewer=second, recommendation="return",
                    reason="The decree is missing.", question_comments={other: "Which law?"})
    after = board.panel_view(db, second, case.assessment)
    seats = {seat.assignment.reviewer_id: seat for seat in after.seats}
    assert after.sees_all is True
    assert seats[first.id].recommendation is Decision.approve
    assert seats[first.id].comments == {question: "Well evidenced."}
    assert seats[second.id].comments == {other: "Which law?"}
    assert after.disagreement is True
    # The third member still sees only their own seat's content.
    hidden = board.panel_view(db, third, case.assessment)
    assert all(seat.recommendation is None for seat in hidden.seats)
    # The chair sees everything.
    assert board.panel_view(db, case.reviewer, case.assessment).sees_all is True
    # A recommendation is recorded once.
    with pytest.raises(Forbidden):
        board.recommend(db, case.assessment, reviewer=second, recommendation="approve")


def test_recommending_needs_an_assignment_and_a_reason_to_return(factory, db) -> None:
    case, _operator, (member, *_rest) = _panel(factory, db)
    with pytest.raises(Forbidden) as error:
        board.recommend(db, case.assessment, reviewer=reviewer(factory),
                        recommendation="approve")
    assert error.value.code == "not_assigned"
    with pytest.raises(Invalid) as error:
        board.recommend(db, case.assessment, reviewer=member, recommendation="return")
    assert error.value.fields == {"reason": "required"}
    with pytest.raises(Invalid):
        board.recommend(db, case.assessment, reviewer=member, recommendation="maybe")


def test_a_reviewer_declines_with_a_reason(factory, db) -> None:
    case, _operator, (member, *_rest) = _panel(factory, db)
    with pytest.raises(Invalid):
        board.decline_assignment(db, case.assessment, reviewer=member, reason=" ")
    count = audit_count(db)
    row = board.decline_assignment(db, case.assessment, reviewer=member,
                                   reason="I advised the project's lender.")
    assert row.state == AssignmentStatus.declined
    assert row.decline_reason == "I advised the project's lender."
    assert audit_actions_since(db, count) == ["review.declined"]
    # Declined, they can be assigned again later, but cannot recommend now.
    with pytest.raises(Forbidden):
        board.recommend(db, case.assessment, reviewer=member, recommendation="approve")


# --------------------------------------------------------------------------- the decision


def test_the_chair_decides_once_the_panel_has_recommended(factory, db) -> None:
    case, _operator, members = _panel(factory, db)
    for index, member in enumerate(members):
        with pytest.raises(Conflict) as error:
            reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
        assert error.value.code == "recommendations_pending"
        assert case.assessment.status == Status.in_review
        board.recommend(db, case.assessment, reviewer=member,
                        recommendation="return" if index == 0 else "approve",
                        reason="Missing decree." if index == 0 else "")
    # Members may not decide; the chair may now.
    with pytest.raises(Forbidden):
        reviews.decide(db, case.assessment, reviewer=members[1], decision="approve")
    count = audit_count(db)
    decision = reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve",
                              reason="Two of three approve; the decree is now public.")
    assert case.assessment.status == Status.approved
    assert decision.recommendations == [
        {"reviewer": members[0].id, "recommendation": "return", "reason": "Missing decree."},
        {"reviewer": members[1].id, "recommendation": "approve", "reason": ""},
        {"reviewer": members[2].id, "recommendation": "approve", "reason": ""},
    ]
    approved = db.scalars(select(AuditEvent).where(AuditEvent.sequence > count,
                                                   AuditEvent.action == "review.approved")).one()
    assert approved.after["recommendations"] == decision.recommendations
    statuses = {row.reviewer_id: row.state for row in board.assignments_of(db, case.assessment)}
    assert statuses[case.reviewer.id] == AssignmentStatus.closed
    assert {statuses[member.id] for member in members} == {AssignmentStatus.recommended}


def test_the_chair_decides_without_all_recommendations_once_the_deadline_passed(
        factory, db) -> None:
    case, _operator, members = _panel(factory, db, deadline=7)
    board.recommend(db, case.assessment, reviewer=members[0], recommendation="approve")
    with pytest.raises(Conflict):
        reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    submission = db.scalars(select(Submission).where(
        Submission.assessment_id == case.assessment.id)).one()
    submission.submitted_at = utcnow() - dt.timedelta(days=7, minutes=1)
    db.flush()
    assert board.panel_view(db, case.reviewer, case.assessment).may_decide is True
    decision = reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                              reason="Decided at the deadline.")
    assert [entry["reviewer"] for entry in decision.recommendations] == [members[0].id]
    assert case.assessment.status == Status.draft
    statuses = {row.reviewer_id: row.state for row in board.assignments_of(
        db, case.assessment, submission.id)}
    assert statuses[members[1].id] == AssignmentStatus.closed


def test_without_a_chair_the_lead_is_one_of_the_panel(factory, db) -> None:
    case, _operator, (member,) = _panel(factory, db, size=2, chair=False, deadline=None)
    with pytest.raises(Conflict):
        reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    board.recommend(db, case.assessment, reviewer=member, recommendation="approve")
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    assert case.assessment.status == Status.approved


def test_a_board_of_one_decides_as_before(factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    decision = reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    assert decision.recommendations is None
    (row,) = board.assignments_of(db, case.assessment)
    assert (row.role, row.state, row.due_at) == (AssignmentRole.lead, AssignmentStatus.closed,
                                                  None)


# --------------------------------------------------------------------------- deadlines


def _reminders(db) -> list[tuple[int | None, str]]:
    return [(message.recipient_id, message.payload["reminder"]) for message in db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == outbox.REVIEW_REMINDER)
        .order_by(OutboxMessage.id))]


def test_reminders_are_queued_once_each(factory, db) -> None:
    case, _operator, (first, second) = _panel(factory, db, size=2, deadline=10,
                                              remind_days_before=2)
    board.recommend(db, case.assessment, reviewer=second, recommendation="approve")
    start = case.assessment.submitted_at
    assert start is not None
    assert board.queue_reminders(db, now=start + dt.timedelta(days=7)) == 0
    assert _reminders(db) == []
    soon = start + dt.timedelta(days=8, hours=1)
    # The chair and the member who has not recommended are reminded, once.
    assert board.queue_reminders(db, now=soon) == 2
    assert board.queue_reminders(db, now=soon + dt.timedelta(hours=1)) == 0
    assert sorted(_reminders(db)) == sorted([(case.reviewer.id, "due_soon"),
                                             (first.id, "due_soon")])
    late = start + dt.timedelta(days=10, hours=1)
    assert board.queue_reminders(db, now=late) == 2
    assert board.queue_reminders(db, now=late + dt.timedelta(days=3)) == 0
    assert sorted(_reminders(db))[-2:] != []
    assert sorted(_reminders(db)) == sorted([
        (case.reviewer.id, "due_soon"), (first.id, "due_soon"),
        (case.reviewer.id, "overdue"), (first.id, "overdue")])
    # Once decided, nothing more is owed.
    board.recommend(db, case.assessment, reviewer=first, recommendation="approve")
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="approve")
    assert board.queue_reminders(db, now=late + dt.timedelta(days=30)) == 0


def test_an_assignment_first_seen_after_its_due_date_is_reminded_once(factory, db) -> None:
    case, _operator, (member,) = _panel(factory, db, size=1, deadline=3)
    start = case.assessment.submitted_at
    assert board.queue_reminders(db, now=start + dt.timedelta(days=5)) == 2
    assert board.queue_reminders(db, now=start + dt.timedelta(days=6)) == 0
    assert sorted(_reminders(db)) == sorted([(case.reviewer.id, "overdue"),
                                             (member.id, "overdue")])


def test_review_times_match_hand_computed_figures(factory, db) -> None:
    base = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    # Five reviews of 1, 2, 3, 4 and 10 days: median 3; 90th percentile at position
    # 0.9 x 4 = 3.6 between 4 and 10: 4 + 0.6 x 6 = 7.6.
    for days in (4, 1, 10, 3, 2):
        case = submitted(factory)
        reviews.start_review(db, case.assessment, reviewer=case.reviewer,
                             declared_no_conflict=True)
        decision = reviews.decide(db, case.assessment, reviewer=case.reviewer,
                                  decision="approve")
        submission = db.get(Submission, decision.submission_id)
        submission.submitted_at = base
        decision.decided_at = base + dt.timedelta(days=days)
    db.flush()
    report = board.review_time_report(db)
    times = report[ORGANISATION_QUESTIONNAIRE]
    assert times.count == 5
    assert times.median_days == pytest.approx(3.0)
    assert times.p90_days == pytest.approx(7.6)
    assert db.scalar(select(ReviewDecision.id).limit(1)) is not None


# --------------------------------------------------------------------------- the queue


def test_the_queue_shows_what_is_assigned_to_me_first_with_due_dates(factory, db) -> None:
    factory.questionnaires()
    operator = admin(factory)
    board.save_settings(db, ORGANISATION_QUESTIONNAIRE, actor=operator, panel_size=1,
                        chair_decides=True, deadline_days=5)
    member = reviewer(factory)
    now = dt.datetime.now(dt.UTC)
    cases = [submitted(factory) for _ in range(3)]
    for days, case in zip((9, 8, 1), cases, strict=True):
        case.assessment.submitted_at = now - dt.timedelta(days=days)
    db.flush()
    board.assign_reviewer(db, cases[2].assessment, actor=operator, reviewer=member)
    page = reviews.review_queue(db, member, now=now)
    ids = [entry.assessment_id for entry in page.entries]
    assert ids[:3] == [cases[2].assessment.id, cases[0].assessment.id, cases[1].assessment.id]
    first = page.entries[0]
    assert first.assigned_to_viewer is True and first.overdue is False
    assert first.due_at == cases[2].assessment.submitted_at + dt.timedelta(days=5)
    assert page.entries[1].overdue is True


def test_the_remind_command_queues_each_reminder_once(app, factory, db) -> None:
    case, _operator, (member,) = _panel(factory, db, size=1, deadline=1)
    submission = db.scalars(select(Submission).where(
        Submission.assessment_id == case.assessment.id)).one()
    submission.submitted_at = utcnow() - dt.timedelta(days=2)
    for row in board.assignments_of(db, case.assessment):
        row.due_at = submission.submitted_at + dt.timedelta(days=1)
    db.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reviews", "remind"])
    assert first.exit_code == 0, first.output
    assert "2 reminder(s) queued" in first.output
    second = runner.invoke(args=["reviews", "remind"])
    assert "0 reminder(s) queued" in second.output
    db.expire_all()
    assert sorted(_reminders(db)) == sorted([(case.reviewer.id, "overdue"),
                                             (member.id, "overdue")])


def test_assignment_and_reminder_mails_are_written_in_the_reviewers_language(app, factory,
                                                                             db) -> None:
    from ppp_assess.config import get_settings
    from ppp_assess.mail.sender import deliver_due
    from ppp_assess.mail.transport import sent_messages

    settings = get_settings(app)
    case, _operator, (member,) = _panel(factory, db, size=1, deadline=3)
    member.locale = "fr"
    db.flush()
    start = case.assessment.submitted_at
    assert board.queue_reminders(db, now=start + dt.timedelta(days=4)) == 2
    db.commit()
    with app.app_context():
        # The notice of the submission to the board, the assignment, two reminders.
        assert deliver_due(app, settings).sent == 4
    mails = {(message["To"], message["Subject"]) for message in sent_messages(settings)}
    title = "Zero"  # the start of the questionnaire's title in English
    assert any(to == member.email and subject.startswith("Désigné pour examiner")
               for to, subject in mails)
    assert any(to == member.email and subject.startswith("Examen en retard")
               for to, subject in mails)
    assert any(to == case.reviewer.email and subject.startswith("Review overdue")
               and title in subject for to, subject in mails)
    body = next(message.get_content() for message in sent_messages(settings)
                if message["To"] == member.email
                and message["Subject"].startswith("Examen en retard"))
    assert f"/review/{case.assessment.id}" in body


def test_a_resubmission_is_reviewed_by_the_same_panel(factory, db) -> None:
    from ppp_assess.services import assessments

    case, _operator, (first, second, third) = _panel(factory, db)
    for member in (first, second):
        board.recommend(db, case.assessment, reviewer=member, recommendation="return",
                        reason="The decree is missing.")
    board.decline_assignment(db, case.assessment, reviewer=third, reason="No time.")
    board.declare_interest(db, second, organisation_id=case.organisation.id)
    submission = db.scalars(select(Submission).where(
        Submission.assessment_id == case.assessment.id)).one()
    submission.submitted_at = utcnow() - dt.timedelta(days=15)  # past the deadline
    db.flush()
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="Add the decree.")
    assessments.submit_assessment(db, case.assessment, actor=case.respondent)
    new_lead = reviewer(factory)
    reviews.start_review(db, case.assessment, reviewer=new_lead, declared_no_conflict=True)
    seats = {(row.reviewer_id, row.role, row.state)
             for row in board.assignments_of(db, case.assessment)}
    # The member who declined and the one who has since declared a link are not carried.
    assert seats == {(new_lead.id, AssignmentRole.lead, AssignmentStatus.active),
                     (first.id, AssignmentRole.member, AssignmentStatus.active)}
