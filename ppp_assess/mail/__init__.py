"""Outgoing mail: the messages the platform writes, and the sender of the outbox.

Services never send mail: they write outbox rows (:mod:`ppp_assess.services.outbox`) in
the transaction of the change. This package writes each message in its recipient's
language and sends it after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from ppp_assess.config import Settings
from ppp_assess.services import outbox
from ppp_assess.unit_of_work import on_commit


def _send_after_commit(info: Mapping[str, Any]) -> None:
    """Send what a committed unit of work wrote to the outbox (and anything else due)."""
    if not outbox.has_pending(info):
        return
    from ppp_assess.mail.sender import deliver_due

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["ppp_settings"]
    deliver_due(app, settings)


def init_app(app: Flask, settings: Settings) -> None:
    """Send the outbox after each commit (unless a worker does) and add ``flask outbox``."""
    from ppp_assess.mail.commands import outbox_group

    if settings.outbox_delivery == "request":
        on_commit(app, _send_after_commit)
    app.cli.add_command(outbox_group)
