"""``flask certificates verify FILE.pdf``: offline verification of certificate files."""

from __future__ import annotations

from pathlib import Path

from ppp_assess.config import get_settings
from ppp_assess.domain import certificates as certificate_domain
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services import signing
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
from tests.factories import sign_in


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_a_downloaded_certificate_verifies_offline(app, client, runner, db, factory,
                                                   tmp_path) -> None:
    scenario, certificate = certified(db, factory, app)
    sign_in(client, scenario.respondent.email)
    download = client.get(f"/assessments/{scenario.assessment.id}/certificate.pdf")
    assert download.status_code == 200
    path = _write(tmp_path, "certificate.pdf", download.data)

    result = runner.invoke(args=["certificates", "verify", path])
    assert result.exit_code == 0, result.output
    payload = certificate_service.payload_of(certificate)
    assert result.output.startswith("VALID")
    assert f"Serial:         {certificate.serial}" in result.output
    assert payload.subject_name in result.output
    assert f"Overall score:  {payload.overall_score} / 100" in result.output
    assert payload.verify_url in result.output

    # The same with the published key in a file, as a third party would do it.
    key = _write(tmp_path, "key.pem", client.get("/.well-known/ppp-assess-signing-key.pem").data)
    published = runner.invoke(args=["certificates", "verify", path, "--public-key", key])
    assert published.exit_code == 0, published.output


def test_every_kind_of_forgery_is_not_valid(app, runner, db, factory, tmp_path) -> None:
    _scenario, certificate = certified(db, factory, app)
    payload = certificate.payload.encode()
    genuine = certificate_pdf(app, db, certificate)
    key = signing.signing_key(get_settings(app))
    unknown = payload.replace(certificate.serial.encode(),
                              certificate_domain.make_serial(2001, 3).encode())
    cases = {
        "changed after signing": {
            "text-rewritten.pdf": text_drawn_over(genuine, incremental=False),
            "text-appended.pdf": text_drawn_over(genuine, incremental=True),
            "page-added.pdf": page_added(genuine),
            "one-byte.pdf": certificate_pdf(app, db, certificate,
                                            payload=one_byte_changed(payload)),
            "score.pdf": certificate_pdf(app, db, certificate, payload=score_changed(payload)),
            "signature.pdf": certificate_pdf(app, db, certificate,
                                             signature=signature_changed(certificate.signature)),
            "unsigned.pdf": certificate_pdf(app, db, certificate, sign=False),
        },
        "unknown signer": {
            "stranger.pdf": certificate_pdf(app, db, certificate, signer=stranger_signer()),
        },
        "no such certificate": {
            "unknown.pdf": certificate_pdf(app, db, certificate, payload=unknown,
                                           signature=certificate_domain.sign(unknown, key)),
        },
    }
    for reason, files in cases.items():
        for name, content in files.items():
            result = runner.invoke(args=["certificates", "verify",
                                         _write(tmp_path, name, content)])
            assert result.exit_code == 1, (name, result.output)
            assert result.output.startswith("NOT VALID"), (name, result.output)
            assert reason in result.output, (name, result.output)
            assert "VALID:" not in result.output.replace("NOT VALID:", "")

    path = _write(tmp_path, "genuine.pdf", genuine)
    assert runner.invoke(args=["certificates", "verify", path]).exit_code == 0
    certificate_service.revoke_certificate(db, certificate, actor=admin(factory),
                                           reason="Withdrawn by the board.")
    db.commit()
    revoked = runner.invoke(args=["certificates", "verify", path])
    assert revoked.exit_code == 1
    assert f"revoked on {certificate.revoked_at:%Y-%m-%d}: Withdrawn by the board." in (
        revoked.output)


def test_another_key_does_not_verify(app, runner, db, factory, tmp_path) -> None:
    _scenario, certificate = certified(db, factory, app)
    path = _write(tmp_path, "certificate.pdf", certificate_pdf(app, db, certificate))
    other = certificate_domain.load_private_key(certificate_domain.generate_private_key_pem())
    key = _write(tmp_path, "other.pem", certificate_domain.public_key_pem(other))
    result = runner.invoke(args=["certificates", "verify", path, "--public-key", key])
    assert result.exit_code == 1
    assert "unknown signer" in result.output


def test_a_file_without_certificate_data_is_refused(app, runner, tmp_path) -> None:
    signing.signing_key(get_settings(app))
    path = _write(tmp_path, "letter.pdf", b"%PDF-1.4\n%%EOF\n")
    result = runner.invoke(args=["certificates", "verify", path])
    assert result.exit_code == 1
    assert "NOT VALID" in result.output and "not a certificate" in result.output


def test_a_bad_key_file_is_reported(app, runner, db, factory, tmp_path) -> None:
    _scenario, certificate = certified(db, factory, app)
    path = _write(tmp_path, "certificate.pdf", certificate_pdf(app, db, certificate))
    key = _write(tmp_path, "key.pem", b"not a key")
    result = runner.invoke(args=["certificates", "verify", path, "--public-key", key])
    assert result.exit_code == 1
    assert "is not an Ed25519 public key" in result.output


def test_without_any_key_the_command_asks_for_one(make_app, tmp_path) -> None:
    app = make_app(instance_path=str(tmp_path / "fresh"))
    path = _write(tmp_path, "letter.pdf", b"%PDF-1.4\n%%EOF\n")
    result = app.test_cli_runner().invoke(args=["certificates", "verify", path])
    assert result.exit_code == 1
    assert "--public-key" in result.output
    assert not (tmp_path / "fresh" / "signing_key.pem").exists()
    assert not (tmp_path / "fresh" / "signing-keys").exists()


def test_after_a_rotation_earlier_certificates_keep_verifying(app, client, runner, db, factory,
                                                              tmp_path) -> None:
    _scenario, before = certified(db, factory, app)
    old_file = _write(tmp_path, "before.pdf", certificate_pdf(app, db, before))
    first_key = signing.keyring(get_settings(app)).current.key_id

    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    current = signing.keyring(get_settings(app)).current
    assert current.key_id != first_key and current.key_id in result.output

    _scenario, after = certified(db, factory, app)
    new_file = _write(tmp_path, "after.pdf", certificate_pdf(app, db, after))
    assert certificate_domain.verify(after.payload.encode(), after.signature,
                                     current.public_key)
    # Both keys are published, newest first, each with its id.
    published = client.get("/.well-known/ppp-assess-signing-key.pem").data
    assert [key.key_id for key in certificate_domain.parse_published_keys(published)] == [
        current.key_id, first_key]
    key_file = _write(tmp_path, "keys.pem", published)
    for path in (old_file, new_file):
        online = runner.invoke(args=["certificates", "verify", path])
        assert online.exit_code == 0, online.output
        offline = runner.invoke(args=["certificates", "verify", path, "--public-key", key_file])
        assert offline.exit_code == 0, offline.output
    assert f"(key {first_key})" in runner.invoke(args=["certificates", "verify", old_file]).output
    for certificate in (before, after):
        data = client.get(f"/api/v1/certificates/{certificate.serial}").get_json()
        assert data["status"] == "valid"
        page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
        assert "certificate-status-valid" in page
    assert client.get(f"/api/v1/certificates/{before.serial}").get_json()["key_id"] == first_key
