"""A full backup of the database and the evidence files, as one portable zip archive.

The archive restores into any supported database (SQLite or PostgreSQL) that is migrated
to the same schema revision and holds no rows. It holds:

* ``manifest.json``: the format version, the schema revision, the published
  questionnaire versions with their content hashes, every table with its columns and
  number of rows, and the size and SHA-256 of every other member;
* ``tables/NN-<table>.jsonl``: one JSON object a line per row, one file per table, in
  the order of the foreign keys (a table comes after every table it refers to);
* ``evidence/<sha256>``: every evidence file a document names, as stored.

Tables are read from the models' metadata with SQLAlchemy Core, so a table added to the
models is backed up without a change here; a column type this module does not know
stops the export rather than being written in a form that would not come back.

Values are written so that they come back exactly: timestamps in ISO 8601 with their
offset, JSON columns as their JSON text (SQL NULL as ``null``, JSON ``null`` as
``"null"``), bytes in base64, decimals as strings, enums as their stored value, and
booleans, integers, floats and strings as JSON has them.

Both ways stream: rows are read in batches from a server-side cursor and written line by
line; restoring reads a line at a time and inserts in batches, so memory stays the same
whatever the size of the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from ppp_assess.models import Base
from ppp_assess.services.evidence.storage import CHUNK_SIZE, EvidenceStorage

#: Version of the archive layout; a reader refuses any other.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
EVIDENCE_DIR = "evidence/"
#: Rows read from the cursor, and inserted, at a time.
BATCH_SIZE = 1000
#: Tables of the database that are not data (Alembic's own bookkeeping).
NOT_DATA = frozenset({"alembic_version"})
_SHA256 = re.compile(r"[0-9a-f]{64}")

#: Shows a long sequence going by: ``progress(items, total=..., label=...)``.
Progress = Callable[..., Iterable[Any]]


def _quiet(items: Iterable[Any], *, total: int, label: str) -> Iterable[Any]:
    return items


class BackupError(Exception):
    """The archive cannot be written, or cannot be restored into this database."""


def tables() -> list[Table]:
    """Return every table of the models, each after the tables it refers to."""
    return list(Base.metadata.sorted_tables)


# --- Columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Codec:
    """How one kind of column is read, written to a line, read back and inserted."""

    kind: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _json_decode(value: str) -> Any:
    parsed = json.loads(value)
    # JSON null must stay JSON null, not become SQL NULL.
    return JSON.NULL if parsed is None else parsed


_CODECS = {
    "json": _Codec("json", _identity, _json_decode),
    "enum": _Codec("enum", _identity, _identity),
    "datetime": _Codec("datetime", lambda value: value.isoformat(), dt.datetime.fromisoformat),
    "date": _Codec("date", lambda value: value.isoformat(), dt.date.fromisoformat),
    "time": _Codec("time", lambda value: value.isoformat(), dt.time.fromisoformat),
    "bytes": _Codec("bytes", lambda value: base64.b64encode(bytes(value)).decode("ascii"),
                    base64.b64decode),
    "decimal": _Codec("decimal", str, decimal.Decimal),
    "float": _Codec("float", _identity, _identity),
    "boolean": _Codec("boolean", bool, bool),
    "integer": _Codec("integer", _identity, _identity),
    "string": _Codec("string", _identity, _identity),
    "uuid": _Codec("uuid", str, _identity),
}


def _base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(type_, sqltypes.TypeDecorator):
        return _base_type(type_.impl_instance)
    return type_


def column_kind(column: Column[Any]) -> str:
    """Return how the values of ``column`` are written to the archive.

    :raises BackupError: for a column type that cannot be written exactly.
    """
    type_ = _base_type(column.type)
    # Order matters: an Enum is a String, a Float is a Numeric, a DateTime is not a Date.
    checks: list[tuple[type, str]] = [
        (sqltypes.JSON, "json"), (sqltypes.Enum, "enum"), (sqltypes.Boolean, "boolean"),
        (sqltypes.DateTime, "datetime"), (sqltypes.Date, "date"), (sqltypes.Time, "time"),
        (sqltypes.LargeBinary, "bytes"), (sqltypes.Float, "float"),
        (sqltypes.Numeric, "decimal"), (sqltypes.Integer, "integer"),
        (sqltypes.Uuid, "uuid"), (sqltypes.String, "string"),
    ]
    for type_class, kind in checks:
        if isinstance(type_, type_class):
            return kind
    raise BackupError(f"Column {column.table.name}.{column.name} has type {column.type!r}, "
                      "which the backup cannot write exactly.")


def _read_expression(column: Column[Any], kind: str) -> ColumnElement[Any]:
    """Return what to select for ``column``: the stored form for JSON and enums."""
    if kind == "json":
        # The JSON text tells SQL NULL (None) from JSON null ("null").
        return cast(column, Text).label(column.name)
    if kind == "enum":
        return type_coerce(column, sqltypes.String()).label(column.name)
    return column


def _bind_type(column: Column[Any], kind: str) -> TypeEngine[Any]:
    if kind == "json":
        # None is SQL NULL and JSON.NULL is JSON null, whatever the column's own setting.
        return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
    if kind == "enum":
        return sqltypes.String()
    return column.type


# --- Writing -------------------------------------------------------------------------------


def _member_name(position: int, table: Table) -> str:
    return f"{TABLES_DIR}{position:02d}-{table.name}.jsonl"


class _HashingWriter(io.RawIOBase):
    """Passes bytes on to a zip member, counting and hashing them."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.digest.update(chunk)
        self.size += len(chunk)
        self.target.write(chunk)
        return len(chunk)


