"""The peer index kept by the services equals the one rebuilt from the assessments."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole, SubjectType
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, Certificate, PeerKey, PeerScore, migrate
from ppp_assess.models.database import Database
from ppp_assess.services import projects
from ppp_assess.services.accounts.organisations import update_organisation
from ppp_assess.services.benchmarks.peers import PeerGroup, group_statistics
from ppp_assess.services.certificates import revoke_certificate
from ppp_assess.services.peer_index import OVERALL, rebuild_peer_scores, refresh_subject
from ppp_assess.services.questionnaires import questionnaire_of
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory
from tests.services.benchmark_support import (
    BASE_TIME,
    approved_through_services,
    make_organisation,
    make_project,
    make_result,
    peers_with_scores,
)


def _rows(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    return sorted(
        (row.assessment_id, key.section_key, row.score, key.questionnaire_id, key.major,
         key.subject_type.value, row.organisation_id, row.project_id, row.sector, row.stage,
         row.contract_type, row.region, row.country)
        for row, key in db.execute(select(PeerScore, PeerKey)
                                   .join(PeerKey, PeerKey.id == PeerScore.key_id)))


def test_kept_index_equals_rebuilt_after_decisions_revocations_and_edits(db, factory) -> None:
    versions = factory.questionnaires()
    people_first = versions["people-first"]
    organisation_form = versions["zero-tolerance-corruption"]
    first, second = factory.organisation(), factory.organisation()
    reassessed = factory.project(first)
    revoked = factory.project(first)
    edited = factory.project(second)
    earlier = approved_through_services(db, factory, people_first, organisation=first,
                                        project=reassessed, seed=1)
    later = approved_through_services(db, factory, people_first, organisation=first,
                                      project=reassessed, maturity=0.8, seed=2)
    withdrawn = approved_through_services(db, factory, people_first, organisation=first,
                                          project=revoked, seed=3)
    kept = approved_through_services(db, factory, people_first, organisation=second,
                                     project=edited, seed=4)
    own = approved_through_services(db, factory, organisation_form, organisation=first, seed=5)
    certificate = factory.certificate(withdrawn)
    administrator = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    revoke_certificate(db, db.get(Certificate, certificate.id), actor=administrator,
                       reason="Issued in error.")
    projects.update_project(db, edited, actor=administrator, data=projects.ProjectInput(
        **{**projects._facts(edited), "stage": "construction"}))
    update_organisation(db, first, name=first.name, country="GH", region="africa")

    kept_rows = _rows(db)
    assert withdrawn.status == Status.revoked
    overall = {row[0]: row for row in kept_rows if row[1] == OVERALL}
    assert set(overall) == {later.id, kept.id, own.id}  # not the earlier or revoked result
    assert earlier.id not in overall and withdrawn.id not in overall
    assert overall[kept.id][9] == "construction"
    assert overall[own.id][11:] == ("africa", "GH")
    assert overall[later.id][11:] == (reassessed.region, reassessed.country)
    assert len(kept_rows) > len(overall)  # the sections too

    assert rebuild_peer_scores(db) == len(kept_rows)
    assert _rows(db) == kept_rows


def test_cli_rebuilds_the_index(app, db, factory) -> None:
    version = factory.questionnaires()["people-first"]
    peers_with_scores(db, version, [40.0, 60.0])
    expected = _rows(db)
    db.execute(delete(PeerScore))
    db.commit()
    result = app.test_cli_runner().invoke(args=["peers", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"Peer index rebuilt: {len(expected)} scores." in result.output
    assert _rows(db) == expected


def _keys(db: Session, version) -> list[tuple[str, int]]:
    return sorted((key, count) for key, count in db.execute(
        select(PeerKey.section_key, func.count(PeerScore.assessment_id))
        .outerjoin(PeerScore, PeerScore.key_id == PeerKey.id)
        .where(PeerKey.questionnaire_id == version.questionnaire_id,
               PeerKey.major == version.major)
        .group_by(PeerKey.section_key)))


def test_keys_are_added_once_and_kept_without_scores(db, factory) -> None:
    version = factory.questionnaires()["people-first"]
    first, second, third = (section.id for section in questionnaire_of(version).sections[:3])
    peers_with_scores(db, version, [40.0, 60.0, 70.0])
    assert _keys(db, version) == sorted([(OVERALL, 3), (first, 3), (second, 3)])

    # Another subject with the same keys and one new one; then its result is revoked, so
    # the new key keeps no score.
    organisation = make_organisation(db)
    project = make_project(db, organisation)
    make_result(db, version, organisation=organisation, project=project, score=50.0,
                sections={first: 50.0, third: 30.0})
    assert _keys(db, version) == sorted([(OVERALL, 4), (first, 4), (second, 3), (third, 1)])
    make_result(db, version, organisation=organisation, project=project, score=55.0,
                sections={third: 35.0}, status=Status.revoked,
                approved_at=BASE_TIME + dt.timedelta(days=30))
    assert _keys(db, version) == sorted([(OVERALL, 3), (first, 3), (second, 3), (third, 0)])

    group = PeerGroup(questionnaire_id=version.questionnaire_id, major=version.major,
                      subject=SubjectType.project)
    statistics = group_statistics(db, group, {third: 40.0})
    assert set(statistics) == {OVERALL, first, second}
    assert statistics == group_statistics(db, group, {third: 40.0}, method="window")

    # A rebuild keeps the keys and their ids, and adds none.
    keys = select(PeerKey.id, PeerKey.section_key)
    ids = sorted((key_id, key) for key_id, key in db.execute(keys))
    rebuild_peer_scores(db)
    assert sorted((key_id, key) for key_id, key in db.execute(keys)) == ids


def test_concurrent_refreshes_add_a_new_key_once(scratch_database_url: str) -> None:
    """Two transactions needing the same new key: the second waits for the first's, and
    both subjects' scores end up under it."""
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    try:
        with database.transaction() as session:
            factory = Factory(session)
            version = factory.questionnaires()["people-first"]
            ids = [result.id for result in peers_with_scores(session, version, [40.0, 60.0])]
            session.execute(delete(PeerScore))
            session.execute(delete(PeerKey))
        first = database.unit_of_work(write=True)
        refresh_subject(first.session, first.session.get(Assessment, ids[0]))
        started = threading.Event()
        errors: list[BaseException] = []

        def refresh_second() -> None:
            try:
                with database.transaction() as session:
                    started.set()
                    refresh_subject(session, session.get(Assessment, ids[1]))
            except BaseException as error:  # reported below
                errors.append(error)

        thread = threading.Thread(target=refresh_second)
        thread.start()
        assert started.wait(timeout=30)
        time.sleep(0.5)  # the second is now waiting for the first's key
        first.finish(success=True)
        thread.join(timeout=60)
        assert not thread.is_alive() and errors == []
        with database.transaction() as session:
            counts = session.execute(
                select(PeerKey.section_key, func.count(PeerScore.assessment_id))
                .join(PeerScore, PeerScore.key_id == PeerKey.id)
                .group_by(PeerKey.section_key)).all()
            keys = session.scalar(select(func.count()).select_from(PeerKey))
        assert keys == 3 and sorted(count for _key, count in counts) == [2, 2, 2]
    finally:
        database.dispose()
