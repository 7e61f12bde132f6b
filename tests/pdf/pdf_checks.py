"""Helpers for the PDF tests: external tools and text normalisation.

``qpdf``, ``pdftotext``/``pdftoppm``/``pdffonts`` (poppler-utils) and ``zbarimg``
(zbar-tools) are required: a missing tool fails the test with the package to install,
because a skipped check would hide a broken PDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest

_PACKAGES = {
    "qpdf": "qpdf",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "zbarimg": "zbar-tools",
}

# Bidi controls pdftotext wraps right-to-left lines in.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PUNCTUATION_SPACING = re.compile(r"\s*([.,:;،؛])\s*")
# Words and punctuation, however they are spaced.
_TOKEN = re.compile(r"[^\s.,:;،؛]+|[.,:;،؛]")


def tool(name: str) -> str:
    """Return the path of an external tool, failing the test when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is required by the PDF tests: apt-get install -y {_PACKAGES[name]}",
            pytrace=False,
        )
    return path


def run_tool(
    name: str, *arguments: str, data: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run an external tool on ``data`` (passed on standard input) and return the result."""
    return subprocess.run(
        [tool(name), *arguments], input=data, capture_output=True, check=False, timeout=60
    )


def without_marks(text: str) -> str:
    """Normalise extracted text for comparison: marks, bidi controls and spacing.

    pdftotext places each glyph by its position: a mark drawn above a letter comes out
    before it, or on a line of its own when it is raised, and the spacing around
    punctuation in right-to-left lines follows its own heuristics. Letters and words keep
    their logical order, which is what the tests compare.
    """
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = " ".join(text.split())
    return _PUNCTUATION_SPACING.sub(r"\1", text)



def found_across_pages(phrase: str, text: str, furniture: int = 40) -> bool:
    """Tell whether ``phrase`` is in ``text``, perhaps cut by a page break.

    A table cell that splits across pages comes out of pdftotext with the page's footer,
    the next page's header and the repeated table header between its two parts: the
    words must follow each other, with at most ``furniture`` other words between two
    of them.
    """
    if phrase in text:
        return True
    words, wanted = _TOKEN.findall(text), _TOKEN.findall(phrase)
    for start in (index for index, word in enumerate(words) if word == wanted[0]):
        position = start
        for word in wanted[1:]:
            try:
                position = words.index(word, position + 1, position + 2 + furniture)
            except ValueError:
                break
        else:
            return True
    return False
