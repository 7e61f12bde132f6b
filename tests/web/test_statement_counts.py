"""SQL statements per page and per autosave stay the same however much is stored.

Each measured request runs once to warm the caches (questionnaire, form class), then
is counted with the engine's ``before_cursor_execute`` event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from ppp_assess.domain.schema import Question, QuestionType
from ppp_assess.models import Assessment, QuestionnaireVersion
from ppp_assess.services import assessments
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.unit_of_work import get_database
from ppp_assess.web.page_cache import rendered_pages
from tests.web.test_assessments import Member, make_member

QUESTIONNAIRE_ID = "zero-tolerance-corruption"


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """Collect the SQL statements run while the block runs."""
    statements: list[str] = []
    engines = get_database(app).engines

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def count(app, request: Callable[[], Any], *, rendered: bool = False) -> int:
    """Return how many statements ``request`` runs, after one warm-up run.

    ``rendered``: forget the pages kept as rendered first, so that the page is built.
    """
    response = request()
    assert response.status_code in {200, 302}, response.get_data(as_text=True)[:300]
    pages = rendered_pages(app)
    if rendered and pages is not None:
        pages.clear()
    with counting(app) as statements:
        response = request()
    assert response.status_code in {200, 302}
    return len(statements)


@pytest.fixture
def member(app, db, factory) -> Member:
    signed_in = make_member(app, db, factory)
    factory.questionnaires()
    db.commit()
    return signed_in


def _version(db) -> QuestionnaireVersion:
    return assessments.latest_version(db, QUESTIONNAIRE_ID)


def _assessment(db, member: Member, answered: int, organisation=None) -> Assessment:
    version = _version(db)
    organisation = organisation or member.organisation
    assessment = assessments.start_assessment(db, actor=member.user, version=version,
                                              organisation_id=organisation.id)
    questions = assessments.questionnaire_for(assessment).all_questions()
    # Leave the last question unanswered everywhere: the autosave below answers it.
    inputs = {question.id: AnswerInput(_middling(question))
              for question in questions[:answered]}
    if inputs:
        assessments.save_answers(db, assessment, inputs, base_version=assessment.version,
                                 actor=member.user)
    db.commit()
    return assessment


def _middling(question: Question) -> Any:
    """Return an answer that scores neither full nor zero marks where possible."""
    if question.type is QuestionType.number:
        return question.minimum or 0
    return question.options[min(1, len(question.options) - 1)].value


def _section_page(member: Member, assessment: Assessment) -> Callable[[], Any]:
    section = assessments.questionnaire_for(assessment).sections[0]
    return lambda: member.client.get(f"/assessments/{assessment.id}/sections/{section.id}")


def _autosave(app, member: Member, assessment: Assessment) -> Callable[[], Any]:
    questionnaire = assessments.questionnaire_for(assessment)
    last = questionnaire.all_questions()[-1]
    values = iter([last.options[0].value, last.options[1].value] * 3)
    state = {"version": assessment.version}

    def put() -> Any:
        response = member.client.put(
            f"/api/v1/assessments/{assessment.id}/answers/{last.id}",
            json={"value": next(values)},
            headers={"If-Match": str(state["version"]), **member.headers})
        if response.status_code == 200:
            state["version"] = response.get_json()["version"]
        return response

    return put


def test_section_page_does_not_grow_with_answers(app, db, member) -> None:
    few = _assessment(db, member, answered=1)
    many = _assessment(db, member, answered=40, organisation=_other_membership(db, member))
    assert count(app, _section_page(member, few)) == count(app, _section_page(member, many))
    assert count(app, _section_page(member, few), rendered=True) == count(
        app, _section_page(member, many), rendered=True)


def test_autosave_does_not_grow_with_answers(app, db, member) -> None:
    few = _assessment(db, member, answered=1)
    many = _assessment(db, member, answered=40, organisation=_other_membership(db, member))
    assert count(app, _autosave(app, member, few)) == count(app, _autosave(app, member, many))


#: The autosave's statements, by database. In the tests every session is a savepoint of
#: the test's transaction: its SAVEPOINT and RELEASE are two of these. Then the user. On
#: SQLite (where a statement is no round trip) the assessment locked with the membership
#: and the questionnaire's hash, its answers with the documents' verdicts, the answer,
#: the section scores and the assessment's row written, the audit chain's head and its
#: new event. On PostgreSQL the assessment locked and its answers read in one call, the
#: chain's head read under its lock, then the answer, the scores, the row and the event
#: written by one statement.
AUTOSAVE_STATEMENTS = {"sqlite": 10, "postgresql": 6}


def test_autosave_reads_and_writes_in_a_fixed_few_statements(app, db, member) -> None:
    mine = _assessment(db, member, answered=10)
    assert count(app, _autosave(app, member, mine)) == AUTOSAVE_STATEMENTS[
        get_database(app).dialect]


def test_pages_do_not_grow_with_stored_assessments(app, db, member, factory) -> None:
    mine = _assessment(db, member, answered=10)
    section, save = _section_page(member, mine), _autosave(app, member, mine)
    dashboard = lambda: member.client.get("/assessments/")  # noqa: E731
    before = (count(app, section), count(app, section, rendered=True), count(app, save),
              count(app, dashboard))
    for number in range(29):
        # Stored by this organisation (on its own projects) and by others.
        organisation = factory.organisation() if number % 2 else member.organisation
        if organisation is member.organisation:
            project = factory.project(organisation)
            version = assessments.latest_version(db, "people-first")
            assessments.start_assessment(db, actor=member.user, version=version,
                                         organisation_id=organisation.id, project=project)
        else:
            _assessment(db, member, answered=5, organisation=organisation)
    db.commit()
    after = (count(app, section), count(app, section, rendered=True), count(app, save),
             count(app, dashboard))
    assert after == before


def _other_membership(db, member: Member):
    """Return a second organisation of the member (one open assessment per subject)."""
    from ppp_assess.domain.reference import OrgRole
    from ppp_assess.services import accounts

    organisation = accounts.create_organisation(db, name="Second Organisation", country="KZ",
                                                region="central_asia")
    accounts.add_member(db, user=member.user, organisation=organisation,
                        role=OrgRole.respondent)
    db.commit()
    return organisation


def test_the_counter_sees_statements(app, db, member) -> None:
    with counting(app) as statements:
        member.client.get("/assessments/")
    assert any("assessments" in statement for statement in statements)
