"""Long work done away from the request that asked for it: exports of a round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ppp_assess.models.base import Base, created_at, intpk, json_value


class ExportJob(Base):
    """One export asked for by a user, prepared in the background and downloaded once done.

    The row is the job's whole state: whichever process runs it (a thread of the app
    server, or an RQ worker on another machine) reads what to do here and writes its
    progress here, so any server can answer "how far is it?".
    """

    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_user", "user_id", "created_at"),)

    id: Mapped[intpk]
    #: Who asked; only they see the job and its file.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``evaluations`` (the rows of a round) or ``certificates`` (their PDFs as a ZIP).
    kind: Mapped[str] = mapped_column(String(20))
    #: ``csv``, ``xlsx`` or ``zip``.
    file_format: Mapped[str] = mapped_column(String(10))
    #: The language the file is written in.
    language: Mapped[str] = mapped_column(String(16))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    #: The dashboard filters, as plain values.
    filters: Mapped[json_value]
    #: ``queued``, ``running``, ``done`` or ``failed``.
    state: Mapped[str] = mapped_column(String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    #: The name the download is offered under.
    file_name: Mapped[str] = mapped_column(String(255))
    #: The file in the instance folder's ``exports/``, once written.
    stored_name: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: What went wrong, in plain words (no traceback), when it failed.
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
