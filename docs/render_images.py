"""Render the certificate and report images of docs/images from the real catalogs.

    make translations && .venv/bin/python docs/render_images.py [OUTPUT_DIR]
    make translations && .venv/bin/python docs/render_images.py --pages [OUTPUT_DIR]

For every shipped language this renders the sample certificate and draft report of the
PDF tests (``tests/pdf/samples.py``: the people-first questionnaire with invented
names), translated by the application's own Flask-Babel under ``force_locale``, as the
download pages do. It writes ``certificate-<lang>.png`` (the page at 100 dpi) and
``report-<lang>.png`` (the cover and the first page of questions, side by side, at
80 dpi), reduced to a 96-colour palette to keep the repository small. Needs
``pdftoppm`` (Debian's poppler-utils).

With ``--pages`` it photographs pages of the running application instead, in headless
Chromium (``make test`` installs it), in English and Arabic at 320, 768 and 1280 px
wide: each role's home, a returned assessment as its organisation sees it, and the
review page of a resubmission. It writes ``page-<name>-<lang>-<width>.png``: the top
of the page, at most :data:`PAGE_HEIGHT` pixels, on the same palette.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from flask_babel import force_locale, gettext
from PIL import Image

from ppp_assess import create_app, presentation
from ppp_assess.pdf import render_certificate, render_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.pdf import samples  # noqa: E402  (the PDF tests' sample documents)

COLOURS = 96
#: The pages photographed with ``--pages``, their widths and the height kept of each.
PAGE_LANGUAGES = ("en", "ar")
PAGE_WIDTHS = (320, 768, 1280)
PAGE_HEIGHT = 2000


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


def _page_data(app: Any) -> dict[str, tuple[str, str]]:
    """Fill the database with one case per page; return name -> (e-mail, path)."""
    from ppp_assess.domain.reference import OrgRole
    from ppp_assess.services import accounts, assessments, reviews
    from ppp_assess.unit_of_work import get_database
    from tests.certificate_support import admin, assessment_in, evaluator
    from tests.factories import Factory

    with get_database(app).transaction() as session:
        factory = Factory(session)
        returned = assessment_in(session, factory, "returned")
        again = assessment_in(session, factory, "returned",
                              organisation=factory.organisation(name="Lakeside Water Authority"))
        questionnaire = again.assessment.questionnaire_version
        first = returned.assessment
        section = _section_of_first_question(first)
        # The second organisation answers the comment and resubmits; the reviewer takes it.
        assessments.save_answer(
            session, again.assessment, _first_question(questionnaire),
            assessments.AnswerInput(_first_question_value(questionnaire),
                                    comment="Public Procurement Act 2021, section 12."),
            base_version=again.assessment.version, actor=again.respondent)
        assessments.submit_assessment(session, again.assessment, actor=again.respondent)
        reviews.start_review(session, again.assessment, reviewer=again.reviewer,
                             declared_no_conflict=True)
        assessment_in(session, factory, "submitted",
                      organisation=factory.organisation(name="Northern Roads Agency"),
                      reviewer=again.reviewer)
        operator = admin(factory, name="Amina Operator")
        accounts.invite_member(session, operator, first.organisation_id,
                               email="invited@example.org", name="Omar Invited",
                               role=OrgRole.respondent)
        return {
            "home-respondent": (returned.respondent.email, "/"),
            "home-reviewer": (again.reviewer.email, "/"),
            "home-evaluator": (evaluator(factory, name="Eva Evaluator").email, "/"),
            "home-admin": (operator.email, "/"),
            "returned": (returned.respondent.email,
                         f"/assessments/{first.id}/sections/{section}"),
            "review": (again.reviewer.email, f"/review/{again.assessment.id}"),
        }


def _questionnaire(version: Any) -> Any:
    from ppp_assess.services.questionnaires import questionnaire_of
    return questionnaire_of(version)


def _first_question(version: Any) -> str:
    return str(_questionnaire(version).all_questions()[0].id)


def _first_question_value(version: Any) -> Any:
    from tests.certificate_support import answers_for
    question = _first_question(version)
    return answers_for(_questionnaire(version), 1.0, None)[question].value


def _section_of_first_question(assessment: Any) -> str:
    questionnaire = _questionnaire(assessment.questionnaire_version)
    return str(questionnaire.section_of(questionnaire.all_questions()[0].id).id)


def render_pages(output: Path) -> None:
    """Photograph each role's home, a returned assessment and the review page."""
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from ppp_assess.models import migrate
    from tests.e2e.conftest import CHROMIUM_FLAGS
    from tests.factories import PASSWORD

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'pages.sqlite3'}"
        migrate.upgrade(url)
        app = create_app({"env": "testing", "database_url": url,
                          "instance_path": str(folder / "instance"), "secret_key": "docs"})
        pages = _page_data(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        if executable is None:
            raise SystemExit("Chromium is needed: apt-get install chromium")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable,
                                                     args=CHROMIUM_FLAGS)
                for language in PAGE_LANGUAGES:
                    for name, (email, path) in pages.items():
                        context = browser.new_context(locale=language,
                                                      viewport={"width": 1280, "height": 900})
                        page = context.new_page()
                        page.goto(f"{base}/auth/sign-in")
                        page.fill("#email", email)
                        page.fill("#password", PASSWORD)
                        page.locator("main button[type=submit]").click()
                        page.wait_for_url(f"{base}/")
                        page.goto(f"{base}{path}")
                        for width in PAGE_WIDTHS:
                            page.set_viewport_size({"width": width, "height": 900})
                            shot = folder / "shot.png"
                            page.screenshot(path=str(shot), full_page=True)
                            image = Image.open(shot).convert("RGB")
                            image = image.crop((0, 0, image.width,
                                                min(image.height, PAGE_HEIGHT)))
                            target = output / f"page-{name}-{language}-{width}.png"
                            _save([image], target)
                            print(target.name)
                        context.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--pages"]
    folder = Path(arguments[0]) if arguments else Path(__file__).resolve().parent / "images"
    if "--pages" in sys.argv[1:]:
        render_pages(folder)
    else:
        render(folder)
