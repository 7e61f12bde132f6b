"""Failed sign-ins slow the next attempt down, per account and address; never a long lock.

The counts live in the real Redis of the test machine, as in production.
"""

from __future__ import annotations

import re
import uuid

import pytest

from ppp_assess.extensions import limiter
from ppp_assess.services.accounts import normalise_email
from ppp_assess.web import throttle
from ppp_assess.web.throttle import ACCOUNT, ACCOUNT_FROM_ADDRESS, ADDRESS
from tests.factories import PASSWORD, sign_in

WRONG = "certainly not the password"
#: The Redis every test run starts, as production counts in Redis.
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app(make_app):
    """Return the test app counting attempts in the real Redis, under a key of its own."""
    app = make_app(redis_url=REDIS_URL, flask_overrides={
        "WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
        "RATELIMIT_KEY_PREFIX": f"ppp-test-{uuid.uuid4().hex}"})
    assert "Redis" in type(limiter.storage).__name__
    return app


def _attempt(client, email: str, password: str = WRONG, address: str = "127.0.0.1"):
    return client.post("/auth/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _time_passes(current_app, email: str, address: str = "127.0.0.1", *,
                 rules: tuple[throttle.Rule, ...] = (ACCOUNT_FROM_ADDRESS, ADDRESS, ACCOUNT),
                 ) -> None:
    """Let the current waits of these keys run out (the counts of failures stay)."""
    with current_app.app_context():
        keys = throttle.keys_for(normalise_email(email), address)
    for rule, key in keys:
        if rule in rules:
            limiter.storage.clear(f"{key}:hold")


def _fail(app, client, email: str, times: int, address: str = "127.0.0.1") -> None:
    """Fail ``times`` sign-ins, waiting out each hold, so that every failure counts.

    Enough failures leave a hold of many seconds, so the assertions that follow do not
    depend on how fast the machine runs the test.
    """
    for _ in range(times):
        assert _attempt(client, email, address=address).status_code == 200
        _time_passes(app, email, address)


#: Failures past the free ones that leave a hold of 32 seconds.
LONG_HOLD = 6


def test_the_delay_doubles_up_to_its_cap() -> None:
    delays = [throttle.delay_after(ACCOUNT_FROM_ADDRESS, n) for n in range(1, 20)]
    assert delays[:ACCOUNT_FROM_ADDRESS.free] == [0] * ACCOUNT_FROM_ADDRESS.free
    assert delays[ACCOUNT_FROM_ADDRESS.free:ACCOUNT_FROM_ADDRESS.free + 4] == [1, 2, 4, 8]
    assert max(delays) <= ACCOUNT_FROM_ADDRESS.cap
    assert max(throttle.delay_after(ACCOUNT, n) for n in range(200)) == 60


def test_a_guesser_at_one_address_is_slowed_more_and_more(app, client, factory, db) -> None:
    victim = factory.user()
    db.commit()
    _fail(app, client, victim.email, ACCOUNT_FROM_ADDRESS.free + 2)
    waits = []
    for _ in range(4):
        assert _attempt(client, victim.email).status_code == 200  # counted, then held
        held = _attempt(client, victim.email, PASSWORD)
        assert held.status_code == 429
        assert b"Too many attempts" in held.data
        waits.append(int(held.headers["Retry-After"]))
        _time_passes(app, victim.email)
    assert waits == sorted(waits) and waits[-1] > waits[0] >= 2


def test_the_owner_elsewhere_is_not_locked_out(app, client, factory, db) -> None:
    victim = factory.user()
    colleague = factory.user()
    db.commit()
    # Fewer failures than the account's own allowance: only this address is held.
    _fail(app, client, victim.email, ACCOUNT_FROM_ADDRESS.free + 3)
    assert _attempt(client, victim.email).status_code == 200
    assert _attempt(client, victim.email, PASSWORD).status_code == 429
    # The owner, from their own address, signs in at once...
    assert _attempt(client, victim.email, PASSWORD, address="10.0.0.9").status_code == 302
    # ...and another user from the guesser's address too.
    sign_in(client, colleague.email)
    assert b"Sign out" in client.get("/").data


