"""The public methodology page and PDF of a questionnaire version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.web.test_assessments import make_member, start

ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "tests" / "data" / "scoring-v2.yaml"
URL = "/methodology/scoring-v2/2.0"


@pytest.fixture
def published(db) -> None:
    publish_questionnaire(db, load_questionnaire(V2))
    db.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_page_is_public_and_shows_the_method(client, published) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    body = _text(response)
    assert "<h1>Version 2 scoring" in body
    # sections with their weights and shares (law 3 of 5, tailings 2 of 5)
    assert "Section weight: 3" in body and "Share of the overall score: 60.0%" in body
    assert "Share of the overall score: 40.0%" in body
    # every scored question's effective weight, summing to 100 %
    shares = [float(value) for value in re.findall(r"Effective weight: ([0-9.]+)%", body)]
    assert shares == [15.0, 15.0, 30.0, 20.0, 20.0]
    assert sum(shares) == pytest.approx(100.0)
    # scale points, critical items and the cap, level bands
    assert "In law only: 0.25" in body and "Applied consistently and checked: 1" in body
    assert 'tag-critical' in body
    assert "the level is at most “Developing”" in body
    assert "85 to 100" in body and "40 to under 65" in body
    # context questions, conditions in plain words and the basis
    assert body.count("Context, not scored") == 2
    assert ("This section applies only when the answer to 1.1 is “A mine”." in body)
    assert "Asked only when the answer to 3.1 is “Applied consistently and checked” or"
    assert "Basis: Test instrument, Part 1: derived from the text" in body
    assert "Download the methodology (PDF)" in body


def test_page_follows_the_readers_language(client, published) -> None:
    body = _text(client.get(URL, headers={"Accept-Language": "fr"}))
    assert 'lang="fr"' in body
    assert "Méthodologie" in body or "méthodologie" in body
    assert re.search(r"15,0\s?%", body)


def test_unknown_questionnaire_or_version_is_404(client, published) -> None:
    assert client.get("/methodology/scoring-v2/9.9").status_code == 404
    assert client.get("/methodology/nothing/2.0").status_code == 404
    assert client.get("/methodology/nothing/2.0/pdf").status_code == 404
    assert client.get("/methodology/" + "x" * 300 + "/2.0").status_code == 404


def test_pdf_in_the_readers_language(client, published) -> None:
    response = client.get(URL + "/pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(
        __import__("io").BytesIO(response.data)).pages)
    assert "Version 2 scoring" in text
    assert "Effective weight: 15.0%" in text
    assert "Developing" in text
    french = client.get(URL + "/pdf?lang=fr")
    assert french.status_code == 200
    assert french.data != response.data
    assert client.get(URL + "/pdf?lang=xx").status_code == 404


def test_score_page_and_questionnaire_list_link_to_it(app, db, factory) -> None:
    member = make_member(app, db, factory)
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    link = f'href="/methodology/{member.version.questionnaire_id}/{member.version.version}"'
    section = _text(member.client.get(f"/assessments/{assessment.id}/sections/basics"))
    assert link in section
    listing = _text(member.client.get("/assessments/new"))
    assert link in listing
