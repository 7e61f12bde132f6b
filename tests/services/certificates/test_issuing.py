"""Issuing and revoking certificates: signed facts, serial numbers, who may, and when."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ppp_assess.config import Settings, get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, AuditEvent, Certificate, migrate
from ppp_assess.models.database import Database
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from ppp_assess.services.audit import verify_audit_chain
from ppp_assess.services.errors import Conflict, Forbidden, Invalid
from ppp_assess.services.questionnaires import questionnaire_of
from tests.certificate_support import admin, assessment_in, certified, evaluator, issue
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory


def _numbered(serial: str) -> str:
    """Return a serial's prefix, year and number, without its random part and check."""
    return serial[: len("PPP-2026-000001")]


def test_issuing_signs_the_facts_of_the_approved_submission(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    assessment = scenario.assessment
    actor = evaluator(factory)
    now = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    certificate = issue(db, app, assessment, actor, now=now)
    db.commit()

    # The first of the year, with a random part nobody can guess from another serial.
    assert certificate.serial.startswith("PPP-2026-000001-")
    assert len(certificate.serial) == len("PPP-2026-000001-K7QX9M-4")
    assert certificate_domain.validate_serial(certificate.serial)
    assert assessment.status == Status.certified
    payload = certificate_service.payload_of(certificate)
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    assert payload.subject_name == "Copperbelt heavy-haul rail line"
    assert payload.subject_type == "project"
    assert payload.organisation_name == scenario.organisation.name
    assert payload.country_code == "KZ"
    assert payload.questionnaire_id == "people-first"
    assert payload.questionnaire_version == questionnaire.version
    assert payload.overall_score == certificate_domain.format_score(assessment.score)
    assert payload.level_id == assessment.level
    assert payload.level_label == questionnaire.level(assessment.level).label
    assert [section.id for section in payload.section_scores] == [
        section.id for section in questionnaire.sections]
    assert payload.section_scores[0].title == questionnaire.sections[0].title
    assert payload.reviewer_name == "Claire Reviewer"
    assert payload.approved_on == assessment.approved_at.date()
    assert payload.issued_on == dt.date(2026, 3, 31)
    assert payload.verify_url == f"http://ppp.test/verify/{certificate.serial}"
    # The stored text is exactly the signed bytes.
    assert certificate.payload.encode() == certificate_domain.payload_bytes(payload)
    public_key = signing.public_key(get_settings(app))
    assert certificate_domain.verify(certificate.payload.encode(), certificate.signature,
                                     public_key)
    assert certificate.issued_by_id == actor.id

    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event is not None and event.object_id == certificate.serial
    assert event.actor_id == actor.id
    assert event.before["status"] == "approved" and event.after["status"] == "certified"
    assert verify_audit_chain(db).ok


def test_serials_count_up_within_a_year_and_start_again_each_year(app, db, factory) -> None:
    actor = admin(factory)
    organisation = factory.organisation()
    serials = []
    moments = (dt.datetime(2026, 1, 5, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC),
               dt.datetime(2027, 1, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    for now in moments:
        assessment = assessment_in(db, factory, "approved", organisation=organisation).assessment
        serials.append(issue(db, app, assessment, actor, now=now).serial)
    assert [_numbered(serial) for serial in serials] == [
        "PPP-2026-000001", "PPP-2026-000002", "PPP-2027-000001", "PPP-2026-000003"]
    assert all(certificate_domain.validate_serial(serial) for serial in serials)


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "returned"])
def test_only_an_approved_assessment_can_be_certified(app, db, factory, state) -> None:
    assessment = assessment_in(db, factory, state).assessment
    before = assessment.status
    with pytest.raises(Conflict) as raised:
        issue(db, app, assessment, evaluator(factory))
    assert raised.value.code == "invalid_transition"
    assert assessment.status == before
    assert db.scalar(select(Certificate).where(Certificate.assessment_id == assessment.id)) is None


def test_a_certified_or_revoked_assessment_is_not_certified_again(app, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    with pytest.raises(Conflict):
        issue(db, app, scenario.assessment, evaluator(factory))
    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Issued in error.")
    with pytest.raises(Conflict):
        issue(db, app, scenario.assessment, evaluator(factory))
    issued = db.scalars(select(Certificate.id).where(
        Certificate.assessment_id == scenario.assessment.id)).all()
    assert issued == [certificate.id]


def test_only_evaluators_and_administrators_outside_the_organisation_issue(
        app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    with pytest.raises(Forbidden):
        issue(db, app, scenario.assessment, scenario.reviewer)
    with pytest.raises(Forbidden):
        issue(db, app, scenario.assessment, scenario.respondent)
    insider = evaluator(factory)
    from ppp_assess.domain.reference import OrgRole
    from ppp_assess.services import accounts

    accounts.add_member(db, user=insider, organisation=scenario.organisation,
                        role=OrgRole.respondent)
    with pytest.raises(Forbidden) as raised:
        issue(db, app, scenario.assessment, insider)
    assert raised.value.code == "own_organisation"
    assert scenario.assessment.status == Status.approved


def test_revoking_needs_an_administrator_and_a_reason(app, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    with pytest.raises(Forbidden):
        certificate_service.revoke_certificate(db, certificate, actor=evaluator(factory),
                                               reason="Because.")
    with pytest.raises(Invalid):
        certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                               reason="   ")
    assert certificate.revoked_at is None
    actor = admin(factory)
    now = dt.datetime(2026, 5, 2, 9, 30, tzinfo=dt.UTC)
    certificate_service.revoke_certificate(db, certificate, actor=actor,
                                           reason=" Evidence was falsified. ", now=now)
    db.commit()
    assert certificate.revoked_at == now
    assert certificate.revoked_by_id == actor.id
    assert certificate.revocation_reason == "Evidence was falsified."
    assert scenario.assessment.status == Status.revoked
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event is not None and event.after["reason"] == "Evidence was falsified."
    with pytest.raises(Conflict):
        certificate_service.revoke_certificate(db, certificate, actor=actor, reason="Again.")
    assert verify_audit_chain(db).ok




# --------------------------------------------------------------------------- concurrency


def test_concurrent_issuing_never_repeats_a_serial(scratch_database_url: str,
                                                   tmp_path: Path) -> None:
    """Writers in separate transactions, on the real database, get distinct serials."""
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    settings = Settings(env="testing", instance_path=str(tmp_path), secret_key="x",
                        database_url=scratch_database_url).resolved()
    key = signing.signing_key(settings)
    count = 6
    try:
        with database.transaction() as session:
            factory = Factory(session)
            organisation = factory.organisation()
            ids = [assessment_in(session, factory, "approved",
                                 organisation=organisation).assessment.id
                   for _ in range(count)]
            actor_id = evaluator(factory).id
        barrier = threading.Barrier(count)
        errors: list[BaseException] = []

        def certify(assessment_id: int) -> None:
            try:
                barrier.wait(timeout=30)
                with database.transaction() as session:
                    from ppp_assess.models import User

                    certificate_service.issue_certificate(
                        session, session.get(Assessment, assessment_id),
                        actor=session.get(User, actor_id), signing_key=key,
                        base_url="http://ppp.test",
                        now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
            except BaseException as error:  # reported below, with the thread's traceback
                errors.append(error)

        threads = [threading.Thread(target=certify, args=(assessment_id,))
                   for assessment_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with database.transaction() as session:
            serials = sorted(session.scalars(select(Certificate.serial)))
            statuses = set(session.scalars(select(Assessment.status)))
            assert verify_audit_chain(session).ok
        assert [_numbered(serial) for serial in serials] == [
            f"PPP-2026-{number:06d}" for number in range(1, count + 1)]
        assert statuses == {Status.certified}
    finally:
        database.dispose()


def test_the_demonstration_data_shows_certified_and_revoked_states(app, db) -> None:
    from ppp_assess.config import PROJECT_ROOT
    from ppp_assess.services.demo import seed_demo

    key = signing.signing_key(get_settings(app))
    report = seed_demo(db, questionnaire_dir=PROJECT_ROOT / "questionnaires",
                       password="demo-password-123", signing_key=key,
                       base_url="https://demo.example.org")
    db.commit()
    certificates = db.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert report.counts["certificates"] == len(certificates) >= 3
    revoked = [certificate for certificate in certificates if certificate.revoked_at]
    assert len(revoked) == 1 and revoked[0].revocation_reason
    public_key = key.public_key()
    for certificate in certificates:
        assert certificate_domain.verify(certificate.payload.encode(), certificate.signature,
                                         public_key)
        payload = certificate_service.payload_of(certificate)
        assert payload.verify_url == f"https://demo.example.org/verify/{certificate.serial}"
        assert payload.issued_on >= payload.approved_on
    statuses = set(db.scalars(select(Assessment.status)))
    assert {Status.approved, Status.certified, Status.revoked} <= statuses
    assert verify_audit_chain(db).ok
    again = seed_demo(db, questionnaire_dir=PROJECT_ROOT / "questionnaires",
                      password="demo-password-123", signing_key=key)
    assert not again.created
    assert db.scalar(select(func.count()).select_from(Certificate)) == len(certificates)


def test_a_certificate_records_the_audit_head_at_issue(app, db, factory) -> None:
    from ppp_assess.services.audit import chain_head, parse_head

    scenario = assessment_in(db, factory, "approved")
    certificate = issue(db, app, scenario.assessment, evaluator(factory))
    assert certificate.audit_head is not None
    sequence, digest = parse_head(certificate.audit_head)
    # The head is the certificate's own issue event, the newest of the chain.
    assert (sequence, digest) == chain_head(db)
    event = db.scalar(select(AuditEvent).where(AuditEvent.sequence == sequence))
    assert event.action == "certificate.issued" and event.object_id == certificate.serial
    # Later events leave it where it was, and the chain still holds it.
    factory.user()
    assert chain_head(db)[0] > sequence
    assert verify_audit_chain(db, head=(sequence, digest)).ok
