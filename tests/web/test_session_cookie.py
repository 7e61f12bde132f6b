"""The session cookie, verified once per process: what is kept must open exactly as a
verified cookie would, expire as it would and never survive a change of key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask, request
from flask.sessions import SecureCookieSession

from ppp_assess.web import session_cookie
from ppp_assess.web.session_cookie import KeptSessionInterface


def _sign(app: Flask, data: dict[str, Any]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    return str(serializer.dumps(data))


def _open(app: Flask, cookie: str) -> SecureCookieSession:
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        opened = app.session_interface.open_session(app, request)
    assert isinstance(opened, SecureCookieSession)
    return opened


def test_the_app_verifies_each_cookie_once(app: Flask) -> None:
    assert isinstance(app.session_interface, KeptSessionInterface)


def test_a_cookie_opened_again_holds_the_same_and_each_request_its_own_copy(
        app: Flask) -> None:
    cookie = _sign(app, {"_user_id": "5:1", "quick": {"answers": {"q1": "yes"}},
                         "pair": (1, 2)})
    first = _open(app, cookie)
    first["quick"]["answers"]["q1"] = "changed by the first request"
    first["_user_id"] = "6:1"
    second = _open(app, cookie)
    assert dict(second) == {"_user_id": "5:1", "quick": {"answers": {"q1": "yes"}},
                            "pair": (1, 2)}
    assert not second.modified


def test_a_kept_cookie_expires_as_a_verified_one_would(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    app.permanent_session_lifetime = dt.timedelta(seconds=60)
    cookie = _sign(app, {"_user_id": "5:1"})
    assert dict(_open(app, cookie)) == {"_user_id": "5:1"}  # verified, and kept
    now = session_cookie.time.time()
    monkeypatch.setattr(session_cookie.time, "time", lambda: now + 61)
    assert dict(_open(app, cookie)) == {}
    # Dropped, not opened again once the clock is back (a cookie from the future expires).
    monkeypatch.setattr(session_cookie.time, "time", lambda: now - 3600)
    assert dict(_open(app, cookie)) == {}


def test_a_kept_cookie_is_refused_once_the_key_changes(app: Flask) -> None:
    cookie = _sign(app, {"_user_id": "5:1"})
    assert dict(_open(app, cookie)) == {"_user_id": "5:1"}  # verified, and kept
    old_key = app.secret_key
    app.secret_key = "another secret key, the first one having leaked"
    assert dict(_open(app, cookie)) == {}
    # With the old key among the fallbacks, as Flask's key rotation allows, it opens.
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert dict(_open(app, cookie)) == {"_user_id": "5:1"}


def test_a_tampered_cookie_opens_an_empty_session_and_is_not_kept(app: Flask) -> None:
    cookie = _sign(app, {"_user_id": "5:1"})
    payload, _dot, signature = cookie.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert dict(_open(app, forged)) == {}
    interface = app.session_interface
    assert isinstance(interface, KeptSessionInterface)
    assert all(value != forged for _keys, value in interface._kept)


def test_the_kept_cookies_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_cookie, "KEPT_COOKIES", 3)
    interface = app.session_interface
    assert isinstance(interface, KeptSessionInterface)
    for number in range(7):
        assert dict(_open(app, _sign(app, {"n": number}))) == {"n": number}
        assert len(interface._kept) <= 3


def test_a_request_without_a_cookie_opens_an_empty_session_without_a_serializer(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # A script with a bearer token sends no cookie: nothing to verify, nothing to build.
    def no_serializer(_app: Flask) -> None:
        raise AssertionError("a serializer was built for a request without a cookie")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", no_serializer)
    with app.test_request_context():
        opened = app.session_interface.open_session(app, request)
    assert isinstance(opened, SecureCookieSession)
    assert dict(opened) == {} and not opened.modified


def test_without_a_secret_key_no_session_opens(app: Flask) -> None:
    app.secret_key = None
    with app.test_request_context():
        assert app.session_interface.open_session(app, request) is None
