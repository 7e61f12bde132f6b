"""Certificate serial numbers, the signed payload of issued facts, and Ed25519 keys.

Serial numbers look like ``PPP-2026-000123-R``: a fixed prefix, the year of issue,
a six-digit number within the year, and a check character over ``[0-9A-Z]``.

The check character is computed with the Luhn mod N algorithm for N = 36 over the
body with its hyphens removed (``PPP2026000123``), characters valued ``0``-``9`` then
``A``-``Z`` as 10-35. Luhn mod 36 detects every single-character substitution and
every transposition of adjacent characters except ``0`` with ``Z``, and those two can
never be neighbours in a serial: the body is digits after the fixed prefix, and the
check character is set off by a hyphen. ISO 7064 MOD 37,36 was not chosen because,
being a hybrid system, it misses about one adjacent transposition in fifty (for
example ``PPP-0409-016103`` and ``PPP-0409-106103`` share a check character).

The payload is the canonical JSON (see :func:`ppp_assess.domain.audit.canonical_json`)
of a :class:`CertificatePayload`. It carries msgids rather than translated text, so
one signature covers the certificate in every language. Scores are decimal strings,
never floats, so the bytes are the same on every platform: in the current format
(``ppp-assess/certificate/2``) they have one place, the score exactly as every page
shows it (:func:`ppp_assess.domain.display.rounded_score`); certificates issued in the
first format carry two places and still verify and read as issued.
Signatures are Ed25519, encoded as base64url without padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ppp_assess.domain.audit import canonical_json
from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.schema import Subject

# --- serial numbers ---------------------------------------------------------------------

#: The fixed first part of every serial.
SERIAL_PREFIX = "PPP"
#: The characters of a check, in order of their value (0-35).
SERIAL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: The largest number within a year that fits the six-digit field.
MAX_SERIAL_NUMBER = 999_999

#: Characters of the random part of a serial.
RANDOM_PART_LENGTH = 6

#: ``PPP-YYYY-NNNNNN-RRRRRR-C``: year, number within the year, random part, check. Serials
#: issued before the random part was added (``PPP-YYYY-NNNNNN-C``) stay valid.
_SERIAL_PATTERN = re.compile(re.escape(SERIAL_PREFIX) + r"-([0-9]{4})-([0-9]{6})"
                             rf"(?:-([0-9A-Z]{{{RANDOM_PART_LENGTH}}}))?-([0-9A-Z])")
_CHARACTER_VALUES = {character: value for value, character in enumerate(SERIAL_ALPHABET)}


def serial_check_digit(body: str) -> str:
    """Return the Luhn mod 36 check character for ``body``, ignoring its hyphens.

    :param body: the serial without its check, e.g. ``PPP-2026-000123``; characters
        ``0``-``9``, ``A``-``Z`` and ``-``.
    :return: one character of :data:`SERIAL_ALPHABET`.
    :raises ValueError: on any other character, or a body without any character to check.
    """
    modulus = len(SERIAL_ALPHABET)
    characters = body.replace("-", "")
    if not characters:
        raise ValueError("a serial body needs at least one character")
    total = 0
    # From the right, so the character next to the check is always doubled.
    for position, character in enumerate(reversed(characters)):
        try:
            value = _CHARACTER_VALUES[character]
        except KeyError:
            raise ValueError(f"{character!r} cannot appear in a serial") from None
        if position % 2 == 0:
            # Doubling, then adding the two base-36 digits, permutes 0-35.
            value *= 2
            value = value // modulus + value % modulus
        total += value
    return SERIAL_ALPHABET[(modulus - total % modulus) % modulus]


def make_serial(year: int, number: int, random_part: str | None = None) -> str:
    """Return the serial for the ``number``-th certificate of ``year``.

    :param year: the year of issue, four digits.
    :param number: the number within the year, from 1 to :data:`MAX_SERIAL_NUMBER`.
    :param random_part: :data:`RANDOM_PART_LENGTH` characters of :data:`SERIAL_ALPHABET`
        drawn at random (see :func:`random_serial_part`), so that knowing one serial
        tells nothing of the next; ``None`` for the older form without it.
    :return: a serial such as ``PPP-2026-000123-K7QX9M-4`` (or ``PPP-2026-000123-R``).
    :raises ValueError: when ``year``, ``number`` or ``random_part`` is out of range.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"the year must have four digits, got {year!r}")
    if not 1 <= number <= MAX_SERIAL_NUMBER:
        raise ValueError(f"the number must be from 1 to {MAX_SERIAL_NUMBER}, got {number!r}")
    body = f"{SERIAL_PREFIX}-{year:04d}-{number:06d}"
    if random_part is not None:
        if len(random_part) != RANDOM_PART_LENGTH or any(
                character not in _CHARACTER_VALUES for character in random_part):
            raise ValueError(f"the random part must be {RANDOM_PART_LENGTH} characters of "
                             f"{SERIAL_ALPHABET}, got {random_part!r}")
        body = f"{body}-{random_part}"
    return f"{body}-{serial_check_digit(body)}"


