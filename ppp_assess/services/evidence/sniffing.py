"""What kind of file an upload is, decided from its content, never from its name.

Binary formats are recognised by their signatures with `puremagic`_ (a maintained,
pure-Python reading of file signatures: no libmagic to install, and it names HTML, SVG,
XML, scripts, archives and executables as such, which is what a refusal must say).
Two decisions need more than a signature and are made here:

* a ZIP container is a Word or Excel file only when it holds their parts
  (``[Content_Types].xml`` with ``word/`` or ``xl/``), an OpenDocument file only when its
  ``mimetype`` member says so; any other ZIP is an archive, refused;
* CSV and plain text have no signature: a file is text when it decodes as UTF-8 with no
  control characters but tab, line and page breaks, and does not open with markup (``<``)
  or a script's ``#!``.

.. _puremagic: https://pypi.org/project/puremagic/
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import puremagic

from ppp_assess.domain.evidence import KINDS_BY_ID, FileKind

#: Bytes read to decide (signatures sit at the start; text is judged on this much).
HEAD_SIZE = 64 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04",)
_ODF = {"application/vnd.oasis.opendocument.text": "odt",
        "application/vnd.oasis.opendocument.spreadsheet": "ods"}
_TEXT_CONTROLS = {9, 10, 12, 13}
#: puremagic extensions that name what a refused file is.
_MARKUP = {".html", ".htm", ".xhtml", ".xml", ".svg", ".svgz", ".xht"}
_SCRIPTS = {".js", ".sh", ".py", ".pl", ".php", ".bat", ".ps1", ".vbs", ".rb"}
_ARCHIVES = {".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".jar",
             ".apk", ".iso", ".zst"}
_EXECUTABLES = {".exe", ".dll", ".elf", ".so", ".msi", ".class", ".dmg", ".com", ".sys",
                ".drv", ".scr", ".bin", ".o"}


@dataclass(frozen=True)
class Sniffed:
    """What an upload turned out to be: an accepted kind, or why it is refused."""

    kind: FileKind | None
    #: When refused: ``markup``, ``script``, ``archive``, ``executable`` or ``unknown``.
    refusal: str | None = None


def sniff(handle: BinaryIO) -> Sniffed:
    """Decide the kind of the file open in ``handle`` (seekable), from its content."""
    handle.seek(0)
    head = handle.read(HEAD_SIZE)
    if head.startswith(_OLE2):
        # Word 97-2003 and Excel 97-2003 share the container; the name decides which,
        # and the caller checks that it is one of the two.
        return Sniffed(KINDS_BY_ID["doc"])
    if head.startswith(_ZIP):
        return _container(handle)
    found = _signatures(head)
    for kind_id, extensions in (("pdf", {".pdf"}), ("png", {".png"}),
                                ("jpeg", {".jpg", ".jpeg", ".jfif", ".jpe"})):
        if found & extensions:
            return Sniffed(KINDS_BY_ID[kind_id])
    if found & _MARKUP:
        return Sniffed(None, "markup")
    if found & _SCRIPTS:
        return Sniffed(None, "script")
    if found & _ARCHIVES:
        return Sniffed(None, "archive")
    if found & _EXECUTABLES:
        return Sniffed(None, "executable")
    return _text(head)


def _signatures(head: bytes) -> set[str]:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return set()
    return {match.extension.lower() for match in matches if match.extension}


def _container(handle: BinaryIO) -> Sniffed:
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    declared = archive.read("mimetype").decode("ascii", "replace").strip()
                    if declared in _ODF:
                        return Sniffed(KINDS_BY_ID[_ODF[declared]])
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return Sniffed(KINDS_BY_ID["docx"])
                if any(name.startswith("xl/") for name in names):
                    return Sniffed(KINDS_BY_ID["xlsx"])
    except (zipfile.BadZipFile, OSError, EOFError):
        return Sniffed(None, "unknown")
    return Sniffed(None, "archive")


def _text(head: bytes) -> Sniffed:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the head is still text.
        if error.start < len(head) - 3:
            return Sniffed(None, "unknown")
        text = head[: error.start].decode("utf-8")
    if any(ord(char) < 32 and ord(char) not in _TEXT_CONTROLS for char in text):
        return Sniffed(None, "unknown")
    opening = text.lstrip()
    if opening.startswith("<"):
        return Sniffed(None, "markup")
    if opening.startswith("#!"):
        return Sniffed(None, "script")
    return Sniffed(KINDS_BY_ID["txt"])
