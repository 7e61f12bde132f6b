"""Assessment reports: every question, gaps, draft marking, right-to-left mirroring."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from ppp_assess.domain.documents import ReportData, ReportGap, ReportQuestion, ReportSection
from ppp_assess.pdf.report import render_report
from tests.pdf import samples
from tests.pdf.pdf_checks import found_across_pages, without_marks

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>')


@pytest.fixture(scope="module")
def long_report() -> tuple[ReportData, bytes]:
    data = samples.sample_report("en", 60, draft=False)
    return data, render_report(data, **samples.options("en"))


def _questions(data: ReportData) -> list[ReportQuestion]:
    return [question for section in data.sections for question in section.questions]


def test_sixty_question_report_is_valid_and_holds_every_question(
    long_report: tuple[ReportData, bytes],
    qpdf_check: Callable[[bytes], None],
    pdftotext: Callable[..., str],
) -> None:
    data, pdf = long_report
    qpdf_check(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 10
    text = without_marks(pdftotext(pdf))
    questions = _questions(data)
    assert len(questions) == 60
    missing = [
        q.id
        for q in questions
        if not found_across_pages(without_marks(q.text), text) or q.id not in text
    ]
    assert not missing
    for question in questions:
        for link in question.evidence_links:
            assert link in text
    for section in data.sections:
        assert without_marks(section.title) in text
    for gap in data.gaps:
        assert found_across_pages(without_marks(gap.action), text)
    assert "Gaps and recommended actions" in text


def test_final_report_has_no_draft_marker(
    long_report: tuple[ReportData, bytes], pdftotext: Callable[..., str]
) -> None:
    _, pdf = long_report
    text = pdftotext(pdf)
    assert "DRAFT" not in text
    assert "Draft" not in text


@pytest.mark.parametrize("locale", samples.LOCALES)
def test_draft_report_in_every_language(
    locale: str,
    draft_reports: dict[str, bytes],
    qpdf_check: Callable[[bytes], None],
    pdftotext: Callable[..., str],
) -> None:
    pdf = draft_reports[locale]
    qpdf_check(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 2
    data = samples.sample_report(locale, 12, draft=True)
    # The marker is on every page: the cover banner or the page header (the rotated
    # watermark comes out of pdftotext letter by letter).
    for number in range(1, len(pages) + 1):
        page_text = without_marks(pdftotext(pdf, "-f", str(number), "-l", str(number)))
        assert without_marks(samples.translator(locale)("DRAFT")) in page_text, (locale, number)
    text = without_marks(pdftotext(pdf))
    # The sample numbers its questions ("3. ..."); how a reader places a number against
    # right-to-left text is its own guess, so only the question itself is compared.
    bodies = {q.id: q.text.split(". ", 1)[1] for q in _questions(data)}
    if locale == "ar":
        # pdftotext takes a raised mark (as in "فقراً") for a line of its own, which can
        # move the words after it, and may cut a word where marks pile up ("قُدِّرت"
        # comes out as "ُق ِّدرت"); every word's letters must still come out in
        # logical order.
        letters = "".join(text.split())
        missing = [
            key
            for key, body in bodies.items()
            if not all(word in letters for word in re.findall(r"[^\W\d_]+", without_marks(body)))
        ]
        # pypdf reverses right-to-left runs as drawn and gets the exact text, marks
        # included; only where it puts the question's number, in a question over several
        # lines, is its own guess.
        exact = " ".join(
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
        )
        without_numbers = " ".join(re.sub(r"\d+", " ", exact).split())
        missing += [key for key, body in bodies.items() if body not in without_numbers]
    else:
        missing = [key for key, body in bodies.items() if without_marks(body) not in text]
    assert not missing, (locale, missing)
    assert without_marks(data.subject_name) in text
    assert without_marks(data.sections[0].title) in text


def test_draft_banner_is_on_the_cover(
    draft_reports: dict[str, bytes], pdftotext: Callable[..., str]
) -> None:
    cover = without_marks(pdftotext(draft_reports["en"], "-f", "1", "-l", "1"))
    assert without_marks("Draft: not reviewed, not certified") in cover


def _words(bbox_html: str) -> list[tuple[float, float, str]]:
    return [(float(x), float(y), word) for x, y, word in _WORD.findall(bbox_html)]


def _label_and_value(
    words: list[tuple[float, float, str]], label: str
) -> list[tuple[float, float]]:
    """Return the x of ``label`` and of the score 100.0 wherever they share a line."""
    return [
        (label_x, value_x)
        for label_x, label_y, word in words
        if word == label
        for value_x, value_y, value in words
        if value == "100.0" and abs(value_y - label_y) < 2
    ]


def test_question_table_columns_are_mirrored_right_to_left(
    draft_reports: dict[str, bytes], pdftotext: Callable[..., str]
) -> None:
    # Page 2 holds the first questions; the first one scores 100. pdftotext -bbox reports
    # words as drawn, so an Arabic word appears with its letters in visual (reversed) order.
    english = _words(pdftotext(draft_reports["en"], "-bbox", "-f", "2", "-l", "2"))
    rows = _label_and_value(english, "Score")
    assert rows
    assert all(label_x < value_x for label_x, value_x in rows)

    score = samples.translator("ar")("Score")[::-1]
    arabic = _words(pdftotext(draft_reports["ar"], "-bbox", "-f", "2", "-l", "2"))
    rows = _label_and_value(arabic, score)
    assert rows
    assert all(label_x > value_x for label_x, value_x in rows)


def test_report_renders_without_scores_questions_or_gaps(
    qpdf_check: Callable[[bytes], None], pdftotext: Callable[..., str]
) -> None:
    data = ReportData(
        questionnaire_title="Mining infrastructure supplement",
        questionnaire_version="0.9",
        subject_name="Copperbelt Rail Link",
        organisation_name="Ministry of Transport",
        status="Draft",
        is_draft=True,
        overall_score=None,
        level_label="",
        sections=(
            ReportSection("Tailings facility safety", None, ()),
            ReportSection(
                "Closure and financial guarantees",
                0.0,
                (ReportQuestion("mi-2-1", "Is a closure plan approved?", score=None),),
            ),
        ),
        gaps=(),
        generated_date=samples.ISSUE_DATE,
    )
    pdf = render_report(data)
    qpdf_check(pdf)
    text = without_marks(pdftotext(pdf))
    assert without_marks("No gaps: every scored question reached the maximum.") in text
    assert "Is a closure plan approved?" in text
    assert "Not scored" in text


def test_long_texts_split_across_pages(
    qpdf_check: Callable[[bytes], None], pdftotext: Callable[..., str]
) -> None:
    comment = " ".join(f"Sentence {n} of a very long justification." for n in range(400))
    data = dataclasses.replace(
        samples.sample_report("en", 2),
        sections=(
            ReportSection(
                "Stakeholder engagement",
                50.0,
                (ReportQuestion("pf-5-1", "Were hearings held?", comment=comment, score=50.0),),
            ),
        ),
        gaps=(ReportGap("Were hearings held?", 2.5, "Hold hearings in every district."),),
    )
    pdf = render_report(data)
    qpdf_check(pdf)
    text = without_marks(pdftotext(pdf))
    assert "Sentence 0 of" in text
    assert "Sentence 399 of a very long justification." in text


def test_chinese_report_wraps_long_text_within_the_page(
    qpdf_check: Callable[[bytes], None], pdftotext: Callable[..., str]
) -> None:
    comment = "合同已在网上公开；绩效报告的发布滞后两年。" * 12
    data = dataclasses.replace(
        samples.sample_report("zh", 2),
        sections=(
            ReportSection(
                "利益相关方参与",
                50.0,
                (ReportQuestion("pf-5-1", "是否举行了听证会？", comment=comment, score=50.0),),
            ),
        ),
    )
    pdf = render_report(data, **samples.options("zh"))
    qpdf_check(pdf)
    page = _words(pdftotext(pdf, "-bbox", "-f", "2", "-l", "2"))
    assert page
    assert max(x for x, _, _ in page) < 595 - 50  # nothing runs past the right margin
    text = "".join(without_marks(pdftotext(pdf)).split())
    assert comment in text


def test_report_rendering_is_deterministic(draft_reports: dict[str, bytes]) -> None:
    again = render_report(samples.sample_report("ar", 12, draft=True), **samples.options("ar"))
    assert again == draft_reports["ar"]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_annex_lists_each_document_with_its_sha256(
        locale: str, pdftotext: Callable[..., str]) -> None:
    from ppp_assess.domain.documents import ReportDocument

    digest = "0123456789abcdef" * 4
    data = dataclasses.replace(
        samples.sample_report(locale, 3, draft=False),
        documents=(ReportDocument("zt-1-1", "Is there a policy?", "policy.pdf", digest,
                                  "Accepted", question_number="1.1"),))
    text = without_marks(pdftotext(render_report(data, **samples.options(locale))))
    assert "policy.pdf" in text
    # Readers know the question by its number; the id is for exports and the API.
    assert "1.1" in text and "zt-1-1" not in text
    assert "01234567 89abcdef 01234567 89abcdef" in text
    if locale == "en":
        assert "Annex:evidence documents" in text.replace(": ", ":")


def test_a_report_without_documents_has_no_annex(pdftotext: Callable[..., str]) -> None:
    data = samples.sample_report("en", 3, draft=False)
    text = pdftotext(render_report(data, **samples.options("en")))
    assert "Annex: evidence documents" not in text