def random_serial_part() -> str:
    """Return a new random part for a serial, from the operating system's randomness."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(RANDOM_PART_LENGTH))


def validate_serial(serial: str) -> bool:
    """Return whether ``serial`` is well formed and its check character is right.

    The comparison is exact: normalise user input with :func:`normalise_serial` first.

    :param serial: the text to check.
    :return: ``True`` for a valid serial, ``False`` for anything else.
    """
    if not isinstance(serial, str):
        return False
    match = _SERIAL_PATTERN.fullmatch(serial)
    if match is None:
        return False
    return serial_check_digit(serial[: match.start(4) - 1]) == match.group(4)


def normalise_serial(text: str) -> str:
    """Return ``text`` as a serial would be written: without surrounding space, upper case.

    :param text: a serial as typed or scanned.
    :return: the normalised text; it still needs :func:`validate_serial`.
    """
    return text.strip().upper()


# --- scores -----------------------------------------------------------------------------

#: Payload formats and the decimal places of their scores: the first wrote two places;
#: the second writes the score as it is shown, with one; the third adds the verified
#: score (see :data:`VERIFIED_FORMATS`).
SCORE_PLACES = {"ppp-assess/certificate/1": 2, "ppp-assess/certificate/2": 1,
                "ppp-assess/certificate/3": 1}
#: The formats whose payload carries ``verified_score``: the score counting only the
#: answers that documents back, beside the self-declared ``overall_score``.
VERIFIED_FORMATS = frozenset({"ppp-assess/certificate/3"})
_SCORE_PATTERNS = {
    2: re.compile(r"(?:[1-9]?[0-9]\.[0-9]{2}|100\.00)"),
    1: re.compile(r"(?:[1-9]?[0-9]\.[0-9]|100\.0)"),
}


def format_score(value: float | Decimal) -> str:
    """Return a score between 0 and 100 as the payload writes it: as it is shown.

    That is :func:`~ppp_assess.domain.display.rounded_score`, one decimal rounded half
    up from the exact value (a float read through its ``repr``): ``72.25 -> "72.3"``,
    ``0.25 -> "0.3"``, ``100 -> "100.0"``.

    :param value: the score.
    :return: the score as ``"0.0"`` to ``"100.0"``.
    :raises ValueError: on a value that is not finite or rounds outside 0 to 100.
    """
    rounded = rounded_score(value)
    if not 0 <= rounded <= 100:
        raise ValueError(f"a score must be between 0 and 100, got {value!r}")
    return f"{rounded:.1f}"


def _check_score(score: str, field_name: str, places: tuple[int, ...]) -> None:
    if not isinstance(score, str) or not any(
            _SCORE_PATTERNS[count].fullmatch(score) for count in places):
        shown = " or ".join(f"0.{'0' * count} to 100.{'0' * count}" for count in places)
        raise ValueError(f"{field_name} must be a string from {shown}, got {score!r}")


# --- the payload ------------------------------------------------------------------------

#: Identifies the payload layout written now; a new layout gets a new value, and
#: :data:`SCORE_PLACES` lists every layout that is read.
PAYLOAD_FORMAT = "ppp-assess/certificate/3"

_COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")
_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CertificateFormatError(ValueError):
    """Payload bytes that are not a well-formed certificate payload."""


@dataclass(frozen=True, slots=True)
class CertificateSection:
    """One section's score on a certificate."""

    #: The section id from the questionnaire.
    id: str
    #: The section title as a msgid.
    title: str
    #: The score as :func:`format_score` writes it (two places in the first format), or
    #: ``None`` when nothing in the section applied.
    score: str | None

    def __post_init__(self) -> None:
        _check_strings(self, ("id", "title"))
        if self.score is not None:
            _check_score(self.score, "a section score", tuple(sorted(set(SCORE_PLACES.values()))))


