"""Verification links and QR codes lead to the platform's address, never a fixed one."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from ppp_assess.config import get_settings
from ppp_assess.models import OutboxMessage
from ppp_assess.services import certificates as certificate_service
from tests.certificate_support import assessment_in, evaluator
from tests.factories import sign_in


class _ClientAt:
    """A test client whose every request comes in on one host and port."""

    def __init__(self, client: FlaskClient, host: str) -> None:
        self.client = client
        self.base_url = f"http://{host}"

    def get(self, url: str, **options: Any) -> TestResponse:
        return self.client.get(url, base_url=self.base_url, **options)

    def post(self, url: str, **options: Any) -> TestResponse:
        return self.client.post(url, base_url=self.base_url, **options)


def _client_at(app: Flask, host: str) -> Any:
    """Return a test client whose every request comes in on ``host``."""
    return _ClientAt(app.test_client(), host)


def _qr_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.skip("zbarimg or pdftoppm is not installed")
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile",
                    str(tmp_path / "certificate.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                            capture_output=True, text=True, check=True, timeout=60)
    return result.stdout.strip()


def _issue_through_the_page(app: Flask, client: Any, db, factory) -> tuple[str, int]:
    scenario = assessment_in(db, factory, "approved")
    issuer = evaluator(factory)
    db.commit()
    sign_in(client, issuer.email)
    page = client.get(f"/certificates/issue/{scenario.assessment.id}").get_data(as_text=True)
    confirmed = re.search(r'name="facts" type="hidden" value="([0-9a-f]{64})"', page)
    assert confirmed is not None
    response = client.post(f"/certificates/issue/{scenario.assessment.id}",
                           data={"facts": confirmed.group(1)})
    assert response.status_code == 302
    certificate = certificate_service.certificate_of(db, scenario.assessment)
    assert certificate is not None
    db.commit()
    return certificate.serial, scenario.assessment.id


def _address(app: Flask, base_url: str) -> Flask:
    app.extensions["ppp_settings"] = replace(get_settings(app), base_url=base_url)
    return app


def test_without_a_configured_address_the_request_s_address_is_used(app, db, factory,
                                                                     tmp_path) -> None:
    _address(app, "")
    client = _client_at(app, "ppp.example:8123")
    serial, assessment_id = _issue_through_the_page(app, client, db, factory)
    expected = f"http://ppp.example:8123/verify/{serial}"
    facts = client.get(f"/api/v1/certificates/{serial}").get_json()["facts"]
    assert facts["verify_url"] == expected
    pdf = client.get(f"/assessments/{assessment_id}/certificate.pdf")
    assert pdf.status_code == 200
    assert _qr_text(pdf.data, tmp_path) == expected


def test_a_configured_address_wins(app, db, factory) -> None:
    _address(app, "https://ppp.example.org")
    client = _client_at(app, "internal-host:9000")
    serial, _assessment_id = _issue_through_the_page(app, client, db, factory)
    facts = client.get(f"/api/v1/certificates/{serial}").get_json()["facts"]
    assert facts["verify_url"] == f"https://ppp.example.org/verify/{serial}"


def test_mail_links_keep_the_address_of_the_request(app, db, factory) -> None:
    _address(app, "")
    client = _client_at(app, "ppp.example:8123")
    scenario = assessment_in(db, factory, "approved")
    db.commit()
    sign_in(client, scenario.respondent.email)
    before = db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    response = client.post("/auth/forgot-password", data={"email": scenario.respondent.email})
    assert response.status_code in {200, 302}
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.id > before))
    assert message is not None
    assert message.payload["base_url"] == "http://ppp.example:8123"
