"""The platform's signing key: generated once, configured, or refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ppp_assess import create_app
from ppp_assess.config import ConfigurationError, Settings, get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.services import signing


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"env": "testing", "instance_path": str(tmp_path),
                                 "secret_key": "x", "database_url": "sqlite://"}
    values.update(overrides)
    return Settings(**values).resolved()  # type: ignore[arg-type]


def test_a_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = signing.public_key_pem(settings)
    path = tmp_path / "signing-keys" / "ed25519-0001.pem"
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0
    # Another configuration object for the same folder reads the same file.
    again = signing.public_key_pem(_settings(tmp_path, base_url="http://elsewhere.test"))
    assert again == first
    stored = certificate_domain.load_private_key(path.read_bytes())
    (published,) = certificate_domain.parse_published_keys(first)
    assert published.public_key_pem == certificate_domain.public_key_pem(stored)
    # The self-issued document certificate is written beside it, and is the published one.
    certificate = x509.load_pem_x509_certificate(
        (tmp_path / "signing-keys" / "document-0001.crt").read_bytes())
    assert published.document_signers == {certificate_domain.spki_der(certificate)}
    assert certificate.subject.rfc4514_string().endswith("CN=ppp-assess")


def test_a_key_generated_by_earlier_versions_stays_the_first(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem()
    (tmp_path / "signing_key.pem").write_bytes(pem)
    settings = _settings(tmp_path)
    assert signing.signing_key(settings).public_key().public_bytes_raw() == (
        certificate_domain.load_private_key(pem).public_key().public_bytes_raw())


def test_the_document_certificate_is_the_same_wherever_the_key_is(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem().decode()
    one = signing.document_signer(_settings(tmp_path / "one", signing_key_pem=pem,
                                            signing_name="Ministry PPP unit"))
    two = signing.document_signer(_settings(tmp_path / "two", signing_key_pem=pem,
                                            signing_name="Ministry PPP unit"))
    assert one.certificate == two.certificate
    assert one.certificate.subject.rfc4514_string().endswith("CN=Ministry PPP unit")
    assert isinstance(one.private_key.curve, ec.SECP256R1)


def test_rotation_adds_a_key_and_keeps_every_earlier_one(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = signing.keyring(settings).current
    second = signing.rotate(settings)
    assert second.number == 2 and second.key_id != first.key_id
    assert signing.keyring(settings).current.key_id == second.key_id
    published = certificate_domain.parse_published_keys(signing.public_key_pem(settings))
    assert [key.key_id for key in published] == [second.key_id, first.key_id]
    assert all(key.document_signers for key in published)


def test_a_configured_key_cannot_be_rotated_here(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem().decode()
    with pytest.raises(ConfigurationError, match="PPP_ASSESS_SIGNING_KEYS_DIR"):
        signing.rotate(_settings(tmp_path, signing_key_pem=pem))


def test_the_operators_certificate_signs_documents(tmp_path: Path) -> None:
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority = _certificate("Operator CA", authority_key.public_key(), "Operator CA",
                             authority_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("Platform documents", key.public_key(), "Operator CA", authority_key)
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM)
                          + authority.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    settings = _settings(tmp_path, signing_cert_file=str(cert_file),
                         signing_cert_key_file=str(key_file))
    signer = signing.document_signer(settings)
    assert signer.certificate == leaf and signer.chain == (authority,)
    (published,) = signing.published_keys(settings)
    # Documents signed before with the self-issued certificate keep verifying.
    assert certificate_domain.spki_der(leaf) in published.document_signers
    assert len(published.document_signers) == 2
    with pytest.raises(ConfigurationError, match="go together"):
        _settings(tmp_path, signing_cert_file=str(cert_file))


def _certificate(subject: str, public_key: ec.EllipticCurvePublicKey, issuer: str,
                 issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool = False) -> x509.Certificate:
    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def test_a_configured_key_wins_and_may_be_written_on_one_line(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem().decode()
    expected = certificate_domain.public_key_pem(certificate_domain.load_private_key(pem))
    one_line = pem.strip().replace("\n", "\\n")
    settings = _settings(tmp_path, signing_key_pem=one_line)
    (published,) = signing.published_keys(settings)
    assert published.public_key_pem == expected
    assert not (tmp_path / "signing_key.pem").exists()
    assert not (tmp_path / "signing-keys").exists()


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
    assert signing.published_keys(get_settings(app))[0].public_key_pem == (
        certificate_domain.public_key_pem(certificate_domain.load_private_key(pem)))
