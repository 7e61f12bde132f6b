"""Sending e-mail: an outbox folder in development, SMTP in production."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from ppp_assess.config import Settings
from ppp_assess.models.base import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One message, already rendered in the recipient's language."""

    to: str
    subject: str
    body: str
    language: str = "en"


def _message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="ppp-assess")
    message.set_content(mail.body)
    # After set_content, which drops every Content-* header set before it.
    message["Content-Language"] = mail.language
    return message


def send_mail(settings: Settings, mail: Mail) -> None:
    """Send ``mail`` with the configured backend.

    The outbox backend writes one ``.eml`` file per message and logs it, so developers
    and tests can read what would have been sent.
    """
    message = _message(settings, mail)
    if settings.mail_backend == "outbox":
        outbox = Path(settings.mail_outbox)
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        safe_to = "".join(c if c.isalnum() or c in "@._-" else "_" for c in mail.to)
        path = outbox / f"{stamp}-{safe_to}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s (%s) written to %s", mail.to, mail.subject, path)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    log.info("mail to %s (%s) sent", mail.to, mail.subject)


def outbox_messages(settings: Settings) -> list[EmailMessage]:
    """Return the messages in the outbox, oldest first (for tests and development)."""
    from email import message_from_bytes, policy

    outbox = Path(settings.mail_outbox)
    if not outbox.exists():
        return []
    return [message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for path in sorted(outbox.glob("*.eml"))]