@dataclass(frozen=True, slots=True)
class CertificatePayload:
    """The facts a certificate attests, exactly as they are signed."""

    serial: str
    questionnaire_id: str
    questionnaire_version: str
    #: The assessed project or organisation.
    subject_name: str
    #: A :class:`~ppp_assess.domain.schema.Subject` value: ``"project"`` or ``"organisation"``.
    subject_type: str
    organisation_name: str
    #: ISO 3166-1 alpha-2 code, upper case.
    country_code: str
    #: As :func:`format_score` writes it.
    overall_score: str
    level_id: str
    #: The level's label as a msgid.
    level_label: str
    section_scores: tuple[CertificateSection, ...]
    reviewer_name: str
    approved_on: date
    issued_on: date
    #: The public verification page for this serial.
    verify_url: str
    #: The payload layout, one of :data:`SCORE_PLACES`; certificates already issued keep
    #: the one they were signed in.
    format: str = PAYLOAD_FORMAT
    #: As :func:`format_score` writes it: the overall score counting only the answers
    #: that documents back. ``None`` when there is none, and always in the formats
    #: before :data:`VERIFIED_FORMATS`, which do not carry it.
    verified_score: str | None = None

    def __post_init__(self) -> None:
        _check_strings(
            self,
            (
                "serial",
                "questionnaire_id",
                "questionnaire_version",
                "subject_name",
                "subject_type",
                "organisation_name",
                "country_code",
                "overall_score",
                "level_id",
                "level_label",
                "reviewer_name",
                "verify_url",
            ),
        )
        if self.subject_type not in {subject.value for subject in Subject}:
            raise ValueError(f"not a kind of subject: {self.subject_type!r}")
        if not validate_serial(self.serial):
            raise ValueError(f"not a valid serial: {self.serial!r}")
        if _COUNTRY_PATTERN.fullmatch(self.country_code) is None:
            raise ValueError(f"not an ISO 3166-1 alpha-2 code: {self.country_code!r}")
        if self.format not in SCORE_PLACES:
            raise ValueError(f"unknown payload format {self.format!r}")
        places = (SCORE_PLACES[self.format],)
        _check_score(self.overall_score, "the overall score", places)
        if self.verified_score is not None:
            if self.format not in VERIFIED_FORMATS:
                raise ValueError(f"format {self.format!r} carries no verified score")
            _check_score(self.verified_score, "the verified score", places)
        # A list is accepted for convenience and frozen into a tuple.
        sections = tuple(self.section_scores)
        if not all(isinstance(section, CertificateSection) for section in sections):
            raise ValueError("section_scores must hold CertificateSection objects")
        for section in sections:
            if section.score is not None:
                _check_score(section.score, "a section score", places)
        object.__setattr__(self, "section_scores", sections)
        for field_name in ("approved_on", "issued_on"):
            value = getattr(self, field_name)
            # A datetime is a date too, but would carry a time into the payload.
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValueError(f"{field_name} must be a date, got {value!r}")


