"""Render the certificate and report images of docs/images from the real catalogs.

    make translations && .venv/bin/python docs/render_images.py [OUTPUT_DIR]

For every shipped language this renders the sample certificate and draft report of the
PDF tests (``tests/pdf/samples.py``: the people-first questionnaire with invented
names), translated by the application's own Flask-Babel under ``force_locale``, as the
download pages do. It writes ``certificate-<lang>.png`` (the page at 100 dpi) and
``report-<lang>.png`` (the cover and the first page of questions, side by side, at
80 dpi), reduced to a 96-colour palette to keep the repository small. Needs
``pdftoppm`` (Debian's poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from flask_babel import force_locale, gettext
from PIL import Image

from ppp_assess import create_app, presentation
from ppp_assess.pdf import render_certificate, render_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.pdf import samples  # noqa: E402  (the PDF tests' sample documents)

COLOURS = 96


def _pages(pdf: bytes, folder: Path, name: str, resolution: int, last: int) -> list[Path]:
    """Rasterise pages 1 to ``last`` of ``pdf`` and return the PNG files."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is needed: apt-get install poppler-utils")
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603  (our own file names)
        [pdftoppm, "-png", "-r", str(resolution), "-f", "1", "-l", str(last),
         str(source), str(folder / name)],
        check=True,
    )
    return sorted(folder.glob(f"{name}-*.png"))


def _save(images: list[Image.Image], target: Path) -> None:
    """Write ``images`` side by side, on a palette of :data:`COLOURS` colours."""
    gap = 16 if len(images) > 1 else 0
    width = sum(image.width for image in images) + gap * (len(images) - 1)
    sheet = Image.new("RGB", (width, max(image.height for image in images)), "white")
    left = 0
    for image in images:
        sheet.paste(image, (left, 0))
        left += image.width + gap
    sheet.quantize(colors=COLOURS).save(target, optimize=True)


def render(output: Path) -> None:
    """Write the certificate and report images of every shipped language to ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        app = create_app({"env": "testing", "database_url": "sqlite://",
                          "instance_path": str(folder / "instance"), "secret_key": "docs"})
        with app.app_context():
            for locale in samples.LOCALES:
                with force_locale(locale):
                    localiser = presentation.localiser(locale)
                    options = {"translate": gettext, "format_score": localiser.score,
                               "format_number": localiser.number,
                               "format_date": localiser.date}
                    certificate = render_certificate(
                        samples.sample_certificate(locale, gettext), **options)
                    report = render_report(
                        samples.sample_report(locale, 12, draft=True, translate=gettext),
                        **options)
                (page,) = _pages(certificate, folder, f"certificate-{locale}", 100, 1)
                _save([Image.open(page).convert("RGB")], output / f"certificate-{locale}.png")
                pages = _pages(report, folder, f"report-{locale}", 80, 2)
                _save([Image.open(path).convert("RGB") for path in pages],
                      output / f"report-{locale}.png")
                print(f"{locale}: certificate-{locale}.png, report-{locale}.png")


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "images")
