"""A reviewer's comments are kept as they are typed and reach the organisation only with
the decision; the returned assessment shows them, with the reason, at the top."""

from __future__ import annotations

from sqlalchemy import select

from ppp_assess.models import AuditEvent, ReviewComment
from ppp_assess.services import board, reviews
from ppp_assess.services.tokens import create_api_token
from tests.factories import sign_in
from tests.services.review_support import reviewer, submitted


def _token(db, user) -> dict[str, str]:
    _row, token = create_api_token(db, user, name="review script")
    return {"Authorization": f"Bearer {token}"}


def test_comments_are_kept_unsent_until_the_decision(app, client, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first, second = (question.id for question in case.questionnaire.all_questions()[:2])
    headers = _token(db, case.reviewer)
    member = _token(db, case.respondent)
    db.commit()
    url = f"/api/v1/assessments/{case.assessment.id}/review-comments"

    saved = client.put(f"{url}/{first}", json={"text": "  Which law?  "}, headers=headers)
    assert saved.status_code == 200, saved.json
    assert saved.json["comment"]["text"] == "Which law?"
    assert saved.json["comment"]["draft"] is True
    client.put(f"{url}/{second}", json={"text": "Link the decree."}, headers=headers)
    again = client.put(f"{url}/{first}", json={"text": "Which law, exactly?"}, headers=headers)
    assert again.status_code == 200
    # One unsent comment per question, and no audit event for the typing.
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "review.commented")) is None
    assert len(db.scalars(select(ReviewComment)).all()) == 2
    db.rollback()

    mine = client.get(url, headers=headers).json["comments"]
    assert [(row["question_id"], row["text"], row["draft"]) for row in mine] == [
        (first, "Which law, exactly?", True), (second, "Link the decree.", True)]
    # The organisation sees nothing before the decision.
    assert client.get(url, headers=member).json == {"comments": []}
    browser = app.test_client()
    sign_in(browser, case.respondent.email)
    assert "Which law" not in browser.get(f"/assessments/{case.assessment.id}/submitted").text

    # Blank removes; the decision sends what is left, without repeating it.
    removed = client.put(f"{url}/{second}", json={"text": " "}, headers=headers)
    assert removed.status_code == 200 and removed.json == {"comment": None}
    decided = client.post(f"/api/v1/assessments/{case.assessment.id}/review", headers=headers,
                          json={"decision": "return", "comment": "Add the legal basis."})
    assert decided.status_code == 200, decided.json
    sent = client.get(url, headers=member).json["comments"]
    assert [(row["question_id"], row["text"], row["draft"], row["mine"]) for row in sent] == [
        (first, "Which law, exactly?", False, False)]
    assert len(db.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.commented")).all()) == 1


def test_saving_a_comment_is_refused_cleanly(app, client, factory, db) -> None:
    case = submitted(factory)
    first = case.questionnaire.all_questions()[0].id
    other = reviewer(factory, name="Other Reviewer")
    headers = _token(db, case.reviewer)
    outsider = _token(db, other)
    member = _token(db, case.respondent)
    db.commit()
    url = f"/api/v1/assessments/{case.assessment.id}/review-comments"

    # Not started: nobody leads the review yet.
    assert client.put(f"{url}/{first}", json={"text": "x"}, headers=headers).status_code == 403
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    db.commit()
    assert client.put(f"{url}/{first}", json={"text": "x"}, headers=outsider).status_code == 403
    # Not on the review board at all: there is nothing to find.
    assert client.put(f"{url}/{first}", json={"text": "x"}, headers=member).status_code == 404
    assert client.put(f"{url}/no-such-question", json={"text": "x"},
                      headers=headers).status_code == 404
    too_long = client.put(f"{url}/{first}", json={"text": "x" * 5001}, headers=headers)
    assert too_long.status_code == 422
    assert client.put(f"{url}/{first}", json={"text": 3}, headers=headers).status_code == 422
    assert client.put(f"{url}/{first}", json={}, headers=headers).status_code == 422
    assert client.get("/api/v1/assessments/999999/review-comments",
                      headers=headers).status_code == 404
    assert db.scalars(select(ReviewComment)).all() == []


def test_the_review_page_shows_the_comments_typed_before_a_reload(app, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    first = case.questionnaire.all_questions()[0].id
    board.save_comment_draft(db, case.assessment, reviewer=case.reviewer, question_id=first,
                             text="Kept across reloads.")
    db.commit()
    client = app.test_client()
    sign_in(client, case.reviewer.email)
    page = client.get(f"/review/{case.assessment.id}").text
    assert f'data-comment-question="{first}"' in page
    assert ">Kept across reloads.</textarea>" in page
    # The page leads to every section and to the decision.
    assert 'class="review-nav"' in page and 'href="#decision-title"' in page
    for section in case.questionnaire.sections:
        assert f'href="#section-{section.id}"' in page


def test_a_returned_assessment_says_so_with_the_reason_at_the_top(app, factory, db) -> None:
    case = submitted(factory)
    reviews.start_review(db, case.assessment, reviewer=case.reviewer, declared_no_conflict=True)
    question = case.questionnaire.all_questions()[0]
    section = case.questionnaire.section_of(question.id)
    reviews.decide(db, case.assessment, reviewer=case.reviewer, decision="return",
                   reason="The legal basis is missing.",
                   question_comments={question.id: "Name the law."})
    db.commit()
    client = app.test_client()
    sign_in(client, case.respondent.email)
    page = client.get(f"/assessments/{case.assessment.id}/sections/{section.id}").text
    assert 'class="status status-returned">Returned for changes<' in page
    assert ">Draft<" not in page
    # The reason comes before the list of sections; the comment is beside its question.
    assert page.index("The legal basis is missing.") < page.index('class="steps"')
    assert "Name the law." in page
    step = page[page.index(f'data-step="{section.id}"'):]
    assert 'class="step-flag"' in step[:step.index("</li>")]
    assert page.count('class="step-flag"') == 1
    check = client.get(f"/assessments/{case.assessment.id}/check").text
    assert "The legal basis is missing." in check and "Name the law." in check
