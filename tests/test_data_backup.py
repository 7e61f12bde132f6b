"""``flask data export`` and ``flask data import``: a full backup that restores anywhere.

An archive written on SQLite restores on PostgreSQL and back with every row, every
evidence file, a verifying audit chain, verifying certificates and the same scores.
Each test uses databases of its own (PostgreSQL ones are created and dropped here), as a
restore needs a real, committed, empty database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import os
import shutil
import struct
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    create_engine,
    inspect,
    null,
    select,
    text,
)
from sqlalchemy.engine import make_url

from ppp_assess import create_app
from ppp_assess.config import get_settings, normalise_database_url
from ppp_assess.models import Assessment, Certificate, EvidenceDocument, migrate
from ppp_assess.models.base import JSONType, UTCDateTime
from ppp_assess.services import assessments, backup, signing
from ppp_assess.services.audit import parse_head, verify_audit_chain
from ppp_assess.services.certificates.verification import record_intact
from ppp_assess.services.evidence import LocalStorage
from ppp_assess.unit_of_work import get_database
from tests.certificate_support import certificate_pdf, certified
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import Factory

#: The PostgreSQL server the restores go to: the suite's own, else the local one.
POSTGRESQL_SERVER = normalise_database_url(
    os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgresql() -> Iterator[Any]:
    """Return a factory of new, empty PostgreSQL databases, all dropped afterwards."""
    base = make_url(POSTGRESQL_SERVER)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as error:  # any failure to connect means no server
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {POSTGRESQL_SERVER}: {error}")
    created: list[str] = []

    def new_database() -> str:
        name = f"backup_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield new_database
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _app(url: str, instance: Path, evidence: Path) -> Flask:
    """Return an app on the migrated database at ``url``; the keys live in ``instance``."""
    migrate.upgrade(url)
    return create_app({"env": "testing", "database_url": url, "instance_path": str(instance),
                       "evidence_dir": str(evidence), "secret_key": "test",
                       "audit_key": TEST_AUDIT_KEY.decode(), "base_url": "http://ppp.test"})


@dataclass
class Source:
    """A SQLite database holding a row in every table, and its archive."""

    app: Flask
    instance: Path
    archive: Path
    evidence_content: bytes
    export_output: str
    #: The certificate as its holder downloaded it before the backup.
    certificate_file: Path


def _fill(app: Flask, evidence: Path) -> bytes:
    """Write a row to every table: a certified assessment, evidence, settings, a token."""
    content = b"%PDF-1.4\n% backup test\n%%EOF\n"
    with get_database(app).transaction() as session:
        factory = Factory(session)
        certified(session, factory, app)
        factory.evidence(root=evidence, content=content)
        factory.review_settings()
        factory.reviewer_interest()
        factory.api_token()
        factory.export_job()
    return content


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Source]:
    instance = tmp_path / "instance"
    app = _app(f"sqlite:///{tmp_path / 'source.sqlite3'}", instance, tmp_path / "evidence-a")
    content = _fill(app, tmp_path / "evidence-a")
    certificate_file = tmp_path / "certificate.pdf"
    with get_database(app).transaction() as session:
        certificate = session.scalars(select(Certificate)).one()
        certificate_file.write_bytes(certificate_pdf(app, session, certificate))
    archive = tmp_path / "backup.zip"
    result = app.test_cli_runner().invoke(args=["data", "export", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    yield Source(app, instance, archive, content, result.output, certificate_file)
    get_database(app).dispose()


def _rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table, as the models' types read them."""
    with get_database(app).engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in backup.tables()}


def _scores(app: Flask) -> dict[int, tuple[Any, ...]]:
    """Return, per assessment, its stored scores and the score of its answers now."""
    scores = {}
    with get_database(app).reading() as session:
        for assessment in session.scalars(select(Assessment).order_by(Assessment.id)):
            report = assessments.score_of(assessment, assessments.load_answers(
                session, assessment))
            sections = tuple(sorted((row.section_id, row.score)
                                    for row in assessment.section_scores))
            scores[assessment.id] = (assessment.score, assessment.level, sections,
                                     report.overall, report.completion)
    return scores


