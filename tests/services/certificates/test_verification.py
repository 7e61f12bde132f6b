"""Checking certificate files offline and against the record, and stored records."""

from __future__ import annotations

import dataclasses

from flask import Flask
from sqlalchemy.orm import Session

from ppp_assess.config import get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import PublishedKey
from ppp_assess.pdf import document_signature, extract_certificate
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
from ppp_assess.services.certificates import Outcome, Verification
from tests.certificate_support import (
    admin,
    certificate_pdf,
    certified,
    one_byte_changed,
    page_added,
    score_changed,
    signature_changed,
    stranger_signer,
    text_drawn_over,
)


def keys(app: Flask) -> list[PublishedKey]:
    """Return the app's published keys."""
    return signing.published_keys(get_settings(app))


def verify_file_offline(pdf: bytes, published: list[PublishedKey]) -> Verification:
    """Check a certificate file offline, as the command line does: read it, then verify."""
    return certificate_service.verify_offline(extract_certificate(pdf), document_signature(pdf),
                                              published)


def verify_file(db: Session, pdf: bytes, published: list[PublishedKey]) -> Verification:
    """Check a certificate file against the record, as the verification page does."""
    return certificate_service.verify_document(db, extract_certificate(pdf),
                                               document_signature(pdf), published)


def test_a_certificate_file_verifies_until_it_is_revoked(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    published = keys(app)
    pdf = certificate_pdf(app, db, certificate)

    offline = verify_file_offline(pdf, published)
    assert offline.outcome == Outcome.valid and offline.payload is not None
    assert offline.payload.serial == certificate.serial
    assert offline.key_id == published[0].key_id
    online = verify_file(db, pdf, published)
    assert online.ok and online.certificate is certificate

    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Issued in error.")
    assert verify_file(db, pdf, published).outcome == Outcome.revoked
    # Offline, only the signatures can be known.
    assert verify_file_offline(pdf, published).outcome == Outcome.valid


def test_any_change_breaks_verification(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    published = keys(app)
    payload = certificate.payload.encode()
    genuine = certificate_pdf(app, db, certificate)
    altered = {
        # Re-signed as a whole by the platform's key, but the embedded facts were changed.
        "one byte": certificate_pdf(app, db, certificate, payload=one_byte_changed(payload)),
        "score": certificate_pdf(app, db, certificate, payload=score_changed(payload)),
        "signature": certificate_pdf(app, db, certificate,
                                     signature=signature_changed(certificate.signature)),
        # The page changed after signing.
        "text rewritten": text_drawn_over(genuine, incremental=False),
        "text appended": text_drawn_over(genuine, incremental=True),
        "page appended": page_added(genuine),
        # Never signed as a whole.
        "unsigned": certificate_pdf(app, db, certificate, sign=False),
    }
    for name, pdf in altered.items():
        assert verify_file_offline(pdf, published).outcome == Outcome.altered, name
        assert verify_file(db, pdf, published).outcome == Outcome.altered, name


def test_online_the_facts_must_also_be_those_on_record(app, db, factory) -> None:
    """Even a payload signed with the platform's key fails when it differs from the record."""
    _scenario, certificate = certified(db, factory, app)
    key = signing.signing_key(get_settings(app))
    rewritten = score_changed(certificate.payload.encode())
    pdf = certificate_pdf(app, db, certificate, payload=rewritten,
                          signature=certificate_domain.sign(rewritten, key))
    assert verify_file_offline(pdf, keys(app)).ok
    online = verify_file(db, pdf, keys(app))
    assert online.outcome == Outcome.altered
    assert online.certificate is certificate


def test_a_document_signed_by_another_key_has_an_unknown_signer(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    forged = certificate_pdf(app, db, certificate, signer=stranger_signer())
    assert verify_file(db, forged, keys(app)).outcome == Outcome.unknown_signer
    assert verify_file_offline(forged, keys(app)).outcome == Outcome.unknown_signer


def test_a_payload_signed_with_another_key_does_not_match(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    other_key = certificate_domain.load_private_key(certificate_domain.generate_private_key_pem())
    payload = certificate.payload.encode()
    forged = certificate_pdf(app, db, certificate,
                             signature=certificate_domain.sign(payload, other_key))
    assert verify_file(db, forged, keys(app)).outcome == Outcome.altered


def test_files_that_are_not_certificates_of_this_platform(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    published = keys(app)
    assert verify_file(db, b"%PDF-1.4 nothing", published).outcome == Outcome.not_a_certificate
    assert verify_file(db, b"", published).outcome == Outcome.not_a_certificate
    # Signed with the platform's keys, but for a serial the platform never issued.
    payload = certificate_service.payload_of(certificate)
    unknown = dataclasses.replace(payload, serial=certificate_domain.make_serial(2001, 7))
    unknown_bytes = certificate_domain.payload_bytes(unknown)
    key = signing.signing_key(get_settings(app))
    pdf = certificate_pdf(app, db, certificate, payload=unknown_bytes,
                          signature=certificate_domain.sign(unknown_bytes, key))
    assert verify_file_offline(pdf, published).ok
    assert verify_file(db, pdf, published).outcome == Outcome.no_such_certificate


def test_a_stored_record_is_checked_before_it_is_trusted(app, db, factory) -> None:
    _scenario, certificate = certified(db, factory, app)
    published = keys(app)
    assert certificate_service.record_intact(certificate, published)
    genuine = certificate_pdf(app, db, certificate)
    certificate.payload = score_changed(certificate.payload.encode()).decode()
    assert not certificate_service.record_intact(certificate, published)
    # A file matching the changed record does not make it true.
    assert verify_file(db, genuine, published).outcome in {Outcome.unverifiable,
                                                            Outcome.altered}
    db.rollback()
