"""The platform's signing key: generated once, configured, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    path = tmp_path / "signing_key.pem"
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0
    # Another configuration object for the same folder reads the same file.
    again = signing.public_key_pem(_settings(tmp_path, base_url="http://elsewhere.test"))
    assert again == first
    stored = certificate_domain.load_private_key(path.read_bytes())
    assert certificate_domain.public_key_pem(stored) == first


def test_a_configured_key_wins_and_may_be_written_on_one_line(tmp_path: Path) -> None:
    pem = certificate_domain.generate_private_key_pem().decode()
    expected = certificate_domain.public_key_pem(certificate_domain.load_private_key(pem))
    one_line = pem.strip().replace("\n", "\\n")
    settings = _settings(tmp_path, signing_key_pem=one_line)
    assert signing.public_key_pem(settings) == expected
    assert not (tmp_path / "signing_key.pem").exists()


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
    assert signing.public_key_pem(get_settings(app)) == certificate_domain.public_key_pem(
        certificate_domain.load_private_key(pem))
