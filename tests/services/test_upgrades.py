"""Moving an open draft to a newer questionnaire version through a mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Answer, Assessment, AuditEvent
from ppp_assess.services import assessments, upgrades
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.services.questionnaires import publish_questionnaire

VERSIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "versions"


@pytest.fixture
def setup(db, factory):
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    old = publish_questionnaire(db, load_questionnaire(VERSIONS / "upgrade-example.yaml")).version
    new = publish_questionnaire(db, load_questionnaire(VERSIONS / "upgrade-example-2.yaml")).version
    assessment = assessments.start_assessment(db, actor=user, version=old,
                                              organisation_id=organisation.id)
    values = {"p1": "mine", "l1": "law", "l2": "practice", "l3": ["audit"], "t": "law",
              "x1": "Some notes", "x2": 4}
    inputs = {question_id: AnswerInput(value) for question_id, value in values.items()}
    inputs["l2"] = AnswerInput("practice", "Applied since 2022.", ["https://example.org/a"])
    assessments.save_answers(db, assessment, inputs, base_version=assessment.version,
                             actor=user)
    db.flush()
    return user, assessment, old, new


def test_plan_shows_what_carries_over_and_what_is_new(db, setup) -> None:
    _user, assessment, old, _new = setup
    plan = upgrades.upgrade_plan(db, assessment, directory=VERSIONS)
    assert (plan.source.version, plan.target.version) == ("1.0", "2.0")
    assert plan.carried == {"p1": "mine", "l1": "law", "l2": "applied", "l3": ["audit"],
                            "t1": "in_law", "t2": "in_law"}
    assert plan.dropped == ["x1", "x2"]
    assert plan.new_questions == ["p2"]
    # showing the plan changes nothing
    assert assessment.questionnaire_version_id == old.id


def test_upgrade_moves_answers_notes_and_score(db, setup) -> None:
    user, assessment, _old, new = setup
    version = assessment.version
    upgrades.upgrade_assessment(db, assessment, actor=user, directory=VERSIONS,
                                base_version=version)
    db.expire_all()
    moved = db.get(Assessment, assessment.id)
    assert moved.questionnaire_version_id == new.id
    assert moved.version == version + 1
    rows = {row.question_id: row for row in db.scalars(
        select(Answer).where(Answer.assessment_id == assessment.id))}
    assert {question_id: row.value for question_id, row in rows.items()} == {
        "p1": "mine", "l1": "law", "l2": "applied", "l3": ["audit"], "t1": "in_law",
        "t2": "in_law"}
    assert rows["l2"].comment == "Applied since 2022."
    assert rows["l2"].evidence == ["https://example.org/a"]
    state = assessments.assessment_state(db, moved)
    # law: (1 + 0.7 + 2*0.5)/4 = 67.5; tailings (mine): t1, t2 in law only: 25
    # overall (3*67.5 + 2*25)/5 = 50.5
    assert moved.score == pytest.approx(50.5)
    assert state.report.overall == pytest.approx(50.5)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.upgraded"))
    assert event is not None and event.after["version"] == "2.0"
    assert event.after["dropped"] == ["x1", "x2"]
    # nothing newer to move to now
    with pytest.raises(NotFound) as caught:
        upgrades.upgrade_plan(db, moved, directory=VERSIONS)
    assert caught.value.code == "no_upgrade"


def test_stale_confirmation_is_refused(db, setup) -> None:
    user, assessment, old, _new = setup
    with pytest.raises(Conflict) as caught:
        upgrades.upgrade_assessment(db, assessment, actor=user, directory=VERSIONS,
                                    base_version=assessment.version - 1)
    assert caught.value.code == "stale"
    db.expire_all()
    assert db.get(Assessment, assessment.id).questionnaire_version_id == old.id


@pytest.mark.parametrize("status", [Status.submitted, Status.in_review, Status.approved])
def test_submitted_and_approved_assessments_never_move(db, setup, status) -> None:
    user, assessment, old, _new = setup
    assessment.status = status
    db.flush()
    with pytest.raises(Conflict) as caught:
        upgrades.upgrade_plan(db, assessment, directory=VERSIONS)
    assert caught.value.code == "not_editable"
    with pytest.raises(Conflict):
        upgrades.upgrade_assessment(db, assessment, actor=user, directory=VERSIONS,
                                    base_version=assessment.version)
    assert assessment.questionnaire_version_id == old.id


def test_no_mapping_file_means_no_upgrade(db, setup, tmp_path) -> None:
    _user, assessment, _old, _new = setup
    with pytest.raises(NotFound):
        upgrades.upgrade_plan(db, assessment, directory=tmp_path)
