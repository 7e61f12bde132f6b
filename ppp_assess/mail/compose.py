"""The messages the platform sends, each written in its recipient's language.

A composer turns one outbox row into one :class:`~ppp_assess.mail.transport.Mail`. It
runs when the message is sent, in an application context (for translations and
addresses), and reads what it names (the assessment, the decision) from the database
then. A composer returns None when there is nothing left to say (the recipient's account
is gone), and the sender then stops trying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from ppp_assess.config import FALLBACK_BASE_URL, Settings
from ppp_assess.domain.board import Reminder
from ppp_assess.domain.workflow import Decision
from ppp_assess.mail.transport import Mail
from ppp_assess.models import (
    Assessment,
    Organisation,
    OutboxMessage,
    ReviewAssignment,
    ReviewComment,
    ReviewDecision,
    User,
)
from ppp_assess.presentation import level_label, long_date_text, recipient_locale, score_text
from ppp_assess.services import outbox, tokens
from ppp_assess.services.assessments import questionnaire_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What a composer works from."""

    session: Session
    settings: Settings
    message: OutboxMessage
    recipient: User

    @property
    def payload(self) -> dict[str, Any]:
        """Return the row's payload."""
        return dict(self.message.payload or {})


def _link(context: Context, endpoint: str, **values: object) -> str:
    # Built from the configured public address, else from the address of the request
    # that wrote the message, which it keeps: the sender runs after the request, or in
    # a worker that has none.
    base = context.settings.base_url or str(context.payload.get("base_url") or "")
    if not base:
        log.warning("No public address for the links of message %s: set PPP_ASSESS_BASE_URL.",
                    context.message.id)
        base = FALLBACK_BASE_URL
    adapter = current_app.url_map.bind("localhost")
    try:
        return base + adapter.build(endpoint, values)
    except BuildError:
        return base + "/"


def _days(purpose: str) -> int:
    return tokens.MAX_AGE[purpose] // (24 * 3600)


def _hours(purpose: str) -> int:
    return tokens.MAX_AGE[purpose] // 3600


