"""Reassessments: carried answers, confirmation before submission, and project history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, AuditEvent, EvidenceDocument
from ppp_assess.services import assessments, history
from ppp_assess.services.assessments import AnswerInput, UnconfirmedAnswers
from ppp_assess.services.errors import Conflict, Invalid, MissingAnswers, NotFound
from tests.services.history_support import (
    QUESTIONNAIRE_ID,
    answer,
    approve,
    approved_result,
    history_questionnaire,
    member_project,
    publish,
)

FIRST = {"a1": "yes", "a2": "partly", "e1": "no", "e2": "yes", "e3": "Scoping done."}


def _rows(db, assessment) -> dict[str, Answer]:
    return assessments.load_answers(db, assessment, fresh=True)


def test_same_version_carries_every_valid_answer() -> None:
    old = history_questionnaire("1.0")
    result = history.carry_values(old, old, {**FIRST, "gone": "yes"})
    assert dict(result.carried) == FIRST
    assert result.dropped == ("gone",)
    assert result.new_questions == ()


def test_a_new_version_carries_answers_whose_question_and_value_still_exist(tmp_path) -> None:
    old, new = history_questionnaire("1.0"), history_questionnaire("1.1")
    # A folder without a mapping file: answers carry by question id.
    result = history.carry_values(old, new, FIRST, mapping_dir=tmp_path)
    assert dict(result.carried) == {"a1": "yes", "e1": "no", "e3": "Scoping done."}
    # a2 no longer takes "partly"; e2 is gone.
    assert result.dropped == ("a2", "e2")
    assert result.new_questions == ("e4",)
    assert history.mapping_path(tmp_path, old, new).name == "history-test-1.0-1.1.yaml"


def test_a_reassessment_carries_every_answer_unconfirmed(factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    previous = approved_result(factory, project, respondent, FIRST, stage="procurement",
                               period="2025")
    _rows(db, previous)["a1"].comment = "Our comment."
    db.flush()

    assessment, carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=previous.id,
        project_id=project.id, stage="construction", period="2026")

    assert assessment.previous_assessment_id == previous.id
    assert (assessment.stage, assessment.period) == ("construction", "2026")
    assert assessment.status == Status.draft
    rows = _rows(db, assessment)
    assert {qid: row.value for qid, row in rows.items()} == FIRST
    assert all(row.carried for row in rows.values())
    assert all(row.comment == "" for row in rows.values())
    assert dict(carried.carried) == FIRST
    # Carried answers count as unanswered until confirmed.
    assert assessment.completion == 0.0
    assert assessment.score == 0.0
    state = assessments.assessment_state(db, assessment)
    assert state.values == {}
    assert db.scalar(select(AuditEvent.action).order_by(AuditEvent.sequence.desc())
                     .limit(1)) == "assessment.carried_over"


def test_submission_is_refused_until_each_carried_answer_is_confirmed(factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    previous = approved_result(factory, project, respondent, FIRST)
    assessment, _carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=previous.id)

    with pytest.raises(UnconfirmedAnswers) as refused:
        assessments.submit_assessment(db, assessment, actor=respondent)
    assert refused.value.missing == ["a1", "a2", "e1", "e2", "e3"]
    assert "a1, a2, e1, e2, e3" in str(refused.value)
    db.expire_all()
    assert assessment.status == Status.draft

    # The same value confirms; another value confirms too.
    result = assessments.save_answer(db, assessment, "a1", AnswerInput("yes"),
                                     base_version=assessment.version, actor=respondent)
    assert result.changed == ("a1",)
    answer(factory, assessment, respondent, {"a2": "yes", "e1": "no", "e2": "no"})
    rows = _rows(db, assessment)
    assert [qid for qid, row in sorted(rows.items()) if row.carried] == ["e3"]
    with pytest.raises(UnconfirmedAnswers) as refused:
        assessments.submit_assessment(db, assessment, actor=respondent)
    assert refused.value.missing == ["e3"]
    db.expire_all()

    answer(factory, assessment, respondent, {"e3": "Scoping done."})
    submission = assessments.submit_assessment(db, assessment, actor=respondent)
    assert assessment.status == Status.submitted
    assert submission.answers["a1"]["value"] == "yes"
    assert submission.answers["a2"]["value"] == "yes"


def test_a_reassessment_across_versions_follows_the_new_version(factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    previous = approved_result(factory, project, respondent, FIRST)
    publish(factory, "1.1")
    assessment, carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=previous.id)
    assert assessment.questionnaire_version.version == "1.1"
    assert {qid: row.value for qid, row in _rows(db, assessment).items()} == {
        "a1": "yes", "e1": "no", "e3": "Scoping done."}
    assert carried.dropped == ("a2", "e2")
    assert carried.new_questions == ("e4",)
    # What is new or no longer carries must be answered before submitting.
    answer(factory, assessment, respondent, {"a1": "yes", "e1": "no", "e3": "Done."})
    with pytest.raises(MissingAnswers) as refused:
        assessments.submit_assessment(db, assessment, actor=respondent)
    assert not isinstance(refused.value, UnconfirmedAnswers)
    assert set(refused.value.missing) == {"a2", "e4"}


def test_evidence_documents_are_carried_by_reference(factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    first = assessments.start_assessment_for(db, actor=respondent,
                                             questionnaire_id=QUESTIONNAIRE_ID,
                                             project_id=project.id)
    answer(factory, first, respondent, FIRST)
    document = factory.evidence(first, "a1")
    approve(factory, first, respondent)
    assessment, _carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=first.id)
    copies = db.scalars(select(EvidenceDocument)
                        .where(EvidenceDocument.assessment_id == assessment.id)).all()
    assert [(copy.question_id, copy.sha256, copy.verdict) for copy in copies] == [
        ("a1", document.sha256, None)]
    assert copies[0].id != document.id


def test_a_reassessment_starts_only_from_an_approved_assessment_of_the_subject(
        factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    draft = assessments.start_assessment_for(db, actor=respondent,
                                             questionnaire_id=QUESTIONNAIRE_ID,
                                             project_id=project.id)
    with pytest.raises(Invalid):
        history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                                   previous_id=draft.id)
    answer(factory, draft, respondent, FIRST)
    approve(factory, draft, respondent)
    other_project = factory.project(project.organisation)
    with pytest.raises(Invalid):
        history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                                   previous_id=draft.id, project_id=other_project.id)
    with pytest.raises(Invalid):
        history.start_reassessment(db, actor=respondent, questionnaire_id="people-first",
                                   previous_id=draft.id)
    _other, stranger = member_project(factory)
    with pytest.raises(NotFound):
        history.start_reassessment(db, actor=stranger, questionnaire_id=QUESTIONNAIRE_ID,
                                   previous_id=draft.id)
    with pytest.raises(Invalid):
        history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                                   previous_id=draft.id, stage="moon")
    history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                               previous_id=draft.id)
    with pytest.raises(Conflict):
        history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                                   previous_id=draft.id)


def test_the_history_gives_each_approved_score_in_order(factory, db) -> None:
    publish(factory, "1.0")
    project, respondent = member_project(factory)
    first = approved_result(factory, project, respondent,
                            {"a1": "no", "a2": "no", "e1": "partly", "e2": "no"},
                            stage="procurement", period="2024")
    publish(factory, "1.1")
    second, _carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=first.id,
        stage="construction", period="2025")
    answer(factory, second, respondent, {"a1": "yes", "a2": "yes", "e1": "partly",
                                         "e4": "no"})
    approve(factory, second, respondent)
    # A draft is not part of the history.
    history.start_reassessment(db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID,
                               previous_id=second.id)

    [entry] = history.project_history(db, project)
    assert entry.questionnaire_id == QUESTIONNAIRE_ID
    assert [point.assessment_id for point in entry.points] == [first.id, second.id]
    assert [point.stage for point in entry.points] == ["procurement", "construction"]
    assert [point.version_changed for point in entry.points] == [False, True]
    # Access: 0 then 100; environment: 50 (1.0: e1 partly, e2 no -> 25) then 25.
    assert entry.points[0].sections == pytest.approx({"access": 0.0, "environment": 25.0})
    assert entry.points[1].sections == pytest.approx({"access": 100.0, "environment": 25.0})
    assert entry.points[0].overall == pytest.approx(12.5)
    assert entry.points[1].overall == pytest.approx(62.5)
    assert entry.overall_change == pytest.approx(50.0)
    assert [(change.section_id, change.change) for change in entry.section_changes] == [
        ("access", pytest.approx(100.0)), ("environment", pytest.approx(0.0))]


def test_the_report_of_a_reassessment_holds_the_history_up_to_it(factory, db) -> None:
    from ppp_assess.services.certificates import report_data
    from tests.certificate_support import english

    publish(factory, "1.0")
    project, respondent = member_project(factory)
    first = approved_result(factory, project, respondent,
                            {"a1": "no", "a2": "no", "e1": "partly", "e2": "no"},
                            stage="procurement", period="2024")
    assert report_data(db, first, english()).history == ()
    second, _carried = history.start_reassessment(
        db, actor=respondent, questionnaire_id=QUESTIONNAIRE_ID, previous_id=first.id,
        stage="construction", period="2025")
    answer(factory, second, respondent, {"a1": "yes", "a2": "yes", "e1": "partly",
                                         "e2": "no"})
    approve(factory, second, respondent)

    report = report_data(db, second, english())
    assert [(point.label, point.stage, point.overall) for point in report.history] == [
        ("2024", "Procurement", pytest.approx(12.5)),
        ("2025", "Construction", pytest.approx(62.5))]
    assert [(change.title, change.change) for change in report.history_changes] == [
        ("Access", pytest.approx(100.0)), ("Environment", pytest.approx(0.0))]
    # The first assessment's report stops at the first assessment.
    assert report_data(db, first, english()).history == ()


def test_a_mapping_file_between_versions_decides_what_carries(tmp_path, monkeypatch) -> None:
    import sys
    import types

    old, new = history_questionnaire("1.0"), history_questionnaire("1.1")
    path = history.mapping_path(tmp_path, old, new)
    path.parent.mkdir()
    path.write_text("questionnaire: history-test\nfrom: '1.0'\nto: '1.1'\n"
                    "questions: {a2: {to: a2, values: {partly: 'no'}}}\n", encoding="utf-8")
    calls = []

    def load_mapping(source, old_questionnaire, new_questionnaire):
        calls.append(("load", source, old_questionnaire.version, new_questionnaire.version))
        return {"a2": "a2"}

    def carry_answers(mapping, old_questionnaire, new_questionnaire, answers):
        calls.append(("carry", mapping, dict(answers)))
        return {"a2": "no"}, sorted(set(answers) - {"a2"})

    # The mapping module is the domain's; here a stand-in records how it is called.
    stand_in = types.ModuleType("ppp_assess.domain.version_mapping")
    stand_in.load_mapping = load_mapping  # type: ignore[attr-defined]
    stand_in.carry_answers = carry_answers  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ppp_assess.domain.version_mapping", stand_in)

    result = history.carry_values(old, new, FIRST, mapping_dir=tmp_path)
    assert dict(result.carried) == {"a2": "no"}
    assert result.dropped == ("a1", "e1", "e2", "e3")
    assert calls == [("load", path, "1.0", "1.1"), ("carry", {"a2": "a2"}, FIRST)]
    # Within one version the mapping is never asked.
    calls.clear()
    assert dict(history.carry_values(old, old, FIRST, mapping_dir=tmp_path).carried) == FIRST
    assert calls == []
