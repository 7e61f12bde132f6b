"""Issuing, revoking and verifying certificates; the data of certificate and report PDFs."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess import create_app, get_settings
from ppp_assess.config import ConfigurationError, Settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.workflow import Status
from ppp_assess.models import Assessment, AuditEvent, Certificate, migrate
from ppp_assess.models.database import Database
from ppp_assess.pdf import extract_certificate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from ppp_assess.services.audit import verify_audit_chain
from ppp_assess.services.certificates import Outcome, Verification
from ppp_assess.services.errors import Conflict, Forbidden, Invalid
from ppp_assess.services.questionnaires import questionnaire_of
from tests.certificate_support import (
    admin,
    assessment_in,
    certificate_pdf,
    certified,
    english,
    evaluator,
    issue,
    one_byte_changed,
    score_changed,
    signature_changed,
)
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory


def verify_file_offline(pdf: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Check a certificate file offline, as the command line does: read it, then verify."""
    return certificate_service.verify_offline(extract_certificate(pdf), public_key)


def verify_file(db: Session, pdf: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Check a certificate file against the record, as the verification page does."""
    return certificate_service.verify_document(db, extract_certificate(pdf), public_key)


def test_issuing_signs_the_facts_of_the_approved_submission(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved")
    assessment = scenario.assessment
    actor = evaluator(factory)
    now = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    certificate = issue(db, app, assessment, actor, now=now)
    db.commit()

    assert certificate.serial == certificate_domain.make_serial(2026, 1)
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
    assert serials == [certificate_domain.make_serial(2026, 1),
                       certificate_domain.make_serial(2026, 2),
                       certificate_domain.make_serial(2027, 1),
                       certificate_domain.make_serial(2026, 3)]
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


def test_a_certificate_file_verifies_until_it_is_revoked(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    public_key = signing.public_key(get_settings(app))
    pdf = certificate_pdf(db, certificate)

    offline = verify_file_offline(pdf, public_key)
    assert offline.outcome == Outcome.valid and offline.payload is not None
    assert offline.payload.serial == certificate.serial
    online = verify_file(db, pdf, public_key)
    assert online.ok and online.certificate is certificate

    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Issued in error.")
    assert verify_file(db, pdf, public_key).outcome == Outcome.revoked
    # Offline, only the signature can be known.
    assert verify_file_offline(pdf, public_key).outcome == Outcome.valid


def test_any_change_breaks_verification(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    public_key = signing.public_key(get_settings(app))
    payload = certificate.payload.encode()
    altered = {
        "one byte": certificate_pdf(db, certificate, payload=one_byte_changed(payload)),
        "score": certificate_pdf(db, certificate, payload=score_changed(payload)),
        "signature": certificate_pdf(db, certificate,
                                     signature=signature_changed(certificate.signature)),
    }
    for name, pdf in altered.items():
        assert verify_file_offline(pdf, public_key).outcome == (
            Outcome.signature_mismatch), name
        assert verify_file(db, pdf, public_key).outcome == (
            Outcome.signature_mismatch), name


def test_online_the_facts_must_also_be_those_on_record(app, db, factory) -> None:
    """Even a payload signed with the platform's key fails when it differs from the record."""
    _scenario, certificate = certified(db, factory, app)
    key = signing.signing_key(get_settings(app))
    rewritten = score_changed(certificate.payload.encode())
    pdf = certificate_pdf(db, certificate, payload=rewritten,
                          signature=certificate_domain.sign(rewritten, key))
    assert verify_file_offline(pdf, key.public_key()).ok
    online = verify_file(db, pdf, key.public_key())
    assert online.outcome == Outcome.signature_mismatch
    assert online.certificate is certificate


def test_a_file_signed_with_another_key_does_not_match(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    other_key = certificate_domain.load_private_key(certificate_domain.generate_private_key_pem())
    payload = certificate.payload.encode()
    forged = certificate_pdf(db, certificate,
                             signature=certificate_domain.sign(payload, other_key))
    public_key = signing.public_key(get_settings(app))
    assert verify_file(db, forged, public_key).outcome == (
        Outcome.signature_mismatch)
    assert verify_file_offline(forged, other_key.public_key()).ok


def test_files_that_are_not_certificates_of_this_platform(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    public_key = signing.public_key(get_settings(app))
    assert verify_file(db, b"%PDF-1.4 nothing", public_key).outcome == (
        Outcome.not_a_certificate)
    assert verify_file(db, b"", public_key).outcome == (
        Outcome.not_a_certificate)
    # Signed with the platform's key, but for a serial the platform never issued.
    payload = certificate_service.payload_of(certificate)
    import dataclasses

    unknown = dataclasses.replace(payload, serial=certificate_domain.make_serial(2001, 7))
    unknown_bytes = certificate_domain.payload_bytes(unknown)
    key = signing.signing_key(get_settings(app))
    pdf = certificate_pdf(db, certificate, payload=unknown_bytes,
                          signature=certificate_domain.sign(unknown_bytes, key))
    assert verify_file_offline(pdf, public_key).ok
    assert verify_file(db, pdf, public_key).outcome == (
        Outcome.not_a_certificate)


def test_the_certificate_shows_what_was_signed_not_what_changed_since(app, db, factory) -> None:
    scenario, certificate = certified(db, factory, app)
    signed_score = certificate_service.payload_of(certificate).overall_score
    scenario.organisation.name = "Renamed Ministry"
    scenario.assessment.score = 12.0
    db.flush()
    data = certificate_service.certificate_data(db, certificate, english())
    assert data.organisation_name != "Renamed Ministry"
    assert data.overall_score == float(signed_score)
    assert data.payload_json == certificate.payload.encode()
    assert data.signature == certificate.signature
    assert data.country_name == "Kazakhstan"
    assert data.verify_url.endswith(certificate.serial)
    assert data.questionnaire_title == scenario.assessment.questionnaire_version.title


def test_the_report_holds_every_answer_comment_and_gap(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "approved", quality=0.5,
                             comment="See our procurement manual.")
    report = certificate_service.report_data(db, scenario.assessment, english())
    questionnaire = questionnaire_of(scenario.assessment.questionnaire_version)
    assert not report.is_draft
    assert report.status == "Approved"
    assert [section.title for section in report.sections] == [
        section.title for section in questionnaire.sections]
    first = report.sections[0].questions[0]
    assert first.text == questionnaire.all_questions()[0].text
    assert first.comment == "See our procurement manual."
    assert first.evidence_links == ("https://example.org/evidence/first.pdf",)
    assert first.reviewer_comment == "Well documented."
    assert first.answer_label and first.answer_label != "Not answered"
    shown = sum(len(section.questions) for section in report.sections)
    assert shown > 0 and shown <= len(questionnaire.all_questions())
    assert report.gaps, "half marks leave gaps"
    assert all(gap.lost_points > 0 for gap in report.gaps)
    assert any(gap.action for gap in report.gaps)
    assert report.overall_score == pytest.approx(scenario.assessment.score)
    assert ("Reviewer", "Claire Reviewer") in report.cover_facts


def test_a_draft_report_is_marked_draft(app, db, factory) -> None:
    scenario = assessment_in(db, factory, "returned")
    report = certificate_service.report_data(db, scenario.assessment, english())
    assert report.is_draft
    assert report.status == "Draft"
    comments = [question.reviewer_comment for section in report.sections
                for question in section.questions if question.reviewer_comment]
    assert comments == ["Which law requires this?"]
    assert ("Reason given with the last review decision", "Please link the law.") in (
        report.cover_facts)


# --------------------------------------------------------------------------- the signing key


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"env": "testing", "instance_path": str(tmp_path),
                                 "secret_key": "x", "database_url": "sqlite://"}
    values.update(overrides)
    return Settings(**values).resolved()  # type: ignore[arg-type]


def test_a_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = signing.public_key_pem(settings)
    path = tmp_path / "signing_key.pem"
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0
    # Another configuration object for the same folder reads the same file.
    again = signing.public_key_pem(_settings(tmp_path, base_url="http://elsewhere.test"))
    assert again == first
    stored = certificate_domain.load_private_key(path.read_bytes())
    assert certificate_domain.public_key_pem(stored) == first


def test_a_configured_key_wins_and_may_be_written_on_one_line(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem().decode()
    expected = certificate_domain.public_key_pem(certificate_domain.load_private_key(pem))
    one_line = pem.strip().replace("\n", "\\n")
    settings = _settings(tmp_path, signing_key_pem=one_line)
    assert signing.public_key_pem(settings) == expected
    assert not (tmp_path / "signing_key.pem").exists()


def test_a_broken_configured_key_is_a_configuration_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path, signing_key_pem="-----BEGIN PRIVATE KEY-----\nnope\n")
    with pytest.raises(ConfigurationError, match="PPP_ASSESS_SIGNING_KEY"):
        signing.signing_key(settings)


def test_production_refuses_to_start_without_a_signing_key(tmp_path: Path) -> None:
    production = {"env": "production", "instance_path": str(tmp_path),
                  "secret_key": "s" * 48, "audit_key": "a" * 40,
                  "database_url": "postgresql://ppp@db.invalid/ppp"}
    with pytest.raises(ConfigurationError, match="PPP_ASSESS_SIGNING_KEY"):
        create_app(production)
    assert not (tmp_path / "signing_key.pem").exists()
    pem = certificate_domain.generate_private_key_pem().decode()
    app = create_app({**production, "signing_key_pem": pem})
    assert signing.public_key_pem(get_settings(app)) == certificate_domain.public_key_pem(
        certificate_domain.load_private_key(pem))


# --------------------------------------------------------------------------- concurrency


def test_concurrent_issuing_never_repeats_a_serial(scratch_database_url: str,
                                                   tmp_path: Path) -> None:
    """Writers in separate transactions, on the real database, get distinct serials."""
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    settings = _settings(tmp_path, database_url=scratch_database_url)
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
        assert serials == [certificate_domain.make_serial(2026, number)
                           for number in range(1, count + 1)]
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
