"""Evidence documents on the section page: a plain multipart form, without scripts."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from ppp_assess.models import EvidenceDocument
from tests.web.test_assessments import make_member, start

PDF = b"%PDF-1.4\n%%EOF\n"


def _rows(db) -> int:
    count = db.scalar(select(func.count()).select_from(EvidenceDocument))
    db.commit()
    return count


def _section(member, draft) -> str:
    return member.client.get(f"/assessments/{draft.id}/sections/basics").get_data(as_text=True)


def test_the_section_page_offers_an_upload_form_per_question(member, draft) -> None:
    page = _section(member, draft)
    form = re.search(r'<form id="evidence-form-policy" method="post" '
                     r'enctype="multipart/form-data" action="([^"]+)">', page)
    assert form is not None
    assert form.group(1) == f"/assessments/{draft.id}/questions/policy/evidence"
    assert 'type="file" id="evidence-file-policy" name="file" form="evidence-form-policy"' in page
    assert '<label for="evidence-file-policy">Attach a document</label>' in page
    assert 'form="evidence-form-policy" class="button-secondary">Attach</button>' in page
    assert "Verified score:" in page


def test_attaching_and_removing_a_document_without_scripts(member, db, draft) -> None:
    response = member.client.post(
        f"/assessments/{draft.id}/questions/policy/evidence",
        data={"file": (io.BytesIO(PDF), "policy.pdf"), "description": "Board minutes"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sections/basics#question-policy")
    page = _section(member, draft)
    assert "“policy.pdf” is attached to question 1.1." in page
    # User text is isolated for right-to-left pages: the name sits in a <bdi>.
    assert re.search(r">(<bdi>)?policy\.pdf(</bdi>)?</a>", page) and "Board minutes" in page
    document = db.scalar(select(EvidenceDocument))
    db.commit()
    assert f'href="/api/v1/evidence/{document.id}" download' in page
    # The page's own removal form posts where the document is removed.
    action = re.search(rf'<form id="evidence-delete-{document.id}" method="post" '
                       r'action="([^"]+)">', page)
    assert action is not None
    assert action.group(1) == f"/assessments/{draft.id}/evidence/{document.id}/delete"
    removal = member.client.post(action.group(1))
    assert removal.status_code == 302
    assert _rows(db) == 0


def test_a_refused_file_is_explained_beside_the_question_and_nothing_is_kept(
        member, db, draft) -> None:
    response = member.client.post(
        f"/assessments/{draft.id}/questions/policy/evidence?lang=es",
        data={"file": (io.BytesIO(b"<html><script></script></html>"), "policy.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="evidence-file-policy-error" role="alert"' in page
    assert 'aria-invalid="true"' in page
    assert _rows(db) == 0


def test_no_file_chosen_is_a_422_with_a_message(member, db, draft) -> None:
    response = member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                                  data={"description": "x"})
    assert response.status_code == 422
    assert "Choose a file to attach." in response.get_data(as_text=True)


def test_another_organisation_cannot_attach_or_remove(app, member, db, factory,
                                                      draft) -> None:
    member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                       data={"file": (io.BytesIO(PDF), "a.pdf")},
                       content_type="multipart/form-data")
    document = db.scalar(select(EvidenceDocument))
    db.commit()
    stranger = make_member(app, db, factory)
    assert stranger.client.post(
        f"/assessments/{draft.id}/questions/policy/evidence",
        data={"file": (io.BytesIO(PDF), "b.pdf")},
        content_type="multipart/form-data").status_code == 404
    assert stranger.client.post(
        f"/assessments/{draft.id}/evidence/{document.id}/delete").status_code == 404
    assert _rows(db) == 1


def test_the_upload_form_carries_a_csrf_token(csrf_app, db, factory) -> None:
    member = make_member(csrf_app, db, factory)
    draft = start(db, member.user, member.organisation, member.version)
    db.commit()
    page = _section(member, draft)
    form = re.search(r'<form id="evidence-form-policy"[^>]*><input type="hidden" '
                     r'name="csrf_token" value="([^"]+)"></form>', page)
    assert form is not None
    refused = member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                                 data={"file": (io.BytesIO(PDF), "a.pdf")},
                                 content_type="multipart/form-data")
    assert refused.status_code == 400
    accepted = member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                                  data={"file": (io.BytesIO(PDF), "a.pdf"),
                                        "csrf_token": form.group(1)},
                                  content_type="multipart/form-data")
    assert accepted.status_code == 302


def test_the_reviewer_sees_each_document_with_its_digest_and_judges_it(
        app, member, db, factory, draft) -> None:
    from ppp_assess.domain.reference import PlatformRole
    from ppp_assess.services import assessments, reviews
    from tests.factories import sign_in

    member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                       data={"file": (io.BytesIO(PDF), "policy.pdf")},
                       content_type="multipart/form-data")
    assessments.save_answers(db, draft, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=draft.version, actor=member.user)
    assessments.submit_assessment(db, draft, actor=member.user)
    board = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    reviews.start_review(db, draft, reviewer=board, declared_no_conflict=True)
    document = db.scalar(select(EvidenceDocument))
    db.commit()
    client = app.test_client()
    sign_in(client, board.email)
    page = client.get(f"/review/{draft.id}").get_data(as_text=True)
    assert document.sha256 in page
    assert f'<form id="judge-{document.id}" method="post"' in page
    assert f'name="verdict" value="insufficient" form="judge-{document.id}"' in page
    url = f"/review/{draft.id}/evidence/{document.id}"
    missing = client.post(url, data={"verdict": "insufficient"})
    assert missing.status_code == 422
    assert "Say why the document is insufficient." in missing.get_data(as_text=True)
    saved = client.post(url, data={"verdict": "insufficient", "comment": "Not signed."})
    assert saved.status_code == 302
    db.expire_all()
    judged = db.get(EvidenceDocument, document.id)
    assert (judged.verdict.value, judged.review_comment) == ("insufficient", "Not signed.")
    db.commit()
    # The respondent cannot judge, nor delete what was submitted.
    assert member.client.post(url, data={"verdict": "accepted"}).status_code in {403, 404}
    assert member.client.post(
        f"/assessments/{draft.id}/evidence/{document.id}/delete").status_code == 302
    assert _rows(db) == 1


def test_the_submitted_page_lists_the_frozen_documents(member, db, draft) -> None:
    from ppp_assess.services import assessments

    member.client.post(f"/assessments/{draft.id}/questions/policy/evidence",
                       data={"file": (io.BytesIO(PDF), "policy.pdf")},
                       content_type="multipart/form-data")
    assessments.save_answers(db, draft, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=draft.version, actor=member.user)
    assessments.submit_assessment(db, draft, actor=member.user)
    db.commit()
    page = member.client.get(f"/assessments/{draft.id}/submitted").get_data(as_text=True)
    assert re.search(r">(<bdi>)?policy\.pdf(</bdi>)?</a>", page)
    assert "evidence-form-policy" not in page


def test_an_upload_is_received_before_the_database_is_opened(app) -> None:
    from flask import g, request

    from ppp_assess.web.evidence import read_upload_first

    assert app.before_request_funcs[None][0] is read_upload_first
    with app.test_request_context("/api/v1/assessments/1/answers/policy/evidence",
                                  method="POST", data={"file": (io.BytesIO(PDF), "a.pdf")},
                                  content_type="multipart/form-data"):
        read_upload_first()
        assert "files" in request.__dict__
        assert g.get("unit_of_work") is None