@dataclass
class ExportReport:
    """What an export wrote."""

    counts: dict[str, int] = field(default_factory=dict)
    evidence_files: int = 0


def table_lines(connection: Connection, table: Table) -> Iterator[str]:
    """Yield one JSON line per row of ``table``, in primary-key order, streaming.

    Rows come from a server-side cursor (PostgreSQL) or SQLite's own stepping cursor, a
    batch at a time, so memory does not grow with the table.

    :raises BackupError: for a column that cannot be written exactly.
    """
    columns = list(table.columns)
    kinds = {column.name: column_kind(column) for column in columns}
    statement = select(*[_read_expression(column, kinds[column.name]) for column in columns])
    order = list(table.primary_key.columns) or columns
    result = connection.execution_options(yield_per=BATCH_SIZE).execute(
        statement.order_by(*order))
    encoders = [(column.name, _CODECS[kinds[column.name]].encode) for column in columns]
    try:
        for row in result:
            line = {name: None if value is None else encode(value)
                    for (name, encode), value in zip(encoders, row, strict=True)}
            yield json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
    finally:
        result.close()


def _questionnaire_versions(connection: Connection) -> list[dict[str, str]]:
    table = Base.metadata.tables["questionnaire_versions"]
    rows = connection.execute(
        select(table.c.questionnaire_id, table.c.version, table.c.content_hash)
        .order_by(table.c.questionnaire_id, table.c.major, table.c.version))
    return [{"questionnaire_id": row.questionnaire_id, "version": row.version,
             "content_hash": row.content_hash} for row in rows]


def _evidence_hashes(connection: Connection) -> Iterator[str]:
    table = Base.metadata.tables["evidence_documents"]
    result = connection.execution_options(yield_per=BATCH_SIZE).execute(
        select(table.c.sha256).distinct().order_by(table.c.sha256))
    try:
        for row in result:
            yield row.sha256
    finally:
        result.close()


