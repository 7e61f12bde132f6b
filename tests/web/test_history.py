"""Reassessments, project history and the portfolio through the pages and the API."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Assessment, QuestionnaireVersion
from ppp_assess.services import history
from tests.factories import sign_in
from tests.services.history_support import (
    QUESTIONNAIRE_ID,
    answer,
    approve,
    approved_result,
    member_project,
    publish,
)
from tests.services.review_support import reviewer
from tests.web.test_statement_counts import counting

FIRST = {"a1": "no", "a2": "no", "e1": "partly", "e2": "no", "e3": "Scoping."}


def _bearer(factory, user) -> dict[str, str]:
    _token, secret = factory.api_token(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def approved(factory, db):
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    previous = approved_result(factory, project, respondent, FIRST, stage="procurement",
                               period="2024")
    db.commit()
    return project, respondent, previous


def test_the_api_starts_a_reassessment_whose_answers_are_carried_until_saved(
        client, factory, db, approved) -> None:
    project, respondent, previous = approved
    headers = _bearer(factory, respondent)
    response = client.post("/api/v1/assessments", headers=headers, json={
        "questionnaire": QUESTIONNAIRE_ID, "project": project.id, "from": previous.id,
        "stage": "financial_close", "period": "2025"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["previous"], body["stage"], body["period"]) == (previous.id,
                                                                 "financial_close", "2025")
    new_id = body["id"]
    body = client.get(f"/api/v1/assessments/{new_id}", headers=headers).get_json()
    assert {qid: (entry["value"], entry["carried"]) for qid, entry in body["answers"].items()
            } == {qid: (value, True) for qid, value in FIRST.items()}
    assert body["completion"] == 0

    refused = client.post(f"/api/v1/assessments/{new_id}/submit", headers=headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "unconfirmed_answers"
    assert error["missing"] == ["a1", "a2", "e1", "e2", "e3"]
    assert "a1, a2, e1, e2, e3" in error["message"]

    version = body["version"]
    for question_id, value in FIRST.items():
        saved = client.put(f"/api/v1/assessments/{new_id}/answers/{question_id}",
                           headers={**headers, "If-Match": str(version)},
                           json={"value": value})
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["saved"] is True
        assert saved.get_json()["answer"]["carried"] is False
        version = saved.get_json()["version"]
    submitted = client.post(f"/api/v1/assessments/{new_id}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"


@pytest.mark.parametrize("body", [
    {"from": 0}, {"from": "1"}, {"stage": "moon"}, {"period": "x" * 41},
])
def test_bad_reassessment_requests_are_refused_with_4xx(client, factory, db, approved,
                                                        body) -> None:
    project, respondent, previous = approved
    payload = {"questionnaire": QUESTIONNAIRE_ID, "project": project.id, "from": previous.id,
               **body}
    response = client.post("/api/v1/assessments", headers=_bearer(factory, respondent),
                           json=payload)
    assert response.status_code == 422, response.get_json()
    assert db.scalar(select(func.count()).select_from(Assessment)
                     .where(Assessment.project_id == project.id)) == 1


def test_another_organisations_assessment_cannot_be_started_from(client, factory, db,
                                                                  approved) -> None:
    project, _respondent, previous = approved
    _other, stranger = member_project(factory)
    db.commit()
    response = client.post("/api/v1/assessments", headers=_bearer(factory, stranger), json={
        "questionnaire": QUESTIONNAIRE_ID, "project": project.id, "from": previous.id})
    assert response.status_code == 404


def _second_round(factory, db, project, respondent, previous) -> Assessment:
    publish(factory, "1.1")
    second, _carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=previous.id,
        stage="construction", period="2025")
    answer(factory, second, respondent, {"a1": "yes", "a2": "yes", "e1": "partly",
                                         "e3": "Done.", "e4": "no"})
    return second


def test_the_history_endpoint_gives_the_scores_in_order(client, factory, db,
                                                        approved) -> None:
    project, respondent, first = approved
    second = approve(factory, _second_round(factory, db, project, respondent, first),
                     respondent)
    db.commit()
    response = client.get(f"/api/v1/projects/{project.id}/history",
                          headers=_bearer(factory, respondent))
    assert response.status_code == 200
    [entry] = response.get_json()["instruments"]
    assert entry["questionnaire"] == QUESTIONNAIRE_ID
    assert [point["assessment"] for point in entry["points"]] == [first.id, second.id]
    assert [point["overall"] for point in entry["points"]] == [pytest.approx(12.5),
                                                              pytest.approx(62.5)]
    assert [point["sections"]["access"] for point in entry["points"]] == [0, 100]
    assert [point["version_changed"] for point in entry["points"]] == [False, True]
    assert [point["stage"] for point in entry["points"]] == ["procurement", "construction"]
    assert entry["overall_change"] == pytest.approx(50)
    assert [change["id"] for change in entry["section_changes"]] == ["access", "environment"]

    _other, stranger = member_project(factory)
    db.commit()
    assert client.get(f"/api/v1/projects/{project.id}/history",
                      headers=_bearer(factory, stranger)).status_code == 404


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_project_page_shows_the_history_as_a_chart_and_a_table(app, factory, db,
                                                                   approved, lang) -> None:
    project, respondent, first = approved
    approve(factory, _second_round(factory, db, project, respondent, first), respondent)
    db.commit()
    client = app.test_client()
    sign_in(client, respondent.email)
    page = client.get(f"/projects/{project.id}?lang={lang}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'<svg xmlns="http://www.w3.org/2000/svg" id="history-{QUESTIONNAIRE_ID}"' in text
    assert 'role="img"' in text and f"history-{QUESTIONNAIRE_ID}-caption" in text
    assert "2024" in text and "2025" in text
    assert f"/assessments/{first.id}/reassess" not in text  # from the latest only
    if lang == "ar":
        assert 'dir="rtl"' in text
        assert 'direction="rtl"' in text


def test_the_project_page_starts_a_reassessment_and_the_section_page_confirms(
        app, factory, db, approved) -> None:
    _project, respondent, previous = approved
    client = app.test_client()
    sign_in(client, respondent.email)
    response = client.post(f"/assessments/{previous.id}/reassess",
                           data={"stage": "operation", "period": "2026"})
    assert response.status_code == 302
    new = db.scalar(select(Assessment).where(Assessment.previous_assessment_id == previous.id))
    assert new is not None and (new.stage, new.period) == ("operation", "2026")
    page = client.get(f"/assessments/{new.id}/sections/access")
    assert "carried-note" in page.get_data(as_text=True)
    check = client.get(f"/assessments/{new.id}/check").get_data(as_text=True)
    assert "unconfirmed-title" in check
    refused = client.post(f"/assessments/{new.id}/submit")
    assert refused.status_code == 422
    # Saving the page as it is confirms its carried answers.
    saved = client.post(f"/assessments/{new.id}/sections/access", data={
        "base_version": str(new.version), "q_a1": "no", "q_a2": "no",
        "s_a1": "", "s_a2": ""})
    assert saved.status_code in {302, 409}, saved.get_data(as_text=True)[:500]
    db.expire_all()
    carried = {row.question_id: row.carried for row in
               db.scalars(select(Answer).where(Answer.assessment_id == new.id))}
    assert carried == {"a1": False, "a2": False, "e1": True, "e2": True, "e3": True}


def test_the_review_page_of_a_reassessment_shows_what_changed(app, factory, db,
                                                              approved) -> None:
    project, respondent, first = approved
    second = _second_round(factory, db, project, respondent, first)
    from ppp_assess.services import assessments

    assessments.submit_assessment(db, second, actor=respondent)
    board_member = reviewer(factory)
    db.commit()
    client = app.test_client()
    sign_in(client, board_member.email)
    page = client.get(f"/review/{second.id}")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "Changes since the previous approved assessment" in text
    changes = text[text.index('id="changes-title"'):]
    changes = changes[:changes.index("</section>")]
    # a1 and a2 changed, e2 is gone, e3 changed and e4 is new; e1 is as it was.
    for question_id in ("a1", "a2", "e2", "e3", "e4"):
        assert f'href="#question-{question_id}"' in changes
    assert 'href="#question-e1"' not in changes


# --------------------------------------------------------------------------- portfolio


def _evaluator(factory):
    return factory.user(role=None, platform_roles=(PlatformRole.evaluator,))


def _programme(factory, db, projects: int) -> None:
    publish(factory, "1.0")
    board_member = reviewer(factory)
    organisation = factory.organisation()
    for number in range(projects):
        country = "KZ" if number % 3 else "MN"
        project, respondent = member_project(factory, organisation, country=country)
        first = approved_result(factory, project, respondent, FIRST, stage="procurement",
                                board_member=board_member)
        if number % 2 == 0:
            second, _carried = history.start_reassessment(
                db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                previous_id=first.id, stage="construction")
            answer(factory, second, respondent, {**FIRST, "a1": "yes"})
            approve(factory, second, respondent, board_member)


def _expected_rows(db) -> int:
    return db.scalar(
        select(func.count(func.distinct(Assessment.project_id)))
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(Assessment.project_id.is_not(None),
               Assessment.status.in_((Status.approved, Status.certified, Status.revoked)),
               QuestionnaireVersion.questionnaire_id == QUESTIONNAIRE_ID))


def test_the_portfolio_counts_match_the_database(client, factory, db) -> None:
    _programme(factory, db, 5)
    # A draft project is not in the portfolio.
    project, respondent = member_project(factory)
    from ppp_assess.services import assessments

    assessments.start_assessment_for(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                                     project_id=project.id)
    evaluator = _evaluator(factory)
    db.commit()
    headers = _bearer(factory, evaluator)
    body = client.get(f"/api/v1/portfolio?questionnaire={QUESTIONNAIRE_ID}",
                      headers=headers).get_json()
    assert body["total"] == _expected_rows(db) == 5
    assert len(body["projects"]) == 5
    improved = [row for row in body["projects"] if row["change"] is not None]
    assert len(improved) == 3
    assert all(row["change"] == pytest.approx(25.0) for row in improved)
    assert {row["stage"] for row in improved} == {"construction"}
    assert all(row["approved_assessments"] == 2 for row in improved)
    assert sum(cell["count"] for cell in body["summary"]) == 5
    by_country = {}
    for cell in body["summary"]:
        by_country[cell["country"]] = by_country.get(cell["country"], 0) + cell["count"]
    assert by_country == {"MN": 2, "KZ": 3}

    filtered = client.get(f"/api/v1/portfolio?country=mn&questionnaire={QUESTIONNAIRE_ID}",
                          headers=headers).get_json()
    assert filtered["total"] == 2
    staged = client.get(f"/api/v1/portfolio?stage=construction&questionnaire="
                        f"{QUESTIONNAIRE_ID}", headers=headers).get_json()
    assert staged["total"] == 3
    gained = client.get(f"/api/v1/portfolio?improved_by=20&questionnaire={QUESTIONNAIRE_ID}",
                        headers=headers).get_json()
    assert gained["total"] == 3
    # Per section: a1 went from "no" to "yes", so access gained 50 points, environment 0.
    access = client.get(f"/api/v1/portfolio?improved_by=40&section=access&questionnaire="
                        f"{QUESTIONNAIRE_ID}", headers=headers).get_json()
    assert access["total"] == 3
    environment = client.get("/api/v1/portfolio?improved_by=0&section=environment",
                             headers=headers).get_json()
    assert environment["total"] == 0
    assert client.get("/api/v1/portfolio?section=access",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/portfolio?improved_by=nan",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/portfolio?page=0", headers=headers).status_code == 422
    # Respondents do not see the portfolio.
    assert client.get("/api/v1/portfolio",
                      headers=_bearer(factory, respondent)).status_code == 404


def test_the_portfolio_page_and_export(app, factory, db) -> None:
    _programme(factory, db, 3)
    evaluator = _evaluator(factory)
    db.commit()
    client = app.test_client()
    sign_in(client, evaluator.email)
    page = client.get(f"/portfolio?questionnaire={QUESTIONNAIRE_ID}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('<th scope="row">Project ') == 3
    assert client.get("/portfolio?improved_by=abc").status_code == 422
    assert client.get("/portfolio?country=1").status_code == 422
    assert client.get("/portfolio?section=access").status_code == 422
    by_section = client.get("/portfolio?improved_by=40&section=access")
    assert by_section.status_code == 200
    assert by_section.get_data(as_text=True).count('<th scope="row">Project ') == 2
    export = client.get(f"/portfolio/export.csv?questionnaire={QUESTIONNAIRE_ID}")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["project_id", "project", "organisation"]
    assert len(rows) == 4
    xlsx = client.get(f"/portfolio/export.xlsx?questionnaire={QUESTIONNAIRE_ID}")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


@pytest.mark.parametrize("path", ["/portfolio", "/api/v1/portfolio"])
def test_the_portfolio_runs_as_many_statements_for_3_projects_as_for_30(app, factory, db,
                                                                         path) -> None:
    evaluator = _evaluator(factory)
    _programme(factory, db, 3)
    db.commit()
    client = app.test_client()
    sign_in(client, evaluator.email)
    client.get(path)
    with counting(app) as few:
        assert client.get(path).status_code == 200
    _programme(factory, db, 27)
    db.commit()
    with counting(app) as many:
        response = client.get(path)
    assert response.status_code == 200
    assert len(many) == len(few)
