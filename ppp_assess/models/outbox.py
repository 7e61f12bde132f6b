"""The outbox: side effects written in the same transaction as the change they announce."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ppp_assess.models.base import Base, created_at, intpk, json_value, utcnow


class OutboxMessage(Base):
    """One message to send once the transaction that wrote it has committed.

    A row holds what the message is about (ids and plain values), never its rendered
    text or a secret: the sender writes it in the recipient's language when it goes out
    and makes any link token then.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "sent_at", "given_up_at", "due_at"),)

    id: Mapped[intpk]
    #: What to send, a key of the sender's composers (``review.submitted``).
    kind: Mapped[str] = mapped_column(String(64))
    #: The user the message is for; their address and language are read when it is sent.
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    #: What the composer needs: ids and plain values.
    payload: Mapped[json_value]
    #: The language the action was taken in; used when the recipient has no preference.
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[created_at]
    #: Not sent before this time (retries back off).
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: A sender that claimed the row owns it until then; afterwards another may retry.
    claimed_until: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None]
    #: Set when the sender stopped trying (too many failures, or nothing left to send).
    given_up_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
