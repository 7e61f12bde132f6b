"""Mail about the review of assessments, in each recipient's language.

Notifications are sent after the change they announce has been committed: a mail
server that is down must never undo a submission or a decision. Every function here
therefore catches and logs its own failures and returns how many messages went out.
They need an application context (for translations and URLs), which views and CLI
commands have.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from ppp_assess.config import Settings
from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import (
    Assessment,
    Membership,
    PlatformRoleGrant,
    ReviewComment,
    ReviewDecision,
    User,
)
from ppp_assess.services.assessments import questionnaire_for
from ppp_assess.services.mail import Mail, send_mail

log = logging.getLogger(__name__)

#: The page the organisation's members are sent to (the home page if it is missing).
ASSESSMENT_ENDPOINTS = ("assessments.show",)


def recipient_locale(settings: Settings, user: User) -> str:
    """Return the language to write to ``user`` in: their own if offered, else the default."""
    if user.locale and user.locale in settings.locales:
        return user.locale
    return settings.default_locale


def reviewers_to_notify(session: Session, assessment: Assessment) -> list[User]:
    """Return the active reviewers who may review ``assessment`` (not of its organisation)."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == assessment.organisation_id)
    return list(session.scalars(
        select(User).join(PlatformRoleGrant, PlatformRoleGrant.user_id == User.id)
        .where(PlatformRoleGrant.role == PlatformRole.reviewer, User.active.is_(True),
               User.id.not_in(members))
        .order_by(User.id)))