def _check_strings(instance: object, field_names: Sequence[str]) -> None:
    for field_name in field_names:
        value = getattr(instance, field_name)
        if not isinstance(value, str):
            raise ValueError(f"{field_name} must be a string, got {value!r}")


def payload_bytes(payload: CertificatePayload) -> bytes:
    """Return the canonical JSON bytes of ``payload``, the bytes that are signed.

    :param payload: the facts to serialise.
    :return: UTF-8 JSON with sorted keys and no whitespace, including the payload's
        format (:data:`PAYLOAD_FORMAT` for new certificates) under ``"format"``.
    """
    document: dict[str, Any] = {
        "format": payload.format,
        "serial": payload.serial,
        "questionnaire_id": payload.questionnaire_id,
        "questionnaire_version": payload.questionnaire_version,
        "subject_name": payload.subject_name,
        "subject_type": payload.subject_type,
        "organisation_name": payload.organisation_name,
        "country_code": payload.country_code,
        "overall_score": payload.overall_score,
        "level_id": payload.level_id,
        "level_label": payload.level_label,
        "section_scores": [
            {"id": section.id, "title": section.title, "score": section.score}
            for section in payload.section_scores
        ],
        "reviewer_name": payload.reviewer_name,
        "approved_on": payload.approved_on.isoformat(),
        "issued_on": payload.issued_on.isoformat(),
        "verify_url": payload.verify_url,
    }
    if payload.format in VERIFIED_FORMATS:
        document["verified_score"] = payload.verified_score
    return canonical_json(document)


_PAYLOAD_KEYS = frozenset(
    {
        "format",
        "serial",
        "questionnaire_id",
        "questionnaire_version",
        "subject_name",
        "subject_type",
        "organisation_name",
        "country_code",
        "overall_score",
        "level_id",
        "level_label",
        "section_scores",
        "reviewer_name",
        "approved_on",
        "issued_on",
        "verify_url",
    }
)
_SECTION_KEYS = frozenset({"id", "title", "score"})


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two readers could otherwise disagree on which duplicate is the signed value.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CertificateFormatError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise CertificateFormatError(f"{name} is not valid JSON")


def _parse_date(value: object, field_name: str) -> date:
    # date.fromisoformat alone would also accept forms such as 20260301.
    if not isinstance(value, str) or _DATE_PATTERN.fullmatch(value) is None:
        raise CertificateFormatError(f"{field_name} must be a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CertificateFormatError(f"{field_name}: {error}") from None


def payload_from_bytes(data: bytes) -> CertificatePayload:
    """Parse payload bytes back into a :class:`CertificatePayload`.

    This checks the form only; call :func:`verify` on the same bytes to know that
    they were issued by the platform.

    :param data: UTF-8 JSON as :func:`payload_bytes` writes it.
    :return: the payload.
    :raises CertificateFormatError: on invalid UTF-8 or JSON, duplicate, missing or
        unknown keys, an unknown format, or a value of the wrong type or form.
    """
    try:
        document = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
        )
    except CertificateFormatError:
        raise
    except ValueError as error:
        raise CertificateFormatError(f"not a JSON document: {error}") from None
    if not isinstance(document, dict):
        raise CertificateFormatError("the payload must be a JSON object")
    layout = document.get("format")
    if not isinstance(layout, str) or layout not in SCORE_PLACES:
        raise CertificateFormatError(f"unknown payload format {layout!r}")
    expected = _PAYLOAD_KEYS | ({"verified_score"} if layout in VERIFIED_FORMATS else set())
    if set(document) != expected:
        missing = sorted(expected - set(document))
        unknown = sorted(set(document) - expected)
        raise CertificateFormatError(f"missing keys {missing}, unknown keys {unknown}")
    raw_sections = document["section_scores"]
    if not isinstance(raw_sections, list):
        raise CertificateFormatError("section_scores must be a list")
    try:
        sections = []
        for raw_section in raw_sections:
            if not isinstance(raw_section, dict) or set(raw_section) != _SECTION_KEYS:
                raise CertificateFormatError("each section needs exactly id, title and score")
            sections.append(
                CertificateSection(
                    id=raw_section["id"], title=raw_section["title"], score=raw_section["score"]
                )
            )
        return CertificatePayload(
            serial=document["serial"],
            questionnaire_id=document["questionnaire_id"],
            questionnaire_version=document["questionnaire_version"],
            subject_name=document["subject_name"],
            subject_type=document["subject_type"],
            organisation_name=document["organisation_name"],
            country_code=document["country_code"],
            overall_score=document["overall_score"],
            level_id=document["level_id"],
            level_label=document["level_label"],
            section_scores=tuple(sections),
            reviewer_name=document["reviewer_name"],
            approved_on=_parse_date(document["approved_on"], "approved_on"),
            issued_on=_parse_date(document["issued_on"], "issued_on"),
            verify_url=document["verify_url"],
            format=layout,
            verified_score=document.get("verified_score"),
        )
    except CertificateFormatError:
        raise
    except ValueError as error:
        raise CertificateFormatError(str(error)) from None


