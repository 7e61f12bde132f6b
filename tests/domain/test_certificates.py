"""Certificate serials, the canonical payload, Ed25519 signatures and key handling."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from ppp_assess.domain.certificates import (
    MAX_SERIAL_NUMBER,
    PAYLOAD_FORMAT,
    SERIAL_ALPHABET,
    CertificateFormatError,
    CertificatePayload,
    CertificateSection,
    format_score,
    generate_private_key_pem,
    load_private_key,
    load_public_key,
    make_serial,
    normalise_serial,
    payload_bytes,
    payload_from_bytes,
    public_key_pem,
    serial_check_digit,
    sign,
    validate_serial,
    verify,
)
from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.schema import Subject

# --- serials ----------------------------------------------------------------------------


def test_hand_computed_check_character() -> None:
    # Body without hyphens: P P P 2 0 2 6 0 0 0 1 2 3, values P = 25.
    # From the right, every other character is doubled, and a doubled value of 36 or
    # more is written as its two base-36 digits added (50 -> 1 + 14 = 15):
    #   3*2=6, 2, 1*2=2, 0, 0, 0, 6*2=12, 2, 0*2=0, 2, 25*2=50->15, 25, 25*2=50->15
    #   total = 6+2+2+0+0+0+12+2+0+2+15+25+15 = 81; 81 mod 36 = 9; (36 - 9) mod 36 = 27 = R
    assert serial_check_digit("PPP-2026-000123") == "R"
    assert serial_check_digit("PPP2026000123") == "R"
    assert make_serial(2026, 123) == "PPP-2026-000123-R"
    assert validate_serial("PPP-2026-000123-R")


def test_check_character_uses_the_whole_alphabet() -> None:
    checks = {make_serial(2026, number)[-1] for number in range(1, 2000)}
    assert checks == set(SERIAL_ALPHABET)


@pytest.mark.parametrize(
    ("year", "number"),
    [(999, 1), (10000, 1), (2026, 0), (2026, -1), (2026, MAX_SERIAL_NUMBER + 1)],
)
def test_make_serial_refuses_out_of_range(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        make_serial(year, number)


def test_a_serial_carries_a_random_part_under_its_check() -> None:
    from ppp_assess.domain.certificates import random_serial_part

    serial = make_serial(2026, 123, "K7QX9M")
    assert serial.startswith("PPP-2026-000123-K7QX9M-")
    assert validate_serial(serial)
    # The check covers the random part: change one character and the serial is refused.
    assert not validate_serial(serial.replace("K7QX9M", "K7QX9N"))
    # Serials of the older form, without a random part, stay valid.
    assert validate_serial(make_serial(2026, 123))
    parts = {random_serial_part() for _ in range(200)}
    assert len(parts) == 200
    assert all(len(part) == 6 and validate_serial(make_serial(2026, 1, part)) for part in parts)
    with pytest.raises(ValueError):
        make_serial(2026, 1, "short")


def test_make_serial_pads() -> None:
    assert make_serial(2026, 1).startswith("PPP-2026-000001-")
    assert make_serial(2026, MAX_SERIAL_NUMBER).startswith("PPP-2026-999999-")


@pytest.mark.parametrize("body", ["", "---", "PPP-2026-00012a", "PPP 2026", "PPP-٢٠٢٦"])
def test_check_character_refuses_foreign_characters(body: str) -> None:
    with pytest.raises(ValueError):
        serial_check_digit(body)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PPP-2026-000123",
        "PPP-2026-000123-",
        "ppp-2026-000123-r",
        " PPP-2026-000123-R",
        "PPP-2026-000123-R\n",
        "PPQ-2026-000123-R",
        "PPP-2026-0000123-R",
        "PPP-226-000123-R",
        "PPP-2026-000123-RR",
        "PPP_2026_000123_R",
        # Arabic-Indic digits are digits to \d, but not to a serial.
        "PPP-٢٠٢٦-000123-R",
    ],
)
def test_malformed_serials_are_invalid(text: str) -> None:
    assert not validate_serial(text)


def test_non_strings_are_invalid() -> None:
    assert not validate_serial(None)  # type: ignore[arg-type]
    assert not validate_serial(b"PPP-2026-000123-R")  # type: ignore[arg-type]


def test_normalise_serial() -> None:
    assert normalise_serial("  ppp-2026-000123-r\n") == "PPP-2026-000123-R"
    assert validate_serial(normalise_serial("  ppp-2026-000123-r\n"))


def sample_serials() -> list[str]:
    generator = random.Random(20260301)
    numbers = [1, 9, 10, 99, 123, 100000, MAX_SERIAL_NUMBER]
    numbers += [generator.randint(1, MAX_SERIAL_NUMBER) for _ in range(120)]
    years = [2024, 2026, 2029, 2099]
    return [make_serial(generator.choice(years), number) for number in numbers]


SUBSTITUTES = SERIAL_ALPHABET + "-a ٣"


def test_every_single_substitution_is_detected() -> None:
    serials = sample_serials()
    tried = 0
    for serial in serials:
        for position, original in enumerate(serial):
            for replacement in SUBSTITUTES:
                if replacement == original:
                    continue
                changed = serial[:position] + replacement + serial[position + 1 :]
                assert not validate_serial(changed), (serial, changed)
                tried += 1
    assert tried == len(serials) * len("PPP-2026-000123-R") * (len(SUBSTITUTES) - 1)


def test_every_adjacent_transposition_is_detected() -> None:
    tried = 0
    for serial in sample_serials():
        for position in range(len(serial) - 1):
            first, second = serial[position], serial[position + 1]
            if first == second:
                continue
            swapped = serial[:position] + second + first + serial[position + 2 :]
            assert not validate_serial(swapped), (serial, swapped)
            tried += 1
    assert tried > 1000


def test_the_only_blind_transposition_cannot_occur_in_a_serial() -> None:
    # Luhn mod 36 cannot tell "0Z" from "Z0"; a serial never has a letter in its body
    # after the prefix, so the two are never neighbours there.
    assert serial_check_digit("0Z") == serial_check_digit("Z0")
    assert not any(character.isalpha() for character in make_serial(2026, 123)[3:-1])


@given(st.integers(1000, 9999), st.integers(1, MAX_SERIAL_NUMBER))
def test_every_made_serial_is_valid(year: int, number: int) -> None:
    serial = make_serial(year, number)
    assert validate_serial(serial)
    assert serial[:16] == f"PPP-{year:04d}-{number:06d}-"
    assert len(serial) == 17


# --- scores -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (72.5, "72.5"),
        (72.25, "72.3"),  # exactly representable, so a true half: rounds up
        (72.35, "72.4"),  # read as 72.35 through repr, not as 72.34999999...
        (86.45, "86.5"),
        (100, "100.0"),
        (0, "0.0"),
        (0.0, "0.0"),
        (99.95, "100.0"),
        (-0.04, "0.0"),
        (100.04, "100.0"),
        (33.333333333333336, "33.3"),
        (Decimal("66.65"), "66.7"),
        (Decimal("7"), "7.0"),
    ],
)
def test_format_score(value: float | Decimal, expected: str) -> None:
    assert format_score(value) == expected


@pytest.mark.parametrize(
    "value", [-0.05, 100.05, 101, float("nan"), float("inf"), Decimal("NaN"), True]
)
def test_format_score_refuses(value: Any) -> None:
    with pytest.raises(ValueError):
        format_score(value)


@given(st.floats(min_value=0, max_value=100))
def test_format_score_is_the_score_as_shown(value: float) -> None:
    text = format_score(value)
    assert abs(Decimal(text) - Decimal(repr(value))) <= Decimal("0.05")
    assert len(text.split(".")[1]) == 1
    assert Decimal(text) == rounded_score(value)


# --- payload ----------------------------------------------------------------------------


def make_payload(**changes: Any) -> CertificatePayload:
    fields: dict[str, Any] = {
        "serial": make_serial(2026, 123),
        "questionnaire_id": "zero-tolerance-corruption",
        "questionnaire_version": "1.2",
        "subject_name": "طريق الساحل السريع",
        "subject_type": "project",
        "organisation_name": "Autopistas del Sur S.A.",
        "country_code": "EG",
        "overall_score": format_score(72.5),
        "level_id": "advanced",
        "level_label": "Advanced",
        "section_scores": (
            CertificateSection(id="governance", title="Governance", score="80.0"),
            CertificateSection(id="people", title="People first", score="65.0"),
            CertificateSection(id="mining", title="Mining supplement", score=None),
        ),
        "reviewer_name": "Zhang Wei 张伟",
        "approved_on": date(2026, 2, 27),
        "issued_on": date(2026, 3, 1),
        "verify_url": "https://ppp.example.org/verify/PPP-2026-000123-R",
    }
    fields.update(changes)
    return CertificatePayload(**fields)


def test_payload_bytes_are_canonical_json() -> None:
    data = payload_bytes(make_payload())
    document = json.loads(data)
    assert list(document) == sorted(document)
    assert document["format"] == PAYLOAD_FORMAT
    assert document["overall_score"] == "72.5"
    assert document["approved_on"] == "2026-02-27"
    assert document["section_scores"][2] == {
        "id": "mining",
        "title": "Mining supplement",
        "score": None,
    }
    assert data == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert "طريق الساحل السريع".encode() in data
    assert b" :" not in data
    assert b", " not in data
    assert data.startswith(b'{"approved_on":"2026-02-27","country_code":"EG",')


def test_payload_round_trip() -> None:
    payload = make_payload()
    assert payload_from_bytes(payload_bytes(payload)) == payload


def test_subject_type_accepts_the_schema_enum() -> None:
    payload = make_payload(subject_type=Subject.organisation)
    assert payload_from_bytes(payload_bytes(payload)).subject_type == "organisation"
    assert b'"subject_type":"organisation"' in payload_bytes(payload)


def test_sections_given_as_a_list_are_frozen() -> None:
    payload = make_payload(section_scores=list(make_payload().section_scores))
    assert isinstance(payload.section_scores, tuple)
    assert payload == make_payload()
    assert payload_bytes(payload) == payload_bytes(make_payload())


@pytest.mark.parametrize(
    "changes",
    [
        {"serial": "PPP-2026-000123-S"},
        {"country_code": "eg"},
        {"country_code": "EGY"},
        {"overall_score": 72.5},
        {"overall_score": "72.50"},
        {"overall_score": "100.1"},
        {"overall_score": "-1.0"},
        {"format": "ppp-assess/certificate/9"},
        {"format": "ppp-assess/certificate/1"},  # two places there
        {"approved_on": datetime(2026, 2, 27, tzinfo=UTC)},
        {"issued_on": "2026-03-01"},
        {"subject_name": None},
        {"subject_type": "programme"},
        {"section_scores": ({"id": "a", "title": "A", "score": "1.0"},)},
        {"section_scores": (CertificateSection(id="a", title="A", score="1.00"),)},
    ],
)
def test_payload_refuses_malformed_facts(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_payload(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"score": "1.500"},
        {"score": "1"},
        {"score": 1.5},
        {"id": 3},
    ],
)
def test_section_score_refuses_malformed_values(changes: dict[str, Any]) -> None:
    fields = {"id": "a", "title": "A", "score": "1.5", **changes}
    with pytest.raises(ValueError):
        CertificateSection(**fields)


def edit_document(**changes: Any) -> bytes:
    document = json.loads(payload_bytes(make_payload()))
    document.update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b"\xff\xfe",
        edit_document(format="ppp-assess/certificate/4"),
        edit_document(format="ppp-assess/certificate/2"),  # it carries no verified score
        edit_document(verified_score=61.3),
        edit_document(format="ppp-assess/certificate/1"),  # its scores have two places
        edit_document(format=1),
        edit_document(extra="x"),
        edit_document(overall_score=72.5),
        edit_document(overall_score="NaN"),
        edit_document(approved_on="20260227"),
        edit_document(approved_on="2026-02-30"),
        edit_document(section_scores={"id": "a"}),
        edit_document(section_scores=[{"id": "a", "title": "A"}]),
        edit_document(section_scores=[{"id": "a", "title": "A", "score": "1.0", "x": 1}]),
        edit_document(section_scores=[{"id": "a", "title": "A", "score": "1.00"}]),
        edit_document(serial="PPP-2026-000124-R"),
        payload_bytes(make_payload()).replace(b',"verify_url":', b',"level_id":"x","verify_url":'),
        payload_bytes(make_payload()).replace(b'"level_id":"advanced"', b'"level_id":NaN'),
    ],
)
def test_payload_from_bytes_refuses_malformed_data(data: bytes) -> None:
    with pytest.raises(CertificateFormatError):
        payload_from_bytes(data)


def test_missing_key_is_refused() -> None:
    document = json.loads(payload_bytes(make_payload()))
    del document["reviewer_name"]
    with pytest.raises(CertificateFormatError, match="reviewer_name"):
        payload_from_bytes(json.dumps(document).encode())


#: A payload signed in the first format, with two places: certificates issued before the
#: scores followed the display rule keep verifying and reading as they were signed.
FIRST_FORMAT = (
    b'{"approved_on":"2026-02-27","country_code":"EG","format":"ppp-assess/certificate/1",'
    b'"issued_on":"2026-03-01","level_id":"advanced","level_label":"Advanced",'
    b'"organisation_name":"Autopistas del Sur S.A.","overall_score":"72.45",'
    b'"questionnaire_id":"zero-tolerance-corruption","questionnaire_version":"1.2",'
    b'"reviewer_name":"Zhang Wei","section_scores":[{"id":"governance","score":"80.00",'
    b'"title":"Governance"},{"id":"mining","score":null,"title":"Mining supplement"}],'
    b'"serial":"PPP-2026-000123-R","subject_name":"Coast road","subject_type":"project",'
    b'"verify_url":"https://ppp.example.org/verify/PPP-2026-000123-R"}'
)


def test_payloads_of_the_first_format_still_read_byte_for_byte(private_pem: bytes) -> None:
    payload = payload_from_bytes(FIRST_FORMAT)
    assert payload.format == "ppp-assess/certificate/1" != PAYLOAD_FORMAT
    assert payload.overall_score == "72.45"
    assert payload.section_scores[0].score == "80.00"
    assert payload_bytes(payload) == FIRST_FORMAT
    private_key = load_private_key(private_pem)
    assert verify(FIRST_FORMAT, sign(FIRST_FORMAT, private_key), private_key.public_key())


def test_new_payloads_are_written_in_the_current_format() -> None:
    assert PAYLOAD_FORMAT == "ppp-assess/certificate/3"
    assert make_payload().format == PAYLOAD_FORMAT


#: A payload of the second format: one place, no verified score.
SECOND_FORMAT = FIRST_FORMAT.replace(b"certificate/1", b"certificate/2").replace(
    b'"72.45"', b'"72.5"').replace(b'"80.00"', b'"80.0"')


def test_payloads_of_the_second_format_still_read_byte_for_byte() -> None:
    payload = payload_from_bytes(SECOND_FORMAT)
    assert payload.format == "ppp-assess/certificate/2"
    assert payload.verified_score is None
    assert payload_bytes(payload) == SECOND_FORMAT
    assert b"verified_score" not in payload_bytes(payload)


def test_the_verified_score_is_signed_beside_the_declared_one() -> None:
    payload = make_payload(verified_score=format_score(61.25))
    document = json.loads(payload_bytes(payload))
    assert document["verified_score"] == "61.3"
    assert document["overall_score"] == "72.5"
    assert payload_from_bytes(payload_bytes(payload)) == payload


def test_the_current_format_writes_a_missing_verified_score_as_null() -> None:
    document = json.loads(payload_bytes(make_payload()))
    assert "verified_score" in document and document["verified_score"] is None
    assert payload_from_bytes(payload_bytes(make_payload())).verified_score is None


def test_the_verified_score_key_belongs_to_the_current_format_only() -> None:
    with pytest.raises(ValueError, match="carries no verified score"):
        make_payload(format="ppp-assess/certificate/2", verified_score="50.0")
    document = json.loads(SECOND_FORMAT)
    document["verified_score"] = "50.0"
    with pytest.raises(CertificateFormatError, match="unknown keys"):
        payload_from_bytes(json.dumps(document).encode())
    current = json.loads(payload_bytes(make_payload()))
    del current["verified_score"]
    with pytest.raises(CertificateFormatError, match="missing keys"):
        payload_from_bytes(json.dumps(current).encode())
    with pytest.raises(ValueError, match="verified score"):
        make_payload(verified_score="101.0")


def test_non_canonical_but_well_formed_bytes_parse() -> None:
    pretty = json.dumps(json.loads(payload_bytes(make_payload())), indent=2).encode()
    assert payload_from_bytes(pretty) == make_payload()


# --- signatures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_pem() -> bytes:
    return generate_private_key_pem()


def test_sign_and_verify_round_trip(private_pem: bytes) -> None:
    private_key = load_private_key(private_pem)
    public_key = load_public_key(public_key_pem(private_key))
    data = payload_bytes(make_payload())
    signature = sign(data, private_key)
    assert len(signature) == 86
    assert set(signature) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert verify(data, signature, public_key)
    # Ed25519 is deterministic.
    assert sign(data, private_key) == signature
    assert payload_from_bytes(data) == make_payload()


def test_any_changed_payload_byte_fails(private_pem: bytes) -> None:
    private_key = load_private_key(private_pem)
    public_key = private_key.public_key()
    data = payload_bytes(make_payload())
    signature = sign(data, private_key)
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        assert not verify(bytes(changed), signature, public_key), position
    assert not verify(data + b" ", signature, public_key)
    assert not verify(data[:-1], signature, public_key)


def test_changed_score_fails(private_pem: bytes) -> None:
    private_key = load_private_key(private_pem)
    data = payload_bytes(make_payload())
    signature = sign(data, private_key)
    for changes in (
        {"overall_score": "72.6"},
        {
            "section_scores": (
                CertificateSection(id="governance", title="Governance", score="80.1"),
            )
        },
        {"level_id": "leading"},
    ):
        forged = payload_bytes(make_payload(**changes))
        assert forged != data
        assert not verify(forged, signature, private_key.public_key())


def test_any_changed_signature_fails(private_pem: bytes) -> None:
    private_key = load_private_key(private_pem)
    public_key = private_key.public_key()
    data = payload_bytes(make_payload())
    signature = sign(data, private_key)
    for position in range(len(signature)):
        for replacement in "AgZ_-":
            if replacement == signature[position]:
                continue
            changed = signature[:position] + replacement + signature[position + 1 :]
            assert not verify(data, changed, public_key), (position, replacement)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: "",
        lambda s: s[:-1],
        lambda s: s + "A",
        lambda s: s + "==",
        lambda s: s.replace("-", "+").replace("_", "/") if ("-" in s or "_" in s) else "+" + s[1:],
        lambda s: " " + s[1:],
        lambda s: s.encode(),
        lambda s: None,
    ],
)
def test_malformed_signature_is_false_not_an_error(private_pem: bytes, mangle: Any) -> None:
    private_key = load_private_key(private_pem)
    data = payload_bytes(make_payload())
    assert not verify(data, mangle(sign(data, private_key)), private_key.public_key())


def test_unused_bits_of_the_last_character_must_be_zero(private_pem: bytes) -> None:
    private_key = load_private_key(private_pem)
    data = payload_bytes(make_payload())
    signature = sign(data, private_key)
    # The last of 86 characters carries 2 signature bits and 4 unused zero bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    assert last % 16 == 0
    same_bytes = signature[:-1] + alphabet[last + 1]
    assert not verify(data, same_bytes, private_key.public_key())


def test_a_different_key_fails(private_pem: bytes) -> None:
    data = payload_bytes(make_payload())
    signature = sign(data, load_private_key(private_pem))
    other = load_private_key(generate_private_key_pem())
    assert not verify(data, signature, other.public_key())
    assert verify(data, sign(data, other), other.public_key())


# --- keys -------------------------------------------------------------------------------


def test_key_pem_round_trip(private_pem: bytes) -> None:
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    private_key = load_private_key(private_pem.decode("ascii"))
    published = public_key_pem(private_key)
    assert published.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert load_public_key(published.decode("ascii")).public_bytes_raw() == (
        private_key.public_key().public_bytes_raw()
    )
    assert public_key_pem(load_private_key(private_pem)) == published


def test_generated_keys_differ() -> None:
    assert generate_private_key_pem() != generate_private_key_pem()


def test_encrypted_private_key_needs_its_password() -> None:
    key = load_private_key(generate_private_key_pem())
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    assert load_private_key(encrypted, password=b"secret").public_key().public_bytes_raw() == (
        key.public_key().public_bytes_raw()
    )
    with pytest.raises(TypeError):
        load_private_key(encrypted)


def test_other_key_types_are_refused(private_pem: bytes) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ec_public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_private_key(ec_private_pem)
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(ec_public_pem)
    with pytest.raises(ValueError):
        load_private_key(public_key_pem(load_private_key(private_pem)))
    with pytest.raises(ValueError):
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
