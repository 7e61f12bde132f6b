"""The dashboard totals kept as assessments are decided equal the totals rebuilt from
scratch, and the dashboard read from them equals the one counted from the assessments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Action, Status
from ppp_assess.models import (
    Assessment,
    DashboardQuestionTotal,
    DashboardTotal,
    Organisation,
    Project,
    QuestionnaireVersion,
    QuestionScore,
    Submission,
    User,
)
from ppp_assess.services import certificates
from ppp_assess.services.accounts.organisations import update_organisation
from ppp_assess.services.benchmarks.evaluations import (
    Dashboard,
    DashboardFilters,
    dashboard,
    dashboard_from_assessments,
)
from ppp_assess.services.benchmarks.totals import BINS, KEY, rebuild_totals
from ppp_assess.services.lifecycle import change_status
from ppp_assess.services.projects import ProjectInput, update_project
from ppp_assess.services.questionnaires import questionnaire_of
from tests.services.benchmark_support import (
    approved_through_services,
    make_organisation,
    make_project,
    make_result,
)

COUNTERS = ("assessments", "submitted", *BINS)
FILTERS = (
    DashboardFilters(),
    DashboardFilters(questionnaire_id="people-first"),
    DashboardFilters(questionnaire_id="zero-tolerance-corruption"),
    DashboardFilters(country="kz"),
    DashboardFilters(country="GH", region="africa"),
    DashboardFilters(region="central_asia"),
    DashboardFilters(sector="mining"),
    DashboardFilters(sector="energy", stage="operation"),
    DashboardFilters(stage="construction"),
    DashboardFilters(level="bronze"),
)
#: What the project and organisation edits of the property test move between.
PLACES = (("KZ", "central_asia"), ("GH", "africa"), ("FR", "europe"))
SECTORS = ("mining", "energy")
STAGES = ("construction", "operation")


Totals = tuple[dict[Any, tuple[int, ...]], dict[Any, tuple[int, int]]]


def stored_totals(session: Session) -> Totals:
    """Return the stored totals by key (duplicate rows summed, rows of zeros left out)."""
    session.flush()
    groups: dict[Any, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    keys: dict[int, tuple[Any, ...]] = {}
    for row in session.execute(select(DashboardTotal)).scalars():
        key = tuple(getattr(row, name) for name in KEY)
        keys[row.id] = key
        for index, name in enumerate(COUNTERS):
            groups[key][index] += getattr(row, name)
    questions: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in session.execute(select(DashboardQuestionTotal)).scalars():
        entry = questions[(keys[row.total_id], row.question_id)]
        entry[0] += row.points_lost
        entry[1] += row.below_full
    return ({key: tuple(values) for key, values in groups.items() if any(values)},
            {key: (points, count) for key, (points, count) in questions.items()
             if points or count})


def check_totals(session: Session) -> None:
    """Assert the kept totals equal the rebuilt ones, and the dashboard is unchanged."""
    kept = stored_totals(session)
    for filters in FILTERS:
        assert_same_dashboard(dashboard(session, filters),
                              dashboard_from_assessments(session, filters))
    rebuild_totals(session)
    assert stored_totals(session) == kept


def assert_same_dashboard(totals: Dashboard, raw: Dashboard) -> None:
    # Both sum the points lost in billionths of a point: exactly equal.
    assert totals == raw


@pytest.fixture
def versions(factory) -> dict[str, QuestionnaireVersion]:
    return factory.questionnaires()


# --- through the real services ----------------------------------------------------------------


def test_totals_follow_approvals_certificates_revocations_and_edits(db, factory,
                                                                   versions) -> None:
    people_first = versions["people-first"]
    organisation = factory.organisation()
    approved = [approved_through_services(db, factory, people_first, maturity=0.2 + 0.2 * i,
                                          seed=40 + i, organisation=organisation)
                for i in range(3)]
    approved.append(approved_through_services(db, factory, versions["zero-tolerance-corruption"],
                                              organisation=organisation, seed=44))
    check_totals(db)
    certificate = factory.certificate(approved[0])
    assert approved[0].status == Status.certified
    check_totals(db)
    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    certificates.revoke_certificate(db, certificate, actor=admin, reason="Wrong project")
    assert approved[0].status == Status.revoked
    check_totals(db)
    project = approved[1].project
    assert project is not None
    owner = factory.user(organisation=organisation)
    update_project(db, project, actor=owner, data=ProjectInput(
        name=project.name, sector="energy", country="GH", region="africa", stage="operation",
        contract_type=project.contract_type))
    check_totals(db)
    update_organisation(db, organisation, name=organisation.name, country="FR", region="europe")
    check_totals(db)
    assert dashboard(db, DashboardFilters(country="FR")).total == 1  # the organisation's own


def test_dashboard_with_dates_counts_the_assessments(db, factory, versions) -> None:
    approved = approved_through_services(db, factory, versions["people-first"], seed=3)
    today = dt.datetime.now(dt.UTC).date()
    filters = DashboardFilters(approved_from=today - dt.timedelta(days=1), approved_to=today)
    assert dashboard(db, filters) == dashboard_from_assessments(db, filters)
    assert dashboard(db, filters).rows[0].assessment_id == approved.id
    # Rows loaded around the services are counted once the totals are rebuilt.
    db.execute(DashboardQuestionTotal.__table__.delete())
    db.execute(DashboardTotal.__table__.delete())
    assert dashboard(db, DashboardFilters()).total == 0
    rebuild_totals(db)
    assert_same_dashboard(dashboard(db, DashboardFilters()),
                          dashboard_from_assessments(db, DashboardFilters()))


# --- any order of decisions and edits ---------------------------------------------------------


def _subjects(db: Session, versions: dict[str, QuestionnaireVersion]) -> list[Assessment]:
    """Six assessments in review with frozen question scores, of two organisations."""
    people_first, organisations_version = (versions["people-first"],
                                           versions["zero-tolerance-corruption"])
    result = []
    for index in range(6):
        organisation = make_organisation(db, country=PLACES[index % 2][0],
                                         region=PLACES[index % 2][1])
        version = people_first if index < 4 else organisations_version
        project = (make_project(db, organisation, sector=SECTORS[index % 2],
                                stage=STAGES[index // 2 % 2])
                   if version.subject == "project" else None)
        levels = [level.id for level in questionnaire_of(version).levels]
        assessment = make_result(db, version, organisation=organisation, project=project,
                                 score=None if index == 3 else 9.5 + 17.3 * index,
                                 status=Status.in_review, level=levels[index % len(levels)])
        assessment.approved_at = None
        if index != 5:  # one never submitted (loaded from elsewhere)
            submission = Submission(assessment_id=assessment.id, number=1, answers={},
                                    score={})
            db.add(submission)
            db.flush()
            questions = questionnaire_of(version).all_questions()
            db.add_all(QuestionScore(assessment_id=assessment.id, submission_id=submission.id,
                                     question_id=question.id,
                                     points_lost=0.1 * (position + 1) / 3)
                       for position, question in enumerate(questions[index:index + 7]))
        result.append(assessment)
    db.flush()
    return result


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(("approve", "certify", "revoke", "project", "organisation")),
    st.integers(0, 5), st.integers(0, 7)), max_size=14)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_kept_totals_equal_rebuilt_ones_in_any_order(db, factory, versions,
                                                      operations) -> None:
    nested = db.begin_nested()
    try:
        subjects = _subjects(db, versions)
        actor: User = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
        for name, index, choice in operations:
            assessment = subjects[index]
            wanted = {"approve": (Status.in_review, Action.approve),
                      "certify": (Status.approved, Action.certify),
                      "revoke": (Status.certified, Action.revoke)}.get(name)
            if wanted is not None:
                if assessment.status == wanted[0]:
                    change_status(db, assessment, wanted[1], actor=actor, event=f"test.{name}")
                    if name == "approve":
                        assessment.approved_at = dt.datetime(2026, 1, 1 + choice, tzinfo=dt.UTC)
            elif name == "project" and assessment.project is not None:
                project: Project = assessment.project
                country, region = PLACES[choice % 3]
                update_project(db, project, actor=actor, data=ProjectInput(
                    name=project.name, sector=SECTORS[choice % 2], country=country,
                    region=region, stage=STAGES[choice // 2 % 2],
                    contract_type=project.contract_type))
            elif name == "organisation":
                organisation: Organisation = assessment.organisation
                country, region = PLACES[choice % 3]
                update_organisation(db, organisation, name=organisation.name, country=country,
                                    region=region)
        check_totals(db)
    finally:
        nested.rollback()


def test_rebuild_counts_every_decided_assessment(db, versions) -> None:
    subjects = _subjects(db, versions)
    for assessment in subjects[:4]:
        assessment.status = Status.approved  # loaded around the services
    rebuild_totals(db)
    groups, questions = stored_totals(db)
    assert sum(values[0] for values in groups.values()) == 4
    assert sum(values[1] for values in groups.values()) == 4
    assert sum(sum(values[2:]) for values in groups.values()) == 3  # one has no score
    assert sum(count for _points, count in questions.values()) == 4 * 7
    assert_same_dashboard(dashboard(db, DashboardFilters()),
                          dashboard_from_assessments(db, DashboardFilters()))
    assert db.scalar(select(DashboardTotal.id).where(true()).limit(1)) is not None


def test_the_rebuild_command_counts_rows_loaded_around_the_services(app, db, versions) -> None:
    subjects = _subjects(db, versions)
    subjects[0].status = Status.approved  # loaded around the services
    db.commit()
    assert dashboard(db, DashboardFilters()).total == 0
    result = app.test_cli_runner().invoke(args=["dashboard", "rebuild-totals"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    db.expire_all()
    assert dashboard(db, DashboardFilters()).total == 1
