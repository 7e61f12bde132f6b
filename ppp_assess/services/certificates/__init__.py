"""Issuing, revoking and verifying certificates, and the data of the PDF documents.

A certificate attests the facts of one approved assessment as they were at issue: they
form a :class:`~ppp_assess.domain.certificates.CertificatePayload`, signed with the
platform's Ed25519 key and stored byte for byte. Everything shown later — the PDF in any
language, the verification page, the API — is read back from those stored bytes, never
recomputed, so it always shows exactly what was signed.

- :mod:`.issuing`: issuing and revoking, with the numbering of serials;
- :mod:`.verification`: checking what a certificate file carries;
- :mod:`.documents`: what the certificate and report PDFs show, in a reader's language;
- :mod:`.records`: finding certificates, the lists of them, and downloads.

The public names are importable from this package, where most callers find them.
"""

from __future__ import annotations

from ppp_assess.services.certificates.documents import (
    ISSUER,
    certificate_data,
    report_data,
)
from ppp_assess.services.certificates.issuing import (
    DEMO_CERTIFY_EVERY,
    MAX_REVOCATION_REASON_LENGTH,
    PREVIEW_SERIAL,
    SERIAL_ATTEMPTS,
    SERIAL_LOCK_KEY,
    certify_demo_assessments,
    facts_digest,
    issue_certificate,
    preview_certificate,
    revoke_certificate,
)
from ppp_assess.services.certificates.records import (
    Page,
    certificate_for_download,
    certificate_of,
    certificates_of,
    facts_of,
    find_certificate,
    get_certificate,
    issued_certificates,
    payload_of,
    questionnaire_title,
    ready_to_certify,
    reviewer_name,
)
from ppp_assess.services.certificates.verification import (
    Carried,
    Outcome,
    Verification,
    record_intact,
    signing_key_of,
    verify_document,
    verify_offline,
)

__all__ = [
    "DEMO_CERTIFY_EVERY",
    "ISSUER",
    "MAX_REVOCATION_REASON_LENGTH",
    "PREVIEW_SERIAL",
    "SERIAL_ATTEMPTS",
    "SERIAL_LOCK_KEY",
    "Carried",
    "Outcome",
    "Page",
    "Verification",
    "certificate_data",
    "certificate_for_download",
    "certificate_of",
    "certificates_of",
    "certify_demo_assessments",
    "facts_digest",
    "facts_of",
    "find_certificate",
    "get_certificate",
    "issue_certificate",
    "issued_certificates",
    "payload_of",
    "preview_certificate",
    "questionnaire_title",
    "ready_to_certify",
    "record_intact",
    "report_data",
    "reviewer_name",
    "revoke_certificate",
    "signing_key_of",
    "verify_document",
    "verify_offline",
]
