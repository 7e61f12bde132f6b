"""The platform's Ed25519 key that signs certificates.

The key comes from ``PPP_ASSESS_SIGNING_KEY`` (PEM). Outside production, when that is
not set, a key is generated once into ``<instance>/signing_key.pem`` (owner-only
permissions) and read from there afterwards; production refuses to run without a
configured key, because a key generated on one server would not be known to the others
and would vanish with the machine.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ppp_assess.config import ConfigurationError, Settings
from ppp_assess.domain import certificates as certificate_domain

log = logging.getLogger(__name__)

#: The file in the instance folder holding a generated key.
KEY_FILENAME = "signing_key.pem"

_lock = threading.Lock()
_cache: dict[tuple[str, str, str], Ed25519PrivateKey] = {}


def key_path(settings: Settings) -> Path:
    """Return where a generated key is kept: ``<instance>/signing_key.pem``."""
    return Path(settings.instance_path) / KEY_FILENAME


def _configured_pem(text: str) -> bytes:
    # Environment files often carry a PEM on one line with literal "\n" separators.
    if "\n" not in text.strip() and "\\n" in text:
        text = text.replace("\\n", "\n")
    return text.strip().encode("utf-8") + b"\n"


def _load(pem: bytes, origin: str) -> Ed25519PrivateKey:
    try:
        return certificate_domain.load_private_key(pem)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            f"The certificate signing key in {origin} is not an unencrypted Ed25519 private "
            f"key in PEM form ({error})."
        ) from None


def _read_or_generate(path: Path) -> Ed25519PrivateKey:
    """Return the key stored at ``path``, generating it there on first use."""
    if path.exists():
        if path.stat().st_mode & 0o077:
            log.warning("The signing key %s is readable by other users; chmod 600 it.", path)
        return _load(path.read_bytes(), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = certificate_domain.generate_private_key_pem()
    # Written under a temporary name, then linked into place: another process starting at
    # the same moment either wins the link or reads the complete file of the winner.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _load(path.read_bytes(), str(path))
    finally:
        temporary.unlink(missing_ok=True)
    log.info("Generated a new certificate signing key in %s.", path)
    return _load(pem, str(path))


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """Return the key that signs certificates (loaded once per configuration).

    :raises ConfigurationError: in production without ``PPP_ASSESS_SIGNING_KEY``, or when
        the configured or stored key cannot be read.
    """
    cache_key = (settings.signing_key_pem or "", settings.instance_path, settings.env)
    with _lock:
        key = _cache.get(cache_key)
        if key is not None:
            return key
        if settings.signing_key_pem:
            key = _load(_configured_pem(settings.signing_key_pem), "PPP_ASSESS_SIGNING_KEY")
        elif settings.is_production:
            raise ConfigurationError(
                "PPP_ASSESS_SIGNING_KEY must be set in production: the Ed25519 private key "
                "(PEM) that signs certificates, the same on every server. Generate one with "
                "`openssl genpkey -algorithm ed25519` and keep it secret."
            )
        else:
            key = _read_or_generate(key_path(settings))
        _cache[cache_key] = key
        return key


def public_key(settings: Settings) -> Ed25519PublicKey:
    """Return the public half of the signing key, which verifies certificates."""
    return signing_key(settings).public_key()


def public_key_pem(settings: Settings) -> bytes:
    """Return the public key as the PEM text the platform publishes."""
    return certificate_domain.public_key_pem(signing_key(settings))
