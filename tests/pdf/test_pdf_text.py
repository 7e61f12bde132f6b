"""The text layer: font fallback, bidi order, Arabic shaping, line breaking, ToUnicode."""

from __future__ import annotations

import io

import pytest
from bidi import get_display
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import shapeStr
from reportlab.pdfgen.canvas import Canvas

from ppp_assess.pdf import text as text_layer
from ppp_assess.pdf.text import TextStyle, Typesetter

MIXED = [
    ("النتيجة 78.5% (ABC def) نعم", "R"),
    ("وزارة المالية — Ministry of Finance, 2025", "R"),
    ("الإصدار 1.0 بتاريخ 2025-03-31", "R"),
    ("Ministry (وزارة المالية) 2025", "L"),
    ("Score: 78.5 — «ممتاز» [A+]", "L"),
    ("plain English text, no right-to-left at all", "L"),
    ("قائمة: أ) الأولى، ب) الثانية", "R"),
]


@pytest.mark.parametrize(("logical", "base"), MIXED)
def test_visual_order_matches_python_bidi(logical: str, base: str) -> None:
    # The order the lines are drawn in is python-bidi's display order (which, unlike the
    # drawn text, does not mirror brackets).
    visual = "".join(character for character, _ in text_layer._visual_order(logical, base == "R"))
    assert visual == get_display(logical, base_dir=base)


def test_brackets_are_mirrored_in_right_to_left_runs() -> None:
    line = Typesetter("ar").line("نعم (ABC def)", TextStyle())
    # Visually, left to right: "(ABC def)" then the Arabic word.
    drawn = "".join(run.text for run in line.runs if run.face.filename.startswith("NotoSans"))
    assert drawn.strip() == "(ABC def)"
    brackets = Typesetter("ar").line("قائمة: أ) الأولى", TextStyle())
    latin_runs = [run.text for run in brackets.runs if not run.shaped]
    # A closing bracket in right-to-left text is drawn mirrored.
    assert [run.strip() for run in latin_runs] == ["("]


def test_runs_are_in_visual_order_for_a_right_to_left_line() -> None:
    typesetter = Typesetter("ar")
    line = typesetter.line("الدرجة 78.5 من 100", TextStyle())
    digits = [run.text for run in line.runs if any(ch.isdigit() for ch in run.text)]
    # Reading right to left the first number is 78.5, so it is drawn to the right of 100.
    assert digits == ["100", "78.5"]


def test_font_fallback_picks_a_face_per_script() -> None:
    chinese = Typesetter("zh").line("项目：Lusaka Water PPP", TextStyle())
    faces = {run.face.filename for run in chinese.runs}
    assert faces == {"DroidSansFallbackFull.ttf", "NotoSans-Regular.ttf"}

    english = Typesetter("en").line("Ministry — وزارة المالية", TextStyle(bold=True))
    assert {run.face.filename for run in english.runs} == {
        "NotoSans-Bold.ttf",
        "NotoNaskhArabic-Bold.ttf",
    }


def test_cjk_bold_is_synthetic_because_the_font_has_no_bold_cut() -> None:
    line = Typesetter("zh").line("评估证书", TextStyle(bold=True))
    assert [run.face.synthetic_bold for run in line.runs] == [True]


def test_arabic_is_shaped_into_joined_forms() -> None:
    word = "شهادة"
    (run,) = Typesetter("ar").line(word, TextStyle()).runs
    # The run keeps the logical letters; HarfBuzz lays them out right to left.
    assert run.shaped and run.text == word
    drawn = shapeStr(run.text, run.face.name, 10)  # the glyphs the text object draws
    loaded = text_layer.font(run.face)
    # Joined forms are other glyphs than the isolated letters, in right-to-left order.
    assert len(drawn) == len(word)
    assert list(drawn) != list(word)
    assert list(drawn) != list(word[::-1])
    assert drawn[-1] != word[0]  # the initial form of the first letter, drawn last
    # Every glyph extracts as the letter it stands for, in logical order once reversed.
    assert "".join(loaded.text_of(ord(ch)) for ch in reversed(drawn)) == word


def test_a_ligature_extracts_as_its_letters() -> None:
    # Lam-alef is one glyph with no character of its own.
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    Typesetter("ar").draw_text(canvas, "لا الإصدار", TextStyle(size=14), 40, 700, 500)
    canvas.save()
    extracted = PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()
    assert extracted.strip() == "لا الإصدار"


def test_shaped_text_extracts_in_logical_order_with_marks() -> None:
    # pypdf reverses right-to-left text as a reader of visual-order PDFs should; with each
    # glyph mapped to its own letter the marks stay after their letters.
    phrase = "تُمنح هذه الشهادة إلى البيانات الموقّعة"
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    Typesetter("ar").draw_text(canvas, phrase, TextStyle(size=14), 40, 700, 500)
    canvas.save()
    extracted = PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()
    assert extracted.strip() == phrase


