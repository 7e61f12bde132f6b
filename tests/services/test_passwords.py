"""The rules a new password must meet."""

from __future__ import annotations

import pytest

from ppp_assess.services import passwords
from ppp_assess.services.errors import Invalid


@pytest.mark.parametrize("password", [
    "short pass",                     # 10 characters
    "12345678901",                    # 11 characters
])
def test_passwords_shorter_than_twelve_characters_are_refused(password) -> None:
    with pytest.raises(Invalid) as caught:
        passwords.check_password_rules(password)
    assert caught.value.fields == {"password": "too_short"}
    assert caught.value.params == {"count": 12}


@pytest.mark.parametrize("password", [
    "123456789012", "qwertyuiopas", "Password1234", "passwordpassword", "iloveyou2024!",
    "correct horse battery staple", "aaaaaaaaaaaaaaa", "abcabcabcabcabc", "zyxwvutsrqponm",
    "0987654321098", "QWERTYUIOPASDFGH",
])
def test_common_and_patterned_passwords_are_refused(password) -> None:
    with pytest.raises(Invalid) as caught:
        passwords.check_password_rules(password)
    assert caught.value.fields == {"password": "common"}


def test_the_common_list_is_shipped_and_only_holds_long_entries() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 1000
    assert "password1234" in common
    assert all(len(entry) >= 12 for entry in common)


@pytest.mark.parametrize(("password", "email", "name"), [
    ("ana.perez@example.org", "ana.perez@example.org", "Ana Pérez"),
    ("ANA.PEREZ@EXAMPLE.ORG", "ana.perez@example.org", "Ana"),
    ("Ana María Pérez", "ana@example.org", "Ana María Pérez"),
    ("anamariaperez", "anamariaperez@example.org", "Someone Else"),
])
def test_a_password_equal_to_the_email_or_name_is_refused(password, email, name) -> None:
    with pytest.raises(Invalid) as caught:
        passwords.check_password_rules(password, email=email, name=name)
    assert caught.value.fields == {"password": "personal"}


def test_a_good_password_passes() -> None:
    passwords.check_password_rules("tailings dam in the copper valley", email="a@example.org",
                                   name="Ana")