def _check_restored(source: Source, target: Flask) -> None:
    """The restored database equals the source, and everything in it still verifies."""
    assert _rows(target) == _rows(source.app)
    assert _scores(target) == _scores(source.app)
    keys = signing.published_keys(get_settings(target))
    with get_database(target).reading() as session:
        assert verify_audit_chain(session).ok
        certificates = session.scalars(select(Certificate)).all()
        assert certificates
        for certificate in certificates:
            assert record_intact(certificate, keys)
            assert certificate.audit_head is not None
            assert verify_audit_chain(session, head=parse_head(certificate.audit_head)).ok
        document = session.scalars(select(EvidenceDocument)).one()
    storage = LocalStorage(get_settings(target).evidence_dir)
    with storage.open(document.sha256) as stored:
        assert stored.read() == source.evidence_content
    verified = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    # A certificate file handed out before the backup verifies against the restored record.
    checked = target.test_cli_runner().invoke(
        args=["certificates", "verify", str(source.certificate_file)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("VALID")


def _import(app: Flask, archive: Path) -> Any:
    return app.test_cli_runner().invoke(args=["data", "import", str(archive)])


def test_sqlite_to_postgresql_and_back(source: Source, postgresql, tmp_path: Path) -> None:
    # The certificate keys stay with the installation (the instance folder), not the archive.
    on_postgresql = _app(postgresql(), source.instance, tmp_path / "evidence-b")
    restored = _import(on_postgresql, source.archive)
    assert restored.exit_code == 0, restored.output
    assert "Restoring answers: " in restored.output
    _check_restored(source, on_postgresql)

    # New rows after the restore get ids past the restored ones (sequences were moved).
    with get_database(on_postgresql).transaction() as session:
        organisation = Factory(session).organisation()
        assert organisation.id > max(row[0] for row in _rows(source.app)["organisations"])
        session.rollback()

    again = tmp_path / "again.zip"
    exported = on_postgresql.test_cli_runner().invoke(args=["data", "export", "-o", str(again)])
    assert exported.exit_code == 0, exported.output
    on_sqlite = _app(f"sqlite:///{tmp_path / 'back.sqlite3'}", source.instance,
                     tmp_path / "evidence-c")
    back = _import(on_sqlite, again)
    assert back.exit_code == 0, back.output
    _check_restored(source, on_sqlite)
    get_database(on_postgresql).dispose()
    get_database(on_sqlite).dispose()


def test_the_manifest_describes_the_archive(source: Source) -> None:
    with zipfile.ZipFile(source.archive) as archive:
        manifest = backup.read_manifest(archive)
        backup.verify_members(archive, manifest)
        names = set(archive.namelist())
    assert manifest.schema_revision == migrate.head_revision()
    rows = _rows(source.app)
    assert {entry["name"]: entry["rows"] for entry in manifest.tables} == {
        name: len(table_rows) for name, table_rows in rows.items()}
    versions = manifest.raw["questionnaire_versions"]
    assert {"questionnaire_id", "version", "content_hash"} <= set(versions[0])
    assert len(versions) == len(rows["questionnaire_versions"])
    assert names == set(manifest.members) | {backup.MANIFEST}
    assert sum(name.startswith(backup.EVIDENCE_DIR) for name in names) == 1
    assert "Exporting assessments: " in source.export_output


def test_every_table_is_in_the_backup(source: Source) -> None:
    """A table added to the schema must be exported, and filled by the data above."""
    with get_database(source.app).engine.connect() as connection:
        in_database = set(inspect(connection).get_table_names()) - backup.NOT_DATA
    exported = [table.name for table in backup.tables()]
    assert set(exported) == in_database
    with zipfile.ZipFile(source.archive) as archive:
        manifest = backup.read_manifest(archive)
    empty = [entry["name"] for entry in manifest.tables if entry["rows"] == 0]
    assert empty == [], "add rows of these tables to _fill(), so their round trip is tested"


def test_a_database_that_holds_rows_is_refused(source: Source) -> None:
    before = _rows(source.app)
    result = _import(source.app, source.archive)
    assert result.exit_code == 1
    assert "already holds rows" in result.output
    assert _rows(source.app) == before


def _rewritten(archive: Path, target: Path, change: dict[str, Any]) -> Path:
    """Copy ``archive`` to ``target`` with members replaced by ``change`` (name: bytes)."""
    with zipfile.ZipFile(archive) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            content = original.read(info)
            if info.filename in change:
                replacement = change[info.filename]
                content = replacement(content) if callable(replacement) else replacement
            copy.writestr(info, content)
    return target


def test_a_tampered_member_is_refused_before_anything_is_written(source: Source,
                                                                 tmp_path: Path) -> None:
    with zipfile.ZipFile(source.archive) as archive:
        member = next(name for name in archive.namelist() if name.endswith("-assessments.jsonl"))

    def rescored(content: bytes) -> bytes:
        changed = content.replace(b'"score":', b'"score":9', 1)
        assert changed != content
        return changed

    tampered = _rewritten(source.archive, tmp_path / "tampered.zip", {member: rescored})
    target = _app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", source.instance,
                  tmp_path / "evidence-t")
    result = _import(target, tampered)
    assert result.exit_code == 1
    assert f"{member} does not match its SHA-256" in result.output
    assert all(rows == [] for rows in _rows(target).values())
    assert not (tmp_path / "evidence-t").exists() or not any(
        (tmp_path / "evidence-t").rglob("*/*/*"))
    get_database(target).dispose()


def test_a_damaged_archive_is_refused(source: Source, tmp_path: Path) -> None:
    content = bytearray(source.archive.read_bytes())
    with zipfile.ZipFile(source.archive) as archive:
        info = next(info for info in archive.infolist()
                    if info.filename.endswith("-answers.jsonl"))
    name_length, extra_length = struct.unpack_from("<HH", content, info.header_offset + 26)
    data = info.header_offset + 30 + name_length + extra_length
    content[data + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(content))
    target = _app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", source.instance,
                  tmp_path / "evidence-d")
    result = _import(target, damaged)
    assert result.exit_code == 1
    assert info.filename in result.output
    assert all(rows == [] for rows in _rows(target).values())
    get_database(target).dispose()


