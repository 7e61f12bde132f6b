"""``flask --app wsgi doctor``: check a configuration before starting the application."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ppp_assess.config import ConfigurationError, Settings
from ppp_assess.models import migrate
from ppp_assess.unit_of_work import get_database

#: Secrets shorter than this are refused.
MIN_SECRET_LENGTH = 32
#: Values that are examples, not secrets.
KNOWN_EXAMPLES = frozenset({"secret", "changeme", "change-me", "test", "development", "dev",
                            "test-secret-key"})


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: what was checked, and what is wrong (empty when fine)."""

    check: str
    problem: str = ""


def _secret_key(settings: Settings) -> str:
    key = settings.secret_key
    if key.lower() in KNOWN_EXAMPLES or len(set(key)) < 8:
        return "SECRET_KEY is an example value or too simple; set a long random string."
    if len(key) < MIN_SECRET_LENGTH:
        return (f"SECRET_KEY has {len(key)} characters; use at least {MIN_SECRET_LENGTH} "
                "random ones (python -c 'import secrets; print(secrets.token_urlsafe(48))').")
    return ""


def _audit_key(settings: Settings) -> str:
    if len(settings.audit_key) < MIN_SECRET_LENGTH:
        return f"PPP_ASSESS_AUDIT_KEY must have at least {MIN_SECRET_LENGTH} characters."
    return ""


def _database(_settings: Settings) -> str:
    database = get_database(current_app)
    try:
        with database.reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return f"The database cannot be reached ({type(error).__name__}): check DATABASE_URL."
    current = migrate.current_revision(database.url)
    head = migrate.head_revision()
    if current != head:
        return (f"The database is at schema revision {current or 'none'}, the code needs "
                f"{head}: run `flask --app wsgi db upgrade`.")
    return ""


def _catalogs(settings: Settings) -> str:
    from ppp_assess.web.locale import SOURCE_LOCALE, is_compiled

    folder = Path(settings.translations_dir)
    missing = [code for code in settings.locales
               if code != SOURCE_LOCALE and not is_compiled(folder, code)]
    if missing:
        return (f"No compiled catalogs for {', '.join(missing)} in {folder}: run "
                "`python -m ppp_assess.i18n compile`.")
    return ""


def _signing_key(settings: Settings) -> str:
    from ppp_assess.services import signing

    try:
        signing.public_key_pem(settings)
    except ConfigurationError as error:
        return str(error)
    if settings.is_production and not (settings.signing_key_pem or settings.signing_keys_dir):
        return ("PPP_ASSESS_SIGNING_KEY or PPP_ASSESS_SIGNING_KEYS_DIR must be set in "
                "production (the same keys on every server).")
    return ""


def _redis(settings: Settings) -> str:
    if not settings.redis_url:
        return ""
    import redis

    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3,
                                  socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"Redis at REDIS_URL cannot be reached ({type(error).__name__})."
    finally:
        client.close()
    return ""


def _instance_folder(settings: Settings) -> str:
    folder = Path(settings.instance_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".doctor-")
        os.close(descriptor)
        os.unlink(name)
    except OSError as error:
        return f"The instance folder {folder} is not writable ({error.strerror})."
    return ""


def _evidence_folder(settings: Settings) -> str:
    """The evidence folder takes files (staged, then renamed: one filesystem)."""
    folder = Path(settings.evidence_dir) / "tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".doctor-")
        os.close(descriptor)
        os.replace(name, Path(settings.evidence_dir) / ".doctor-renamed")
        os.unlink(Path(settings.evidence_dir) / ".doctor-renamed")
    except OSError as error:
        return (f"The evidence folder {settings.evidence_dir} (PPP_ASSESS_EVIDENCE_DIR) is "
                f"not writable ({error.strerror}).")
    return ""


CHECKS: tuple[tuple[str, Callable[[Settings], str]], ...] = (
    ("instance folder", _instance_folder),
    ("evidence folder", _evidence_folder),
    ("secret key", _secret_key),
    ("audit key", _audit_key),
    ("database", _database),
    ("translations", _catalogs),
    ("signing key", _signing_key),
    ("redis", _redis),
)


def _run(check: Callable[[Settings], str], settings: Settings) -> str:
    try:
        return check(settings)
    except Exception as error:  # a check that cannot run is a finding, not a crash
        return f"could not be checked: {type(error).__name__}: {error}"


def diagnose(settings: Settings) -> list[Finding]:
    """Run every check and return its finding, in order."""
    return [Finding(name, _run(check, settings)) for name, check in CHECKS]


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the configuration (keys, database, catalogs, Redis, folders); exit 1 on a problem."""
    settings: Settings = current_app.extensions["ppp_settings"]
    findings = diagnose(settings)
    for finding in findings:
        if finding.problem:
            click.echo(f"PROBLEM  {finding.check}: {finding.problem}", err=True)
        else:
            click.echo(f"ok       {finding.check}")
    if any(finding.problem for finding in findings):
        raise SystemExit(1)
    click.echo("The configuration is ready.")
