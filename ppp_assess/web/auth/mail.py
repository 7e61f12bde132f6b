"""Account e-mails: invitations, notices of membership and password-reset links.

Each message is written in the recipient's preferred language when they have one, and
otherwise in the language of the person who caused it (or of the current request).
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _

from ppp_assess import get_settings
from ppp_assess.models import Organisation, User
from ppp_assess.services import tokens
from ppp_assess.services.mail import Mail, send_mail
from ppp_assess.web.locale import available_locales


def mail_locale(recipient: User, sender: User | None = None) -> str:
    """Return the language to write to ``recipient`` in."""
    offered = available_locales()
    for candidate in (recipient.locale, sender.locale if sender else None):
        if candidate in offered:
            return str(candidate)
    current = get_locale()
    return str(current) if current is not None and str(current) in offered else offered[0]


def _link(endpoint: str, token: str) -> str:
    return get_settings(current_app).base_url + url_for(endpoint, token=token)


def _days(purpose: str) -> int:
    return tokens.MAX_AGE[purpose] // (24 * 3600)


def _hours(purpose: str) -> int:
    return tokens.MAX_AGE[purpose] // 3600


def _send(recipient: User, locale: str, subject: str, paragraphs: list[str]) -> None:
    body = "\n\n".join(paragraphs) + "\n"
    send_mail(get_settings(current_app),
              Mail(to=recipient.email, subject=subject, body=body, language=locale))


def send_invitation(recipient: User, inviter: User, organisation: Organisation | None) -> None:
    """Mail ``recipient`` a link to set a first password and join ``organisation``."""
    settings = get_settings(current_app)
    token = tokens.make_link_token(settings.secret_key, tokens.INVITATION, recipient,
                                   organisation_id=organisation.id if organisation else None)
    link = _link("auth.accept_invitation", token)
    locale = mail_locale(recipient, inviter)
    with force_locale(locale):
        if organisation is not None:
            subject = _("You are invited to join %(organisation)s on ppp-assess",
                        organisation=organisation.name)
            opening = _("%(inviter)s has invited you to join %(organisation)s on ppp-assess, "
                        "the platform for self-assessing public-private partnerships.",
                        inviter=inviter.name, organisation=organisation.name)
        else:
            subject = _("Your ppp-assess account")
            opening = _("%(inviter)s has opened an account for you on ppp-assess, the platform "
                        "for self-assessing public-private partnerships.",
                        inviter=inviter.name)
        paragraphs = [
            _("Hello %(name)s,", name=recipient.name),
            opening,
            _("Choose your password at this address to activate your account:"),
            link,
            ngettext("The link works once and for %(num)s day. If you did not expect this "
                     "invitation, you can ignore this message.",
                     "The link works once and for %(num)s days. If you did not expect this "
                     "invitation, you can ignore this message.", _days(tokens.INVITATION)),
        ]
    _send(recipient, locale, subject, paragraphs)


def send_membership_notice(recipient: User, inviter: User, organisation: Organisation) -> None:
    """Tell someone who already has an account that they were added to ``organisation``."""
    locale = mail_locale(recipient, inviter)
    sign_in = get_settings(current_app).base_url + url_for("auth.sign_in")
    with force_locale(locale):
        subject = _("You have been added to %(organisation)s on ppp-assess",
                    organisation=organisation.name)
        paragraphs = [
            _("Hello %(name)s,", name=recipient.name),
            _("%(inviter)s has added you to %(organisation)s on ppp-assess. Sign in with your "
              "usual password to work with your colleagues:",
              inviter=inviter.name, organisation=organisation.name),
            sign_in,
        ]
    _send(recipient, locale, subject, paragraphs)


def send_password_reset(recipient: User, token: str) -> None:
    """Mail ``recipient`` a link to choose a new password."""
    locale = mail_locale(recipient)
    link = _link("auth.reset_password", token)
    with force_locale(locale):
        subject = _("Choose a new ppp-assess password")
        paragraphs = [
            _("Hello %(name)s,", name=recipient.name),
            _("Someone, probably you, asked to choose a new password for your ppp-assess "
              "account. Choose it at this address:"),
            link,
            ngettext("The link works once and for %(num)s hour. If you did not ask for it, "
                     "you can ignore this message: your password stays as it is.",
                     "The link works once and for %(num)s hours. If you did not ask for it, "
                     "you can ignore this message: your password stays as it is.",
                     _hours(tokens.PASSWORD_RESET)),
        ]
    _send(recipient, locale, subject, paragraphs)
