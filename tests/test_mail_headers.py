"""Names and titles carry no line into a mail's headers."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from ppp_assess.config import Settings
from ppp_assess.mail.transport import Mail, build_message


@pytest.mark.parametrize("title", [
    "Rail line\r\nBcc: victim@example.org",
    "Rail line\nBcc: victim@example.org",
    "Rail line\rBcc: victim@example.org",
    "Rail line\r\n\r\nInjected body",
])
def test_a_line_break_in_a_subject_never_starts_a_header(title: str) -> None:
    settings = Settings.from_env({}, env="testing", secret_key="x")
    mail = Mail(to="reviewer@example.org", subject=f"Submitted: {title}", body="Hello.\n")
    raw = build_message(settings, mail, key="outbox-1").as_bytes()
    head, _sep, body = raw.partition(b"\r\n\r\n")
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
    assert b"Injected body" not in body
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["To"] == "reviewer@example.org"
    assert parsed["Subject"] == "Submitted: " + " ".join(title.split())
    assert parsed.get_content().strip() == "Hello."


def test_an_address_with_a_line_break_is_refused_not_split() -> None:
    settings = Settings.from_env({}, env="testing", secret_key="x")
    mail = Mail(to="reviewer@example.org\r\nBcc: victim@example.org", subject="Hi", body="x")
    with pytest.raises(ValueError):
        build_message(settings, mail, key="outbox-2")
