"""Whole-document signatures: what pyHanko and poppler read back from a signed PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

from ppp_assess.domain.certificates import spki_der
from ppp_assess.pdf import document_signature, render_certificate, sign_document
from tests.pdf import samples


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
                 issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool) -> x509.Certificate:
    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def test_a_signature_with_a_chain_is_pades_and_covers_the_whole_file() -> None:
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority = _certificate("Operator CA", authority_key, "Operator CA", authority_key,
                             ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("Documents", key, "Operator CA", authority_key, ca=False)
    rendered = render_certificate(samples.sample_certificate("en"), **samples.options("en"))
    signed = sign_document(rendered, private_key=key, certificate=leaf, chain=(authority,))
    assert signed.startswith(rendered)  # one incremental update after the rendered file

    found = document_signature(signed)
    assert (found.count, found.intact, found.covers_whole_file) == (1, True, True)
    assert found.signer == spki_der(leaf)

    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    signed_data = embedded.signed_data
    assert {item.chosen.dump() for item in signed_data["certificates"]} == {
        leaf.public_bytes(serialization.Encoding.DER),
        authority.public_bytes(serialization.Encoding.DER)}
    attributes = {attribute["type"].native: attribute["values"]
                  for attribute in signed_data["signer_infos"][0]["signed_attrs"]}
    # PAdES B-B: the signer's certificate is bound by the ESS signing-certificate-v2.
    bound = attributes["signing_certificate_v2"][0]["certs"][0]["cert_hash"].native
    assert bound == hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
    assert "signing_time" not in attributes


def test_a_different_file_under_the_same_signature_is_not_intact() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("Documents", key, "Documents", key, ca=False)
    rendered = render_certificate(samples.sample_certificate("en"), **samples.options("en"))
    signed = sign_document(rendered, private_key=key, certificate=leaf)
    position = signed.index(b"Kafue")
    forged = signed[:position] + b"Kafuf" + signed[position + 5:]
    assert not document_signature(forged).intact


def test_signing_works_from_a_thread_that_runs_an_event_loop() -> None:
    # A thread driving an event loop (an async embedding, a browser-test tool) cannot
    # start another one; signing then runs its coroutine on a thread of its own.
    import asyncio
    import threading

    from ppp_assess.pdf.signature import _run_to_completion

    async def answer() -> bytes:
        return b"signed"

    async def inside_a_loop() -> bytes:
        return _run_to_completion(answer)

    results: list[bytes] = []

    def in_a_thread_of_its_own() -> None:
        # A thread of its own: whatever loop this test's thread may have is not in play.
        results.append(asyncio.run(inside_a_loop()))
        results.append(_run_to_completion(answer))

    worker = threading.Thread(target=in_a_thread_of_its_own)
    worker.start()
    worker.join(timeout=30)
    assert results == [b"signed", b"signed"]
