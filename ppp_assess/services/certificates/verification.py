"""Checking a certificate file: its signature, and the facts on record for its serial."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.domain.certificates import CertificateFormatError, CertificatePayload
from ppp_assess.models import Certificate
from ppp_assess.services.certificates.records import find_certificate


class Outcome(StrEnum):
    """What checking a certificate file found."""

    #: Signed by the platform, the same facts as on record, not revoked.
    valid = "valid"
    #: Signed by the platform and on record, but revoked since.
    revoked = "revoked"
    #: The file carries certificate data whose signature or facts do not match.
    signature_mismatch = "signature_mismatch"
    #: Not a certificate of this platform (no certificate data, or an unknown serial).
    not_a_certificate = "not_a_certificate"


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a certificate file."""

    outcome: Outcome
    #: The facts carried by the file, when they could be read.
    payload: CertificatePayload | None = None
    #: The signed bytes carried by the file, when its signature is the platform's.
    payload_json: bytes | None = None
    #: The certificate on record for the file's serial (online checks only).
    certificate: Certificate | None = None

    @property
    def ok(self) -> bool:
        """Return whether the file is a valid, unrevoked certificate."""
        return self.outcome == Outcome.valid


#: What a certificate file carries: the signed payload bytes and the signature string.
#: Reading them out of a file is the job of the adapter that received it (the PDF
#: package knows where it put them); services only check them.
Carried = tuple[bytes, str]


def verify_offline(carried: Carried | None, public_key: Ed25519PublicKey) -> Verification:
    """Check the signature a certificate file carries, without any database.

    Offline, revocation cannot be known: a valid outcome means only that the platform
    signed exactly these facts.

    :param carried: the payload and signature read from the file, or ``None`` when the
        file carries none (or is not a readable document).
    """
    if carried is None:
        return Verification(Outcome.not_a_certificate)
    payload_json, signature = carried
    if not certificate_domain.verify(payload_json, signature, public_key):
        return Verification(Outcome.signature_mismatch)
    try:
        payload = certificate_domain.payload_from_bytes(payload_json)
    except CertificateFormatError:
        # Signed by the key but not a certificate payload: not something this platform issued.
        return Verification(Outcome.not_a_certificate)
    return Verification(Outcome.valid, payload=payload, payload_json=payload_json)


def verify_document(session: Session, carried: Carried | None,
                    public_key: Ed25519PublicKey) -> Verification:
    """Check what a certificate file carries against the public key and the record.

    The file is valid when its embedded payload carries the platform's signature and is,
    byte for byte, the payload stored for its serial, and that certificate is not revoked.

    :param carried: the payload and signature read from the file, or ``None``.
    """
    offline = verify_offline(carried, public_key)
    if offline.payload is None or offline.payload_json is None:
        return offline
    certificate = find_certificate(session, offline.payload.serial)
    if certificate is None:
        return Verification(Outcome.not_a_certificate, payload=offline.payload,
                            payload_json=offline.payload_json)
    if offline.payload_json != certificate.payload.encode("utf-8"):
        return Verification(Outcome.signature_mismatch, payload=offline.payload,
                            payload_json=offline.payload_json, certificate=certificate)
    outcome = Outcome.revoked if certificate.revoked_at is not None else Outcome.valid
    return Verification(outcome, payload=offline.payload, payload_json=offline.payload_json,
                        certificate=certificate)