def _paragraphs(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


# --- Accounts -------------------------------------------------------------------------------


def _organisation(context: Context) -> Organisation | None:
    organisation_id = context.payload.get("organisation_id")
    return context.session.get(Organisation, organisation_id) if organisation_id else None


def _inviter_name(context: Context) -> str:
    inviter = context.session.get(User, context.payload.get("inviter_id") or 0)
    return inviter.name if inviter is not None else "ppp-assess"


def invitation(context: Context) -> tuple[str, str] | None:
    """Mail a link to set a first password and join an organisation (if one is named)."""
    recipient = context.recipient
    if recipient.password_hash is not None or not recipient.active:
        return None  # accepted or deactivated meanwhile: the link would not work
    organisation = _organisation(context)
    token = tokens.make_link_token(context.settings.secret_key, tokens.INVITATION, recipient,
                                   organisation_id=organisation.id if organisation else None)
    link = _link(context, "auth.accept_invitation", token=token)
    inviter = _inviter_name(context)
    if organisation is not None:
        subject = _("You are invited to join %(organisation)s on ppp-assess",
                    organisation=organisation.name)
        opening = _("%(inviter)s has invited you to join %(organisation)s on ppp-assess, "
                    "the platform for self-assessing public-private partnerships.",
                    inviter=inviter, organisation=organisation.name)
    else:
        subject = _("Your ppp-assess account")
        opening = _("%(inviter)s has opened an account for you on ppp-assess, the platform "
                    "for self-assessing public-private partnerships.", inviter=inviter)
    return subject, _paragraphs(
        _("Hello %(name)s,", name=recipient.name),
        opening,
        _("Choose your password at this address to activate your account:"),
        link,
        ngettext("The link works once and for %(num)s day. If you did not expect this "
                 "invitation, you can ignore this message.",
                 "The link works once and for %(num)s days. If you did not expect this "
                 "invitation, you can ignore this message.", _days(tokens.INVITATION)),
    )


def membership_notice(context: Context) -> tuple[str, str] | None:
    """Invite someone who already has an account to join an organisation, if they wish."""
    organisation = _organisation(context)
    role = context.payload.get("role")
    if organisation is None or not isinstance(role, str) or not context.recipient.active:
        return None
    token = tokens.make_link_token(context.settings.secret_key, tokens.MEMBERSHIP,
                                   context.recipient, organisation_id=organisation.id,
                                   role=role)
    return _("You are invited to join %(organisation)s on ppp-assess",
             organisation=organisation.name), _paragraphs(
        _("Hello %(name)s,", name=context.recipient.name),
        _("%(inviter)s has invited you to join %(organisation)s on ppp-assess, "
          "the platform for self-assessing public-private partnerships.",
          inviter=_inviter_name(context), organisation=organisation.name),
        _("Sign in with your usual password and accept the invitation at this address:"),
        _link(context, "organisations.join", token=token),
        ngettext("The link works for %(num)s day. If you did not expect this invitation, "
                 "you can ignore this message: nothing changes.",
                 "The link works for %(num)s days. If you did not expect this invitation, "
                 "you can ignore this message: nothing changes.", _days(tokens.MEMBERSHIP)),
    )


def password_reset(context: Context) -> tuple[str, str] | None:
    """Mail a link to choose a new password."""
    recipient = context.recipient
    if not recipient.active:
        return None
    token = tokens.make_link_token(context.settings.secret_key, tokens.PASSWORD_RESET,
                                   recipient)
    return _("Choose a new ppp-assess password"), _paragraphs(
        _("Hello %(name)s,", name=recipient.name),
        _("Someone, probably you, asked to choose a new password for your ppp-assess "
          "account. Choose it at this address:"),
        _link(context, "auth.reset_password", token=token),
        ngettext("The link works once and for %(num)s hour. If you did not ask for it, "
                 "you can ignore this message: your password stays as it is.",
                 "The link works once and for %(num)s hours. If you did not ask for it, "
                 "you can ignore this message: your password stays as it is.",
                 _hours(tokens.PASSWORD_RESET)),
    )


# --- Review ---------------------------------------------------------------------------------


def _about(assessment: Assessment, title: str) -> list[str]:
    subject = (assessment.project.name if assessment.project is not None
               else assessment.organisation.name)
    return [_("Questionnaire: %(title)s, version %(version)s", title=title,
              version=assessment.questionnaire_version.version),
            _("Subject: %(subject)s", subject=subject),
            _("Organisation: %(organisation)s", organisation=assessment.organisation.name)]


def _signed(recipient: User, lines: list[str]) -> str:
    return "\n".join([
        _("Hello %(name)s,", name=recipient.name), "", *lines, "", "-- ",
        _("This message was sent by ppp-assess. You receive it because of your role on "
          "the platform."), ""])


def review_requested(context: Context) -> tuple[str, str] | None:
    """Tell a reviewer that an assessment waits for review."""
    assessment = context.session.get(Assessment, context.payload.get("assessment_id") or 0)
    if assessment is None:
        return None
    # Questionnaire titles are msgids, translated in the recipient's language.
    title = _(assessment.questionnaire_version.title)
    link = _link(context, "review.show", assessment_id=assessment.id)
    queue = _link(context, "review.queue")
    return _("New assessment to review: %(title)s", title=title), _signed(context.recipient, [
        _("An assessment has been submitted and is waiting for the review board."),
        "", *_about(assessment, title), "",
        _("Review it here: %(link)s", link=link),
        _("Everything waiting for review: %(link)s", link=queue)])


def review_decision(context: Context) -> tuple[str, str] | None:
    """Tell a member of the assessed organisation that it was returned or approved."""
    session = context.session
    assessment = session.get(Assessment, context.payload.get("assessment_id") or 0)
    decision = session.get(ReviewDecision, context.payload.get("decision_id") or 0)
    if assessment is None or decision is None:
        return None
    questionnaire = questionnaire_for(assessment)
    title = _(assessment.questionnaire_version.title)
    link = _link(context, "assessments.show", assessment_id=assessment.id)
    if decision.decision is Decision.approve:
        lines = [_("The review board has approved this assessment:"), "",
                 *_about(assessment, title)]
        if assessment.score is not None:
            lines.append(_("Overall score: %(score)s out of 100",
                           score=score_text(assessment.score)))
        if assessment.level:
            lines.append(_("Level: %(level)s",
                           level=level_label(questionnaire, assessment.level)))
        if decision.reason:
            lines += ["", _("Note from the reviewer:"), decision.reason]
        lines += ["", _("Open it here: %(link)s", link=link)]
        return _("Assessment approved: %(title)s", title=title), _signed(context.recipient,
                                                                         lines)
    comments = sorted(session.scalars(
        select(ReviewComment).where(
            ReviewComment.assessment_id == assessment.id,
            ReviewComment.submission_id == decision.submission_id,
            ReviewComment.draft.is_(False),
            ReviewComment.question_id.is_not(None)).order_by(ReviewComment.id)),
        key=lambda row: questionnaire.position(row.question_id or ""))
    lines = [_("The review board has returned this assessment for changes:"), "",
             *_about(assessment, title), "",
             _("Reason given by the reviewer:"), decision.reason]
    flagged = {row.question_id for row in comments if row.question_id}
    if flagged:
        lines += ["", ngettext("The reviewer flagged %(num)d question:",
                               "The reviewer flagged %(num)d questions:", len(flagged))]
        for row in comments:
            question = questionnaire.question(row.question_id or "")
            lines += ["", f"* {_(question.text)}", f"  {row.body}"]
    lines += ["", _("The assessment is a draft again: revise the answers and submit "
                    "it once more."),
              _("Open it here: %(link)s", link=link)]
    return _("Assessment returned for changes: %(title)s", title=title), _signed(
        context.recipient, lines)


def _assignment(context: Context) -> tuple[Assessment, ReviewAssignment] | None:
    session = context.session
    assessment = session.get(Assessment, context.payload.get("assessment_id") or 0)
    assignment = session.get(ReviewAssignment, context.payload.get("assignment_id") or 0)
    if assessment is None or assignment is None:
        return None
    return assessment, assignment


def review_assigned(context: Context) -> tuple[str, str] | None:
    """Tell a reviewer that they were put on the panel of an assessment."""
    found = _assignment(context)
    if found is None:
        return None
    assessment, assignment = found
    title = _(assessment.questionnaire_version.title)
    link = _link(context, "review.show", assessment_id=assessment.id)
    lines = [_("You have been assigned to review this assessment:"), "",
             *_about(assessment, title), ""]
    if assignment.due_at is not None:
        lines.append(_("Your recommendation is due on %(date)s.",
                       date=long_date_text(assignment.due_at)))
    lines += [_("Record your recommendation, or decline with a reason, here: %(link)s",
                link=link)]
    return _("Assigned to review: %(title)s", title=title), _signed(context.recipient, lines)


def review_reminder(context: Context) -> tuple[str, str] | None:
    """Remind a reviewer of a review that is due soon, or overdue."""
    found = _assignment(context)
    if found is None:
        return None
    assessment, assignment = found
    if assignment.due_at is None:
        return None
    title = _(assessment.questionnaire_version.title)
    link = _link(context, "review.show", assessment_id=assessment.id)
    date = long_date_text(assignment.due_at)
    if context.payload.get("reminder") == Reminder.overdue:
        subject = _("Review overdue: %(title)s", title=title)
        first = _("The review of this assessment was due on %(date)s:", date=date)
    else:
        subject = _("Review due soon: %(title)s", title=title)
        first = _("The review of this assessment is due on %(date)s:", date=date)
    return subject, _signed(context.recipient, [
        first, "", *_about(assessment, title), "", _("Open it here: %(link)s", link=link)])


Composer = Callable[[Context], "tuple[str, str] | None"]

#: Every kind of message, with the function that writes it.
COMPOSERS: dict[str, Composer] = {
    outbox.INVITATION: invitation,
    outbox.MEMBERSHIP_NOTICE: membership_notice,
    outbox.PASSWORD_RESET: password_reset,
    outbox.REVIEW_REQUESTED: review_requested,
    outbox.REVIEW_DECISION: review_decision,
    outbox.REVIEW_ASSIGNED: review_assigned,
    outbox.REVIEW_REMINDER: review_reminder,
}


def compose(session: Session, settings: Settings, message: OutboxMessage,
            offered: tuple[str, ...]) -> Mail | None:
    """Write ``message`` for its recipient, or return None when there is nothing to send.

    :raises KeyError: for a kind no composer knows.
    """
    composer = COMPOSERS[message.kind]
    recipient = session.get(User, message.recipient_id or 0)
    if recipient is None:
        return None
    locale = recipient_locale(recipient.locale, message.locale, offered,
                              settings.default_locale)
    with force_locale(locale):
        written = composer(Context(session, settings, message, recipient))
    if written is None:
        return None
    subject, body = written
    return Mail(to=recipient.email, subject=subject, body=body, language=locale)
