"""Starting, listing, answering and pre-filling assessments."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, event, select

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import OrgRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Assessment, SectionScore
from ppp_assess.services import accounts, assessments, permissions, questionnaires
from ppp_assess.services.assessments import AnswerInput, AnswersRejected
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.questionnaires import publish_questionnaire
from tests.web.test_assessments import SAMPLE, publish_sample


def test_start_uses_the_newest_version(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    publish_sample(db)
    newer = publish_questionnaire(db, load_questionnaire(
        SAMPLE.replace('version: "1.0"', 'version: "1.1"'))).version
    assessment = assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample")
    assert assessment.questionnaire_version_id == newer.id
    assert assessment.organisation_id == organisation.id


def test_start_checks_subject_and_membership(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation)
    foreign = factory.project(factory.organisation())
    factory.questionnaires()
    with pytest.raises(Invalid) as caught:
        assessments.start_assessment_for(db, actor=user, questionnaire_id="people-first")
    assert caught.value.fields == {"project": "required"}
    with pytest.raises(NotFound):
        assessments.start_assessment_for(db, actor=user, questionnaire_id="people-first",
                                         project_id=foreign.id)
    with pytest.raises(Invalid):
        assessments.start_assessment_for(db, actor=user,
                                         questionnaire_id="zero-tolerance-corruption",
                                         project_id=project.id)
    with pytest.raises(NotFound):
        assessments.start_assessment_for(db, actor=user, questionnaire_id="nope")
    started = assessments.start_assessment_for(db, actor=user, questionnaire_id="people-first",
                                               project_id=project.id)
    assert started.project_id == project.id and started.organisation_id == organisation.id


def test_members_of_several_organisations_must_choose(db, factory) -> None:
    first, second = factory.organisation(), factory.organisation()
    user = factory.user(organisation=first)
    accounts.add_member(db, user=user, organisation=second, role=OrgRole.respondent)
    publish_sample(db)
    with pytest.raises(Invalid) as caught:
        assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample")
    assert caught.value.fields == {"organisation": "required"}
    with pytest.raises(NotFound):
        assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample",
                                         organisation_id=factory.organisation().id)
    assert assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample",
                                            organisation_id=second.id).organisation_id \
        == second.id


def test_an_open_assessment_is_not_started_twice(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    publish_sample(db)
    first = assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample")
    with pytest.raises(Conflict) as caught:
        assessments.start_assessment_for(db, actor=user, questionnaire_id="web-sample")
    assert caught.value.code == "already_open" and caught.value.current == first.id


def test_list_assessments_is_scoped_and_newest_first(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    version = publish_sample(db)
    project_version = factory.questionnaires()["people-first"]
    older = assessments.start_assessment(db, actor=user, version=version,
                                         organisation_id=organisation.id)
    newer = assessments.start_assessment(db, actor=user, version=project_version,
                                         organisation_id=organisation.id,
                                         project=factory.project(organisation))
    other_org = factory.organisation()
    assessments.start_assessment(db, actor=factory.user(organisation=other_org),
                                 version=version, organisation_id=other_org.id)
    assessments.save_answers(db, older, {"policy": AnswerInput("yes")},
                             base_version=older.version, actor=user)
    listed = assessments.list_assessments(db, user)
    assert [row.id for row in listed] == [older.id, newer.id]


def test_rejected_answers_carry_the_domain_errors(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    assessment = assessments.start_assessment(db, actor=user, version=publish_sample(db),
                                              organisation_id=organisation.id)
    with pytest.raises(AnswersRejected) as caught:
        assessments.save_answers(db, assessment, {"policy": AnswerInput("maybe"),
                                                  "staff": AnswerInput(-1)},
                                 base_version=assessment.version, actor=user)
    assert caught.value.fields == {"policy": "not_an_option", "staff": "out_of_range"}
    assert caught.value.problems["staff"].params == {"min": 0, "max": 1000}
    assert isinstance(caught.value, Invalid) and caught.value.status == 422
    assert db.scalar(select(Answer.id)) is None


def test_a_save_sees_answers_changed_after_they_were_loaded(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    assessment = assessments.start_assessment(db, actor=user, version=publish_sample(db),
                                              organisation_id=organisation.id)
    page_version = assessment.version
    assessments.save_answers(db, assessment, {"policy": AnswerInput("yes")},
                             base_version=page_version, actor=user)
    stale = assessments.assessment_state(db, assessment)  # loaded into the session
    row = stale.answers["policy"]
    # Another transaction changes the answer behind the session's back.
    db.execute(Answer.__table__.update().where(Answer.id == row.id).values(
        value="no", version=assessment.version + 5))
    with pytest.raises(Conflict) as caught:
        assessments.save_answers(db, assessment, {"policy": AnswerInput("na")},
                                 base_version=assessment.version, actor=user)
    assert caught.value.current["policy"]["value"] == "no"


def test_assessment_state_reports_visibility(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    assessment = assessments.start_assessment(db, actor=user, version=publish_sample(db),
                                              organisation_id=organisation.id)
    assessments.save_answers(db, assessment, {"policy": AnswerInput("no"),
                                              "published": AnswerInput("yes")},
                             base_version=assessment.version, actor=user)
    state = assessments.assessment_state(db, assessment)
    assert state.values == {"policy": "no", "published": "yes"}
    assert not state.is_visible("published") and state.is_visible("staff")
    assert state.report.missing_required == ("maturity",)


def test_prefilled_assessment_keeps_only_accepted_answers(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    publish_sample(db)
    assessment = assessments.start_assessment_with_answers(
        db, actor=user, questionnaire_id="web-sample", version_label="1.0",
        organisation_id=None, values={"policy": "yes", "staff": "many", "ghost": "x",
                                      "maturity": 3})
    stored = {row.question_id: row.value for row in
              db.scalars(select(Answer).where(Answer.assessment_id == assessment.id))}
    assert stored == {"policy": "yes", "maturity": 3}
    assert db.get(Assessment, assessment.id).completion == pytest.approx(2 / 3)


def test_prefilling_refuses_answers_for_another_version(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    publish_sample(db)
    with pytest.raises(Conflict) as caught:
        assessments.start_assessment_with_answers(
            db, actor=user, questionnaire_id="web-sample", version_label="0.9",
            organisation_id=organisation.id, values={"policy": "yes"})
    assert caught.value.code == "version_changed"
    assert db.scalar(select(Assessment.id)) is None


def test_start_options_pair_questionnaires_with_subjects(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    project = factory.project(organisation)
    factory.project(factory.organisation())
    factory.questionnaires()
    options = {option.version.questionnaire_id: option
               for option in assessments.start_options(db, user)}
    assert options["zero-tolerance-corruption"].organisations == (organisation,)
    assert options["zero-tolerance-corruption"].projects == ()
    assert options["people-first"].projects == (project,)
    assert options["people-first"].organisations == ()


def _stored_section_scores(db, assessment) -> dict[str, float | None]:
    return dict(db.execute(select(SectionScore.section_id, SectionScore.score)
                           .where(SectionScore.assessment_id == assessment.id)).all())


def _draft(db, factory):
    """Return a respondent and their new draft of the sample, flushed."""
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    assessment = assessments.start_assessment(db, actor=user, version=publish_sample(db),
                                              organisation_id=organisation.id)
    db.flush()
    return user, assessment


def _drop_a_section_score(db, assessment) -> None:
    db.execute(delete(SectionScore).where(SectionScore.assessment_id == assessment.id,
                                          SectionScore.section_id == "basics"))


def _section_scores_of(report) -> dict[str, float | None]:
    return {section.id: section.score for section in report.sections}


def test_a_save_stores_the_section_scores_of_a_full_rescore(db, factory) -> None:
    user, assessment = _draft(db, factory)
    db.expire(assessment, ["section_scores"])  # as in a request: the rows are not loaded
    result = assessments.save_answers(db, assessment, {"policy": AnswerInput("yes")},
                                      base_version=assessment.version, actor=user)
    expected = _section_scores_of(result.report)
    assert _stored_section_scores(db, assessment) == expected
    assert any(score is not None for score in expected.values())
    db.refresh(assessment)
    assert assessment.score == result.report.overall
    assert assessment.completion == result.report.completion


def _draft_answered_once(db, factory):
    """Return a respondent, their draft of the sample and the result of a first save."""
    user, assessment = _draft(db, factory)
    first = assessments.save_answers(db, assessment, {"policy": AnswerInput("no")},
                                     base_version=assessment.version, actor=user)
    return user, assessment, first


def test_a_save_leaves_the_session_holding_what_it_wrote(db, factory) -> None:
    """Answers and the assessment are written with prepared statements: the database
    holds the new values, the save's result and the assessment object hold them too, and
    nothing is pending."""
    user, assessment, first = _draft_answered_once(db, factory)
    db.flush()
    second = assessments.save_answers(
        db, assessment, {"policy": AnswerInput("yes", comment=" Adopted in 2024. "),
                         "staff": AnswerInput(3)},
        base_version=first.version, actor=user)
    assert second.version == first.version + 1 == assessment.version
    assert not db.dirty and not db.new
    policy = second.answers["policy"]
    assert (policy.value, policy.comment, policy.version) == ("yes", "Adopted in 2024.",
                                                             second.version)
    stored_assessment = db.execute(
        select(Assessment.version, Assessment.score, Assessment.completion)
        .where(Assessment.id == assessment.id)).one()
    assert tuple(stored_assessment) == (second.version, second.report.overall,
                                        second.report.completion)
    stored = {row.question_id: (row.value, row.comment, row.version, row.updated_by_id)
              for row in db.execute(select(Answer.question_id, Answer.value, Answer.comment,
                                           Answer.version, Answer.updated_by_id)
                                    .where(Answer.assessment_id == assessment.id))}
    assert stored == {"policy": ("yes", "Adopted in 2024.", second.version, user.id),
                      "staff": (3, "", second.version, user.id)}
    db.expire_all()
    assert assessments.load_answers(db, assessment)["policy"].comment == "Adopted in 2024."


def test_answers_loaded_as_objects_before_a_save_read_as_it_wrote_them(db, factory) -> None:
    """A save writes rows: the answer objects the session held (a page's state) are read
    again, and a query sees the answers it added."""
    user, assessment, first = _draft_answered_once(db, factory)
    loaded = assessments.load_answers(db, assessment)
    assert loaded["policy"].value == "no"
    second = assessments.save_answers(
        db, assessment, {"policy": AnswerInput("yes", comment="Adopted."),
                         "staff": AnswerInput(3)},
        base_version=first.version, actor=user)
    assert (loaded["policy"].value, loaded["policy"].comment) == ("yes", "Adopted.")
    assert loaded["policy"].version == second.version
    again = assessments.load_answers(db, assessment)
    assert {qid: row.value for qid, row in again.items()} == {"policy": "yes", "staff": 3}
    assert again["policy"] is loaded["policy"]
    assert sorted(row.question_id for row in assessment.answers) == ["policy", "staff"]
    written = second.answers["staff"]
    assert written.updated_at is not None and written.version == second.version


def test_a_save_recreates_a_missing_section_score(db, factory) -> None:
    user, assessment = _draft(db, factory)
    _drop_a_section_score(db, assessment)
    db.expire(assessment, ["section_scores"])
    result = assessments.save_answers(db, assessment, {"policy": AnswerInput("no")},
                                      base_version=assessment.version, actor=user)
    db.flush()
    assert _stored_section_scores(db, assessment) == _section_scores_of(result.report)


def test_a_save_writes_only_its_own_assessments_section_scores(db, factory) -> None:
    """The scores are written by assessment: another draft's rows, and a row of a section
    the questionnaire no longer scores, keep theirs."""
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    version = publish_sample(db)
    other = assessments.start_assessment(db, actor=user, version=version,
                                         organisation_id=organisation.id)
    assessment = assessments.start_assessment(db, actor=user, version=version,
                                              organisation_id=organisation.id)
    db.flush()
    db.add(SectionScore(assessment_id=assessment.id, section_id="retired", score=42.0))
    db.flush()
    db.expire(assessment, ["section_scores"])
    before_other = _stored_section_scores(db, other)
    result = assessments.save_answers(db, assessment, {"policy": AnswerInput("yes")},
                                      base_version=assessment.version, actor=user)
    db.flush()
    assert _stored_section_scores(db, assessment) == {
        **_section_scores_of(result.report),
        "retired": 42.0}
    assert _stored_section_scores(db, other) == before_other


def test_a_locked_read_checks_membership_and_spares_the_save_a_second_lock(
        db, factory) -> None:
    stranger = factory.user(organisation=factory.organisation())
    user, started = _draft(db, factory)
    db.commit()
    with pytest.raises(NotFound):
        permissions.lock_own_assessment(db, stranger, started.id)
    with pytest.raises(NotFound):
        permissions.lock_own_assessment(db, user, started.id + 1000)
    assessment = permissions.lock_own_assessment(db, user, started.id)
    assert permissions.holds_row_lock(db, assessment)
    assert assessments.questionnaire_for(assessment).id == "web-sample"
    result = assessments.save_answers(db, assessment, {"policy": AnswerInput("yes")},
                                      base_version=assessment.version, actor=user)
    assert result.changed == ("policy",)
    db.commit()
    # A new transaction holds no lock until it reads the row locked again.
    assert not permissions.holds_row_lock(db, assessment)
    with pytest.raises(RuntimeError):
        assessments.save_answers(db, assessment, {"policy": AnswerInput("no")},
                                 base_version=assessment.version, actor=user)


def test_a_save_through_the_locked_row_writes_what_the_object_would(
        db, factory, monkeypatch) -> None:
    """The autosave saves through the assessment's row: the row and the object the
    session may hold end up as a save of the object leaves them, and a questionnaire not
    parsed yet is read from its version."""
    user, started = _draft(db, factory)
    db.commit()
    loaded = db.get(Assessment, started.id)
    assert loaded is not None
    first_version = loaded.version
    monkeypatch.setattr(questionnaires, "_by_hash", {})  # no version parsed yet
    row = permissions.lock_own_assessment(db, user, started.id)
    assert (row.id, row.organisation_id, row.status, row.version) == (
        started.id, started.organisation_id, Status.draft, first_version)
    assert assessments.questionnaire_for(row).id == "web-sample"
    result = assessments.save_answers(db, row, {"policy": AnswerInput("yes")},
                                      base_version=row.version, actor=user)
    assert row.version == result.version == first_version + 1
    # The object the session held reads what the save wrote.
    assert (loaded.version, loaded.score, loaded.completion) == (
        result.version, result.report.overall, result.report.completion)
    assert _stored_section_scores(db, loaded) == _section_scores_of(result.report)
    db.commit()


def test_a_save_through_the_locked_row_recreates_a_missing_section_score(db, factory) -> None:
    user, started = _draft(db, factory)
    _drop_a_section_score(db, started)
    db.commit()
    db.expunge_all()
    row = permissions.lock_own_assessment(db, user, started.id)
    result = assessments.save_answers(db, row, {"policy": AnswerInput("no")},
                                      base_version=row.version, actor=user)
    db.flush()
    assert _stored_section_scores(db, row) == _section_scores_of(result.report)
    stored = db.get(Assessment, started.id)
    assert stored is not None
    assert (stored.version, stored.score) == (result.version, result.report.overall)
    db.commit()


def _updates_while(db, save) -> tuple[Any, list[str]]:
    statements: list[str] = []
    connection = db.connection()

    def record(_connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "WITH")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        return save(), statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("drop_a_section", [False, True])
def test_one_changed_answer_is_written_with_its_scores_in_one_statement_on_postgresql(
        db, factory, drop_a_section) -> None:
    """The autosave's case: one stored answer changed. The answer, the section scores and
    the assessment's row are written together on PostgreSQL (one round trip), one UPDATE
    each on SQLite; either way the database holds what the save returns, and a section's
    row gone missing is written again."""
    user, assessment, first = _draft_answered_once(db, factory)
    db.flush()
    if drop_a_section:
        _drop_a_section_score(db, assessment)
    db.expire(assessment, ["section_scores"])
    second, updates = _updates_while(db, lambda: assessments.save_answers(
        db, assessment, {"policy": AnswerInput("yes", comment="Adopted.")},
        base_version=first.version, actor=user))
    postgresql = db.get_bind().dialect.name == "postgresql"
    assert len(updates) == (1 if postgresql else 3), updates
    db.flush()
    assert _stored_section_scores(db, assessment) == _section_scores_of(second.report)
    assert second.report.overall != first.report.overall
    stored = db.execute(select(Assessment.version, Assessment.score, Assessment.level,
                               Assessment.completion)
                        .where(Assessment.id == assessment.id)).one()
    level = second.report.level.id if second.report.level else None
    assert tuple(stored) == (second.version, second.report.overall, level,
                             second.report.completion)
    assert assessment.version == second.version
    answer = db.execute(select(Answer.value, Answer.comment, Answer.version)
                        .where(Answer.assessment_id == assessment.id)).one()
    assert tuple(answer) == ("yes", "Adopted.", second.version)
    assert not db.dirty and not db.new


def test_the_one_statement_save_returns_its_count_whatever_was_asked_before() -> None:
    """SQLAlchemy keeps a statement's RETURNING columns once asked for, and a statement
    derived from it inherits them: the save's one statement on PostgreSQL must return
    its count of section rows even when the UPDATE it is built from was asked first."""
    plain = assessments._ASSESSMENT_SAVED
    assert len(plain.exported_columns) == 0  # asked: no RETURNING of its own
    together = assessments._saved_together(("returning-a", "returning-b"))
    assert len(together.statement.exported_columns) == 1
