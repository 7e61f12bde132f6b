"""The 2.x format on the assessment pages and the API: sections that do not apply,
context questions and exclusive options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.models import Assessment, QuestionnaireVersion
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.factories import Factory, sign_in
from tests.web.test_assessments import (
    Member,
    answer,
    csrf_token_of,
    seen_of,
    stored_values,
)

ROOT = Path(__file__).resolve().parents[2]
#: The 2.x golden file, about an organisation here so that no project is needed.
V2_TEXT = (ROOT / "tests" / "data" / "scoring-v2.yaml").read_text(encoding="utf-8").replace(
    "subject: project", "subject: organisation").replace("id: scoring-v2", "id: web-v2")
JS = ROOT / "ppp_assess" / "web" / "static" / "js" / "autosave.js"


def publish_v2(db: Session) -> QuestionnaireVersion:
    return publish_questionnaire(db, load_questionnaire(V2_TEXT)).version


@pytest.fixture
def member(app, db, factory: Factory) -> Member:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    version = publish_v2(db)
    db.commit()
    client = app.test_client()
    sign_in(client, user.email)
    signed_in = Member(client, user, organisation, version, csrf_token_of(client))
    signed_in.client.csrf = signed_in.csrf  # type: ignore[attr-defined]
    return signed_in


@pytest.fixture
def draft(member: Member, db: Session) -> Assessment:
    assessment = assessments.start_assessment(
        db, actor=member.user, version=member.version, organisation_id=member.organisation.id)
    db.commit()
    return assessment


def _text(response) -> str:
    return response.get_data(as_text=True)


def _step(body: str, section_id: str) -> str:
    found = re.search(rf'<li class="step[^"]*" data-step="{section_id}"[^>]*>', body)
    assert found is not None
    return found.group(0)


# --------------------------------------------------------------------------- hidden sections


def test_section_that_does_not_apply_is_hidden_and_skipped(member, db, draft) -> None:
    answer(db, draft, member.user, p1="rail")
    db.commit()
    body = _text(member.client.get(f"/assessments/{draft.id}/sections/law"))
    assert " hidden" in _step(body, "tailings")
    assert "step-hidden" in _step(body, "tailings")
    assert " hidden" not in _step(body, "law")
    # the last applicable section leads to the check page, not to the hidden one
    response = member.client.post(f"/assessments/{draft.id}/sections/law", data={
        "base_version": str(draft.version), "q_l1": "law", "q_l2": "checked",
        "q_l3": ["audit"], "action": "continue", **seen_of(db, draft, "l1", "l2", "l3")})
    assert response.status_code == 302
    following = member.client.get(response.headers["Location"])
    assert following.status_code == 302
    assert following.headers["Location"].endswith(f"/assessments/{draft.id}/check")
    # opening the hidden section goes on past it
    skipped = member.client.get(f"/assessments/{draft.id}/sections/tailings")
    assert skipped.status_code == 302 and skipped.headers["Location"].endswith("/check")
    state = assessments.assessment_state(db, db.get(Assessment, draft.id))
    assert state.report.completion == 1.0
    assert state.report.missing_required == ()


def test_section_that_applies_is_shown(member, db, draft) -> None:
    answer(db, draft, member.user, p1="mine")
    db.commit()
    body = _text(member.client.get(f"/assessments/{draft.id}/sections/law"))
    assert " hidden" not in _step(body, "tailings")
    assert member.client.get(f"/assessments/{draft.id}/sections/tailings").status_code == 200


def test_api_score_marks_the_hidden_section(member, db, draft) -> None:
    response = member.client.put(
        f"/api/v1/assessments/{draft.id}/answers/p1", json={"value": "rail"},
        headers={"If-Match": str(draft.version), "X-CSRFToken": member.csrf})
    assert response.status_code == 200, response.get_json()
    sections = {item["id"]: item for item in response.get_json()["score"]["sections"]}
    assert sections["tailings"]["status"] == "hidden"
    assert sections["law"]["status"] == "not_started"


def test_dashboard_entry_skips_hidden_sections(member, db, draft) -> None:
    answer(db, draft, member.user, p1="rail", l1="law", l2="checked", l3=["audit"])
    db.commit()
    response = member.client.get(f"/assessments/{draft.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/check")


# --------------------------------------------------------------------------- context questions


def test_context_question_is_marked_not_scored(member, db, draft) -> None:
    body = _text(member.client.get(f"/assessments/{draft.id}/sections/profile"))
    assert body.count("Context, not scored") == 2


# --------------------------------------------------------------------------- exclusive options


def test_exclusive_option_is_marked_for_the_script(member, db, draft) -> None:
    body = _text(member.client.get(f"/assessments/{draft.id}/sections/law"))
    boxes = re.findall(r'<input[^>]*name="q_l3"[^>]*>', body)
    assert len(boxes) == 3
    assert [("data-exclusive" in box) for box in boxes] == [False, False, True]
    script = JS.read_text(encoding="utf-8")
    assert "data-exclusive" in script and "untickExclusive" in script


def test_form_refuses_exclusive_option_with_others(member, db, draft) -> None:
    response = member.client.post(f"/assessments/{draft.id}/sections/law", data={
        "base_version": str(draft.version), "q_l1": "law", "q_l3": ["audit", "none"],
        **seen_of(db, draft, "l1", "l2", "l3")})
    assert response.status_code == 422
    body = _text(response)
    assert 'href="#q_l3"' in body
    assert "cannot be combined with other options" in body
    assert stored_values(db, draft) == {}


def test_api_refuses_exclusive_option_with_others(member, db, draft) -> None:
    response = member.client.put(
        f"/api/v1/assessments/{draft.id}/answers/l3", json={"value": ["none", "hotline"]},
        headers={"If-Match": str(draft.version), "X-CSRFToken": member.csrf})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["reason"] == "exclusive_option"
    assert "cannot be combined" in error["message"]
    assert stored_values(db, draft) == {}
    alone = member.client.put(
        f"/api/v1/assessments/{draft.id}/answers/l3", json={"value": ["none"]},
        headers={"If-Match": str(draft.version), "X-CSRFToken": member.csrf})
    assert alone.status_code == 200
    assert stored_values(db, draft) == {"l3": ["none"]}
