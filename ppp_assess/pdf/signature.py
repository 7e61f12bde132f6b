"""Whole-document signatures (PAdES B-B) with pyHanko: signing, and reading them back.

A certificate or report is signed over its final bytes, in one incremental update that
adds the signature field and its CMS signature (``ETSI.CAdES.detached``, SHA-256). The
signature is invisible: the page shows the facts; the signature vouches for every byte.

Reading (:func:`document_signature`) reports the facts only — how many signatures, whether
the one signature is intact and covers the whole file, and the signer's public key —
and leaves judging them to the certificates service, which knows the platform's keys.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
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


def _der(tag: int, content: bytes) -> bytes:
    """Return one DER element: ``tag``, the definite length of ``content``, ``content``."""
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


_SEQUENCE, _SET, _OCTET_STRING, _CONTEXT_0 = 0x30, 0x31, 0x04, 0xA0
_ID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
_ID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_ID_DATA = bytes.fromhex("06092a864886f70d010701")
_VERSION_1 = bytes.fromhex("020101")


class _CmsTemplate:
    """The parts of a PAdES signature's CMS that are the same for every document.

    Only the document's digest and the signature value change from one document to the
    next, so the rest is encoded once per key with asn1crypto (and pyHanko's ESS
    signing-certificate-v2 attribute, which PAdES B-B requires) and the CMS is assembled
    from bytes. Building the whole structure with asn1crypto for every document cost
    about three quarters of the time of signing.
    """

    def __init__(self, key_der: bytes, certificate_der: bytes,
                 chain_der: tuple[bytes, ...]) -> None:
        certificate = asn1_x509.Certificate.load(certificate_der)
        self.signer = signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(item) for item in chain_der]),
        )
        key = serialization.load_der_private_key(key_der, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self.key = key
        self.fixed_attributes = (
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump(),
            cms.CMSAttribute({"type": "signing_certificate_v2",
                              "values": [as_signing_certificate_v2(certificate)]}).dump(),
        )
        self.signer_id = cms.IssuerAndSerialNumber({
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}).dump()
        self.digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        self.signature_algorithm = algos.SignedDigestAlgorithm(
            {"algorithm": "sha256_ecdsa"}).dump()
        self.certificates = b"".join(sorted((certificate_der, *chain_der)))

    def signed_data(self, document_digest: bytes) -> bytes:
        """Return the CMS ContentInfo signing ``document_digest`` (SHA-256), as DER."""
        message_digest = _der(_SEQUENCE, _ID_MESSAGE_DIGEST + _der(
            _SET, _der(_OCTET_STRING, document_digest)))
        # DER sorts the elements of a SET OF by their encodings.
        attributes = b"".join(sorted((*self.fixed_attributes, message_digest)))
        signature = self.key.sign(_der(_SET, attributes), ec.ECDSA(hashes.SHA256()))
        signer_info = _der(_SEQUENCE, _VERSION_1 + self.signer_id + self.digest_algorithm
                           + _der(_CONTEXT_0, attributes) + self.signature_algorithm
                           + _der(_OCTET_STRING, signature))
        signed_data = _der(_SEQUENCE, _VERSION_1 + _der(_SET, self.digest_algorithm)
                           + _der(_SEQUENCE, _ID_DATA)
                           + _der(_CONTEXT_0, self.certificates)
                           + _der(_SET, signer_info))
        return _der(_SEQUENCE, _ID_SIGNED_DATA + _der(_CONTEXT_0, signed_data))


@functools.lru_cache(maxsize=16)
def _template(key_der: bytes, certificate_der: bytes,
              chain_der: tuple[bytes, ...]) -> _CmsTemplate:
    """Return the CMS template of a key and certificate, built once."""
    return _CmsTemplate(key_der, certificate_der, chain_der)


def sign_document(pdf_bytes: bytes, *, private_key: ec.EllipticCurvePrivateKey,
                  certificate: x509.Certificate,
                  chain: tuple[x509.Certificate, ...] = (), reason: str = "") -> bytes:
    """Return ``pdf_bytes`` signed over the whole file (PAdES B-B).

    pyHanko writes the incremental update with the signature field and a placeholder,
    and digests the signed byte ranges; the CMS is then made from the key's template
    and written into the placeholder.

    :param private_key: the key of ``certificate``.
    :param certificate: the signing certificate, embedded in the signature.
    :param chain: intermediate certificates to embed with it.
    :param reason: the reason recorded in the signature dictionary.
    """
    template = _template(
        private_key.private_bytes(serialization.Encoding.DER,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
        certificate.public_bytes(serialization.Encoding.DER),
        tuple(item.public_bytes(serialization.Encoding.DER) for item in chain),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES, reason=reason or None)
    pdf_signer = signers.PdfSigner(metadata, signer=template.signer,
                                   new_field_spec=SigFieldSpec(FIELD_NAME))

    async def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
        buffer = io.BytesIO()
        prepared, _document, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=SIGNATURE_BYTES, output=buffer)
        await PdfTBSDocument.async_finish_signing(
            output, prepared, template.signed_data(prepared.document_digest))
        return buffer.getvalue()

    return _run_to_completion(sign)


def _run_to_completion(make: Callable[[], Coroutine[Any, Any, bytes]]) -> bytes:
    """Run pyHanko's coroutine to its end from synchronous code.

    Application threads have no event loop, so ``asyncio.run`` serves; a thread that
    already runs one (an embedding that drives the app from async code, or a test tool)
    cannot start another, so the coroutine then runs on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


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
