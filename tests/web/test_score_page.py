"""The page that explains an assessment's score: weights, points, levels, the cap."""

from __future__ import annotations

import re

from ppp_assess.presentation import score_text
from ppp_assess.services import assessments
from ppp_assess.services.questionnaires import questionnaire_of
from tests.certificate_support import assessment_in
from tests.factories import sign_in


def _zero_option(question):  # type: ignore[no-untyped-def]
    return next(option.value for option in question.options if option.score == 0)


def test_the_score_page_explains_a_capped_score(app, client, factory, db) -> None:
    case = assessment_in(db, factory, "draft", quality=1.0)
    questionnaire = questionnaire_of(case.assessment.questionnaire_version)
    critical = next(question for question in questionnaire.all_questions()
                    if question.critical and question.options)
    assessments.save_answers(db, case.assessment,
                             {critical.id: assessments.AnswerInput(_zero_option(critical))},
                             base_version=case.assessment.version, actor=case.respondent)
    report = assessments.score_of(case.assessment,
                                  assessments.load_answers(db, case.assessment))
    assert report.capped, "a top score with a critical question at 0 is capped"
    db.commit()
    sign_in(client, case.respondent.email)

    response = client.get(f"/assessments/{case.assessment.id}/score")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    with app.test_request_context():
        overall = score_text(report.overall)
    assert f'<span class="score-number">{overall}</span>' in text
    # Every section with its weight and score, in a table beside an accessible chart.
    assert re.search(r'<svg[^>]+role="img"[^>]+aria-labelledby="section-scores-chart-title',
                     text)
    for number, section in enumerate(questionnaire.sections, start=1):
        assert f"{number}. {section.title}" in text
    # Why the level is lower than the score reaches, and which question did it.
    assert "is capped at" in text
    row = re.search(rf'<span class="question-number">{questionnaire.number(critical.id)}'
                    r"</span>.*?</tr>", text, re.S)
    assert row is not None and "Caps the level" in row.group(0)
    # The answer scale's points and the methodology of this very version.
    assert "Fully" in text and "100.0" in text
    version = case.assessment.questionnaire_version
    assert f'href="/methodology/{version.questionnaire_id}/{version.version}"' in text


def test_the_section_page_links_to_the_explanation(client, factory, db) -> None:
    case = assessment_in(db, factory, "draft")
    db.commit()
    sign_in(client, case.respondent.email)
    section = questionnaire_of(case.assessment.questionnaire_version).sections[0]
    page = client.get(f"/assessments/{case.assessment.id}/sections/{section.id}")
    assert f'href="/assessments/{case.assessment.id}/score"' in page.get_data(as_text=True)


def test_another_organisations_score_page_is_not_found(client, factory, db) -> None:
    case = assessment_in(db, factory, "submitted")
    stranger = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, stranger.email)
    assert client.get(f"/assessments/{case.assessment.id}/score").status_code == 404
    sign_in(client, case.respondent.email)
    submitted = client.get(f"/assessments/{case.assessment.id}/submitted")
    assert f'href="/assessments/{case.assessment.id}/score"' in submitted.get_data(as_text=True)
    assert client.get(f"/assessments/{case.assessment.id}/score").status_code == 200


def test_names_people_typed_are_isolated_on_the_page(client, factory, db) -> None:
    case = assessment_in(db, factory, "draft")
    db.commit()
    sign_in(client, case.respondent.email)
    text = client.get(f"/assessments/{case.assessment.id}/score?lang=ar").get_data(as_text=True)
    assert f"<bdi>{case.assessment.project.name}</bdi>" in text


def test_the_check_and_submitted_pages_number_the_questions(client, factory, db) -> None:
    case = assessment_in(db, factory, "draft")
    questionnaire = questionnaire_of(case.assessment.questionnaire_version)
    question = questionnaire.sections[1].questions[0]
    db.commit()
    sign_in(client, case.respondent.email)
    check = client.get(f"/assessments/{case.assessment.id}/check").get_data(as_text=True)
    assert f'<dt><span class="question-number">2.1</span> {question.text}' in check
    client.post(f"/assessments/{case.assessment.id}/submit")
    submitted = client.get(f"/assessments/{case.assessment.id}/submitted")
    assert f'<span class="question-number">2.1</span> {question.text}' in (
        submitted.get_data(as_text=True))
