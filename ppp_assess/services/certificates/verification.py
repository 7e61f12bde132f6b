"""Checking certificates: an uploaded file, and the platform's own record of one.

Nothing is trusted before it is checked. A stored record is shown only when its payload
carries the signature of one of the platform's keys (:func:`record_intact`); a file is
valid only when its whole-document signature is intact, covers every byte and is the
platform's, its embedded payload carries the platform's signature, and that payload is
the record of a certificate that is not revoked (:func:`verify_document`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy.orm import Session

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import (
    CertificateFormatError,
    CertificatePayload,
    DocumentSignature,
    PublishedKey,
)
from ppp_assess.models import Certificate
from ppp_assess.services.certificates.records import find_certificate

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What checking a certificate file (or record) found."""

    #: Signed by the platform as a whole, the same facts as on record, not revoked.
    valid = "valid"
    #: A genuine certificate of the platform, revoked since.
    revoked = "revoked"
    #: The file is not the document the platform signed: changed after signing (a later
    #: revision, a broken document or payload signature), or its facts differ from the
    #: record.
    altered = "altered"
    #: The file's document signature is intact but not made with a key of the platform.
    unknown_signer = "unknown_signer"
    #: The file names a serial the platform never issued.
    no_such_certificate = "no_such_certificate"
    #: Not a certificate (no certificate data, or not a readable PDF).
    not_a_certificate = "not_a_certificate"
    #: The platform's own record of the certificate fails its signature check.
    unverifiable = "unverifiable"


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a certificate file."""

    outcome: Outcome
    #: The facts carried by the file, when its payload signature is the platform's.
    payload: CertificatePayload | None = None
    #: The signed bytes carried by the file, when its signature is the platform's.
    payload_json: bytes | None = None
    #: The certificate on record for the file's serial (online checks only).
    certificate: Certificate | None = None
    #: The key that signed the payload, when it is one of the platform's.
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the file is a valid, unrevoked certificate."""
        return self.outcome == Outcome.valid


#: What a certificate file carries: the signed payload bytes and the signature string.
#: Reading them out of a file is the job of the adapter that received it (the PDF
#: package knows where it put them); services only check them.
Carried = tuple[bytes, str]


def signing_key_of(payload_json: bytes, signature: str,
                   keys: Sequence[PublishedKey]) -> PublishedKey | None:
    """Return the platform key whose Ed25519 signature ``signature`` is, if any."""
    for key in keys:
        if certificate_domain.verify(payload_json, signature, key.public_key):
            return key
    return None


def record_intact(certificate: Certificate, keys: Sequence[PublishedKey]) -> bool:
    """Return whether a stored certificate carries a good signature of one of ``keys``.

    The stored payload must be signed by a key of the platform, be a well-formed payload,
    and name the record's own serial. A record that fails is logged as an error: somebody
    changed the database, or the keys were lost.
    """
    payload_json = certificate.payload.encode("utf-8")
    if signing_key_of(payload_json, certificate.signature, keys) is not None:
        try:
            payload = certificate_domain.payload_from_bytes(payload_json)
        except CertificateFormatError:
            pass
        else:
            if payload.serial == certificate.serial:
                return True
    log.error("The stored certificate %s fails its signature check: its payload or "
              "signature was changed, or it was signed with a key the platform no longer "
              "has.", certificate.serial)
    return False


def verify_offline(carried: Carried | None, document: DocumentSignature,
                   keys: Sequence[PublishedKey]) -> Verification:
    """Check a certificate file without any database.

    Offline, revocation cannot be known: a valid outcome means only that the platform
    signed exactly this file.

    :param carried: the payload and signature read from the file, or ``None`` when the
        file carries none (or is not a readable document).
    :param document: what the file's own signatures say.
    :param keys: the platform's keys, current and earlier.
    """
    if carried is None:
        return Verification(Outcome.not_a_certificate)
    if document.count != 1 or not document.intact or not document.covers_whole_file:
        return Verification(Outcome.altered)
    if document.signer is None or not any(document.signer in key.document_signers
                                          for key in keys):
        return Verification(Outcome.unknown_signer)
    payload_json, signature = carried
    key = signing_key_of(payload_json, signature, keys)
    if key is None:
        return Verification(Outcome.altered)
    try:
        payload = certificate_domain.payload_from_bytes(payload_json)
    except CertificateFormatError:
        # Signed by the key but not a certificate payload: not something this platform issued.
        return Verification(Outcome.not_a_certificate)
    return Verification(Outcome.valid, payload=payload, payload_json=payload_json,
                        key_id=key.key_id)


def verify_document(session: Session, carried: Carried | None, document: DocumentSignature,
                    keys: Sequence[PublishedKey]) -> Verification:
    """Check a certificate file against the platform's keys and its record.

    The file is valid when :func:`verify_offline` finds it valid, its embedded payload is,
    byte for byte, the intact record stored for its serial, and that certificate is not
    revoked.
    """
    offline = verify_offline(carried, document, keys)
    if offline.payload is None or offline.payload_json is None:
        return offline
    certificate = find_certificate(session, offline.payload.serial)
    if certificate is None:
        return replace(offline, outcome=Outcome.no_such_certificate)
    if not record_intact(certificate, keys):
        return replace(offline, outcome=Outcome.unverifiable, certificate=certificate)
    if offline.payload_json != certificate.payload.encode("utf-8"):
        return replace(offline, outcome=Outcome.altered, certificate=certificate)
    outcome = Outcome.revoked if certificate.revoked_at is not None else Outcome.valid
    return replace(offline, outcome=outcome, certificate=certificate)
