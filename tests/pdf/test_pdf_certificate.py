"""Certificates: valid PDF, facts in six languages, carried payload, determinism, QR code."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from ppp_assess.domain.documents import CertificateData
from ppp_assess.pdf import extract_certificate, render_certificate
from tests.pdf import samples
from tests.pdf.pdf_checks import run_tool, without_marks

FOOTNOTE = (
    "The signed facts of this certificate are attached to this file. Anyone can check them "
    "offline with the platform's published public key, or online at the address above."
)


def expected_facts(locale: str) -> list[str]:
    """Return what a reader must find on the sample certificate of ``locale``."""
    data = samples.sample_certificate(locale)
    t = samples.translator(locale)
    format_score = samples.score_formatter(locale)
    format_date = samples.date_formatter(locale)
    return [
        t("Certificate of assessment"),
        t("This certificate is awarded to"),
        data.subject_name,
        f"{data.organisation_name} · {data.country_name}",
        data.questionnaire_title,
        t("Version %(version)s") % {"version": data.questionnaire_version},
        t("Overall score"),
        format_score(data.overall_score),
        data.level_label,
        *(title for title, _ in data.section_scores),
        t("Reviewer"),
        data.reviewer_name,
        format_date(data.approval_date),
        format_date(data.issue_date),
        t("Serial number"),
        data.serial,
    ]


def _found(fact: str, text: str) -> bool:
    if without_marks(fact) in text:
        return True
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in fact):
        # Chinese lines break without a space, but pdftotext ends each line with one.
        return "".join(without_marks(fact).split()) in "".join(text.split())
    # Where digits meet right-to-left words ("28 مارس 2025") pdftotext guesses the
    # spacing by itself; the characters and their order must still be right.
    mixed = any(ch.isdigit() for ch in fact) and any(
        unicodedata.bidirectional(ch) in ("R", "AL") for ch in fact
    )
    return mixed and "".join(without_marks(fact).split()) in "".join(text.split())


@pytest.mark.parametrize("locale", [locale for locale in samples.LOCALES if locale != "en"])
def test_samples_are_translated_by_the_catalogs(locale: str) -> None:
    t = samples.translator(locale)
    assert t("Certificate of assessment") != "Certificate of assessment"
    assert t(samples.questionnaire().title) != samples.questionnaire().title


@pytest.mark.parametrize("locale", samples.LOCALES)
def test_certificate_passes_qpdf_check_and_has_one_page(
    locale: str, certificates: dict[str, bytes], qpdf_check: Callable[[bytes], None]
) -> None:
    pdf = certificates[locale]
    qpdf_check(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert str(reader.root_object["/Lang"]) == locale


@pytest.mark.parametrize("locale", samples.LOCALES)
def test_certificate_text_holds_the_facts_in_logical_order(
    locale: str, certificates: dict[str, bytes], pdftotext: Callable[..., str]
) -> None:
    # pdftotext reorders right-to-left lines itself; each line must come out in logical
    # order, which only works if every glyph maps back to its letter (ToUnicode).
    text = without_marks(pdftotext(certificates[locale]))
    missing = [fact for fact in expected_facts(locale) if not _found(fact, text)]
    assert not missing, f"{locale}: {missing!r} not in {text!r}"


def test_arabic_extracts_exactly_including_marks(certificates: dict[str, bytes]) -> None:
    # A reader that reverses right-to-left runs (pypdf, like most viewers' copy) gets the
    # exact logical text, harakat included, even of the footnote's three lines.
    text = " ".join(PdfReader(io.BytesIO(certificates["ar"])).pages[0].extract_text().split())
    t = samples.translator("ar")
    assert t("This certificate is awarded to") in text
    assert t(FOOTNOTE) in text


@pytest.mark.parametrize("locale", samples.LOCALES)
def test_all_fonts_are_embedded(
    locale: str, certificates: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(certificates[locale])
    result = run_tool("pdffonts", str(path))
    assert result.returncode == 0
    rows = result.stdout.decode().splitlines()[2:]
    assert rows, "no font in the PDF"
    for row in rows:
        columns = row.split()
        # name type... encoding emb sub uni object generation
        assert columns[-5:-2] == ["yes", "yes", "yes"], row


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_payload_and_signature_round_trip(locale: str, certificates: dict[str, bytes]) -> None:
    extracted = extract_certificate(certificates[locale])
    assert extracted == (samples.sample_payload(), samples.sample_signature())


def test_payload_bytes_are_carried_unchanged() -> None:
    payload = '{"organisation":"وزارة المالية","score":61.25,"note":"é\\u0000"}'.encode()
    data = dataclasses.replace(
        samples.sample_certificate("en"), payload_json=payload, signature="c2lnbmF0dXJl"
    )
    assert extract_certificate(render_certificate(data)) == (payload, "c2lnbmF0dXJl")


def test_attachments_are_standard_embedded_files(
    certificates: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "attached.pdf"
    path.write_bytes(certificates["en"])
    listing = run_tool("qpdf", "--list-attachments", str(path))
    assert listing.returncode == 0
    assert "certificate-payload.json" in listing.stdout.decode()
    shown = run_tool("qpdf", "--show-attachment=certificate-payload.json", str(path))
    assert shown.stdout == samples.sample_payload()


def test_extract_returns_none_without_a_payload(
    draft_reports: dict[str, bytes],
) -> None:
    assert extract_certificate(draft_reports["en"]) is None
    assert extract_certificate(b"not a pdf at all") is None
    assert extract_certificate(b"") is None


def test_rendering_is_deterministic(certificates: dict[str, bytes]) -> None:
    for locale in ("en", "ar", "zh"):
        again = render_certificate(samples.sample_certificate(locale), **samples.options(locale))
        assert again == certificates[locale], locale


def test_rendering_is_deterministic_across_processes(certificates: dict[str, bytes]) -> None:
    # A fresh process has loaded no font and shaped nothing yet: the bytes must not depend
    # on what the process drew before.
    script = textwrap.dedent(
        """
        import sys
        from ppp_assess.pdf import render_certificate
        from tests.pdf import samples
        certificate = samples.sample_certificate("ar")
        sys.stdout.buffer.write(render_certificate(certificate, **samples.options("ar")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=samples.ROOT,
    )
    assert result.stdout == certificates["ar"]


def test_different_data_gives_different_bytes(certificates: dict[str, bytes]) -> None:
    data = dataclasses.replace(samples.sample_certificate("en"), overall_score=78.0)
    assert render_certificate(data, **samples.options("en")) != certificates["en"]


def test_creation_date_is_the_issue_date(certificates: dict[str, bytes]) -> None:
    info = PdfReader(io.BytesIO(certificates["en"])).metadata
    assert info is not None
    assert str(info["/CreationDate"]) == "D:20250331000000Z"
    assert str(info["/Keywords"]) == samples.SERIAL


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_qr_code_decodes_to_the_verify_url(
    locale: str,
    certificates: dict[str, bytes],
    rasterise: Callable[[bytes, int], Path],
) -> None:
    image = rasterise(certificates[locale], 100)
    result = run_tool("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == samples.VERIFY_URL


def test_many_sections_and_long_names_stay_on_one_page(
    qpdf_check: Callable[[bytes], None], pdftotext: Callable[..., str]
) -> None:
    sections = tuple(
        (f"Section {n}: tailings facility safety and closure", 10.0 * n) for n in range(11)
    )
    data = dataclasses.replace(
        samples.sample_certificate("en"),
        subject_name="Northern Corridor Copper Mine Tailings Storage Facility Rehabilitation "
        "and Closure Public-Private Partnership",
        section_scores=sections,
        overall_score=100.0,
    )
    pdf = render_certificate(data)
    qpdf_check(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = without_marks(pdftotext(pdf))
    assert "Closure Public-Private Partnership" in text
    assert "Section 10" in text


def test_invalid_certificate_data_is_refused() -> None:
    valid = samples.sample_certificate("en")
    with pytest.raises(ValueError, match="text_direction"):
        dataclasses.replace(valid, text_direction="up")
    with pytest.raises(ValueError, match="overall_score"):
        dataclasses.replace(valid, overall_score=101.0)
    with pytest.raises(ValueError, match="serial"):
        dataclasses.replace(valid, serial="")


def test_certificate_data_is_frozen() -> None:
    data: CertificateData = samples.sample_certificate("en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.serial = "other"  # type: ignore[misc]
