"""The application factory and its configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppp_assess import create_app
from ppp_assess.config import ConfigurationError, Settings, get_settings


def test_factory_honours_test_configuration(app) -> None:
    assert app.testing
    settings = get_settings(app)
    assert settings.env == "testing"
    assert app.config["SECRET_KEY"] == "test-secret-key"
    assert settings.base_url == "http://ppp.test"


def test_default_is_not_testing(tmp_path: Path) -> None:
    app = create_app({"instance_path": str(tmp_path), "database_url": "sqlite://"})
    assert not app.testing


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings.from_env(
            {"PPP_ASSESS_ENV": "production", "DATABASE_URL": "postgresql://x@localhost/db",
             "PPP_ASSESS_INSTANCE": str(tmp_path)}
        )


def test_production_without_database_url_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        Settings.from_env(
            {"PPP_ASSESS_ENV": "production", "SECRET_KEY": "s" * 40,
             "PPP_ASSESS_INSTANCE": str(tmp_path)}
        )


def test_production_reads_everything_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PPP_ASSESS_ENV": "production",
            "SECRET_KEY": "from-env",
            "PPP_ASSESS_AUDIT_KEY": "a" * 40,
            "DATABASE_URL": "postgresql://ppp@db:5432/ppp",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "PPP_ASSESS_INSTANCE": str(tmp_path),
            "PPP_ASSESS_LOCALES": "en,fr",
        }
    )
    assert settings.secret_key == "from-env"
    assert settings.database_url == "postgresql+psycopg://ppp@db:5432/ppp"
    assert settings.redis_url == "redis://127.0.0.1:6379/1"
    assert settings.locales == ("en", "fr")
    assert settings.audit_key == "a" * 40
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "audit_key").exists()


def test_production_without_an_audit_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PPP_ASSESS_AUDIT_KEY"):
        Settings.from_env(
            {"PPP_ASSESS_ENV": "production", "SECRET_KEY": "s" * 40,
             "DATABASE_URL": "postgresql://x@localhost/db", "PPP_ASSESS_INSTANCE": str(tmp_path)}
        )


def test_a_short_audit_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings.from_env({"PPP_ASSESS_AUDIT_KEY": "short", "PPP_ASSESS_INSTANCE": str(tmp_path)})


def test_local_audit_key_is_generated_once_outside_the_database(tmp_path: Path) -> None:
    first = Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)})
    assert first.audit_key == Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)}).audit_key
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0


def test_local_secret_key_is_generated_once(tmp_path: Path) -> None:
    first = Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)})
    second = Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)})
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'ppp_assess.sqlite3'}"
    assert settings.mail_dir == str(tmp_path / "mail")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PPP_ASSESS_ENV": "staging"}, "PPP_ASSESS_ENV"),
        ({"PPP_ASSESS_DEFAULT_LOCALE": "de"}, "default locale"),
        ({"PPP_ASSESS_MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(tmp_path, environ, message) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path), **environ})


def test_unknown_override_is_refused(tmp_path: Path) -> None:
    settings = Settings.from_env({"PPP_ASSESS_INSTANCE": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="Unknown settings"):
        settings.with_overrides({"secret": "x"})


def test_the_test_factory_builds_every_model(db, factory, tmp_path) -> None:
    # A new model needs a way to build it in tests/factories.py; this fails until it has.
    from sqlalchemy import func, select

    from ppp_assess.models.base import Base

    factory.certificate()
    factory.api_token()
    factory.evidence(root=tmp_path / "evidence")
    factory.assessment("returned")
    factory.export_job()
    # Last: a panel of three would hold the decisions above.
    factory.review_settings()
    factory.reviewer_interest()
    db.flush()
    empty = sorted(mapper.class_.__name__ for mapper in Base.registry.mappers
                   if not db.scalar(select(func.count()).select_from(mapper.class_)))
    assert empty == []


def test_the_app_asks_once_whether_a_function_is_a_coroutine(app, monkeypatch) -> None:
    import inspect

    import flask.app

    asked: list[object] = []

    def counted(func: object) -> bool:
        asked.append(func)
        return inspect.iscoroutinefunction(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counted)

    def hook() -> None:
        return None

    async def coroutine() -> None:
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]
    # A coroutine function is still handed to Flask's async support (which wants the
    # "async" extra here), each time: nothing is kept for it.
    for _ in range(2):
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(coroutine)
    assert asked == [hook, coroutine, coroutine]
    # Requests still run their hooks and views.
    assert app.test_client().get("/healthz").status_code == 200
