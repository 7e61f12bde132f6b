"""One assessment reads the same score everywhere: its pages, the API, the report and the
certificate (and the certificate's signed payload), the CSV export and the mail."""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.config import get_settings
from ppp_assess.domain.certificates import payload_from_bytes
from ppp_assess.domain.display import rounded_score
from ppp_assess.mail.compose import compose
from ppp_assess.models import OutboxMessage
from ppp_assess.pdf import extract_certificate
from ppp_assess.services import outbox
from tests.certificate_support import certified, evaluator
from tests.factories import Factory, sign_in


def _pdf_text(client: FlaskClient, address: str, tmp_path: Path) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    source = tmp_path / "document.pdf"
    source.write_bytes(response.data)
    result = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, check=True,
                            timeout=60)
    return " ".join(result.stdout.decode("utf-8").split())


def _csv_rows(client: FlaskClient) -> list[dict[str, str]]:
    response = client.get("/evaluations/export.csv?questionnaire=people-first&language=en")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_one_assessment_shows_one_score_everywhere(app: Flask, client: FlaskClient,
                                                   db: Session, factory: Factory,
                                                   tmp_path: Path) -> None:
    scenario, certificate = certified(db, factory, app, quality=0.55)
    assessment = scenario.assessment
    exact = assessment.score
    assert exact is not None
    shown = str(rounded_score(exact))
    french = shown.replace(".", ",")
    # The stored score needs rounding: with 0 or 2 decimals, or Python's round, the
    # outputs would have disagreed.
    assert Decimal(repr(exact)) != Decimal(shown)
    assert len(repr(exact).split(".")[1]) > 2
    others = {str(round(exact)), f"{exact:.2f}"} - {shown}
    assert others
    respondent_email, reviewer_email = scenario.respondent.email, scenario.reviewer.email
    assessment_id, serial = assessment.id, certificate.serial
    expert = evaluator(factory)
    db.commit()

    # The decision mail to the respondent.
    with app.app_context():
        notice = db.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == outbox.REVIEW_DECISION,
            OutboxMessage.recipient_id == scenario.respondent.id)).one()
        mail = compose(db, get_settings(app), notice, ("en",))
    assert mail is not None
    assert f"Overall score: {shown} out of 100" in mail.body
    db.commit()

    sign_in(client, respondent_email)
    # The assessment's page, in English and in French.
    page = client.get(f"/assessments/{assessment_id}/submitted").get_data(as_text=True)
    assert f'<span class="score-number">{shown}</span>' in page
    page = client.get(f"/assessments/{assessment_id}/submitted?lang=fr").get_data(as_text=True)
    assert f'<span class="score-number">{french}</span>' in page
    # The API: the rounded number, and the same number as the page writes it.
    body = client.get(f"/api/v1/assessments/{assessment_id}?lang=en").get_json()
    assert body["score"]["overall"] == float(shown)
    assert body["score"]["overall_display"] == shown
    # The report and the certificate, as downloaded.
    report = _pdf_text(client, f"/assessments/{assessment_id}/en/report.pdf", tmp_path)
    assert f"Overall score {shown} out of 100" in report
    assert not any(other in report.split() for other in others)
    assert f"{french} sur 100" in _pdf_text(
        client, f"/assessments/{assessment_id}/fr/report.pdf", tmp_path)
    download = client.get(f"/assessments/{assessment_id}/en/certificate.pdf")
    assert download.status_code == 200
    carried = extract_certificate(download.data)
    assert carried is not None
    assert payload_from_bytes(carried[0]).overall_score == shown
    text = _pdf_text(client, f"/assessments/{assessment_id}/en/certificate.pdf", tmp_path)
    assert f"Overall score {shown} out of 100" in text
    client.post("/auth/sign-out")

    # The public verification page shows the signed facts.
    verify = client.get(f"/verify/{serial}?lang=en").get_data(as_text=True)
    assert f"{shown} out of 100" in verify

    # The review board.
    sign_in(client, reviewer_email)
    review = client.get(f"/review/{assessment_id}?lang=en").get_data(as_text=True)
    assert f"{shown} out of 100" in review
    client.post("/auth/sign-out")

    # The export an evaluator downloads.
    sign_in(client, expert.email)
    (row,) = [row for row in _csv_rows(client) if int(row["assessment_id"]) == assessment_id]
    assert row["score"] == shown
