"""Document-level PDF features ReportLab has no API for: attachments and a fixed date.

Attachments are standard embedded files (``/EmbeddedFiles`` name tree in the catalogue,
one ``/Filespec`` with an ``/EmbeddedFile`` stream each, also listed under ``/AF``), so
any PDF reader shows them and tools such as ``pypdf``, ``qpdf --show-attachment`` or
``pdfdetach`` extract them.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFStream, PDFString, PDFZCompress
from reportlab.pdfgen.canvas import Canvas

PRODUCER = "ppp-assess (ReportLab)"


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the PDF."""

    name: str
    data: bytes
    mime_type: str
    description: str = ""


def _pdf_name(value: str) -> str:
    """Return ``value`` as a PDF name, escaping the characters names cannot hold."""
    escaped = "".join(
        character
        if "!" <= character <= "~" and character not in "#%()<>[]{}/"
        else "".join(f"#{byte:02X}" for byte in character.encode("utf-8"))
        for character in value
    )
    return "/" + escaped


def embed_attachments(canvas: Canvas, attachments: Sequence[Attachment]) -> None:
    """Add ``attachments`` to the document being drawn on ``canvas``."""
    if not attachments:
        return
    document = canvas._doc
    names: list[object] = []
    references = []
    for attachment in sorted(attachments, key=lambda item: item.name):
        stream = PDFStream(
            PDFDictionary(
                {
                    "Type": "/EmbeddedFile",
                    "Subtype": _pdf_name(attachment.mime_type),
                    "Params": PDFDictionary(
                        {
                            "Size": len(attachment.data),
                            "CheckSum": PDFString(
                                hashlib.md5(attachment.data, usedforsecurity=False).digest(),
                                enc="raw",
                            ),
                        }
                    ),
                }
            ),
            content=attachment.data,
            filters=[PDFZCompress],
        )
        file_specification = PDFDictionary(
            {
                "Type": "/Filespec",
                "F": PDFString(attachment.name),
                "UF": PDFString(attachment.name),
                "Desc": PDFString(attachment.description or attachment.name),
                "AFRelationship": "/Data",
                "EF": PDFDictionary({"F": document.Reference(stream)}),
            }
        )
        reference = document.Reference(file_specification)
        references.append(reference)
        names.extend([PDFString(attachment.name), reference])
    catalog = document.Catalog
    catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray(names)})})
    # ReportLab writes only the catalogue keys it lists; /AF (associated files, PDF 2.0 and
    # PDF/A-3) is added to this instance's list.
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "AF"]
    catalog.AF = PDFArray(references)


def fix_dates(canvas: Canvas, date: datetime.date) -> None:
    """Stamp the document's creation and modification dates with ``date`` (midnight UTC)."""
    stamp = f"D:{date:%Y%m%d}000000Z"
    canvas.setDateFormatter(lambda *_parts: stamp)


def read_attachments(pdf_bytes: bytes) -> Mapping[str, bytes]:
    """Return the embedded files of a PDF by name (the first one of each name).

    :raises ValueError: if ``pdf_bytes`` is not a readable PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        attachments = reader.attachments
        return {name: contents[0] for name, contents in attachments.items() if contents}
    except (PdfReadError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a readable PDF: {error}") from error
