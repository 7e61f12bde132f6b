"""Evidence documents: the kinds of file accepted, and how a reviewer judges one.

Which kind a file is is decided from its content by the services (they read it); this
module holds the allow-list those decisions are checked against, as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .messages import N_


class Verdict(StrEnum):
    """A reviewer's judgement of one document."""

    accepted = "accepted"
    insufficient = "insufficient"


VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.accepted: N_("Accepted"),
    Verdict.insufficient: N_("Insufficient"),
}


@dataclass(frozen=True)
class FileKind:
    """One kind of document that may be attached."""

    id: str
    #: The media type the file is stored and served with.
    media_type: str
    #: File name endings (lower case, with the dot) that a file of this kind may carry.
    extensions: tuple[str, ...]
    #: The name shown to people (a msgid).
    label: str


#: Every kind of file accepted as evidence; anything else is refused.
FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("pdf", "application/pdf", (".pdf",), N_("PDF document")),
    FileKind("png", "image/png", (".png",), N_("PNG image")),
    FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg"), N_("JPEG image")),
    FileKind("doc", "application/msword", (".doc",), N_("Word document")),
    FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",), N_("Word document")),
    FileKind("xls", "application/vnd.ms-excel", (".xls",), N_("Excel workbook")),
    FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (".xlsx",), N_("Excel workbook")),
    FileKind("odt", "application/vnd.oasis.opendocument.text", (".odt",),
             N_("OpenDocument text")),
    FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",),
             N_("OpenDocument spreadsheet")),
    FileKind("csv", "text/csv", (".csv",), N_("CSV table")),
    FileKind("txt", "text/plain", (".txt",), N_("Plain text")),
)

KINDS_BY_ID: dict[str, FileKind] = {kind.id: kind for kind in FILE_KINDS}

#: The endings a file chooser may offer (``accept=``).
ACCEPTED_EXTENSIONS: tuple[str, ...] = tuple(
    extension for kind in FILE_KINDS for extension in kind.extensions)


def extension_of(name: str) -> str:
    """Return the lower-case ending of a file name, with its dot ("" when it has none)."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def clean_name(name: str, *, limit: int = 200) -> str:
    """Return a file name fit to store and show: no folders, no control characters.

    The ending is kept when the name is shortened.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable() and char not in '"<>|:*?')
    base = base.strip().lstrip(".") or "document"
    if len(base) > limit:
        ending = extension_of(base)
        base = base[: limit - len(ending)] + ending
    return base
