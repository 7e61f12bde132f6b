"""Where rate limits are checked: in the views that set one, and before every request
only when a limit for every request is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ppp_assess.extensions import limiter


@pytest.fixture
def clean_defaults() -> Iterator[None]:
    # One limiter serves every app of the process: leave no default limit to the others.
    yield
    limiter.limit_manager.set_default_limits([])


def test_no_limit_is_checked_before_requests_when_only_views_set_limits(app) -> None:
    # (The views' own limits: tests/web/test_exports.py, test_auth_throttle.py.)
    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_a_configured_limit_for_every_request_is_checked_before_each(
        make_app, clean_defaults) -> None:
    app = make_app(flask_overrides={"WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                                    "RATELIMIT_DEFAULT": "2 per minute"})
    assert limiter._check_request_limit in app.before_request_funcs[None]
    client = app.test_client()
    statuses = [client.get("/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