def test_another_schema_revision_is_refused(source: Source, tmp_path: Path) -> None:
    def older(content: bytes) -> bytes:
        manifest = json.loads(content)
        manifest["schema_revision"] = "0001"
        return json.dumps(manifest).encode()

    archive = _rewritten(source.archive, tmp_path / "older.zip", {backup.MANIFEST: older})
    target = _app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", source.instance,
                  tmp_path / "evidence-r")
    result = _import(target, archive)
    assert result.exit_code == 1
    assert "schema revision 0001" in result.output
    assert all(rows == [] for rows in _rows(target).values())
    get_database(target).dispose()


def test_an_archive_with_an_unlisted_member_is_refused(source: Source, tmp_path: Path) -> None:
    extra = tmp_path / "extra.zip"
    shutil.copy(source.archive, extra)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("tables/99-smuggled.jsonl", b'{"id": 1}\n')
    target = _app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", source.instance,
                  tmp_path / "evidence-x")
    result = _import(target, extra)
    assert result.exit_code == 1
    assert "tables/99-smuggled.jsonl" in result.output
    get_database(target).dispose()


def test_an_evidence_file_under_another_hash_is_refused(source: Source, tmp_path: Path) -> None:
    """A file put under another document's hash would be served as that document."""
    other = "0" * 64
    moved = tmp_path / "moved.zip"
    with zipfile.ZipFile(source.archive) as original, zipfile.ZipFile(moved, "w") as copy:
        manifest = json.loads(original.read(backup.MANIFEST))
        for info in original.infolist():
            if info.filename.startswith(backup.EVIDENCE_DIR):
                manifest["members"][backup.EVIDENCE_DIR + other] = manifest["members"].pop(
                    info.filename)
                copy.writestr(backup.EVIDENCE_DIR + other, original.read(info))
            elif info.filename != backup.MANIFEST:
                copy.writestr(info, original.read(info))
        copy.writestr(backup.MANIFEST, json.dumps(manifest))
    target = _app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", source.instance,
                  tmp_path / "evidence-m")
    result = _import(target, moved)
    assert result.exit_code == 1
    assert f"evidence/{other} is not named by its SHA-256" in result.output
    get_database(target).dispose()