def test_wrapped_lines_fit_and_keep_all_words() -> None:
    typesetter = Typesetter("en")
    style = TextStyle(size=10)
    text = (
        "Publish performance reports within six months of the end of each year, "
        "including the independent engineer's findings and the tariff adjustments."
    )
    lines = typesetter.break_text(text, style, 150)
    assert len(lines) > 2
    assert all(typesetter.width(line, style) <= 150 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_long_url_is_broken_inside_when_no_space_fits() -> None:
    typesetter = Typesetter("en")
    style = TextStyle(size=9)
    url = "https://ppp-assess.example.org/evidence/2025/annual-performance-report-final.pdf"
    lines = typesetter.break_text(url, style, 120)
    assert len(lines) > 1
    assert "".join(lines) == url
    assert all(typesetter.width(line, style) <= 120 for line in lines)


def test_chinese_wraps_between_characters_but_not_before_closing_punctuation() -> None:
    typesetter = Typesetter("zh")
    style = TextStyle(size=10)
    text = (
        "合同已在网上公开；绩效报告的发布滞后两年，请在下次评审前公布二〇二三年和二〇二四年的报告。"
    )
    for width in (60, 75, 90, 110):
        lines = typesetter.break_text(text, style, width)
        assert "".join(lines) == text
        assert all(typesetter.width(line, style) <= width for line in lines)
        assert not any(line[0] in "，。；：、）" for line in lines[1:])


def test_right_to_left_start_alignment_is_the_right_edge() -> None:
    arabic = Typesetter("ar")
    line = arabic.line("الإجابة", TextStyle())
    assert arabic.left_of(line.width, 100, 300, "start") == pytest.approx(400 - line.width)
    assert arabic.left_of(line.width, 100, 300, "end") == 100
    english = Typesetter("en")
    assert english.left_of(line.width, 100, 300, "start") == 100


def test_fit_shrinks_to_the_width() -> None:
    typesetter = Typesetter("fr")
    style = TextStyle(size=30)
    text = "Ministère des Finances et de la Planification nationale"
    fitted = typesetter.fit(text, style, 300, 8)
    assert fitted.size < 30
    assert typesetter.width(text, fitted) <= 300


def test_to_unicode_map_carries_cluster_text() -> None:
    cmap = text_layer.to_unicode_cmap("F1+Test", ["A", "لا", "\ue001"])
    assert "<00> <0041>" in cmap
    assert "<01> <06440627>" in cmap  # lam + alef for the ligature glyph
    assert "<02> <E001>" in cmap


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        Typesetter("en", "ttb")


@pytest.mark.parametrize(
    ("locale", "direction", "script"),
    [
        ("en", "ltr", "latin"),
        ("ru", "ltr", "latin"),
        ("ar", "rtl", "arabic"),
        ("ar-EG", "rtl", "arabic"),
        ("fa", "rtl", "arabic"),
        ("ur", "rtl", "arabic"),
        ("he", "rtl", "latin"),
        ("zh", "ltr", "cjk"),
        ("zh_Hant_TW", "ltr", "cjk"),
        ("ja", "ltr", "cjk"),
    ],
)
def test_direction_and_fonts_come_from_cldr(locale: str, direction: str, script: str) -> None:
    # Not only the shipped languages: any locale CLDR knows gets its direction and the
    # bundled fonts of its script first (Hebrew has none of its own, so Latin leads).
    assert text_layer.direction_of(locale) == direction
    assert text_layer.primary_script(locale) == script


def test_control_characters_are_drawn_as_spaces() -> None:
    typesetter = Typesetter("en")
    assert typesetter.break_text("first\tsecond\r\nthird", TextStyle(), 300) == [
        "first second",
        "third",
    ]
    assert "".join(run.text for run in typesetter.line("a\tb\x00c", TextStyle()).runs) == "a b c"


def test_isolated_user_text_keeps_its_full_stop_in_an_arabic_line() -> None:
    from ppp_assess.domain.display import isolate

    typesetter = Typesetter("ar")
    style = TextStyle(size=10)
    # Without isolates the name's full stop joins the Arabic around it, left of "Acme".
    loose = [run.text for run in typesetter.line("المشروع: Acme Ltd. تم", style).runs]
    assert "Acme Ltd" in loose and "Acme Ltd." not in loose
    isolated = typesetter.line(f"المشروع: {isolate('Acme Ltd.')} تم", style)
    assert "Acme Ltd." in [run.text for run in isolated.runs]
    # The isolates are never drawn, and a left-to-right page is unchanged by them.
    assert not any("\u2068" in run.text or "\u2069" in run.text for run in isolated.runs)
    english = Typesetter("en").line(f"Project: {isolate('Acme Ltd.')}.", style)
    assert "".join(run.text for run in english.runs) == "Project: Acme Ltd.."
