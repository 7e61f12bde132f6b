"""Two saves of one assessment on connections of their own: the second waits for the
first and is judged against what the first committed, never against what it read before
the wait."""

from __future__ import annotations

from sqlalchemy import select

from ppp_assess.domain.schema import QuestionType
from ppp_assess.models import Answer, User, migrate
from ppp_assess.models.database import Database
from ppp_assess.services.assessments import AnswerInput, save_answers
from ppp_assess.services.errors import Conflict
from ppp_assess.services.permissions import lock_own_assessment
from ppp_assess.services.questionnaires import questionnaire_of
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory
from tests.lock_waits import run_waiting
from tests.services.review_support import draft


def test_a_save_that_waited_for_the_assessment_sees_the_answer_committed_meanwhile(
        scratch_database_url) -> None:
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    try:
        with database.transaction() as session:
            case = draft(Factory(session), answered=True)
            questionnaire = questionnaire_of(case.assessment.questionnaire_version)
            question = next(q for q in questionnaire.all_questions()
                            if q.type is QuestionType.choice and q.show_if is None
                            and len(q.options) >= 3)
            stored = session.scalar(select(Answer.value).where(
                Answer.assessment_id == case.assessment.id, Answer.question_id == question.id))
            first_value, second_value = [option.value for option in question.options
                                         if option.value != stored][:2]
            assessment_id, user_id = case.assessment.id, case.respondent.id
            seen_version = case.assessment.version

        def save(session, value: object) -> None:
            user = session.get(User, user_id)
            locked = lock_own_assessment(session, user, assessment_id, with_answers=True)
            save_answers(session, locked, {question.id: AnswerInput(value)},
                         base_version=seen_version, actor=user)

        first = database.unit_of_work(write=True)
        save(first.session, first_value)

        def second_save() -> None:
            with database.transaction() as session:
                save(session, second_value)

        with run_waiting(database, second_save) as waiting:
            first.finish(success=True)
        # Both saves were based on the same version: the second, which came later,
        # must not overwrite the first's answer unseen.
        conflict = waiting.error
        assert isinstance(conflict, Conflict), waiting.error or "saved over the first"
        assert conflict.code == "stale"
        assert conflict.current[question.id]["value"] == first_value
        with database.reading() as session:
            assert session.scalar(select(Answer.value).where(
                Answer.assessment_id == assessment_id,
                Answer.question_id == question.id)) == first_value
    finally:
        database.dispose()
