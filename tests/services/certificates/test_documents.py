"""The data of the certificate and report PDFs."""

from __future__ import annotations

import pytest

from ppp_assess.domain.display import isolate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services.questionnaires import questionnaire_of
from tests.certificate_support import assessment_in, certified, english


def test_the_certificate_shows_what_was_signed_not_what_changed_since(app, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    signed_score = certificate_service.payload_of(certificate).overall_score
    scenario.organisation.name = "Renamed Ministry"
    scenario.assessment.score = 12.0
    db.flush()
    data = certificate_service.certificate_data(db, certificate, english())
    assert data.organisation_name != "Renamed Ministry"
    assert data.overall_score == float(signed_score)
    assert data.payload_json == certificate.payload.encode()
    assert data.signature == certificate.signature
    assert data.country_name == "Kazakhstan"
    assert data.verify_url.endswith(certificate.serial)
    assert data.questionnaire_title == scenario.assessment.questionnaire_version.title


def test_the_report_holds_every_answer_comment_and_gap(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved", quality=0.5,
                             comment="See our procurement manual.")
    report = certificate_service.report_data(db, scenario.assessment, english())
    questionnaire = questionnaire_of(scenario.assessment.questionnaire_version)
    assert not report.is_draft
    assert report.status == "Approved"
    assert [section.title for section in report.sections] == [
        section.title for section in questionnaire.sections]
    first = report.sections[0].questions[0]
    assert first.text == questionnaire.all_questions()[0].text
    # What people typed is isolated from the sentences around it.
    assert first.comment == isolate("See our procurement manual.")
    assert first.evidence_links == ("https://example.org/evidence/first.pdf",)
    assert first.reviewer_comment == isolate("Well documented.")
    assert first.answer_label and first.answer_label != "Not answered"
    shown = sum(len(section.questions) for section in report.sections)
    assert shown > 0 and shown <= len(questionnaire.all_questions())
    assert report.gaps, "half marks leave gaps"
    assert all(gap.lost_points > 0 for gap in report.gaps)
    assert any(gap.action for gap in report.gaps)
    assert report.overall_score == pytest.approx(scenario.assessment.score)
    assert ("Reviewer", isolate("Claire Reviewer")) in report.cover_facts


def test_a_draft_report_is_marked_draft(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "returned")
    report = certificate_service.report_data(db, scenario.assessment, english())
    assert report.is_draft
    assert report.status == "Draft"
    comments = [question.reviewer_comment for section in report.sections
                for question in section.questions if question.reviewer_comment]
    assert comments == [isolate("Which law requires this?")]
    assert ("Reason given with the last review decision", isolate("Please link the law.")) in (
        report.cover_facts)


def test_the_report_lists_the_documents_and_states_the_verified_score(app, db,
                                                                      factory) -> None:
    import io

    from ppp_assess.domain.evidence import Verdict
    from ppp_assess.services import evidence

    scenario = assessment_in(db, factory, "draft")
    assessment = scenario.assessment
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    first, second = questionnaire.all_questions()[1], questionnaire.all_questions()[0]
    storage = evidence.LocalStorage(app.instance_path + "/evidence-report")
    for question, content in ((first, b"%PDF-1.4\nB"), (second, b"%PDF-1.4\nA")):
        evidence.attach_evidence(db, assessment, question.id, actor=scenario.respondent,
                                 stream=io.BytesIO(content), filename=f"{question.id}.pdf",
                                 storage=storage, limits=evidence.EvidenceLimits())
    documents = evidence.list_evidence(db, assessment)
    documents[0].verdict = Verdict.accepted
    db.flush()
    report = certificate_service.report_data(db, assessment, english())
    # In document order, whatever the order of upload.
    assert [document.question_id for document in report.documents] == [second.id, first.id]
    assert {document.sha256 for document in report.documents} == {
        document.sha256 for document in documents}
    labels = dict(report.cover_facts)
    assert "Verified score (counting what evidence backs)" in labels