def organisation_members(session: Session, organisation_id: int) -> list[User]:
    """Return the active members of an organisation."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        .order_by(User.id)))


def _link(settings: Settings, endpoints: Sequence[str], **values: object) -> str:
    # Built from the configured public address, not from a request: the same mail is
    # correct whether a view or a command sends it.
    adapter = current_app.url_map.bind("localhost")
    for endpoint in endpoints:
        try:
            return settings.base_url + adapter.build(endpoint, values)
        except BuildError:
            continue
    return settings.base_url + "/"


@dataclass(frozen=True)
class _Facts:
    """What every mail about an assessment names, untranslated."""

    assessment_id: int
    questionnaire_title: str
    questionnaire_version: str
    subject: str
    organisation: str


def _facts(assessment: Assessment) -> _Facts:
    version = assessment.questionnaire_version
    organisation = assessment.organisation.name
    subject = assessment.project.name if assessment.project is not None else organisation
    return _Facts(assessment.id, version.title, version.version, subject, organisation)


def _deliver(settings: Settings, mails: Iterable[Mail]) -> int:
    sent = 0
    for mail in mails:
        try:
            send_mail(settings, mail)
        except Exception:
            # The change is committed already; a lost message is logged, never raised.
            log.exception("could not send %r to %s", mail.subject, mail.to)
        else:
            sent += 1
    return sent


#: Writes one message's subject and body; called under the recipient's locale with the
#: questionnaire title already translated.
Compose = Callable[[User, str], tuple[str, list[str]]]


def _render(settings: Settings, user: User, compose: Compose, facts: _Facts) -> Mail:
    """Write one message for ``user`` in their language."""
    locale = recipient_locale(settings, user)
    with force_locale(locale):
        # Questionnaire titles and labels are msgids too, translated here in the
        # recipient's language rather than the sender's.
        title = _(facts.questionnaire_title)
        subject, lines = compose(user, title)
        body = "\n".join([
            _("Hello %(name)s,", name=user.name), "", *lines, "", "-- ",
            _("This message was sent by ppp-assess. You receive it because of your role on "
              "the platform."), ""])
    return Mail(to=user.email, subject=subject, body=body, language=locale)


def _about(facts: _Facts, title: str) -> list[str]:
    return [_("Questionnaire: %(title)s, version %(version)s", title=title,
              version=facts.questionnaire_version),
            _("Subject: %(subject)s", subject=facts.subject),
            _("Organisation: %(organisation)s", organisation=facts.organisation)]


def notify_submitted(session: Session, settings: Settings, assessment: Assessment) -> int:
    """Tell every reviewer who may review it that ``assessment`` waits for review.

    Call after the submission is committed. Failures are logged, never raised.

    :return: the number of messages sent.
    """
    try:
        facts = _facts(assessment)
        link = _link(settings, ("review.show",), assessment_id=assessment.id)
        queue = _link(settings, ("review.queue",))

        def compose(_user: User, title: str) -> tuple[str, list[str]]:
            return _("New assessment to review: %(title)s", title=title), [
                _("An assessment has been submitted and is waiting for the review board."),
                "", *_about(facts, title), "",
                _("Review it here: %(link)s", link=link),
                _("Everything waiting for review: %(link)s", link=queue)]

        mails = [_render(settings, reviewer, compose, facts)
                 for reviewer in reviewers_to_notify(session, assessment)]
    except Exception:
        log.exception("could not prepare the submission notices of assessment %s",
                      assessment.id)
        return 0
    return _deliver(settings, mails)


def notify_decision(session: Session, settings: Settings, assessment: Assessment,
                    decision: ReviewDecision) -> int:
    """Tell the members of the assessed organisation that it was returned or approved.

    A return lists the flagged questions with the reviewer's comments. Call after the
    decision is committed. Failures are logged, never raised.

    :return: the number of messages sent.
    """
    try:
        facts = _facts(assessment)
        questionnaire = questionnaire_for(assessment)
        link = _link(settings, ASSESSMENT_ENDPOINTS, assessment_id=assessment.id)
        comments: list[ReviewComment] = []
        if decision.decision == "return":
            comments = list(session.scalars(
                select(ReviewComment).where(
                    ReviewComment.assessment_id == assessment.id,
                    ReviewComment.submission_id == decision.submission_id,
                    ReviewComment.question_id.is_not(None))
                .order_by(ReviewComment.id)))
            comments.sort(key=lambda row: questionnaire.position(row.question_id or ""))

        def returned(_user: User, title: str) -> tuple[str, list[str]]:
            lines = [_("The review board has returned this assessment for changes:"), "",
                     *_about(facts, title), "",
                     _("Reason given by the reviewer:"), decision.reason]
            flagged = sorted({row.question_id for row in comments if row.question_id},
                             key=questionnaire.position)
            if flagged:
                lines += ["", ngettext("The reviewer flagged %(num)d question:",
                                       "The reviewer flagged %(num)d questions:", len(flagged))]
                for row in comments:
                    question = questionnaire.question(row.question_id or "")
                    lines += ["", f"* {_(question.text)}", f"  {row.body}"]
            lines += ["", _("The assessment is a draft again: revise the answers and submit "
                            "it once more."),
                      _("Open it here: %(link)s", link=link)]
            return _("Assessment returned for changes: %(title)s", title=title), lines

        def approved(_user: User, title: str) -> tuple[str, list[str]]:
            lines = [_("The review board has approved this assessment:"), "",
                     *_about(facts, title)]
            if assessment.score is not None:
                lines.append(_("Overall score: %(score)s out of 100",
                               score=format_decimal(assessment.score, format="#,##0.0")))
            if assessment.level:
                lines.append(_("Level: %(level)s",
                               level=_(questionnaire.level(assessment.level).label)))
            if decision.reason:
                lines += ["", _("Note from the reviewer:"), decision.reason]
            lines += ["", _("Open it here: %(link)s", link=link)]
            return _("Assessment approved: %(title)s", title=title), lines

        compose = returned if decision.decision == "return" else approved
        mails = [_render(settings, member, compose, facts)
                 for member in organisation_members(session, assessment.organisation_id)]
    except Exception:
        log.exception("could not prepare the decision notices of assessment %s",
                      assessment.id)
        return 0
    return _deliver(settings, mails)
