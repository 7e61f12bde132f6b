"""``flask doctor`` names each problem of a configuration in plain words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ppp_assess.models import migrate
from tests.conftest import TEST_AUDIT_KEY


def _doctor(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["doctor"])
    return result.exit_code, result.output


def test_a_sound_configuration_passes(make_app: Callable[..., Flask]) -> None:
    app = make_app(secret_key="k" * 10 + "0123456789abcdefghijklmnopqrstuv")
    code, output = _doctor(app)
    assert code == 0, output
    assert "The configuration is ready." in output


def test_a_weak_secret_key_fails_with_its_own_message(make_app) -> None:
    code, output = _doctor(make_app(secret_key="short-key"))
    assert code == 1
    assert "PROBLEM  secret key: SECRET_KEY has 9 characters" in output


def test_a_missing_migration_fails_with_its_own_message(make_app, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0001")
    app = make_app()
    from ppp_assess.models.database import Database

    app.extensions["ppp_db"] = Database(url, audit_key=TEST_AUDIT_KEY)
    code, output = _doctor(app)
    assert code == 1
    assert "PROBLEM  database: The database is at schema revision 0001" in output
    assert "flask --app wsgi db upgrade" in output


def test_an_unreachable_redis_fails_with_its_own_message(make_app) -> None:
    code, output = _doctor(make_app(redis_url="redis://127.0.0.1:9/0"))
    assert code == 1
    assert "PROBLEM  redis: Redis at REDIS_URL cannot be reached" in output


def test_an_unwritable_instance_folder_fails(make_app, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    app = make_app()
    from dataclasses import replace

    app.extensions["ppp_settings"] = replace(app.extensions["ppp_settings"],
                                             instance_path=str(blocked / "instance"))
    code, output = _doctor(app)
    assert code == 1 and "PROBLEM  instance folder" in output


def test_an_unwritable_evidence_folder_fails(make_app, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    code, output = _doctor(make_app(evidence_dir=str(blocked / "evidence")))
    assert code == 1
    assert "PROBLEM  evidence folder: The evidence folder" in output
    assert "PPP_ASSESS_EVIDENCE_DIR" in output
