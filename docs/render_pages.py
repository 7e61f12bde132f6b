"""Take the screenshots of pages in docs/images: the demo data, served and shown in Chromium.

    make translations && .venv/bin/python docs/render_pages.py [OUTPUT_DIR]

The demo data is seeded into a scratch SQLite database and served on a free local port;
headless Chromium (Debian's, driven by Playwright) signs in as the demo respondent and
takes each page of :data:`PAGES` whole, at 320, 768 and 1280 px wide, in English and
Arabic, as ``<page>-<lang>-<width>.png``, reduced to a palette of 96 colours to keep the
repository small. Add a page by adding an entry to :data:`PAGES`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Membership, User, migrate
from ppp_assess.services.demo import seed_demo
from ppp_assess.unit_of_work import get_database

COLOURS = 96
WIDTHS = (320, 768, 1280)
LOCALES = ("en", "ar")
PASSWORD = "demo-pages-password-1"  # noqa: S105  (a scratch database, thrown away)
RESPONDENT = "respondent@demo.test"


def _respondents_assessment(session: Session) -> int:
    """Return the demo respondent's most advanced assessment (approved first)."""
    user = session.scalars(select(User).where(User.email == RESPONDENT)).one()
    organisation = session.scalars(select(Membership.organisation_id)
                                   .where(Membership.user_id == user.id)).first()
    rank = {Status.approved: 0, Status.certified: 1, Status.in_review: 2,
            Status.submitted: 3, Status.draft: 4}
    found = sorted(session.scalars(select(Assessment)
                                   .where(Assessment.organisation_id == organisation)),
                   key=lambda assessment: (rank.get(assessment.status, 9), assessment.id))
    return found[0].id


#: name -> (address of the page, given the demo respondent's assessment id).
PAGES: dict[str, Callable[[int], str]] = {
    "score": lambda assessment_id: f"/assessments/{assessment_id}/score",
}


def _save(source: Path, target: Path) -> None:
    Image.open(source).convert("RGB").quantize(colors=COLOURS).save(target, optimize=True)


def render(output: Path) -> None:
    """Write every page of :data:`PAGES` at every width in every language to ``output``."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Chromium is needed: apt-get install chromium")
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'demo.sqlite3'}"
        migrate.upgrade(url)
        app = create_app({"env": "testing", "database_url": url,
                          "instance_path": str(folder / "instance"), "secret_key": "docs",
                          "flask_overrides": {"RATELIMIT_ENABLED": False}})
        with app.app_context(), get_database(app).transaction() as session:
            seed_demo(session, questionnaire_dir=PROJECT_ROOT / "questionnaires",
                      password=PASSWORD)
            session.flush()
            assessment_id = _respondents_assessment(session)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable,
                                                     args=["--no-sandbox", "--disable-gpu"])
                for locale in LOCALES:
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(f"{base}/auth/sign-in?lang={locale}")
                    page.fill("#email", RESPONDENT)
                    page.fill("#password", PASSWORD)
                    page.locator("main button[type=submit]").click()
                    page.wait_for_url(f"{base}/**")
                    for name, address in PAGES.items():
                        for width in WIDTHS:
                            page.set_viewport_size({"width": width, "height": 900})
                            page.goto(base + address(assessment_id))
                            shot = folder / f"{name}-{locale}-{width}.png"
                            page.screenshot(path=str(shot), full_page=True)
                            _save(shot, output / shot.name)
                            print(shot.name)
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            get_database(app).dispose()


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "images")
