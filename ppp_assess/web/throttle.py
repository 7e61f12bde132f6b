"""Sign-in throttling by increasing delay: slow a guesser down, never lock a user out long.

Failed sign-ins are counted over a window, separately for three keys. Past a number of
free failures, each further failure makes the key wait before the next attempt, and the
wait doubles each time up to a cap:

* the account **from one address**: slowed early and hard (a guesser at one address);
* one **address**, whatever accounts it tries: slowed after many failures (spraying);
* the **account** from everywhere: slowed late and never for more than a minute, so
  that nobody can keep a victim out of their own account by failing on purpose.

A key that must wait is answered 429 with ``Retry-After`` and the same page whether or
not the account exists; nothing waits on the server. Counts live in the rate limiter's
storage: Redis when configured (shared by every worker and server), else memory.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app

from ppp_assess.extensions import limiter

#: Failures are counted over this many seconds from the first one.
WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Rule:
    """How one kind of key is slowed down."""

    scope: str
    #: Failures allowed before any wait.
    free: int
    #: The longest wait, in seconds.
    cap: int


ACCOUNT_FROM_ADDRESS = Rule("account-address", free=5, cap=15 * 60)
ADDRESS = Rule("address", free=20, cap=15 * 60)
ACCOUNT = Rule("account", free=10, cap=60)


def delay_after(rule: Rule, failures: int) -> int:
    """Return the wait, in seconds, after the ``failures``-th failure: 1, 2, 4 ... cap."""
    beyond = failures - rule.free
    if beyond <= 0:
        return 0
    return min(2 ** (beyond - 1), rule.cap)


def _digest(text: str) -> str:
    # Store no address or e-mail address in the counter store.
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def keys_for(account: str, address: str) -> list[tuple[Rule, str]]:
    """Return the three counters of a sign-in attempt (account is the normalised e-mail).

    They share the rate limiter's key prefix, so installations sharing one Redis keep
    apart.
    """
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return [
        (ACCOUNT_FROM_ADDRESS, f"{prefix}throttle:{ACCOUNT_FROM_ADDRESS.scope}:"
                               f"{_digest(account + '|' + address)}"),
        (ADDRESS, f"{prefix}throttle:{ADDRESS.scope}:{_digest(address)}"),
        (ACCOUNT, f"{prefix}throttle:{ACCOUNT.scope}:{_digest(account)}"),
    ]


def wait_seconds(keys: Sequence[tuple[Rule, str]]) -> int:
    """Return how long the attempt must wait (0: it may go ahead)."""
    if not limiter.enabled:  # rate limits switched off (RATELIMIT_ENABLED): no store
        return 0
    storage = limiter.storage
    now = time.time()
    longest = 0.0
    for rule, key in keys:
        if storage.get(f"{key}:hold"):
            # The store keeps whole seconds: never announce more than the rule's cap.
            remaining = min(storage.get_expiry(f"{key}:hold") - now, rule.cap)
            longest = max(longest, remaining)
    return max(math.ceil(longest), 0)


def record_failure(keys: Sequence[tuple[Rule, str]]) -> int:
    """Count a failed attempt on every key; return the longest wait it now imposes."""
    if not limiter.enabled:
        return 0
    storage = limiter.storage
    longest = 0
    for rule, key in keys:
        failures = storage.incr(f"{key}:failures", WINDOW_SECONDS)
        delay = delay_after(rule, failures)
        if delay:
            storage.clear(f"{key}:hold")
            storage.incr(f"{key}:hold", delay)
            longest = max(longest, delay)
    return longest


def record_success(keys: Sequence[tuple[Rule, str]]) -> None:
    """Forget the failures of this account from this address (the owner came back)."""
    rule, key = keys[0]
    assert rule is ACCOUNT_FROM_ADDRESS
    if not limiter.enabled:
        return
    storage = limiter.storage
    for suffix in ("failures", "hold"):
        storage.clear(f"{key}:{suffix}")
