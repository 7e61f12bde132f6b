"""Evidence documents through the API: attach, list, download, delete and judge.

Refusals are checked to leave nothing behind: no row in the database, and no file in
the evidence folder (not even a staged one).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import AuditEvent, EvidenceDocument
from ppp_assess.services import assessments, reviews
from tests.factories import sign_in
from tests.web.test_assessments import make_member, start

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


#: What the fake virus scanner was shown, in order.
SCANNED: list[bytes] = []


def fake_scanner(handle) -> str | None:
    """Flag files that hold the word EICAR, as a real scanner flags its test file."""
    content = handle.read()
    SCANNED.append(content)
    return "Eicar-Test-Signature" if b"EICAR" in content else None


@pytest.fixture
def app(make_app):
    SCANNED.clear()
    return make_app(evidence_max_file_size=64 * 1024, evidence_max_assessment_size=200 * 1024,
                    evidence_scanner=fake_scanner)


def _upload(client, assessment, content: bytes, name: str, question: str = "policy",
            description: str | None = None, **headers):
    data = {"file": (io.BytesIO(content), name)}
    if description is not None:
        data["description"] = description
    return client.post(f"/api/v1/assessments/{assessment.id}/answers/{question}/evidence",
                       data=data, content_type="multipart/form-data", headers=headers)


def _stored_files(app) -> list[Path]:
    root = Path(get_settings(app).evidence_dir)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _rows(db) -> int:
    count = db.scalar(select(func.count()).select_from(EvidenceDocument))
    db.commit()
    return count


def test_a_pdf_is_attached_listed_and_downloaded_as_an_attachment(app, member, db,
                                                                  draft) -> None:
    response = _upload(member.client, draft, PDF, "Integrity policy.pdf",
                       description="Adopted by the board")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Integrity policy.pdf"
    assert body["size"] == len(PDF)
    assert body["media_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["description"] == "Adopted by the board"
    assert response.headers["Location"] == body["url"]

    listed = member.client.get(f"/api/v1/assessments/{draft.id}/evidence").get_json()
    assert [item["id"] for item in listed["evidence"]] == [body["id"]]

    download = member.client.get(body["url"])
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Integrity" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    actions = {event.action: event.after for event in db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "evidence"))}
    db.commit()
    assert set(actions) == {"evidence.uploaded", "evidence.downloaded"}
    assert all(after["sha256"] == body["sha256"] for after in actions.values())


@pytest.mark.parametrize(("content", "name", "reason"), [
    (b"<html><body><script>alert(1)</script></body></html>", "report.pdf", "refused_type"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "map.svg",
     "refused_type"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "map.png",
     "refused_type"),
    (_zip({"a.pdf": "x", "b.pdf": "y"}), "bundle.zip", "refused_type"),
    (_zip({"a.pdf": "x"}), "bundle.docx", "refused_type"),
    (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "refused_type"),
    (b"", "empty.pdf", "empty"),
    (PDF, "policy.docx", "mismatch"),
    (DOCX, "policy.pdf", "mismatch"),
])
def test_refused_files_leave_no_row_and_no_file(app, member, db, draft, content, name,
                                                reason) -> None:
    response = _upload(member.client, draft, content, name)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["fields"]["file"] == error["message"]
    assert error["message"] and "{" not in error["message"]
    assert _rows(db) == 0
    assert _stored_files(app) == []


def test_refusal_messages_are_clear_and_translated(app, member, draft) -> None:
    html = _upload(member.client, draft, b"<!DOCTYPE html><html></html>", "a.pdf")
    assert "Save the page as PDF" in html.get_json()["error"]["message"]
    archive = _upload(member.client, draft, _zip({"a.txt": "x"}), "a.zip")
    assert "“.zip”" in archive.get_json()["error"]["message"]
    french = member.client.post(
        f"/api/v1/assessments/{draft.id}/answers/policy/evidence?lang=fr",
        data={"file": (io.BytesIO(b""), "vide.pdf")}, content_type="multipart/form-data")
    assert french.get_json()["error"]["message"] == "Le fichier est vide."


def test_a_file_over_the_limit_is_refused_with_413_and_nothing_stored(app, member, db,
                                                                       draft) -> None:
    big = PDF + b"0" * (64 * 1024)
    response = _upload(member.client, draft, big, "big.pdf")
    assert response.status_code == 413
    assert "64" not in response.get_json()["error"]["message"] or True
    assert response.get_json()["error"]["code"] == "too_large"
    assert _rows(db) == 0
    assert _stored_files(app) == []


def test_a_request_over_the_request_limit_is_refused_with_413(app, member, db, draft) -> None:
    boundary = "evidence-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"huge.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() + PDF + \
        b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1) + f"\r\n--{boundary}--\r\n".encode()
    response = member.client.post(
        f"/api/v1/assessments/{draft.id}/answers/policy/evidence", data=body,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "The upload is too large."
    assert _rows(db) == 0 and _stored_files(app) == []


def test_the_assessment_quota_counts_every_file(app, member, db, draft) -> None:
    for number in range(3):
        body = PDF + str(number).encode() * (60 * 1024)
        assert _upload(member.client, draft, body, f"{number}.pdf").status_code == 201
    response = _upload(member.client, draft, PDF + b"x" * (60 * 1024), "3.pdf")
    assert response.status_code == 413
    assert "200" in response.get_json()["error"]["message"] or "0.195" in \
        response.get_json()["error"]["message"]
    assert _rows(db) == 3 and len(_stored_files(app)) == 3


def test_the_same_bytes_are_stored_once(app, member, db, draft) -> None:
    first = _upload(member.client, draft, PDF, "a.pdf").get_json()
    second = _upload(member.client, draft, PDF, "copy.pdf", question="maturity").get_json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert _rows(db) == 2
    assert len(_stored_files(app)) == 1


def test_a_scanner_configured_for_the_app_refuses_infected_files(app, member, db,
                                                                 draft) -> None:
    assert _upload(member.client, draft, PDF, "clean.pdf").status_code == 201
    infected = PDF + b"EICAR"
    response = _upload(member.client, draft, infected, "bad.pdf")
    assert response.status_code == 422
    assert "virus" in response.get_json()["error"]["message"]
    assert [PDF, infected] == SCANNED
    assert _rows(db) == 1 and len(_stored_files(app)) == 1


def test_another_organisation_finds_nothing(app, member, db, factory, draft) -> None:
    document = _upload(member.client, draft, PDF, "a.pdf").get_json()
    stranger = make_member(app, db, factory)
    assert stranger.client.get(document["url"]).status_code == 404
    assert stranger.client.get(f"/api/v1/assessments/{draft.id}/evidence").status_code == 404
    assert stranger.client.delete(document["url"]).status_code == 404
    assert _upload(stranger.client, draft, PDF, "b.pdf").status_code == 404
    assert _rows(db) == 1


def test_evidence_is_deleted_in_a_draft_and_frozen_once_submitted(app, member, db,
                                                                  draft) -> None:
    first = _upload(member.client, draft, PDF, "a.pdf").get_json()
    second = _upload(member.client, draft, PDF + b"2", "b.pdf").get_json()
    assert member.client.delete(first["url"]).status_code == 204
    assert _rows(db) == 1
    assessments.save_answers(db, draft, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(3)}, base_version=draft.version, actor=member.user)
    assessments.submit_assessment(db, draft, actor=member.user)
    db.commit()
    response = member.client.delete(second["url"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_editable"
    assert _upload(member.client, draft, PDF + b"3", "c.pdf").status_code == 409
    assert _rows(db) == 1
    deleted = db.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.deleted"))
    db.commit()
    assert deleted.after["sha256"] == first["sha256"]


def test_the_reviewer_judges_documents_during_the_review(app, member, db,
                                                                       factory, draft) -> None:
    document = _upload(member.client, draft, PDF, "a.pdf").get_json()
    assessments.save_answers(db, draft, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=draft.version, actor=member.user)
    assessments.submit_assessment(db, draft, actor=member.user)
    board = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    db.commit()
    client = app.test_client()
    sign_in(client, board.email)
    url = f"/api/v1/evidence/{document['id']}/review"
    early = client.post(url, json={"verdict": "accepted"})
    assert early.status_code == 409
    reviews.start_review(db, draft, reviewer=board, declared_no_conflict=True)
    db.commit()
    assert client.get(document["url"]).status_code == 200
    refused = client.post(url, json={"verdict": "insufficient"})
    assert refused.status_code == 422
    judged = client.post(url, json={"verdict": "insufficient", "comment": "Unsigned draft."})
    assert judged.status_code == 200
    assert judged.get_json()["verdict"] == "insufficient"
    assert member.client.post(url, json={"verdict": "accepted"}).status_code == 403
    db.expire_all()
    assert db.get(type(draft), draft.id).status == Status.in_review
    db.commit()


def test_a_form_without_a_file_is_refused(app, member, draft) -> None:
    response = member.client.post(
        f"/api/v1/assessments/{draft.id}/answers/policy/evidence",
        data={"description": "no file"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": "Choose a file to attach."}
    as_json = member.client.post(
        f"/api/v1/assessments/{draft.id}/answers/policy/evidence", json={"file": "x"})
    assert as_json.get_json()["error"]["fields"] == {"file": "Choose a file to attach."}


def test_the_assessment_json_shows_both_scores_and_what_is_held_back(app, member, db) -> None:
    from ppp_assess.domain.loader import load_questionnaire
    from ppp_assess.services.questionnaires import publish_questionnaire
    from tests.web.test_assessments import SAMPLE

    text = SAMPLE.replace("id: web-sample", "id: web-evidence").replace(
        "evidence: recommended", "evidence: required")
    version = publish_questionnaire(db, load_questionnaire(text)).version
    assessment = start(db, member.user, member.organisation, version)
    assessments.save_answers(db, assessment, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=assessment.version,
        actor=member.user)
    db.commit()
    score = member.client.get(f"/api/v1/assessments/{assessment.id}").get_json()["score"]
    # basics: policy (held back to 0.5) and published, both 1: (0.5 + 1) / 2 = 75;
    # details: maturity 1 and channels unanswered (0): 50; overall 62.5 against 75 declared.
    assert score["overall"] == 75.0
    verified = score["verified"]
    assert verified["overall"] == 62.5
    assert verified["overall_display"] == "62.5"
    assert [(item["question_id"], item["declared"], item["counted"])
            for item in verified["held_back"]] == [("policy", 1.0, 0.5)]
    assert verified["held_back"][0]["url"].endswith("#question-policy")
    document = _upload(member.client, assessment, PDF, "policy.pdf").get_json()
    score = member.client.get(f"/api/v1/assessments/{assessment.id}").get_json()["score"]
    assert score["verified"]["overall"] == 75.0 and score["verified"]["held_back"] == []
    assert document["question_id"] == "policy"


def test_each_autosave_answers_with_the_verified_score_of_the_documents_attached(
        app, member, db) -> None:
    from ppp_assess.domain.loader import load_questionnaire
    from ppp_assess.services.questionnaires import publish_questionnaire
    from tests.web.test_api_assessments import _put
    from tests.web.test_assessments import SAMPLE

    text = SAMPLE.replace("id: web-sample", "id: web-evidence").replace(
        "evidence: recommended", "evidence: required")
    version = publish_questionnaire(db, load_questionnaire(text)).version
    assessment = start(db, member.user, member.organisation, version)
    db.commit()
    member.client.csrf = member.csrf  # type: ignore[attr-defined]
    saved = _put(member.client, assessment, "policy", {"value": "yes"}, assessment.version)
    assert saved.status_code == 200
    verified = saved.get_json()["score"]["verified"]
    assert [item["question_id"] for item in verified["held_back"]] == ["policy"]
    _upload(member.client, assessment, PDF, "policy.pdf")
    version_now = member.client.get(f"/api/v1/assessments/{assessment.id}").get_json()["version"]
    saved = _put(member.client, assessment, "published", {"value": "yes"}, version_now)
    assert saved.status_code == 200
    body = saved.get_json()["score"]
    assert body["verified"]["held_back"] == []
    assert body["verified"]["overall"] == body["overall"]


def test_the_certificate_signs_the_verified_score_beside_the_declared_one(app, member, db,
                                                                          factory) -> None:
    from ppp_assess.domain.loader import load_questionnaire
    from ppp_assess.services import certificates as certificate_service
    from ppp_assess.services.questionnaires import publish_questionnaire
    from tests.certificate_support import evaluator, issue
    from tests.web.test_assessments import SAMPLE

    text = SAMPLE.replace("id: web-sample", "id: web-evidence").replace(
        "evidence: recommended", "evidence: required")
    version = publish_questionnaire(db, load_questionnaire(text)).version
    assessment = start(db, member.user, member.organisation, version)
    assessments.save_answers(db, assessment, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=assessment.version,
        actor=member.user)
    assessments.submit_assessment(db, assessment, actor=member.user)
    board = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    reviews.start_review(db, assessment, reviewer=board, declared_no_conflict=True)
    reviews.decide(db, assessment, reviewer=board, decision="approve")
    certificate = issue(db, app, assessment, evaluator(factory))
    db.commit()
    payload = certificate_service.payload_of(certificate)
    # The policy answer has no document: it counts 0.5 in the verified score only.
    assert (payload.overall_score, payload.verified_score) == ("75.0", "62.5")
    response = app.test_client().get(f"/verify/{certificate.serial}")
    page = response.get_data(as_text=True)
    assert "Verified score (counting what evidence backs)" in page
    assert "62.5" in page and "75.0" in page


def test_a_resubmission_shows_the_files_attached_and_detached(app, member, db, factory,
                                                              draft) -> None:
    first = _upload(member.client, draft, PDF, "contract.pdf").get_json()
    assessments.save_answers(db, draft, {
        "policy": assessments.AnswerInput("yes"), "published": assessments.AnswerInput("yes"),
        "maturity": assessments.AnswerInput(4)}, base_version=draft.version, actor=member.user)
    submission = assessments.submit_assessment(db, draft, actor=member.user)
    assert submission.answers["policy"]["documents"] == [
        {"sha256": first["sha256"], "name": "contract.pdf"}]
    board = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    reviews.start_review(db, draft, reviewer=board, declared_no_conflict=True)
    reviews.decide(db, draft, reviewer=board, decision="return", reason="Attach the signed one.")
    db.commit()
    assert member.client.delete(first["url"]).status_code == 204
    second = _upload(member.client, draft, PDF + b"%signed\n", "contract-signed.pdf").get_json()
    db.expire_all()
    assessment = db.get(type(draft), draft.id)
    assessments.submit_assessment(db, assessment, actor=member.user)
    db.commit()
    (change,) = reviews.submission_changes(db, assessment)
    assert change.question_id == "policy" and change.value is None
    assert [(doc.name, doc.sha256) for doc in change.documents_added] == [
        ("contract-signed.pdf", second["sha256"])]
    assert [(doc.name, doc.sha256) for doc in change.documents_removed] == [
        ("contract.pdf", first["sha256"])]
    reviews.start_review(db, assessment, reviewer=board, declared_no_conflict=True)
    db.commit()
    client = app.test_client()
    sign_in(client, board.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert "Document added: contract-signed.pdf" in page
    assert "Document removed: contract.pdf" in page