# --- signatures -------------------------------------------------------------------------

_SIGNATURE_LENGTH = 64
_SIGNATURE_PATTERN = re.compile(r"[A-Za-z0-9_-]{86}")


def _encode_signature(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_signature(signature: object) -> bytes | None:
    if not isinstance(signature, str) or _SIGNATURE_PATTERN.fullmatch(signature) is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(signature + "==")
    except (binascii.Error, ValueError):
        return None
    # The last character carries four unused bits; only one spelling is accepted.
    if len(raw) != _SIGNATURE_LENGTH or _encode_signature(raw) != signature:
        return None
    return raw


def sign(payload_bytes: bytes, private_key: Ed25519PrivateKey) -> str:
    """Sign ``payload_bytes`` with the platform's key.

    :param payload_bytes: the bytes from :func:`payload_bytes`.
    :param private_key: the Ed25519 signing key.
    :return: the 64-byte signature as base64url without padding (86 characters).
    """
    return _encode_signature(private_key.sign(payload_bytes))


def verify(payload_bytes: bytes, signature: str, public_key: Ed25519PublicKey) -> bool:
    """Return whether ``signature`` is the platform's signature of ``payload_bytes``.

    :param payload_bytes: the signed bytes, exactly as issued.
    :param signature: base64url without padding, as :func:`sign` returns it.
    :param public_key: the platform's published Ed25519 public key.
    :return: ``True`` only for a valid signature; ``False`` for a wrong or malformed
        one, never an exception.
    """
    raw = _decode_signature(signature)
    if raw is None or not isinstance(payload_bytes, bytes):
        return False
    try:
        public_key.verify(raw, payload_bytes)
    except InvalidSignature:
        return False
    return True


# --- keys -------------------------------------------------------------------------------


def _as_bytes(pem: bytes | str) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else pem


def generate_private_key_pem() -> bytes:
    """Generate a new Ed25519 signing key.

    :return: the key as unencrypted PKCS#8 PEM; keep it secret.
    """
    return Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key(pem: bytes | str, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 signing key from PEM.

    :param pem: PKCS#8 PEM, as bytes or text.
    :param password: the passphrase if the key is encrypted.
    :return: the key.
    :raises ValueError: when the PEM cannot be read or holds another kind of key.
    :raises TypeError: when a password is given for an unencrypted key or is missing.
    """
    key = serialization.load_pem_private_key(_as_bytes(pem), password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """Return the public half of ``private_key`` as the PEM to publish.

    :param private_key: the signing key.
    :return: SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``).
    """
    return private_key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def load_public_key(pem: bytes | str) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM.

    :param pem: SubjectPublicKeyInfo PEM, as bytes or text.
    :return: the key.
    :raises ValueError: when the PEM cannot be read or holds another kind of key.
    """
    key = serialization.load_pem_public_key(_as_bytes(pem))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the short name of a public key: 16 hex digits of the SHA-256 of its raw bytes.

    :param public_key: an Ed25519 public key.
    :return: e.g. ``"3f2a9c0d41b7e655"``; the same key always has the same id.
    """
    raw = public_key.public_bytes(encoding=serialization.Encoding.Raw,
                                  format=serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# --- published keys and document signatures ----------------------------------------------


@dataclass(frozen=True)
class PublishedKey:
    """One key the platform signs or signed certificates with, as it publishes it.

    Each key has two halves: the Ed25519 key that signs the payload embedded in a
    certificate, and the X.509 certificate whose key signs the whole PDF (PAdES).
    """

    key_id: str
    public_key: Ed25519PublicKey
    #: The DER SubjectPublicKeyInfo of every X.509 certificate that signs documents with
    #: this key (empty when only the Ed25519 key is known).
    document_signers: frozenset[bytes] = frozenset()
    #: The X.509 certificates themselves, PEM, as published.
    certificates_pem: tuple[bytes, ...] = ()

    @property
    def public_key_pem(self) -> bytes:
        """Return the Ed25519 public key as SubjectPublicKeyInfo PEM."""
        return self.public_key.public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo)


def spki_der(certificate: x509.Certificate) -> bytes:
    """Return the DER SubjectPublicKeyInfo of an X.509 certificate's key."""
    return certificate.public_key().public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo)


