"""Typed application settings, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from flask import Flask

#: The checkout (or installation) root: questionnaires/ and translations/ live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

MEGABYTE = 1024 * 1024

#: The six official languages of the United Nations, English first (the source language).
UN_LOCALES: tuple[str, ...] = ("en", "fr", "ru", "es", "ar", "zh")

ENVIRONMENTS = ("development", "testing", "production")


#: The address used where no public address is configured and no request tells one (mail
#: written from the command line, demonstration data): a placeholder, with no port.
FALLBACK_BASE_URL = "http://localhost"


class ConfigurationError(RuntimeError):
    """Raised at start-up when the configuration cannot work."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from error


#: Host names of this machine (no host: libpq's Unix socket, on this machine too).
_THIS_MACHINE = frozenset({"", "localhost", "127.0.0.1", "::1"})


def default_threads(database_url: str) -> int:
    """Return how many threads each app server worker runs by default for a database.

    On SQLite a request hardly waits, so threads only contend for the interpreter's
    lock, which sqlite3 gives up around every statement: a thread holding SQLite's one
    write lock then waits for the interpreter while another thread runs, and the write
    lock is held the longer. With one thread per worker the autosave served about twice
    as many saves a second, and the section page a quarter more. PostgreSQL on this
    machine is the same case: while a request waits on a round trip, the database server
    runs on the same cores, and other threads only contend for the interpreter and the
    audit chain's lock (one thread served a quarter to a third more saves a second, the
    section page as many). A PostgreSQL server elsewhere leaves the cores idle while a
    request waits on its round trips (a dozen for a save), so four threads use that
    time (docs/performance.md).
    """
    url = normalise_database_url(database_url)
    if not url.startswith("postgresql"):
        return 1
    return 1 if database_on_this_machine(url) else 4


def database_on_this_machine(database_url: str) -> bool:
    """Return whether a PostgreSQL URL names a server on this machine: no host or a
    socket folder (``?host=/run/postgresql``), ``localhost`` or a loopback address."""
    parts = urlsplit(database_url)
    hosts = [parts.hostname or ""]
    hosts += [value for key, value in parse_qsl(parts.query) if key == "host"]
    return all(host.startswith("/") or host.lower() in _THIS_MACHINE
               for host in ",".join(hosts).split(","))


