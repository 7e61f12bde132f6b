"""Fixtures for the PDF tests: the external checkers and rendered samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ppp_assess.pdf import render_certificate, render_report
from tests.pdf import samples
from tests.pdf.pdf_checks import run_tool


@pytest.fixture
def pdftotext(tmp_path: Path) -> Callable[..., str]:
    """Return a function extracting the text of a PDF with poppler's pdftotext."""

    def extract(pdf: bytes, *options: str) -> str:
        source = tmp_path / "input.pdf"
        source.write_bytes(pdf)
        result = run_tool("pdftotext", *options, str(source), "-")
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode("utf-8")

    return extract


@pytest.fixture
def qpdf_check(tmp_path: Path) -> Callable[[bytes], None]:
    """Return a function asserting that ``qpdf --check`` finds no error nor warning."""

    def check(pdf: bytes) -> None:
        source = tmp_path / "check.pdf"
        source.write_bytes(pdf)
        result = run_tool("qpdf", "--check", str(source))
        assert result.returncode == 0, (
            result.returncode,
            result.stdout.decode(),
            result.stderr.decode(),
        )

    return check


@pytest.fixture
def rasterise(tmp_path: Path) -> Callable[[bytes, int], Path]:
    """Return a function rendering the first page of a PDF to a PNG file."""

    def render(pdf: bytes, resolution: int = 100) -> Path:
        source = tmp_path / "raster.pdf"
        source.write_bytes(pdf)
        prefix = tmp_path / "raster"
        result = run_tool(
            "pdftoppm", "-png", "-r", str(resolution), "-singlefile", str(source), str(prefix)
        )
        assert result.returncode == 0, result.stderr.decode()
        return prefix.with_suffix(".png")

    return render


@pytest.fixture(scope="session")
def certificates() -> dict[str, bytes]:
    """The sample certificate rendered once per locale."""
    return {
        locale: render_certificate(samples.sample_certificate(locale), **samples.options(locale))
        for locale in samples.LOCALES
    }


@pytest.fixture(scope="session")
def draft_reports() -> dict[str, bytes]:
    """A twelve-question draft report rendered once per locale."""
    return {
        locale: render_report(
            samples.sample_report(locale, 12, draft=True), **samples.options(locale)
        )
        for locale in samples.LOCALES
    }