def export_archive(connection: Connection, target: IO[bytes], *, schema_revision: str,
                   storage: EvidenceStorage, progress: Progress = _quiet,
                   created_at: dt.datetime | None = None) -> ExportReport:
    """Write the whole database and its evidence files to ``target`` as a zip archive.

    :param connection: a connection inside a transaction that sees one snapshot of the
        database (repeatable read on PostgreSQL; one read transaction on SQLite).
    :param schema_revision: the Alembic revision the database is at.
    :raises BackupError: for a column that cannot be written, or an evidence file
        missing from the storage.
    """
    report = ExportReport()
    created_at = created_at or dt.datetime.now(dt.UTC)

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=created_at.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    members: dict[str, dict[str, Any]] = {}
    described: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                         allowZip64=True) as archive:
        for position, table in enumerate(tables(), start=1):
            kinds = {column.name: column_kind(column) for column in table.columns}
            total = connection.scalar(select(func.count()).select_from(table)) or 0
            name = _member_name(position, table)
            count = 0
            with archive.open(entry(name), "w", force_zip64=True) as raw:
                writer = _HashingWriter(raw)
                for line in progress(table_lines(connection, table), total=total,
                                     label=f"Exporting {table.name}"):
                    writer.write(line.encode("utf-8"))
                    count += 1
            members[name] = {"sha256": writer.digest.hexdigest(), "size": writer.size}
            described.append({"name": table.name, "member": name, "rows": count,
                              "columns": [{"name": column, "kind": kind}
                                          for column, kind in kinds.items()]})
            report.counts[table.name] = count
        documents = Base.metadata.tables["evidence_documents"]
        total_files = connection.scalar(
            select(func.count(documents.c.sha256.distinct()))) or 0
        for sha256 in progress(_evidence_hashes(connection), total=total_files,
                               label="Exporting evidence files"):
            name = f"{EVIDENCE_DIR}{sha256}"
            try:
                source = storage.open(sha256)
            except FileNotFoundError as error:
                raise BackupError(f"The evidence file {sha256} is missing from the storage; "
                                  "restore it before making a backup.") from error
            with source, archive.open(entry(name), "w", force_zip64=True) as raw:
                writer = _HashingWriter(raw)
                while chunk := source.read(CHUNK_SIZE):
                    writer.write(chunk)
            if writer.digest.hexdigest() != sha256:
                raise BackupError(f"The stored evidence file {sha256} does not match its hash.")
            members[name] = {"sha256": sha256, "size": writer.size}
            report.evidence_files += 1
        manifest = {
            "format": "ppp-assess-backup",
            "format_version": FORMAT_VERSION,
            "schema_revision": schema_revision,
            "dialect": connection.dialect.name,
            "created_at": created_at.isoformat(),
            "questionnaire_versions": _questionnaire_versions(connection),
            "tables": described,
            "evidence_files": report.evidence_files,
            "members": members,
        }
        archive.writestr(entry(MANIFEST), json.dumps(manifest, indent=1, ensure_ascii=False))
    return report


# --- Reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """The manifest of an archive, as read and checked."""

    schema_revision: str
    tables: list[dict[str, Any]]
    members: dict[str, dict[str, Any]]
    raw: dict[str, Any]


def read_manifest(archive: zipfile.ZipFile) -> Manifest:
    """Read the manifest of ``archive`` and check that it describes the current models.

    :raises BackupError: when the archive is not a backup of this format, or its tables
        or columns are not the models'.
    """
    try:
        raw = json.loads(archive.read(MANIFEST))
    except KeyError as error:
        raise BackupError("The archive has no manifest.json: it is not a backup.") from error
    except ValueError as error:
        raise BackupError("The archive's manifest.json is not valid JSON.") from error
    if raw.get("format") != "ppp-assess-backup" or raw.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"The archive is not a backup of format version {FORMAT_VERSION} "
                          f"(it says {raw.get('format')!r} {raw.get('format_version')!r}).")
    expected = [(table.name, [(column.name, column_kind(column)) for column in table.columns])
                for table in tables()]
    try:
        found = [(entry["name"], [(column["name"], column["kind"])
                                  for column in entry["columns"]])
                 for entry in raw["tables"]]
        manifest = Manifest(schema_revision=str(raw["schema_revision"]), tables=raw["tables"],
                            members=dict(raw["members"]), raw=raw)
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError("The archive's manifest.json is incomplete.") from error
    if found != expected:
        raise BackupError("The archive's tables or columns are not those of this version "
                          "of the application.")
    unlisted = [entry["member"] for entry in manifest.tables
                if entry["member"] not in manifest.members]
    if unlisted:
        raise BackupError(f"The manifest gives no SHA-256 for {unlisted[0]}.")
    return manifest


def verify_members(archive: zipfile.ZipFile, manifest: Manifest,
                   progress: Progress = _quiet) -> None:
    """Check that the archive holds exactly the manifest's members, each with its SHA-256.

    :raises BackupError: naming the first member that is missing, extra or altered.
    """
    present = {info.filename for info in archive.infolist() if not info.is_dir()} - {MANIFEST}
    missing = sorted(set(manifest.members) - present)
    if missing:
        raise BackupError(f"The archive lacks {missing[0]}, which its manifest lists.")
    extra = sorted(present - set(manifest.members))
    if extra:
        raise BackupError(f"The archive holds {extra[0]}, which its manifest does not list.")
    for name in progress(sorted(manifest.members), total=len(manifest.members),
                         label="Checking the archive"):
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(name) as member:
                while chunk := member.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise BackupError(f"The member {name} cannot be read: the archive is "
                              "damaged.") from error
        expected = manifest.members[name]
        if digest.hexdigest() != expected["sha256"] or size != expected["size"]:
            raise BackupError(f"The member {name} does not match its SHA-256 in the manifest: "
                              "the archive was changed or damaged.")