def normalise_database_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Everything the application reads from its environment.

    Each field names its environment variable, default and an example.
    """

    #: PPP_ASSESS_ENV: development | testing | production. Default: development.
    env: str = "development"
    #: Folder for local state (SQLite file, generated keys, mail folder). Default: ./instance.
    instance_path: str = "instance"
    #: DATABASE_URL: SQLAlchemy URL. Default: SQLite file ppp_assess.sqlite3 in the instance folder.
    #: Example: postgresql://ppp:secret@db.internal:5432/ppp_assess
    database_url: str = ""
    #: SECRET_KEY: signs sessions, CSRF tokens and e-mailed links. Required in production;
    #: elsewhere generated once into <instance>/secret_key.
    secret_key: str = ""
    #: PPP_ASSESS_AUDIT_KEY: keys the hashes of the audit chain (HMAC-SHA-256), so that
    #: someone who can rewrite the database cannot rebuild a valid chain. At least 32
    #: characters, the same on every server, kept outside the database. Required in
    #: production; elsewhere generated once into <instance>/audit_key.
    audit_key: str = ""
    #: REDIS_URL: optional; when set, rate limits are shared through Redis. Example: redis://127.0.0.1:6379/0
    redis_url: str | None = None
    #: PPP_ASSESS_REDIS_PREFIX: prefix of this installation's keys in Redis, so that
    #: installations may share one Redis. Default: ppp-assess:.
    redis_prefix: str = "ppp-assess:"
    #: PPP_ASSESS_LOCALES: comma-separated locales offered. Default: en,fr,ru,es,ar,zh.
    locales: tuple[str, ...] = UN_LOCALES
    #: PPP_ASSESS_DEFAULT_LOCALE: locale when nothing else decides. Default: en.
    default_locale: str = "en"
    #: PPP_ASSESS_TRANSLATIONS: folder of the catalogs (<locale>/LC_MESSAGES/*.po and .mo).
    #: Default: ./translations.
    translations_dir: str = str(PROJECT_ROOT / "translations")
    #: PPP_ASSESS_BASE_URL: public address, used in e-mails, verification links and
    #: certificate QR codes. Default: unset, and the address each request came in on is
    #: used (set it behind a proxy that does not pass the host, and for mail sent by a
    #: worker about changes made from the command line).
    base_url: str = ""
    #: PPP_ASSESS_MAIL_BACKEND: file (write .eml files into the mail folder) | smtp.
    #: Default: file.
    mail_backend: str = "file"
    #: PPP_ASSESS_MAIL_DIR: folder for the file backend. Default: <instance>/mail.
    mail_dir: str = ""
    #: PPP_ASSESS_OUTBOX_DELIVERY: request (each process sends the messages a request or
    #: command wrote, once it has answered) | worker (only ``flask outbox worker`` or
    #: ``flask outbox send`` do). Default: request.
    outbox_delivery: str = "request"
    #: PPP_ASSESS_JOBS: where long exports run. thread (in the app server that was asked)
    #: | rq (queued in Redis for ``flask jobs worker`` processes, on any machine; needs
    #: REDIS_URL) | inline (after the request, before the next one: tests and scripts).
    #: Default: rq when REDIS_URL is set, thread otherwise.
    jobs: str = ""
    #: PPP_ASSESS_MAIL_SENDER: From address. Default: ppp-assess <no-reply@localhost>.
    mail_sender: str = "ppp-assess <no-reply@localhost>"
    #: SMTP_HOST / SMTP_PORT / SMTP_USER / SMTP_PASSWORD / SMTP_STARTTLS: the smtp backend.
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    #: PPP_ASSESS_SIGNING_KEY: Ed25519 private key (PEM) for certificates. Default: generated once
    #: into <instance>/signing_key.pem (outside production).
    signing_key_pem: str | None = None
    #: PPP_ASSESS_SIGNING_KEYS_DIR: folder of the platform's signing keys, every key ever
    #: used, which ``flask certificates rotate-key`` adds to (give all servers the same
    #: folder). Default: <instance>/signing-keys (outside production). Ignored when
    #: PPP_ASSESS_SIGNING_KEY is set.
    signing_keys_dir: str = ""
    #: PPP_ASSESS_SIGNING_NAME: subject name (CN) of the self-issued X.509 certificate that
    #: signs whole PDF documents. Default: ppp-assess.
    signing_name: str = "ppp-assess"
    #: PPP_ASSESS_SIGNING_CERT / PPP_ASSESS_SIGNING_CERT_KEY: PEM files of an X.509
    #: certificate from the operator's own CA (the file may carry the chain after it) and
    #: its unencrypted private key, to sign whole PDF documents instead of the self-issued
    #: certificate. Default: unset.
    signing_cert_file: str | None = None
    signing_cert_key_file: str | None = None
    #: PPP_ASSESS_TOKEN_DAYS: lifetime of a new API token unless its maker chooses one.
    #: Default: 90 (at most 366).
    token_days: int = 90
    #: PPP_ASSESS_PEER_MIN: smallest peer group that shows statistics. Default: 5.
    peer_group_min: int = 5
    #: PPP_ASSESS_QUESTIONNAIRES: folder of questionnaire files. Default: ./questionnaires.
    questionnaire_dir: str = "questionnaires"
    #: PPP_ASSESS_TRUSTED_PROXIES: how many reverse proxies stand in front of the app and
    #: set X-Forwarded-For/-Proto/-Host (rate limits and the audit log then see the
    #: client's address). Default: 0 (the headers are ignored). Example: 1 behind nginx.
    trusted_proxies: int = 0
    #: PPP_ASSESS_LOG_FORMAT: json (one JSON object per line) | text. Default: json in
    #: production, text elsewhere.
    log_format: str = ""
    #: PPP_ASSESS_METRICS_TOKEN: bearer token that /metrics answers to (Prometheus).
    #: Default: unset, and /metrics is not found.
    metrics_token: str | None = None
    #: PPP_ASSESS_SENTRY_DSN: report errors to Sentry (or a compatible tracker) at this
    #: DSN. Default: unset (off). No personal data is sent.
    sentry_dsn: str | None = None
    #: PPP_ASSESS_SQL_ECHO: log every SQL statement. Default: off.
    sql_echo: bool = False
    #: PPP_ASSESS_EVIDENCE_DIR: folder of the evidence files. Default: <instance>/evidence.
    evidence_dir: str = ""
    #: PPP_ASSESS_EVIDENCE_FILE_MB: the largest evidence file, in bytes (the variable is
    #: in megabytes). Default: 20 MB. The request size limit follows it.
    evidence_max_file_size: int = 20 * MEGABYTE
    #: PPP_ASSESS_EVIDENCE_ASSESSMENT_MB: the most all files of one assessment may take,
    #: in bytes (the variable is in megabytes). Default: 500 MB.
    evidence_max_assessment_size: int = 500 * MEGABYTE
    #: PPP_ASSESS_CLAMAV: a ClamAV daemon that scans every upload, as unix:///path or
    #: tcp://host:port. Default: unset (no scan). Example: unix:///run/clamav/clamd.ctl
    clamav_address: str | None = None
    #: PPP_ASSESS_PAGE_CACHE_MB: memory each app process may give to rendered section
    #: pages, kept until what they show changes. Default: 32. 0 renders every time.
    page_cache_mb: int = 32
    #: A scanner function to use instead (tests, embedding; not read from the
    #: environment): reads a file, returns the name of a threat found or None.
    evidence_scanner: Callable[[Any], str | None] | None = None
    #: Extra Flask configuration for tests (not read from the environment).
    flask_overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def job_runner(self) -> str:
        """Where long exports run: ``thread``, ``rq`` or ``inline`` (see ``jobs``)."""
        return self.jobs or ("rq" if self.redis_url else "thread")

    @property
    def is_production(self) -> bool:
        """Return whether this is a production deployment."""
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``), then apply ``overrides``."""
        env = os.environ if environ is None else environ
        project_root = PROJECT_ROOT
        values: dict[str, Any] = {
            "env": env.get("PPP_ASSESS_ENV", "development"),
            "instance_path": env.get("PPP_ASSESS_INSTANCE", str(project_root / "instance")),
            "database_url": env.get("DATABASE_URL", ""),
            "secret_key": env.get("SECRET_KEY", ""),
            "audit_key": env.get("PPP_ASSESS_AUDIT_KEY", ""),
            "redis_url": env.get("REDIS_URL") or None,
            "redis_prefix": env.get("PPP_ASSESS_REDIS_PREFIX", "ppp-assess:"),
            "default_locale": env.get("PPP_ASSESS_DEFAULT_LOCALE", "en"),
            "translations_dir": env.get(
                "PPP_ASSESS_TRANSLATIONS", str(project_root / "translations")
            ),
            "base_url": env.get("PPP_ASSESS_BASE_URL", "").rstrip("/"),
            "mail_backend": env.get("PPP_ASSESS_MAIL_BACKEND", "file"),
            "mail_dir": env.get("PPP_ASSESS_MAIL_DIR", ""),
            "outbox_delivery": env.get("PPP_ASSESS_OUTBOX_DELIVERY", "request"),
            "jobs": env.get("PPP_ASSESS_JOBS", ""),
            "mail_sender": env.get("PPP_ASSESS_MAIL_SENDER", "ppp-assess <no-reply@localhost>"),
            "smtp_host": env.get("SMTP_HOST", "localhost"),
            "smtp_port": _int(env, "SMTP_PORT", 25),
            "smtp_user": env.get("SMTP_USER") or None,
            "smtp_password": env.get("SMTP_PASSWORD") or None,
            "smtp_starttls": _bool(env.get("SMTP_STARTTLS"), True),
            "signing_key_pem": env.get("PPP_ASSESS_SIGNING_KEY") or None,
            "signing_keys_dir": env.get("PPP_ASSESS_SIGNING_KEYS_DIR", ""),
            "signing_name": env.get("PPP_ASSESS_SIGNING_NAME") or "ppp-assess",
            "signing_cert_file": env.get("PPP_ASSESS_SIGNING_CERT") or None,
            "signing_cert_key_file": env.get("PPP_ASSESS_SIGNING_CERT_KEY") or None,
            "peer_group_min": _int(env, "PPP_ASSESS_PEER_MIN", 5),
            "token_days": _int(env, "PPP_ASSESS_TOKEN_DAYS", 90),
            "questionnaire_dir": env.get(
                "PPP_ASSESS_QUESTIONNAIRES", str(project_root / "questionnaires")
            ),
            "sql_echo": _bool(env.get("PPP_ASSESS_SQL_ECHO"), False),
            "trusted_proxies": _int(env, "PPP_ASSESS_TRUSTED_PROXIES", 0),
            "log_format": env.get("PPP_ASSESS_LOG_FORMAT", ""),
            "metrics_token": env.get("PPP_ASSESS_METRICS_TOKEN") or None,
            "sentry_dsn": env.get("PPP_ASSESS_SENTRY_DSN") or None,
            "evidence_dir": env.get("PPP_ASSESS_EVIDENCE_DIR", ""),
            "evidence_max_file_size": _int(env, "PPP_ASSESS_EVIDENCE_FILE_MB", 20) * MEGABYTE,
            "evidence_max_assessment_size": _int(
                env, "PPP_ASSESS_EVIDENCE_ASSESSMENT_MB", 500) * MEGABYTE,
            "clamav_address": env.get("PPP_ASSESS_CLAMAV") or None,
            "page_cache_mb": _int(env, "PPP_ASSESS_PAGE_CACHE_MB", 32),
        }
        if env.get("PPP_ASSESS_LOCALES"):
            values["locales"] = tuple(
                part.strip() for part in env["PPP_ASSESS_LOCALES"].split(",") if part.strip()
            )
        values.update(overrides)
        return cls(**values).resolved()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """Return a copy with ``overrides`` applied (unknown keys are an error)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigurationError(f"Unknown settings: {', '.join(sorted(unknown))}")
        return replace(self, **overrides).resolved()

    def resolved(self) -> Settings:
        """Check the settings and fill the defaults that depend on the instance folder."""
        if self.env not in ENVIRONMENTS:
            raise ConfigurationError(
                f"PPP_ASSESS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}."
            )
        if self.default_locale not in self.locales:
            raise ConfigurationError(
                f"The default locale {self.default_locale!r} is not among the locales "
                f"{', '.join(self.locales)}."
            )
        if self.mail_backend not in {"file", "smtp"}:
            raise ConfigurationError("PPP_ASSESS_MAIL_BACKEND must be 'file' or 'smtp'.")
        if self.outbox_delivery not in {"request", "worker"}:
            raise ConfigurationError("PPP_ASSESS_OUTBOX_DELIVERY must be 'request' or 'worker'.")
        if self.jobs not in {"", "thread", "rq", "inline"}:
            raise ConfigurationError("PPP_ASSESS_JOBS must be 'thread', 'rq' or 'inline'.")
        if self.jobs == "rq" and not self.redis_url:
            raise ConfigurationError("PPP_ASSESS_JOBS=rq needs REDIS_URL.")
        if self.log_format not in {"", "json", "text"}:
            raise ConfigurationError("PPP_ASSESS_LOG_FORMAT must be 'json' or 'text'.")
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigurationError("PPP_ASSESS_METRICS_TOKEN must be at least 16 characters.")
        if not 1 <= self.token_days <= 366:
            raise ConfigurationError("PPP_ASSESS_TOKEN_DAYS must be between 1 and 366.")
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigurationError("PPP_ASSESS_TRUSTED_PROXIES must be between 0 and 5.")
        if not 0 <= self.page_cache_mb <= 4096:
            raise ConfigurationError("PPP_ASSESS_PAGE_CACHE_MB must be between 0 and 4096.")
        if self.peer_group_min < 2:
            raise ConfigurationError("PPP_ASSESS_PEER_MIN must be at least 2.")
        if bool(self.signing_cert_file) != bool(self.signing_cert_key_file):
            raise ConfigurationError(
                "PPP_ASSESS_SIGNING_CERT and PPP_ASSESS_SIGNING_CERT_KEY go together: the "
                "X.509 certificate and its private key."
            )
        if not 0 < self.evidence_max_file_size <= self.evidence_max_assessment_size:
            raise ConfigurationError(
                "PPP_ASSESS_EVIDENCE_FILE_MB must be at least 1 and at most "
                "PPP_ASSESS_EVIDENCE_ASSESSMENT_MB.")
        if self.clamav_address and not self.clamav_address.startswith(("unix://", "tcp://")):
            raise ConfigurationError(
                "PPP_ASSESS_CLAMAV must be unix:///path/to/clamd.ctl or tcp://host:port.")
        instance = Path(self.instance_path)
        changes: dict[str, Any] = {}
        if not self.database_url:
            if self.is_production:
                raise ConfigurationError(
                    "DATABASE_URL must be set in production (a PostgreSQL URL)."
                )
            changes["database_url"] = f"sqlite:///{instance / 'ppp_assess.sqlite3'}"
        else:
            changes["database_url"] = normalise_database_url(self.database_url)
        if not self.secret_key:
            if self.is_production:
                raise ConfigurationError(
                    "SECRET_KEY must be set in production: a long random string, the same on "
                    "every server (for example the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
                )
            changes["secret_key"] = _local_secret(instance / "secret_key")
        if not self.audit_key:
            if self.is_production:
                raise ConfigurationError(
                    "PPP_ASSESS_AUDIT_KEY must be set in production: a long random string, "
                    "the same on every server and never stored in the database."
                )
            changes["audit_key"] = _local_secret(instance / "audit_key")
        elif len(self.audit_key) < 32:
            raise ConfigurationError("PPP_ASSESS_AUDIT_KEY must be at least 32 characters.")
        if not self.mail_dir:
            changes["mail_dir"] = str(instance / "mail")
        if not self.evidence_dir:
            changes["evidence_dir"] = str(instance / "evidence")
        if not self.log_format:
            changes["log_format"] = "json" if self.is_production else "text"
        return replace(self, **changes)


def _local_secret(path: Path) -> str:
    """Return the secret stored at ``path``, generating it on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Written with owner-only permissions: the key signs every session.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def get_settings(app: Flask) -> Settings:
    """Return the settings the application was created with."""
    settings: Settings = app.extensions["ppp_settings"]
    return settings
