"""``flask --app wsgi data``: a full backup of the database and evidence, and its restore.

``data export -o FILE.zip`` writes everything to one archive, from one consistent
snapshot; ``data import FILE.zip`` restores it into a database that is migrated and
empty, of either kind (SQLite or PostgreSQL). See docs/operations.md.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import click
from flask.cli import AppGroup

from ppp_assess.commands.progress import progress
from ppp_assess.models import migrate
from ppp_assess.services import backup
from ppp_assess.unit_of_work import fail, get_database, get_session
from ppp_assess.web.evidence import evidence_setup


@click.group("data", cls=AppGroup)
def data_group() -> None:
    """Back up the whole database with its evidence files, and restore a backup."""


def _revision() -> str:
    revision = migrate.current_revision(get_database().url)
    if revision is None:
        raise click.ClickException("The database has no schema: run `flask db upgrade` first.")
    return revision


@data_group.command("export")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The archive to write (a .zip file; replaced only once complete).")
def export_command(output: Path) -> None:
    """Write every table and every evidence file to one zip archive.

    The archive is written next to OUTPUT under a temporary name and renamed once
    complete, so an interrupted export never leaves a truncated archive behind.
    """
    revision = _revision()
    database = get_database()
    partial = output.with_name(f".{output.name}.partial")
    with database.reading() as session:
        # One snapshot for every table: repeatable read on PostgreSQL (SQLite's read
        # transaction is one already).
        options = ({"isolation_level": "REPEATABLE READ"}
                   if database.dialect == "postgresql" else {})
        connection = session.connection(execution_options=options)
        try:
            with partial.open("wb") as target:
                report = backup.export_archive(connection, target, schema_revision=revision,
                                               storage=evidence_setup().storage,
                                               progress=progress)
                target.flush()
                os.fsync(target.fileno())
        except (backup.BackupError, OSError) as error:
            partial.unlink(missing_ok=True)
            raise click.ClickException(str(error)) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, output)
    rows = sum(report.counts.values())
    click.echo(f"Wrote {rows} rows of {len(report.counts)} tables and "
               f"{report.evidence_files} evidence files to {output} "
               f"(schema revision {revision}).")


@data_group.command("import")
@click.argument("archive_path", metavar="FILE.zip",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(archive_path: Path) -> None:
    """Restore an archive written by `data export` into this empty database.

    The database must be migrated to the archive's schema revision and hold no rows.
    Every member is checked against its SHA-256 before anything is written; the rows go
    in one transaction, so a failure leaves the database empty.
    """
    revision = _revision()
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise click.ClickException(f"{archive_path} is not a zip archive.") from error
    session = get_session()
    with archive:
        try:
            report = backup.import_archive(session.connection(), archive,
                                           schema_revision=revision,
                                           storage=evidence_setup().storage,
                                           progress=progress)
        except (backup.BackupError, OSError) as error:
            fail()
            raise click.ClickException(str(error)) from error
    rows = sum(report.counts.values())
    click.echo(f"Restored {rows} rows of {len(report.counts)} tables and "
               f"{report.evidence_files} evidence files from {archive_path}.")