def non_empty_tables(connection: Connection) -> list[str]:
    """Return the tables of the models that hold at least one row."""
    return [table.name for table in tables()
            if connection.execute(select(text("1")).select_from(table).limit(1)).first()]


def _decoded_rows(lines: Iterable[str], kinds: dict[str, str]) -> Iterator[dict[str, Any]]:
    decoders = {name: _CODECS[kind].decode for name, kind in kinds.items()}
    for line in lines:
        encoded = json.loads(line)
        yield {name: None if encoded[name] is None else decoders[name](encoded[name])
               for name in kinds}


def insert_lines(connection: Connection, table: Table, lines: Iterable[str]) -> int:
    """Insert the rows of ``lines`` (as :func:`table_lines` wrote them) in batches.

    :return: how many rows were inserted.
    """
    kinds = {column.name: column_kind(column) for column in table.columns}
    statement = insert(table).values({
        column.name: bindparam(column.name, type_=_bind_type(column, kinds[column.name]))
        for column in table.columns})
    count = 0
    for batch in _batches(_decoded_rows(lines, kinds)):
        connection.execute(statement, batch)
        count += len(batch)
    return count


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def reset_sequences(connection: Connection) -> None:
    """Move PostgreSQL's sequences past the restored ids (a no-op on SQLite)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            if not isinstance(_base_type(column.type), sqltypes.Integer):
                continue
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                         {"table": table.name, "column": column.name})
            if sequence is None:
                continue
            highest = func.max(column)
            connection.execute(select(func.setval(
                sequence, func.coalesce(highest, 1), highest.is_not(None))).select_from(table))


@dataclass
class ImportReport:
    """What an import restored."""

    counts: dict[str, int] = field(default_factory=dict)
    evidence_files: int = 0


def import_archive(connection: Connection, archive: zipfile.ZipFile, *, schema_revision: str,
                   storage: EvidenceStorage, progress: Progress = _quiet) -> ImportReport:
    """Restore ``archive`` into the empty database behind ``connection``.

    Every check comes before anything is written: the manifest describes these models
    at ``schema_revision``, every member matches its SHA-256, and the database holds no
    rows. Evidence files go to the storage first (a file no row names is harmless and
    pruned later), then the rows in one transaction, which the caller commits.

    :raises BackupError: when any check fails; nothing has been written then.
    """
    manifest = read_manifest(archive)
    if manifest.schema_revision != schema_revision:
        raise BackupError(f"The archive is of schema revision {manifest.schema_revision}, the "
                          f"database of {schema_revision}: migrate the database (`flask db "
                          "upgrade`) with the version of the application that wrote the "
                          "archive.")
    occupied = non_empty_tables(connection)
    if occupied:
        raise BackupError(f"The database already holds rows (in {len(occupied)} tables, "
                          f"{occupied[0]} among them): restore only into a new database, "
                          "migrated and empty.")
    evidence = sorted(name for name in manifest.members if name.startswith(EVIDENCE_DIR))
    unnamed = [name for name in evidence
               if not _SHA256.fullmatch(name[len(EVIDENCE_DIR):])
               or manifest.members[name]["sha256"] != name[len(EVIDENCE_DIR):]]
    if unnamed:
        raise BackupError(f"The archive's member {unnamed[0]} is not named by its SHA-256.")
    verify_members(archive, manifest, progress)
    report = ImportReport()
    for name in progress(evidence, total=len(evidence), label="Restoring evidence files"):
        sha256 = name.removeprefix(EVIDENCE_DIR)
        if not storage.exists(sha256):
            with archive.open(name) as member:
                staged = storage.stage(member, max_size=int(manifest.members[name]["size"]))
            if staged.sha256 != sha256:
                staged.discard()
                raise BackupError(f"The evidence file {name} does not match its name.")
            staged.keep()
        report.evidence_files += 1
    by_name = Base.metadata.tables
    for entry in manifest.tables:
        table = by_name[entry["name"]]
        with archive.open(entry["member"]) as member:
            lines = progress(io.TextIOWrapper(member, encoding="utf-8"),
                             total=int(entry["rows"]), label=f"Restoring {table.name}")
            count = insert_lines(connection, table, lines)
        if count != int(entry["rows"]):
            raise BackupError(f"The archive holds {count} rows of {table.name}, its manifest "
                              f"says {entry['rows']}.")
        report.counts[table.name] = count
    reset_sequences(connection)
    return report
