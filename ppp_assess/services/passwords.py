"""Passwords: hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ppp_assess.services.errors import Invalid

#: argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash`` (False for no hash)."""
    if not password_hash:
        # Spend the same time as a real check so that timing does not reveal the account.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


# --- Password rules -------------------------------------------------------------------

#: Shortest password accepted.
PASSWORD_MIN_LENGTH = 12
#: Longest password accepted (hashing cost grows with length; nobody types more).
PASSWORD_MAX_LENGTH = 1024
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
#: Character runs people type instead of a password: alphabet, digits, keyboard rows.
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm",
         "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb6yhn")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines
                     if line.strip() and not line.startswith("#"))


def _is_pattern(candidate: str) -> bool:
    """Return whether ``candidate`` is a repetition or a typed run rather than a secret."""
    for unit in range(1, 5):
        if len(candidate) % unit == 0 and candidate == candidate[:unit] * (len(candidate) // unit):
            return True
    for run in _RUNS:
        doubled = run * 3
        if candidate in doubled or candidate in doubled[::-1]:
            return True
    return False


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """Check a new password against the password rules.

    :param email: the account's e-mail address, which the password must not equal.
    :param name: the account holder's name, which the password must not equal.
    :raises Invalid: naming the first rule the password breaks (field ``password``).
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid("Use at least %(count)s characters.", {"count": PASSWORD_MIN_LENGTH},
                      fields={"password": "too_short"})
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid("Use at most %(count)s characters.", {"count": PASSWORD_MAX_LENGTH},
                      fields={"password": "too_long"})
    folded = password.strip().casefold()
    compact = "".join(folded.split())
    personal = {value.strip().casefold() for value in (email, name) if value.strip()}
    personal |= {"".join(value.split()) for value in personal}
    if email.strip():
        personal.add(email.strip().casefold().partition("@")[0])
    if folded in personal or compact in personal:
        raise Invalid("The password must not be your e-mail address or your name.",
                      fields={"password": "personal"})
    common = common_passwords()
    if folded in common or compact in common or _is_pattern(compact):
        raise Invalid("This password is too common. Choose one that others are unlikely to "
                      "guess.", fields={"password": "common"})
