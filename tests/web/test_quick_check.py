"""The anonymous quick self-check, and saving it into an assessment after signing in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.scoring import score
from ppp_assess.models import Assessment
from ppp_assess.services import assessments
from ppp_assess.web.assessments.quick_check import SESSION_KEY
from tests.factories import sign_in

# The quick check runs on the newest published version of the zero-tolerance questionnaire.
QUESTIONNAIRE = load_questionnaire(PROJECT_ROOT / "questionnaires" /
                                   "zero-tolerance-corruption-2.yaml")
FIRST, SECOND = QUESTIONNAIRE.sections[0], QUESTIONNAIRE.sections[1]


@pytest.fixture
def visitor(app, db, factory):
    factory.questionnaires()
    db.commit()
    return app.test_client()


def _answers(client) -> dict:
    with client.session_transaction() as session:
        return dict(session.get(SESSION_KEY, {}).get("answers", {}))


def _first_section_answers() -> dict[str, str]:
    return {f"q_{question.id}": question.options[0].value for question in FIRST.questions}


def test_anyone_can_fill_a_section_and_see_it_scored(visitor) -> None:
    start = visitor.get("/check/")
    assert start.status_code == 200
    assert "Quick self-check" in start.get_data(as_text=True)
    page = visitor.get(f"/check/{FIRST.id}").get_data(as_text=True)
    assert page.count("<h1") == 1 and "Live score" in page
    assert 'name="c_' not in page  # no comments or evidence: answers only
    response = visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/check/{SECOND.id}")
    stored = _answers(visitor)
    assert stored == {question.id: question.options[0].value for question in FIRST.questions}
    expected = score(QUESTIONNAIRE, stored)
    results = visitor.get("/check/results").get_data(as_text=True)
    shown = rounded_score(expected.overall)  # shown with one decimal
    assert f'<span class="score-number">{shown}</span>' in results
    assert expected.level is not None and expected.level.label in results
    top_gap = QUESTIONNAIRE.question(expected.gaps[0].question_id)
    assert top_gap.text in results and (top_gap.action or "") in results
    assert "Sign in to save" in results


def test_live_scoring_answers_json(visitor) -> None:
    response = visitor.post(f"/check/{FIRST.id}", data=_first_section_answers(),
                            headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    exact = score(QUESTIONNAIRE, _answers(visitor)).overall
    assert body["score"]["overall"] == float(rounded_score(exact))
    assert body["score"]["overall_display"] == str(rounded_score(exact))
    bad = visitor.post(f"/check/{FIRST.id}", data={f"q_{FIRST.questions[0].id}": "bogus"},
                       headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert f"q_{FIRST.questions[0].id}" in bad.get_json()["errors"]


def test_answers_outside_the_options_are_refused_and_not_kept(visitor) -> None:
    question = FIRST.questions[0]
    response = visitor.post(f"/check/{FIRST.id}", data={f"q_{question.id}": "bogus"})
    assert response.status_code == 422
    assert f'href="#q_{question.id}"' in response.get_data(as_text=True)
    assert _answers(visitor) == {}


def test_clearing_an_answer_removes_it(visitor) -> None:
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    visitor.post(f"/check/{FIRST.id}", data={})
    assert _answers(visitor) == {}
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    visitor.post("/check/clear")
    assert _answers(visitor) == {}


def test_unknown_section_is_404(visitor) -> None:
    assert visitor.get("/check/no-such-section").status_code == 404


def test_sign_in_keeps_the_answers_and_saves_them_into_a_new_assessment(visitor, db,
                                                                        factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    db.commit()
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    results = visitor.get("/check/results").get_data(as_text=True)
    link = re.search(r'href="(/auth/sign-in\?next=[^"]+)"', results)
    assert link is not None
    next_url = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["next"][0]
    sign_in(visitor, user.email)  # a fresh session, which keeps the quick check
    assert _answers(visitor) == {q.id: q.options[0].value for q in FIRST.questions}
    restored = visitor.get(next_url)
    assert restored.status_code == 302
    assert _answers(visitor) == {q.id: q.options[0].value for q in FIRST.questions}
    page = visitor.get("/check/results").get_data(as_text=True)
    assert "Save into a new assessment" in page
    assert f'<option value="{organisation.id}">' in page
    saved = visitor.post("/check/save", data={"organisation": str(organisation.id)})
    assert saved.status_code == 302
    assessment = db.scalar(select(Assessment).where(Assessment.organisation_id
                                                    == organisation.id))
    assert assessment is not None
    assert saved.headers["Location"].endswith(f"/assessments/{assessment.id}")
    stored = {qid: row.value for qid, row in assessments.load_answers(db, assessment).items()}
    assert stored == {q.id: q.options[0].value for q in FIRST.questions}
    assert assessment.questionnaire_version.questionnaire_id == "zero-tolerance-corruption"
    db.commit()
    assert _answers(visitor) == {}


def test_a_tampered_token_restores_nothing(visitor) -> None:
    response = visitor.get("/check/restore?token=forged")
    assert response.status_code == 302
    assert _answers(visitor) == {}


def test_saving_needs_a_signed_in_member_of_that_organisation(visitor, db, factory) -> None:
    assert visitor.post("/check/save", data={"organisation": "1"}).status_code == 302
    organisation = factory.organisation()
    foreign = factory.organisation()
    user = factory.user(organisation=organisation)
    db.commit()
    sign_in(visitor, user.email)
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    assert visitor.post("/check/save", data={"organisation": str(foreign.id)}
                        ).status_code == 404
    assert db.scalar(select(Assessment.id)) is None


def test_quick_check_forms_need_csrf(csrf_app, db, factory) -> None:
    factory.questionnaires()
    db.commit()
    client = csrf_app.test_client()
    assert client.post(f"/check/{FIRST.id}", data=_first_section_answers()).status_code == 400
    assert client.post("/check/clear").status_code == 400
    page = client.get(f"/check/{FIRST.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post(f"/check/{FIRST.id}",
                           data={**_first_section_answers(), "csrf_token": token})
    assert accepted.status_code == 302


def test_quick_check_answers_survive_signing_in_from_the_navigation(client, factory, db) -> None:
    from ppp_assess.web.assessments.quick_check import SESSION_KEY
    from tests.factories import sign_in

    factory.questionnaires()
    user = factory.user(organisation=factory.organisation())
    db.commit()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"version": "2.0", "answers": {"zt-1-1": "verified"}}
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert session[SESSION_KEY]["answers"] == {"zt-1-1": "verified"}


def test_the_answers_are_copied_into_the_open_draft_question_by_question(visitor, db,
                                                                         factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    draft = assessments.start_assessment_for(db, actor=user,
                                             questionnaire_id="zero-tolerance-corruption",
                                             organisation_id=organisation.id)
    first, second, third = FIRST.questions[:3]
    # The draft answered the first two; the quick check differs on both and adds the third.
    assessments.save_answers(db, draft, {
        first.id: assessments.AnswerInput(first.options[1].value),
        second.id: assessments.AnswerInput(second.options[1].value)},
        base_version=draft.version, actor=user)
    db.commit()
    sign_in(visitor, user.email)
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    page = visitor.get("/check/results").get_data(as_text=True)
    assert "Copy into the open draft of" in page
    assert f'name="take-{first.id}"' in page and f'name="take-{second.id}"' in page
    assert f'name="take-{third.id}"' not in page  # nothing to choose: it is added
    copied = visitor.post("/check/copy", data={
        "assessment": str(draft.id), "base_version": str(draft.version),
        f"take-{first.id}": "quick", f"take-{second.id}": "draft"})
    assert copied.status_code == 302
    assert copied.headers["Location"].endswith(f"/assessments/{draft.id}")
    db.expire_all()
    stored = {qid: row.value for qid, row in assessments.load_answers(db, draft).items()}
    assert stored[first.id] == first.options[0].value  # taken from the quick check
    assert stored[second.id] == second.options[1].value  # the draft's kept
    assert stored[third.id] == third.options[0].value  # added
    assert _answers(visitor) == {}


def test_copying_into_someone_elses_draft_changes_nothing(visitor, db, factory) -> None:
    theirs = factory.organisation()
    owner = factory.user(organisation=theirs)
    draft = assessments.start_assessment_for(db, actor=owner,
                                             questionnaire_id="zero-tolerance-corruption",
                                             organisation_id=theirs.id)
    stranger = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(visitor, stranger.email)
    visitor.post(f"/check/{FIRST.id}", data=_first_section_answers())
    refused = visitor.post("/check/copy", data={"assessment": str(draft.id),
                                                "base_version": str(draft.version)})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/check/results")
    db.expire_all()
    assert assessments.load_answers(db, draft) == {}
    assert _answers(visitor) != {}
