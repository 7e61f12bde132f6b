"""Peer statistics in SQL against the pure-Python definitions, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from ppp_assess.domain import benchmarking
from ppp_assess.domain.benchmarking import PeerSummary, Quartiles, Suppressed
from ppp_assess.domain.loader import questionnaire_from_dict
from ppp_assess.domain.reference import SubjectType
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, QuestionnaireVersion
from ppp_assess.services import assessments
from ppp_assess.services.benchmarks.peers import (
    FEW_ORGANISATIONS_REASON,
    OVERALL,
    PeerFilters,
    PeerGroup,
    benchmark_for_assessment,
    clean_filters,
    group_statistics,
    peer_benchmark,
    summarise,
)
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.peer_index import refresh_subject
from ppp_assess.services.questionnaires import publish_questionnaire, questionnaire_of
from tests.services.benchmark_support import (
    BASE_TIME,
    approved_through_services,
    make_organisation,
    make_project,
    make_result,
    peers_with_scores,
)

METHODS = ("auto", "window")


@pytest.fixture
def versions(factory) -> dict[str, QuestionnaireVersion]:
    return factory.questionnaires()


@pytest.fixture
def people_first(versions) -> QuestionnaireVersion:
    return versions["people-first"]


# --- a hand-computed example ----------------------------------------------------------------

# The same six peers as the domain's example, each from its own organisation:
# sorted 40, 40, 55, 61.25, 72.5, 88 -> q1 43.75, median 58.125, q3 69.6875 (exact binary
# fractions). A subject scoring 55 has 2 peers below and 1 equal: rank (2 + 1/2) / 6 = 250/6.
EXAMPLE = [72.5, 40.0, 88.0, 55.0, 61.25, 40.0]


@pytest.mark.parametrize("method", METHODS)
def test_hand_computed_example(db, people_first, method) -> None:
    peers_with_scores(db, people_first, EXAMPLE)
    subject_org = make_organisation(db)
    subject = make_result(db, people_first, organisation=subject_org,
                          project=make_project(db, subject_org), score=55.0,
                          sections={"access-equity": 55.0, "economic-fiscal": 45.0},
                          status=Status.draft)
    benchmark = benchmark_for_assessment(db, subject, k=5, method=method)
    assert benchmark.shown
    assert benchmark.overall == PeerSummary(
        n=6, quartiles=Quartiles(q1=43.75, median=58.125, q3=69.6875, p10=40.0, p90=80.25),
        subject_value=55.0, percentile_rank=250 / 6)
    sections = {section.id: section.summary for section in benchmark.sections}
    # Section "economic-fiscal" holds 100 - score: 60, 60, 45, 38.75, 27.5, 12.
    # sorted 12, 27.5, 38.75, 45, 60, 60: q1 = 27.5 + 0.25 * 11.25 = 30.3125,
    # median = 38.75 + 0.5 * 6.25 = 41.875, q3 = 45 + 0.75 * 15 = 56.25,
    # p10 = 12 + 0.5 * 15.5 = 19.75, p90 = 60 + 0.5 * 0 = 60;
    # 45 has 3 below and 1 equal: (3 + 1/2) / 6 * 100 = 350/6.
    assert sections["economic-fiscal"] == PeerSummary(
        n=6, quartiles=Quartiles(q1=30.3125, median=41.875, q3=56.25, p10=19.75, p90=60.0),
        subject_value=45.0, percentile_rank=350 / 6)
    # Sections nobody has a score for show nothing.
    assert sections["replicability"] == Suppressed(n=0, k=5)


@pytest.mark.parametrize("method", METHODS)
def test_statistics_without_subject(db, people_first, method) -> None:
    peers_with_scores(db, people_first, EXAMPLE)
    benchmark = peer_benchmark(db, questionnaire_id="people-first", k=5, method=method)
    assert benchmark.overall == PeerSummary(
        n=6, quartiles=Quartiles(q1=43.75, median=58.125, q3=69.6875, p10=40.0, p90=80.25),
        subject_value=None, percentile_rank=None)


# --- who the peers are ------------------------------------------------------------------------


def test_latest_decided_result_per_subject(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0])
    organisation = make_organisation(db)
    project = make_project(db, organisation)
    # An older result of the same project is superseded by the newer one.
    make_result(db, people_first, organisation=organisation, project=project, score=99.0,
                approved_at=BASE_TIME - dt.timedelta(days=30))
    make_result(db, people_first, organisation=organisation, project=project, score=50.0,
                status=Status.certified, approved_at=BASE_TIME + dt.timedelta(days=30))
    # Drafts, submissions and reviews never count.
    for status in (Status.draft, Status.submitted, Status.in_review):
        other = make_organisation(db)
        make_result(db, people_first, organisation=other, project=make_project(db, other),
                    score=0.0, status=status)
    benchmark = peer_benchmark(db, questionnaire_id="people-first", k=5)
    assert isinstance(benchmark.overall, PeerSummary)
    assert benchmark.overall.n == 5
    # The peers are 10, 20, 30, 40 and the newer 50: p10 = 14, p90 = 46.
    assert benchmark.overall.quartiles.p90 == pytest.approx(46.0)
    assert benchmark.overall.quartiles.p10 == pytest.approx(14.0)


def test_revoked_latest_result_removes_the_subject(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0, 60.0])
    organisation = make_organisation(db)
    project = make_project(db, organisation)
    make_result(db, people_first, organisation=organisation, project=project, score=95.0,
                approved_at=BASE_TIME - dt.timedelta(days=30))
    make_result(db, people_first, organisation=organisation, project=project, score=90.0,
                status=Status.revoked, approved_at=BASE_TIME + dt.timedelta(days=30))
    benchmark = peer_benchmark(db, questionnaire_id="people-first", k=5)
    assert isinstance(benchmark.overall, PeerSummary)
    assert benchmark.overall.n == 5
    # 10, 20, 30, 40, 60 without the project's 95: p90 = 40 + 0.6 * 20 = 52.
    assert benchmark.overall.quartiles.p90 == pytest.approx(52.0)


def test_other_questionnaires_and_major_versions_are_not_peers(db, factory, versions) -> None:
    people_first = factory.questionnaires("1.0")["people-first"]
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0, 50.0])
    definition = dict(people_first.definition)
    minor = publish_questionnaire(db, questionnaire_from_dict({**definition, "version": "1.1"}))
    major = versions["people-first"]  # the shipped 2.0, the latest
    assert major.major == 2
    peers_with_scores(db, minor.version, [60.0])
    peers_with_scores(db, major, [70.0, 80.0, 90.0, 95.0, 99.0])
    peers_with_scores(db, versions["mining-infrastructure"], [1.0, 2.0, 3.0, 4.0, 5.0])
    first = peer_benchmark(db, questionnaire_id="people-first", major=1, k=5)
    assert isinstance(first.overall, PeerSummary)
    assert (first.overall.n, first.overall.quartiles.p90) == (6, pytest.approx(55.0))
    second = peer_benchmark(db, questionnaire_id="people-first", k=5)  # the latest major
    assert second.major == 2
    assert isinstance(second.overall, PeerSummary)
    assert (second.overall.n, second.overall.quartiles.p10) == (5, pytest.approx(74.0))


def test_filters_on_project_attributes(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0, 50.0], sector="energy",
                      stage="operation")
    peers_with_scores(db, people_first, [60.0, 70.0, 80.0, 90.0, 95.0], sector="mining",
                      stage="operation")
    energy = peer_benchmark(db, questionnaire_id="people-first", k=5,
                            filters=PeerFilters(sector="energy"))
    assert isinstance(energy.overall, PeerSummary)
    assert energy.overall.quartiles.p90 == pytest.approx(46.0)
    both = peer_benchmark(db, questionnaire_id="people-first", k=5,
                          filters=PeerFilters(stage="operation"))
    assert isinstance(both.overall, PeerSummary) and both.overall.n == 10
    nobody = peer_benchmark(db, questionnaire_id="people-first", k=5,
                            filters=PeerFilters(sector="mining", country="FR"))
    assert nobody.overall == Suppressed(n=0, k=5)


def test_organisation_questionnaires_filter_on_the_organisation(db, versions) -> None:
    version = versions["zero-tolerance-corruption"]
    for index in range(6):
        organisation = make_organisation(db, country="FR" if index < 5 else "DE",
                                         region="europe")
        make_result(db, version, organisation=organisation, score=10.0 * index)
    french = peer_benchmark(db, questionnaire_id="zero-tolerance-corruption", k=5,
                            filters=PeerFilters(country="FR"))
    assert isinstance(french.overall, PeerSummary)
    assert (french.overall.n, french.overall.quartiles.p90) == (5, pytest.approx(36.0))
    with pytest.raises(Invalid):
        peer_benchmark(db, questionnaire_id="zero-tolerance-corruption",
                       filters=PeerFilters(sector="mining"))


def test_clean_filters() -> None:
    assert clean_filters({"sector": "mining", "country": "fr", "region": ""},
                         subject=SubjectType.project) == PeerFilters(sector="mining",
                                                                     country="FR")
    with pytest.raises(Invalid) as error:
        clean_filters({"sector": "gold", "country": "France"}, subject=SubjectType.project)
    assert error.value.fields == {"sector": "unknown_code", "country": "not_a_country"}
    with pytest.raises(Invalid) as error:
        clean_filters({"stage": "operation"}, subject=SubjectType.organisation)
    assert error.value.fields == {"stage": "project_only"}


def test_unknown_questionnaire(db, versions) -> None:
    with pytest.raises(NotFound):
        peer_benchmark(db, questionnaire_id="no-such-questionnaire")


# --- small groups show nothing ----------------------------------------------------------------


def test_groups_below_k_show_nothing(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0])
    subject_org = make_organisation(db)
    subject = make_result(db, people_first, organisation=subject_org,
                          project=make_project(db, subject_org), score=35.0,
                          sections={"access-equity": 35.0})
    benchmark = benchmark_for_assessment(db, subject, k=5)
    assert not benchmark.shown
    assert benchmark.overall == Suppressed(n=4, k=5)
    assert all(isinstance(section.summary, Suppressed) for section in benchmark.sections)
    # One more peer and the statistics appear.
    peers_with_scores(db, people_first, [50.0])
    assert benchmark_for_assessment(db, subject, k=5).shown


def test_k_applies_per_section(db, people_first) -> None:
    results = peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0, 50.0])
    # One peer has no score in the first section (all not applicable).
    results[0].section_scores[0].score = None
    refresh_subject(db, results[0])
    benchmark = peer_benchmark(db, questionnaire_id="people-first", k=5)
    sections = {section.id: section.summary for section in benchmark.sections}
    assert benchmark.shown
    assert sections["access-equity"] == Suppressed(n=4, k=5)
    assert isinstance(sections["economic-fiscal"], PeerSummary)


def test_own_organisation_is_never_a_peer(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0])
    organisation = make_organisation(db)
    # Four more projects of the subject's own organisation: they must not make up the
    # numbers, or the organisation could subtract what it knows and isolate the others.
    for value in (60.0, 70.0, 80.0, 90.0):
        make_result(db, people_first, organisation=organisation,
                    project=make_project(db, organisation), score=value)
    subject = make_result(db, people_first, organisation=organisation,
                          project=make_project(db, organisation), score=50.0)
    benchmark = benchmark_for_assessment(db, subject, k=5)
    assert benchmark.overall == Suppressed(n=4, k=5)
    # The evaluators' view of the same questionnaire counts everyone.
    everyone = peer_benchmark(db, questionnaire_id="people-first", k=5)
    assert isinstance(everyone.overall, PeerSummary) and everyone.overall.n == 9


def test_peers_from_too_few_organisations_show_nothing(db, people_first) -> None:
    first, second = make_organisation(db), make_organisation(db)
    for index, value in enumerate((10.0, 20.0, 30.0, 40.0, 50.0, 60.0)):
        organisation = first if index % 2 else second
        make_result(db, people_first, organisation=organisation,
                    project=make_project(db, organisation), score=value)
    benchmark = peer_benchmark(db, questionnaire_id="people-first", k=5)
    assert benchmark.overall == Suppressed(n=6, k=5, reason=FEW_ORGANISATIONS_REASON)


def test_summarise_needs_a_positive_k() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        summarise(None, None, k=0)


def test_match_narrows_to_the_subjects_own_attributes(db, people_first) -> None:
    peers_with_scores(db, people_first, [10.0, 20.0, 30.0, 40.0, 50.0], sector="energy")
    peers_with_scores(db, people_first, [60.0, 70.0, 80.0, 90.0, 95.0], sector="mining")
    organisation = make_organisation(db)
    subject = make_result(db, people_first, organisation=organisation,
                          project=make_project(db, organisation, sector="energy"), score=45.0)
    narrowed = benchmark_for_assessment(db, subject, k=5, match=["sector"])
    assert narrowed.filters == PeerFilters(sector="energy")
    assert isinstance(narrowed.overall, PeerSummary)
    assert narrowed.overall.percentile_rank == 80.0
    assert narrowed.available_matches == ("sector", "region", "country", "stage",
                                          "contract_type")
    with pytest.raises(Invalid):
        benchmark_for_assessment(db, subject, k=5, match=["colour"])


# --- the SQL against the pure-Python reference on random data ---------------------------------


def _reference(candidates: list[dict], *, exclude_organisation: int | None,
               sector: str | None) -> list[dict]:
    """Pick the peers by hand: latest decided result per project, unless revoked."""
    by_subject: dict[int, list[dict]] = {}
    for row in candidates:
        if row["status"] not in (Status.approved, Status.certified, Status.revoked):
            continue
        if row["organisation"] == exclude_organisation:
            continue
        if sector is not None and row["sector"] != sector:
            continue
        by_subject.setdefault(row["project"], []).append(row)
    peers = []
    for rows in by_subject.values():
        latest = max(rows, key=lambda row: (row["approved_at"], row["id"]))
        if latest["status"] != Status.revoked:
            peers.append(latest)
    return peers


def _close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=0.0, abs_tol=1e-9)


def _assert_summary(actual, expected) -> None:
    assert type(actual) is type(expected)
    if isinstance(expected, Suppressed):
        assert actual == expected
        return
    assert actual.n == expected.n
    for name in ("q1", "median", "q3", "p10", "p90"):
        assert _close(getattr(actual.quartiles, name), getattr(expected.quartiles, name)), name
    assert _close(actual.subject_value, expected.subject_value)
    assert _close(actual.percentile_rank, expected.percentile_rank)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_matches_the_domain_on_random_data(db, people_first, seed) -> None:
    rng = random.Random(seed)
    section_ids = [section.id for section in questionnaire_of(people_first).sections]
    tied = [0.0, 12.5, 33.333333333333336, 50.0, 66.66666666666667, 87.5, 100.0]
    organisations = [make_organisation(db) for _ in range(12)]
    projects = [make_project(db, rng.choice(organisations),
                             sector=rng.choice(["mining", "energy"])) for _ in range(45)]
    statuses = [Status.approved, Status.certified, Status.revoked, Status.draft,
                Status.submitted]
    candidates = []
    for project in projects:
        for _ in range(rng.randint(1, 3)):
            def value() -> float | None:
                roll = rng.random()
                if roll < 0.1:
                    return None
                return rng.choice(tied) if roll < 0.5 else rng.uniform(0, 100)
            sections = {section_id: value() for section_id in section_ids}
            overall = value()
            # Few distinct days, so equal approval times fall back on the id.
            approved_at = BASE_TIME + dt.timedelta(days=rng.randint(0, 4))
            status = rng.choices(statuses, weights=[5, 2, 1, 1, 1])[0]
            organisation = next(org for org in organisations if org.id == project.organisation_id)
            result = make_result(db, people_first, organisation=organisation, project=project,
                                 score=overall, sections=sections, status=status,
                                 approved_at=approved_at)
            candidates.append({"id": result.id, "project": project.id,
                               "organisation": organisation.id, "sector": project.sector,
                               "status": status, "approved_at": approved_at,
                               "values": {OVERALL: overall, **sections}})
    subject = rng.choice([row for row in candidates if row["status"] == Status.draft]
                         or candidates)
    subject_assessment = db.get(Assessment, subject["id"])
    for match, sector in (((), None), (("sector",), subject["sector"])):
        peers = _reference(candidates, exclude_organisation=subject["organisation"],
                           sector=sector)
        for method in METHODS:
            benchmark = benchmark_for_assessment(db, subject_assessment, k=2, match=match,
                                                 method=method)
            summaries = {OVERALL: benchmark.overall,
                         **{section.id: section.summary for section in benchmark.sections}}
            for key, actual in summaries.items():
                values = [peer["values"][key] for peer in peers
                          if peer["values"][key] is not None]
                organisations_with_value = {peer["organisation"] for peer in peers
                                            if peer["values"][key] is not None}
                expected = benchmarking.peer_summary(subject["values"][key], values, k=2)
                if isinstance(expected, PeerSummary) and len(organisations_with_value) < 2:
                    expected = Suppressed(n=len(values), k=2, reason=FEW_ORGANISATIONS_REASON)
                _assert_summary(actual, expected)
    # The group without a subject, over every organisation.
    everyone = _reference(candidates, exclude_organisation=None, sector=None)
    for method in METHODS:
        statistics = group_statistics(
            db, PeerGroup(questionnaire_id="people-first", major=people_first.major,
                          subject=SubjectType.project), method=method)
        for key in (OVERALL, *section_ids):
            values = [peer["values"][key] for peer in everyone
                      if peer["values"][key] is not None]
            reference = benchmarking.quartiles(values)
            row = statistics[key]
            assert row.n == len(values)
            assert _close(row.p10, reference.p10)
            assert _close(row.p90, reference.p90)
            assert _close(row.q1, reference.q1)
            assert _close(row.median, reference.median)
            assert _close(row.q3, reference.q3)


def test_percentile_cont_window_and_indexed_agree_exactly(db, people_first) -> None:
    """On PostgreSQL the three SQL forms run; on SQLite there is no percentile_cont."""
    rng = random.Random(7)
    peers_with_scores(db, people_first, [rng.uniform(0, 100) for _ in range(37)])
    group = PeerGroup(questionnaire_id="people-first", major=1, subject=SubjectType.project)
    window = group_statistics(db, group, {OVERALL: 50.0}, method="window")
    assert group_statistics(db, group, {OVERALL: 50.0}, method="indexed") == window
    if db.get_bind().dialect.name == "postgresql":
        assert group_statistics(db, group, {OVERALL: 50.0},
                                method="percentile_cont") == window


# --- through the real services ----------------------------------------------------------------


def test_benchmark_of_assessments_approved_through_the_services(db, factory, people_first
                                                                ) -> None:
    approved = [approved_through_services(db, factory, people_first, maturity=0.3 + 0.1 * i,
                                          seed=i) for i in range(5)]
    organisation = factory.organisation()
    respondent = factory.user(organisation=organisation)
    draft = assessments.start_assessment(db, actor=respondent, version=people_first,
                                         organisation_id=organisation.id,
                                         project=factory.project(organisation))
    benchmark = benchmark_for_assessment(db, draft, k=5)
    scores = [assessment.score for assessment in approved]
    assert benchmark.overall == benchmarking.peer_summary(draft.score, scores, k=5)
    for section in benchmark.sections:
        values = [row.score for assessment in approved for row in assessment.section_scores
                  if row.section_id == section.id and row.score is not None]
        mine = next((row.score for row in draft.section_scores if row.section_id == section.id),
                    None)
        assert section.summary == benchmarking.peer_summary(mine, values, k=5)
