"""Whole-document signatures (PAdES B-B) with pyHanko: signing, and reading them back.

A certificate or report is signed over its final bytes, in one incremental update that
adds the signature field and its CMS signature (``ETSI.CAdES.detached``, SHA-256). The
signature is invisible: the page shows the facts; the signature vouches for every byte.

Reading (:func:`document_signature`) reports the facts only — how many signatures, whether
the one signature is intact and covers the whole file, and the signer's public key —
and leaves judging them to the certificates service, which knows the platform's keys.
"""

from __future__ import annotations

import functools
import io
import logging

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ppp_assess.domain.certificates import DocumentSignature

log = logging.getLogger(__name__)

#: The name of the signature field every document is signed in.
FIELD_NAME = "PlatformSignature"


#: Bytes kept for the CMS signature: a P-256 signature with its certificate and a chain of
#: a few certificates fits with room to spare. Fixing it spares pyHanko a trial signature
#: to measure the size, which would double the cost of signing.
SIGNATURE_BYTES = 8192


@functools.lru_cache(maxsize=16)
def _signer(key_der: bytes, certificate_der: bytes,
            chain_der: tuple[bytes, ...]) -> signers.SimpleSigner:
    """Return a pyHanko signer, built once per key and certificate."""
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(item) for item in chain_der]),
    )


def sign_document(pdf_bytes: bytes, *, private_key: ec.EllipticCurvePrivateKey,
                  certificate: x509.Certificate,
                  chain: tuple[x509.Certificate, ...] = (), reason: str = "") -> bytes:
    """Return ``pdf_bytes`` signed over the whole file (PAdES B-B).

    :param private_key: the key of ``certificate``.
    :param certificate: the signing certificate, embedded in the signature.
    :param chain: intermediate certificates to embed with it.
    :param reason: the reason recorded in the signature dictionary.
    """
    signer = _signer(
        private_key.private_bytes(serialization.Encoding.DER,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
        certificate.public_bytes(serialization.Encoding.DER),
        tuple(item.public_bytes(serialization.Encoding.DER) for item in chain),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES, reason=reason or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    output = io.BytesIO()
    signers.PdfSigner(metadata, signer=signer, new_field_spec=SigFieldSpec(FIELD_NAME)).sign_pdf(
        writer, bytes_reserved=SIGNATURE_BYTES, output=output)
    return output.getvalue()


def document_signature(pdf_bytes: bytes) -> DocumentSignature:
    """Return what the signatures of a PDF say; a file that cannot be read has none.

    Only the signature's integrity is checked here (the digest of the bytes it covers,
    the signature value against the certificate it carries); whether that certificate
    is the platform's is for the caller to decide from :attr:`DocumentSignature.signer`.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = reader.embedded_signatures
    except Exception as error:
        log.info("An uploaded file could not be read as a PDF: %s", error)
        return DocumentSignature(count=0, intact=False, covers_whole_file=False, signer=None)
    if len(embedded) != 1:
        return DocumentSignature(count=len(embedded), intact=False, covers_whole_file=False,
                                 signer=None)
    signature = embedded[0]
    try:
        signer = signature.signer_cert.public_key.dump()
        # The signer is its own trust anchor here: whether it is the platform's is decided
        # by its key, not by a chain, and nothing is fetched from the network.
        context = ValidationContext(trust_roots=[signature.signer_cert], allow_fetching=False)
        status = validate_pdf_signature(signature, context)
    except Exception as error:
        log.info("A document signature could not be checked: %s", error)
        return DocumentSignature(count=1, intact=False, covers_whole_file=False, signer=None)
    return DocumentSignature(
        count=1,
        intact=bool(status.intact and status.valid),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=bytes(signer),
    )