def published_keys_pem(keys: Sequence[PublishedKey]) -> bytes:
    """Return the published key file: each key, newest first, after a ``Key-Id:`` line.

    Every key's Ed25519 public key is followed by the X.509 certificates that sign its
    documents. PEM readers that take the first block read the newest public key.
    """
    parts: list[bytes] = []
    for key in keys:
        parts.append(f"Key-Id: {key.key_id}\n".encode("ascii"))
        parts.append(key.public_key_pem)
        parts.extend(key.certificates_pem)
    return b"".join(parts)


_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END \1-----\r?\n?")


def parse_published_keys(pem: bytes | str) -> list[PublishedKey]:
    """Read a published key file (or a plain Ed25519 public key PEM) into its keys.

    Certificate blocks belong to the public key before them.

    :raises ValueError: when the text holds no Ed25519 public key, or a block that
        cannot be read.
    """
    data = _as_bytes(pem)
    keys: list[PublishedKey] = []
    for match in _PEM_BLOCK.finditer(data):
        kind, block = match.group(1), match.group(0)
        if kind == b"PUBLIC KEY":
            public_key = load_public_key(block)
            keys.append(PublishedKey(key_id(public_key), public_key))
        elif kind == b"CERTIFICATE":
            if not keys:
                raise ValueError("a certificate comes before any public key")
            certificate = x509.load_pem_x509_certificate(block)
            last = keys[-1]
            keys[-1] = PublishedKey(
                last.key_id, last.public_key,
                last.document_signers | {spki_der(certificate)},
                (*last.certificates_pem, certificate.public_bytes(serialization.Encoding.PEM)))
    if not keys:
        raise ValueError("no Ed25519 public key in PEM form")
    return keys


@dataclass(frozen=True)
class DocumentSignature:
    """What a PDF's own signatures say, read by the PDF package for the services to judge."""

    #: How many signatures the file carries.
    count: int
    #: The (only) signature's digest matches the bytes it covers and its value is good.
    intact: bool
    #: It covers the whole file: nothing was appended after signing.
    covers_whole_file: bool
    #: The DER SubjectPublicKeyInfo of the signing certificate's key.
    signer: bytes | None
