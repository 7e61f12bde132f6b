"""Render the project-history images of docs/images with a headless browser.

    make translations && PYTHONPATH=. .venv/bin/python docs/render_history_images.py [OUTPUT_DIR]

Builds a scratch SQLite database with one mining project assessed three times against
the people-first questionnaire (procurement, financial close, construction), each
assessment approved by a reviewer, the later two started from the one before. It then
serves the application on a local port and photographs the project page, signed in as
the respondent, in English and Arabic: ``project-history-en.png`` and
``project-history-ar.png``, reduced to a 96-colour palette. Needs Playwright and a
Chromium (``PLAYWRIGHT_CHROMIUM``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image
from werkzeug.serving import make_server

from ppp_assess import create_app
from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import Assessment, Project
from ppp_assess.models.migrate import upgrade
from ppp_assess.services import accounts, assessments, history, reviews
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.questionnaires import publish_directory
from ppp_assess.unit_of_work import get_database

ROOT = Path(__file__).resolve().parents[1]
COLOURS = 96
#: The scratch users' password, new on every run.
PASSWORD = secrets.token_urlsafe(16)
QUESTIONNAIRE = "people-first"
#: (stage, period, maturity 0..1) of each assessment, oldest first.
ROUNDS = (("procurement", "2023", 0.35), ("financial_close", "2024", 0.55),
          ("construction", "2025", 0.8))


def _answers(assessment: Assessment, maturity: float,
             rng: random.Random) -> dict[str, assessments.AnswerInput]:
    questionnaire = assessments.questionnaire_for(assessment)
    inputs = {}
    for question in questionnaire.all_questions():
        value = question.strategy.example_answer(question, maturity, rng)
        if value is None:
            continue
        try:
            inputs[question.id] = assessments.AnswerInput(validate_answer(question, value))
        except AnswerError:
            continue
    return inputs


def build(app: object, rng: random.Random) -> tuple[str, int]:
    """Create the project and its approved assessments; return the email and project id."""
    database = get_database(app)  # type: ignore[arg-type]
    with database.transaction() as session:
        publish_directory(session, ROOT / "questionnaires")
        organisation = accounts.create_organisation(
            session, name="Ministry of Mines", country="MN", region="central_asia")
        respondent = accounts.create_user(session, email="respondent@example.org",
                                          name="Respondent",
                                          password_hash=hash_password(PASSWORD))
        accounts.add_member(session, user=respondent, organisation=organisation,
                            role=OrgRole.respondent)
        reviewer = accounts.create_user(session, email="reviewer@example.org",
                                        name="Reviewer", password_hash=hash_password(PASSWORD))
        accounts.grant_platform_role(session, user=reviewer, role=PlatformRole.reviewer)
        project = Project(organisation=organisation, name="Tavan Tolgoi rail link",
                          sector="mining", subsector="rail", country="MN",
                          region="central_asia", stage="construction",
                          contract_type="concession", capital_value=900_000_000,
                          currency="USD", description="")
        session.add(project)
        session.flush()
        previous: Assessment | None = None
        approved_at = dt.datetime(2023, 11, 20, tzinfo=dt.UTC)
        for stage, period, maturity in ROUNDS:
            if previous is None:
                assessment = assessments.start_assessment_for(
                    session, actor=respondent, questionnaire_id=QUESTIONNAIRE,
                    project_id=project.id, stage=stage, period=period)
            else:
                assessment, _carried = history.start_reassessment(
                    session, actor=respondent, questionnaire_id=QUESTIONNAIRE,
                    previous_id=previous.id, stage=stage, period=period)
            assessments.save_answers(session, assessment,
                                     _answers(assessment, maturity, rng),
                                     base_version=assessment.version, actor=respondent)
            assessments.submit_assessment(session, assessment, actor=respondent)
            reviews.start_review(session, assessment, reviewer=reviewer,
                                 declared_no_conflict=True)
            reviews.decide(session, assessment, reviewer=reviewer, decision="approve")
            # Spread the approvals over the years the periods name.
            assessment.approved_at = approved_at
            approved_at = approved_at.replace(year=approved_at.year + 1)
            previous = assessment
        return respondent.email, project.id


def photograph(base_url: str, email: str, project_id: int, output: Path) -> None:
    """Sign in and photograph the project page in English and Arabic."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{base_url}/auth/sign-in?lang=en")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        for locale in ("en", "ar"):
            page.goto(f"{base_url}/projects/{project_id}?lang={locale}")
            section = page.locator("section.project-history")
            target = output / f"project-history-{locale}.png"
            section.screenshot(path=str(target))
            Image.open(target).convert("RGB").quantize(colors=COLOURS).save(target,
                                                                            optimize=True)
            print(f"{locale}: {target.name}")
        browser.close()


def render(output: Path) -> None:
    """Write the project-history images to ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'history.sqlite3'}"
        upgrade(url)
        app = create_app({"env": "testing", "database_url": url,
                          "instance_path": str(folder / "instance"), "secret_key": "docs"})
        app.config["WTF_CSRF_ENABLED"] = False
        # Invented answers, the same on every run; nothing secret.
        email, project_id = build(app, random.Random(7))  # noqa: S311
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            photograph(f"http://127.0.0.1:{server.server_port}", email, project_id, output)
        finally:
            server.shutdown()


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "images")
