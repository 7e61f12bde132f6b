"""Every route of projects, assessments and the quick check refuses other organisations'
ids with 404, and every form and cookie-session API write needs its CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from ppp_assess.models import Answer, Assessment, Project
from ppp_assess.services import assessments
from tests.factories import PASSWORD
from tests.web.test_assessments import (
    answer,
    csrf_token_of,
    make_member,
    publish_sample,
    start,
)


@dataclass
class Foreign:
    assessment: int
    project: int
    organisation: int


#: (method, path template, form or JSON body) — {a}, {p} and {o} are another
#: organisation's assessment, project and organisation.
HTML_ROUTES = [
    ("GET", "/assessments/{a}", None),
    ("GET", "/assessments/{a}/sections/basics", None),
    ("POST", "/assessments/{a}/sections/basics", {"base_version": "1", "q_policy": "yes"}),
    ("GET", "/assessments/{a}/check", None),
    ("POST", "/assessments/{a}/submit", {}),
    ("GET", "/assessments/{a}/submitted", None),
    ("GET", "/assessments/{a}/upgrade", None),
    ("POST", "/assessments/{a}/upgrade", {"base_version": "1"}),
    ("GET", "/assessments/{a}/score", None),
    ("POST", "/assessments/{a}/questions/policy/evidence", {}),
    ("POST", "/assessments/{a}/evidence/{a}/delete", {}),
    ("GET", "/assessments/{a}/import", None),
    ("POST", "/assessments/{a}/import", {}),
    ("POST", "/assessments/{a}/reassess", {}),
    ("POST", "/assessments/new", {"questionnaire": "web-sample", "subject": "organisation:{o}"}),
    ("POST", "/assessments/new", {"questionnaire": "people-first", "subject": "project:{p}"}),
    ("GET", "/projects/{p}", None),
    ("GET", "/projects/{p}/edit", None),
    ("POST", "/projects/{p}/edit", {"name": "Taken over"}),
    ("POST", "/check/save", {"organisation": "{o}"}),
]
API_ROUTES = [
    ("GET", "/api/v1/assessments/{a}", None),
    ("PUT", "/api/v1/assessments/{a}/answers/policy", {"value": "yes"}),
    ("POST", "/api/v1/assessments/{a}/submit", None),
    ("GET", "/api/v1/assessments/{a}/upgrade", None),
    ("GET", "/api/v1/assessments/{a}/evidence", None),
    ("POST", "/api/v1/assessments/{a}/answers/policy/evidence", None),
    ("POST", "/api/v1/assessments/{a}/import", None),
    ("POST", "/api/v1/assessments", {"questionnaire": "web-sample", "organisation": "{o}"}),
    ("POST", "/api/v1/assessments", {"questionnaire": "people-first", "project": "{p}"}),
    ("GET", "/api/v1/projects/{p}", None),
    ("POST", "/api/v1/projects", {"organisation": "{o}", "name": "X", "sector": "mining",
                                  "country": "MN", "region": "asia_pacific",
                                  "stage": "procurement", "contract_type": "bot"}),
]
#: Endpoints whose URL carries an id, and so must be in the lists above.
ID_ENDPOINTS = {"assessments.show", "assessments.section", "assessments.check",
                "assessments.submit", "assessments.submitted", "assessments.score",
                "assessments.attach_evidence",
                "assessments.delete_evidence", "api.list_evidence", "api.attach_evidence",
                "assessments.import_answers", "api.import_answers", "assessments.reassess",
                "projects.show",
                "projects.edit", "api.get_assessment", "api.put_answer",
                "api.submit_assessment", "api.get_project", "assessments.upgrade",
                "api.get_upgrade"}


def _fill(value, foreign: Foreign):
    if isinstance(value, str):
        filled = value.format(a=foreign.assessment, p=foreign.project, o=foreign.organisation)
        return int(filled) if value in {"{a}", "{p}", "{o}"} and filled.isdigit() else filled
    if isinstance(value, dict):
        return {key: _fill(item, foreign) for key, item in value.items()}
    return value


@pytest.fixture
def setting(app, db, factory):
    member = make_member(app, db, factory)
    factory.questionnaires()
    other_org = factory.organisation(name="Other Ministry")
    other_user = factory.user(organisation=other_org)
    other_project = factory.project(other_org)
    other = start(db, other_user, other_org, member.version)
    answer(db, other, other_user, policy="no", maturity=1)
    # Submitted, so /submitted would have something to show.
    assessments.submit_assessment(db, other, actor=other_user)
    db.commit()
    # The visitor has an answer in the quick check, so /check/save would act.
    member.client.post("/check/" + "governance", data={"q_zt-1-1": "verified"})
    return member, Foreign(other.id, other_project.id, other_org.id)


def _counts(db) -> tuple[int, int, int]:
    db.expire_all()
    counts = (db.scalar(select(func.count()).select_from(Assessment)),
              db.scalar(select(func.count()).select_from(Project)),
              db.scalar(select(func.count()).select_from(Answer)))
    db.commit()
    return counts


@pytest.mark.parametrize(("method", "path", "body"), HTML_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in HTML_ROUTES])
def test_pages_refuse_another_organisations_ids(setting, db, method, path, body) -> None:
    member, foreign = setting
    before = _counts(db)
    response = member.client.open(_fill(path, foreign), method=method,
                                  data=_fill(body, foreign))
    assert response.status_code == 404
    assert _counts(db) == before


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in API_ROUTES])
def test_api_refuses_another_organisations_ids(setting, db, method, path, body) -> None:
    member, foreign = setting
    before = _counts(db)
    response = member.client.open(_fill(path, foreign), method=method,
                                  json=_fill(body, foreign),
                                  headers={"If-Match": "1", **member.headers})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert _counts(db) == before


def test_the_lists_above_cover_every_route_with_an_id(app) -> None:
    with_ids = {rule.endpoint for rule in app.url_map.iter_rules()
                if "<int:" in rule.rule and (
                    rule.endpoint.split(".")[0] in {"assessments", "projects", "quick_check"}
                    or rule.endpoint in ID_ENDPOINTS)}
    assert with_ids == ID_ENDPOINTS
    covered = {path for _method, path, _body in HTML_ROUTES + API_ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ID_ENDPOINTS:
            pattern = re.sub(r"<int:\w+>", "{x}", rule.rule)
            assert any(re.sub(r"{[apo]}", "{x}", path).startswith(pattern.split("<")[0])
                       for path in covered), rule.rule


# --------------------------------------------------------------------------- CSRF

FORM_POSTS = [
    "/assessments/new",
    "/assessments/{a}/sections/basics",
    "/assessments/{a}/submit",
    "/assessments/{a}/import",
    "/projects/new",
    "/projects/{p}/edit",
    "/check/governance",
    "/check/clear",
    "/check/save",
]
API_WRITES = [
    ("PUT", "/api/v1/assessments/{a}/answers/policy"),
    ("POST", "/api/v1/assessments"),
    ("POST", "/api/v1/assessments/{a}/submit"),
    ("POST", "/api/v1/assessments/{a}/import"),
    ("POST", "/api/v1/projects"),
]


@pytest.fixture
def csrf_member(csrf_app, db, factory):
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation)
    factory.questionnaires()
    version = publish_sample(db)
    assessment = start(db, user, organisation, version)
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD,
                                                   "csrf_token": token})
    assert signed_in.status_code == 302
    ids = Foreign(assessment.id, project.id, organisation.id)
    return client, ids


@pytest.mark.parametrize("path", FORM_POSTS)
def test_every_form_needs_its_csrf_token(csrf_member, db, path) -> None:
    client, ids = csrf_member
    before = _counts(db)
    response = client.post(_fill(path, ids), data={"organisation": str(ids.organisation),
                                                   "q_policy": "yes", "base_version": "1"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert _counts(db) == before


@pytest.mark.parametrize(("method", "path"), API_WRITES)
def test_cookie_session_api_writes_need_the_csrf_header(csrf_member, db, method, path) -> None:
    client, ids = csrf_member
    before = _counts(db)
    response = client.open(_fill(path, ids), method=method, json={"value": "yes"},
                           headers={"If-Match": "1"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"
    assert _counts(db) == before
    wrong = client.open(_fill(path, ids), method=method, json={"value": "yes"},
                        headers={"If-Match": "1", "X-CSRFToken": "forged"})
    assert wrong.status_code == 400


def test_the_right_csrf_header_is_accepted(csrf_member, db) -> None:
    client, ids = csrf_member
    token = csrf_token_of(client)
    response = client.put(f"/api/v1/assessments/{ids.assessment}/answers/policy",
                          json={"value": "yes"},
                          headers={"If-Match": "1", "X-CSRFToken": token})
    assert response.status_code == 200