def test_failing_on_purpose_from_many_addresses_holds_an_account_a_minute_at_most(
        app, client, factory, db) -> None:
    victim = factory.user()
    db.commit()
    for number in range(ACCOUNT.free + 12):
        _fail(app, client, victim.email, 1, address=f"198.51.100.{number}")
    assert _attempt(client, victim.email, address="198.51.100.250").status_code == 200
    held = _attempt(client, victim.email, PASSWORD, address="10.0.0.9")
    assert held.status_code == 429
    assert 1 <= int(held.headers["Retry-After"]) <= ACCOUNT.cap


def test_throttling_does_not_tell_whether_the_account_exists(app, client, factory,
                                                             db) -> None:
    user = factory.user()
    db.commit()
    for email in (user.email, "nobody@example.org"):
        _fail(app, client, email, ACCOUNT_FROM_ADDRESS.free + LONG_HOLD, address="10.9.9.9")
        assert _attempt(client, email, address="10.9.9.9").status_code == 200
    known = _attempt(client, user.email, address="10.9.9.9")
    unknown = _attempt(client, "nobody@example.org", address="10.9.9.9")
    assert known.status_code == unknown.status_code == 429
    # The same page, but for the time left to wait ("1 minute", "2 minutes"), which runs
    # on between the two.
    def without_wait(page: bytes, email: str) -> bytes:
        return re.sub(rb"\d+ \w+|\d+", b"N", page.replace(email.encode(), b""))

    assert without_wait(known.data, user.email) == without_wait(unknown.data,
                                                                "nobody@example.org")


def test_the_account_key_ignores_case_and_spaces(app, client, factory, db) -> None:
    user = factory.user()
    db.commit()
    variants = [user.email.upper(), user.email.title(), user.email]
    for index in range(ACCOUNT_FROM_ADDRESS.free + LONG_HOLD):
        _fail(app, client, variants[index % len(variants)], 1)
    assert _attempt(client, user.email.title()).status_code == 200
    assert _attempt(client, user.email, PASSWORD).status_code == 429


def test_an_address_spraying_many_accounts_is_slowed(app, client, factory, db) -> None:
    user = factory.user()
    db.commit()
    for number in range(ADDRESS.free + LONG_HOLD):
        _fail(app, client, f"guess{number}@example.org", 1)
    assert _attempt(client, "one-more@example.org").status_code == 200
    assert _attempt(client, user.email, PASSWORD).status_code == 429
    # The same person from another address is not affected.
    assert _attempt(client, user.email, PASSWORD, address="10.1.2.3").status_code == 302


def test_successful_sign_ins_do_not_count_and_forget_earlier_failures(client, factory,
                                                                      db) -> None:
    user = factory.user()
    db.commit()
    for _ in range(ACCOUNT_FROM_ADDRESS.free + 3):
        sign_in(client, user.email)
        client.post("/auth/sign-out")
    for _ in range(ACCOUNT_FROM_ADDRESS.free):
        _attempt(client, user.email)
    sign_in(client, user.email)
    client.post("/auth/sign-out")
    for _ in range(ACCOUNT_FROM_ADDRESS.free):
        assert _attempt(client, user.email).status_code == 200


def test_the_sign_in_form_is_still_shown_while_throttled(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    for _ in range(ACCOUNT_FROM_ADDRESS.free + 1):
        _attempt(client, user.email)
    assert client.get("/auth/sign-in").status_code == 200


def test_no_address_or_email_is_stored_in_the_counters(client, factory, db) -> None:
    user = factory.user()
    db.commit()
    _attempt(client, user.email, address="203.0.113.77")
    import redis

    stored = redis.Redis.from_url(REDIS_URL).keys("*")
    text = b" ".join(stored)
    assert stored and user.email.encode() not in text and b"203.0.113.77" not in text


def test_signing_in_works_with_rate_limits_switched_off(make_app, factory, db) -> None:
    unlimited = make_app(flask_overrides={"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    user = factory.user()
    db.commit()
    client = unlimited.test_client()
    wrong = client.post("/auth/sign-in", data={"email": user.email, "password": WRONG})
    assert wrong.status_code == 200
    right = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert right.status_code == 302
