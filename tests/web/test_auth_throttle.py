"""Failed sign-ins are throttled per account and per address, and only failures count."""

from __future__ import annotations

from ppp_assess.web.auth.views import FAILURES_PER_ACCOUNT, FAILURES_PER_ADDRESS
from tests.factories import PASSWORD, sign_in

WRONG = "certainly not the password"


def _attempt(client, email: str, password: str = WRONG, address: str = "127.0.0.1"):
    return client.post("/auth/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_an_account_is_throttled_after_repeated_failures(client, factory, db) -> None:
    victim = factory.user()
    colleague = factory.user()
    db.commit()
    for _ in range(FAILURES_PER_ACCOUNT):
        assert _attempt(client, victim.email).status_code == 200
    blocked = _attempt(client, victim.email, PASSWORD)
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data
    assert "Retry-After" in blocked.headers
    # The right password does not get through while throttled, even from elsewhere...
    assert _attempt(client, victim.email, PASSWORD, address="10.0.0.9").status_code == 429
    # ...but another user can still sign in from the same address.
    sign_in(client, colleague.email)
    assert b"Sign out" in client.get("/").data


def test_throttling_does_not_tell_whether_the_account_exists(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    for _ in range(FAILURES_PER_ACCOUNT):
        _attempt(client, user.email)
        _attempt(client, "nobody@example.org")
    known = _attempt(client, user.email)
    unknown = _attempt(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 429
    assert known.data.replace(user.email.encode(), b"") == unknown.data.replace(
        b"nobody@example.org", b"")


def test_the_account_key_ignores_case_and_spaces(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    variants = [user.email.upper(), user.email.title(), user.email]
    for index in range(FAILURES_PER_ACCOUNT):
        _attempt(client, variants[index % len(variants)])
    assert _attempt(client, user.email, PASSWORD).status_code == 429


def test_an_address_is_throttled_after_many_failures_on_many_accounts(client, factory,
                                                                      db) -> None:
    user = factory.user()
    db.commit()
    for number in range(FAILURES_PER_ADDRESS):
        assert _attempt(client, f"guess{number}@example.org").status_code == 200
    assert _attempt(client, user.email, PASSWORD).status_code == 429
    # The same person from another address is not affected.
    assert _attempt(client, user.email, PASSWORD, address="10.1.2.3").status_code == 302


def test_successful_sign_ins_do_not_count(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    for _ in range(FAILURES_PER_ACCOUNT + 3):
        sign_in(client, user.email)
        client.post("/auth/sign-out")
    for _ in range(FAILURES_PER_ACCOUNT - 1):
        _attempt(client, user.email)
    sign_in(client, user.email)


def test_the_sign_in_form_is_still_shown_while_throttled(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    for _ in range(FAILURES_PER_ACCOUNT):
        _attempt(client, user.email)
    assert client.get("/auth/sign-in").status_code == 200
