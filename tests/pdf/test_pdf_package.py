"""The PDF package stands alone: no web framework, no database, no service layer."""

from __future__ import annotations

import ast
from pathlib import Path

import ppp_assess.pdf

PACKAGE = Path(ppp_assess.pdf.__file__).resolve().parent
FORBIDDEN_ROOTS = {"flask", "flask_babel", "flask_login", "flask_wtf", "wtforms", "sqlalchemy"}
FORBIDDEN_PACKAGES = ("ppp_assess.models", "ppp_assess.services", "ppp_assess.web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_pdf_package_imports_no_framework_nor_database() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        bad = sorted(
            module
            for module in _imports(path)
            if module.split(".")[0] in FORBIDDEN_ROOTS or module.startswith(FORBIDDEN_PACKAGES)
        )
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_bundled_fonts_are_truetype_with_licences() -> None:
    fonts = PACKAGE / "fonts"
    files = sorted(path.name for path in fonts.glob("*.ttf"))
    assert files == [
        "DroidSansFallbackFull.ttf",
        "NotoNaskhArabic-Bold.ttf",
        "NotoNaskhArabic-Regular.ttf",
        "NotoSans-Bold.ttf",
        "NotoSans-Regular.ttf",
        "NotoSerif-Bold.ttf",
        "NotoSerif-Regular.ttf",
    ]
    for name in files:
        # TrueType outlines: sfnt version 0x00010000 (not "OTTO", which is CFF).
        assert (fonts / name).read_bytes()[:4] == b"\x00\x01\x00\x00", name
    assert (fonts / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1
    assert "Apache License" in (fonts / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    total = sum(path.stat().st_size for path in fonts.iterdir())
    assert total < 15 * 1024 * 1024
