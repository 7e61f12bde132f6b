"""Sending one e-mail: a folder of ``.eml`` files in development, SMTP in production."""

from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from ppp_assess.config import Settings
from ppp_assess.models.base import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One message, already written in the recipient's language."""

    to: str
    subject: str
    body: str
    language: str = "en"


def message_id(settings: Settings, key: str) -> str:
    """Return the ``Message-ID`` of the message with ``key``, the same at every attempt.

    A message sent twice (the sender crashed after the server took it) then carries one
    id, which mail systems use to show it once.
    """
    installation = hashlib.sha256(("message-id:" + settings.secret_key).encode()).hexdigest()
    domain = parseaddr(settings.mail_sender)[1].rpartition("@")[2] or "ppp-assess.invalid"
    return f"<{key}.{installation[:16]}@{domain}>"


def _single_line(value: str) -> str:
    # Header values never carry a line break, whatever a name or title holds.
    return " ".join(value.split())


#: SMTP line endings; headers are folded only beyond the hard limit of 998 characters,
#: since the library folds a long subject before its first word, which readers then show
#: with a leading space.
POLICY = policy.SMTP.clone(max_line_length=998)


def build_message(settings: Settings, mail: Mail, *, key: str) -> EmailMessage:
    """Return ``mail`` as a standard-library message, headers checked by its policy."""
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_sender
    message["To"] = Address(addr_spec=_single_line(mail.to))
    message["Subject"] = _single_line(mail.subject)
    message["Message-ID"] = message_id(settings, key)
    message.set_content(mail.body)
    # After set_content, which drops every Content-* header set before it.
    message["Content-Language"] = mail.language
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Send ``message`` with the configured backend.

    The ``file`` backend writes one ``.eml`` file per message into the mail folder and
    logs it, so developers and tests can read what would have been sent.
    """
    if settings.mail_backend == "file":
        folder = Path(settings.mail_dir)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        to = str(message["To"])
        safe_to = "".join(c if c.isalnum() or c in "@._-" else "_" for c in to)
        path = folder / f"{stamp}-{safe_to}.eml"
        path.write_bytes(bytes(message))
        log.debug("mail to %s written to %s", to, path)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    log.info("mail %s sent", message["Message-ID"])


def sent_messages(settings: Settings) -> list[EmailMessage]:
    """Return the messages in the mail folder, oldest first (for tests and development)."""
    folder = Path(settings.mail_dir)
    if not folder.exists():
        return []
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]
