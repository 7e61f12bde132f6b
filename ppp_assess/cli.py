"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ppp_assess.config import FALLBACK_BASE_URL, Settings, get_settings
from ppp_assess.i18n.commands import translations_group
from ppp_assess.models import migrate
from ppp_assess.unit_of_work import get_database


def _url() -> str:
    return get_database(current_app).url


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema (to the newest revision by default)."""
    migrate.upgrade(_url(), revision)
    click.echo(f"Database at revision {migrate.current_revision(_url())}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" drops every table)."""
    migrate.downgrade(_url(), revision)
    click.echo(f"Database at revision {migrate.current_revision(_url())}.")


@db_group.command("current")
def db_current() -> None:
    """Print the schema revision of the database and of the code."""
    click.echo(f"database: {migrate.current_revision(_url())}")
    click.echo(f"code:     {migrate.head_revision()}")


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """Check the audit log."""


@audit_group.command("verify")
@click.option("--head", "head_text", default=None, metavar="SEQUENCE:HASH",
              help="A head printed earlier by `audit head`: the chain must still hold it, "
                   "which shows a chain cut off at the end or rewritten as a whole.")
def audit_verify(head_text: str | None) -> None:
    """Verify the keyed hash chain of the audit log; exit 1 naming the first broken event."""
    from ppp_assess.services.audit import parse_head, verify_audit_chain

    try:
        head = parse_head(head_text) if head_text else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--head") from error
    with get_database(current_app).reading() as session:
        result = verify_audit_chain(session, head=head)
    if result.ok:
        click.echo(f"Audit chain intact: {result.checked} events verified"
                   + (f", head {head[0]} present." if head else "."))
        return
    reason = (result.reason or "") % dict(result.params)
    click.echo(f"Audit chain BROKEN at event {result.first_broken_sequence}: {reason}", err=True)
    raise SystemExit(1)


@audit_group.command("head")
def audit_head() -> None:
    """Print the number of events and the chain's head (SEQUENCE:HASH) to record elsewhere.

    Keep the head somewhere the database's administrators cannot change (a ticket, a
    signed mail, another system); `audit verify --head` checks against it later.
    """
    from ppp_assess.services.audit import chain_head

    with get_database(current_app).reading() as session:
        head = chain_head(session)
    if head is None:
        click.echo("events: 0")
        return
    click.echo(f"events: {head[0]}")
    click.echo(f"head: {head[0]}:{head[1]}")


def _settings() -> Settings:
    return get_settings(current_app)


def _files_or_default(files: tuple[str, ...]) -> list[Path]:
    from ppp_assess.services.questionnaires import questionnaire_files

    if files:
        return [Path(name) for name in files]
    return questionnaire_files(_settings().questionnaire_dir)


@click.group("questionnaires", cls=AppGroup)
def questionnaires_group() -> None:
    """Validate, publish and list questionnaire versions."""


@questionnaires_group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def questionnaires_validate(files: tuple[str, ...]) -> None:
    """Check questionnaire FILES (default: every file in the questionnaire folder)."""
    from ppp_assess.domain.loader import QuestionnaireError, load_questionnaire

    failed = False
    for path in _files_or_default(files):
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:
            failed = True
            click.echo(str(error), err=True)
            continue
        click.echo(f"ok  {path}: {questionnaire.id} {questionnaire.version}, "
                   f"{len(questionnaire.all_questions())} questions")
    if failed:
        raise SystemExit(1)


@questionnaires_group.command("publish")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def questionnaires_publish(files: tuple[str, ...]) -> None:
    """Publish questionnaire FILES as immutable versions (default: the whole folder)."""
    from ppp_assess.domain.loader import QuestionnaireError, load_questionnaire
    from ppp_assess.services.questionnaires import PublishError, publish_questionnaire
    from ppp_assess.unit_of_work import get_session

    session = get_session()
    for path in _files_or_default(files):
        try:
            result = publish_questionnaire(session, load_questionnaire(path))
        except (QuestionnaireError, PublishError) as error:
            raise click.ClickException(str(error)) from error
        state = "published" if result.created else "unchanged"
        click.echo(f"{state}  {result.version.questionnaire_id} {result.version.version} "
                   f"({result.version.content_hash[:12]})")


@questionnaires_group.command("list")
def questionnaires_list() -> None:
    """List every published questionnaire version."""
    from ppp_assess.services.questionnaires import list_versions

    with get_database(current_app).reading() as session:
        rows = list_versions(session)
    for row in rows:
        click.echo(f"{row.questionnaire_id:30} {row.version:8} {row.subject.value:13} "
                   f"{row.content_hash[:12]}  {row.published_at:%Y-%m-%d %H:%M}  {row.title}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load demonstration data (never in production); running it again changes nothing."""
    import os

    from ppp_assess.services.demo import demo_password, seed_demo
    from ppp_assess.unit_of_work import get_session

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("seed-demo refuses to run in production.")
    password, generated = demo_password(settings.instance_path, os.environ.get("DEMO_PASSWORD"))
    session = get_session()
    from ppp_assess.commands.progress import progress
    from ppp_assess.services.signing import signing_key

    report = seed_demo(session, questionnaire_dir=settings.questionnaire_dir, password=password,
                       signing_key=signing_key(settings),
                       base_url=settings.base_url or FALLBACK_BASE_URL,
                       follow=lambda items, label: progress(items, total=len(items),
                                                            label=label))
    if not report.created:
        click.echo("Demo data already present; nothing changed.")
        return
    counts = ", ".join(f"{count} {name}" for name, count in report.counts.items())
    click.echo(f"Demo data created: {counts}.")
    if generated:
        click.echo(f"Demo users' password (kept in {settings.instance_path}/demo_password): "
                   f"{password}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(db_group)
    app.cli.add_command(translations_group)
    app.cli.add_command(audit_group)
    from ppp_assess.commands.xlsform import export_xlsform_command, import_xlsform_command
    questionnaires_group.add_command(export_xlsform_command)
    questionnaires_group.add_command(import_xlsform_command)
    app.cli.add_command(questionnaires_group)
    app.cli.add_command(seed_demo_command)
    from ppp_assess.commands.certificates import certificates_group
    app.cli.add_command(certificates_group)
    from ppp_assess.commands.users import users_group
    app.cli.add_command(users_group)
    from ppp_assess.commands.exports import export_command
    app.cli.add_command(export_command)
    from ppp_assess.commands.evidence import evidence_group
    app.cli.add_command(evidence_group)
    from ppp_assess.commands.reviews import reviews_group
    app.cli.add_command(reviews_group)
    from ppp_assess.commands.doctor import doctor_command
    app.cli.add_command(doctor_command)
    from ppp_assess.commands.jobs import jobs_group
    app.cli.add_command(jobs_group)
    from ppp_assess.commands.data import data_group
    app.cli.add_command(data_group)
    from ppp_assess.commands.dashboard import dashboard_group
    app.cli.add_command(dashboard_group)
    from ppp_assess.commands.peers import peers_group
    app.cli.add_command(peers_group)
