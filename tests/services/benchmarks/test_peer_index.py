"""The peer index kept by the services equals the one rebuilt from the assessments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Certificate, PeerScore
from ppp_assess.services import projects
from ppp_assess.services.accounts.organisations import update_organisation
from ppp_assess.services.certificates import revoke_certificate
from ppp_assess.services.peer_index import OVERALL, rebuild_peer_scores
from tests.services.benchmark_support import approved_through_services, peers_with_scores


def _rows(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    return sorted(
        (row.assessment_id, row.section_key, row.score, row.questionnaire_id, row.major,
         row.subject_type.value, row.organisation_id, row.project_id, row.sector, row.stage,
         row.contract_type, row.region, row.country)
        for row in db.scalars(select(PeerScore)))


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
