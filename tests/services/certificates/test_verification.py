"""Checking certificate files offline and against the record."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from ppp_assess.config import get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.pdf import extract_certificate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from ppp_assess.services.certificates import Outcome, Verification
from tests.certificate_support import (
    admin,
    certificate_pdf,
    certified,
    one_byte_changed,
    score_changed,
    signature_changed,
)


def verify_file_offline(pdf: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Check a certificate file offline, as the command line does: read it, then verify."""
    return certificate_service.verify_offline(extract_certificate(pdf), public_key)


def verify_file(db: Session, pdf: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Check a certificate file against the record, as the verification page does."""
    return certificate_service.verify_document(db, extract_certificate(pdf), public_key)



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