class Colour(enum.Enum):
    red = "r"
    blue = "b"


def _typed_table() -> Table:
    return Table(
        "typed", MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()), Column("naive", DateTime()),
        Column("document", JSONType), Column("plain_json", JSON(none_as_null=True)),
        Column("blob", LargeBinary), Column("amount", Numeric(20, 6)),
        Column("flag", Boolean), Column("ratio", Float),
        Column("colour", Enum(Colour, native_enum=False,
                              values_callable=lambda members: [m.value for m in members])),
    )


TYPED_ROWS: list[dict[str, Any]] = [
    {"id": 1, "at": dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=dt.UTC),
     "naive": dt.datetime(1999, 12, 31, 23, 59, 59, 999999),
     "document": {"b": [1, 2.5, None, "é"], "a": {"nested": True}}, "plain_json": [],
     "blob": bytes(range(256)), "amount": decimal.Decimal("1234.500000"),
     "flag": True, "ratio": 0.1 + 0.2, "colour": Colour.blue},
    # JSON null (the column's default for None) and SQL NULL stay apart.
    {"id": 2, "at": dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
     "naive": None, "document": None, "plain_json": None, "blob": b"", "amount": None,
     "flag": False, "ratio": -1e-300, "colour": None},
]


# SQLite keeps decimals as floats (exact for this value); SQLAlchemy warns about it.
@pytest.mark.filterwarnings("ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")
@pytest.mark.parametrize("direction", ["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_types_round_trip_exactly(direction: str, postgresql, tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'typed.sqlite3'}"
    urls = [sqlite, postgresql()]
    if direction == "postgresql-to-sqlite":
        urls.reverse()
    table = _typed_table()
    engines = [create_engine(url) for url in urls]
    try:
        for engine in engines:
            table.create(engine)
        with engines[0].begin() as connection:
            connection.execute(table.insert(), TYPED_ROWS)
            connection.execute(table.insert().values(id=3, document=null()))
            lines = list(backup.table_lines(connection, table))
            stored_nulls = connection.execute(
                select(table.c.id).where(table.c.document.is_(None))).scalars().all()
        with engines[1].begin() as connection:
            assert backup.insert_lines(connection, table, lines) == len(TYPED_ROWS) + 1
            restored = [row._asdict() for row in connection.execute(
                select(table).order_by(table.c.id))]
            restored_nulls = connection.execute(
                select(table.c.id).where(table.c.document.is_(None))).scalars().all()
    finally:
        for engine in engines:
            engine.dispose()
    expected = [dict(row) for row in TYPED_ROWS]
    expected[1]["at"] = expected[1]["at"].astimezone(dt.UTC)
    expected.append({column.name: None for column in table.columns} | {"id": 3})
    assert restored == expected
    assert restored[1]["at"].tzinfo is not None
    assert restored_nulls == stored_nulls == [3]


def test_a_column_of_an_unknown_type_stops_the_export() -> None:
    from sqlalchemy.types import UserDefinedType

    class Point(UserDefinedType[Any]):
        cache_ok = True

        def get_col_spec(self, **_options: Any) -> str:
            return "POINT"

    column = Column("where", Point())
    Table("places", MetaData(), column)
    with pytest.raises(backup.BackupError, match=r"places\.where"):
        backup.column_kind(column)
