"""The migrations build exactly the models' schema, both ways, on the test database kind."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from ppp_assess import create_app
from ppp_assess.models import Base, migrate
from ppp_assess.unit_of_work import get_database


def _differences(url: str) -> list[object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_exactly_the_models_schema(scratch_database_url: str) -> None:
    migrate.upgrade(scratch_database_url)
    assert migrate.current_revision(scratch_database_url) == migrate.head_revision()
    assert _differences(scratch_database_url) == []
    assert set(Base.metadata.tables) <= _tables(scratch_database_url)


def test_downgrade_to_base_and_upgrade_again(scratch_database_url: str) -> None:
    migrate.upgrade(scratch_database_url)
    migrate.downgrade(scratch_database_url, "base")
    assert migrate.current_revision(scratch_database_url) is None
    assert _tables(scratch_database_url) <= {"alembic_version"}
    migrate.upgrade(scratch_database_url)
    assert _differences(scratch_database_url) == []


def test_cli_upgrade_reports_the_revision(tmp_path, scratch_database_url: str) -> None:
    app = create_app({"env": "testing", "database_url": scratch_database_url,
                      "instance_path": str(tmp_path), "secret_key": "test"})
    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    finally:
        get_database(app).dispose()
    assert result.exit_code == 0, result.output
    assert migrate.head_revision() in result.output


def test_migrations_keep_data_up_and_down(scratch_database_url: str) -> None:
    """Rows written at one revision survive every upgrade, and a downgrade and back."""
    import datetime as dt

    from sqlalchemy import text

    from ppp_assess.models.database import Database
    from tests.conftest import TEST_AUDIT_KEY
    from tests.factories import Factory
    from tests.services.review_support import submitted

    migrate.upgrade(scratch_database_url, "0002")
    engine = create_engine(scratch_database_url, poolclass=pool.NullPool)
    created = dt.datetime(2026, 1, 10, 12, 0)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (email, name, active, session_version, created_at) "
            "VALUES ('early@example.org', 'Early', :yes, 1, :at)"),
            {"yes": True, "at": created})
        user_id = connection.scalar(text("SELECT id FROM users"))
        connection.execute(text(
            "INSERT INTO api_tokens (user_id, token_digest, name, created_at) "
            "VALUES (:user, :digest, 'old script', :at)"),
            {"user": user_id, "digest": "d" * 64, "at": created})
    migrate.upgrade(scratch_database_url)
    with engine.connect() as connection:
        expires = connection.scalar(text("SELECT expires_at FROM api_tokens"))
    if isinstance(expires, str):  # SQLite hands the stored text back
        expires = dt.datetime.fromisoformat(expires)
    assert expires == created + dt.timedelta(days=90)  # a lifetime from its creation

    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    with database.transaction() as session:
        case = submitted(Factory(session))
        assessment_id = case.assessment.id
    database.dispose()
    migrate.downgrade(scratch_database_url, "0001")
    migrate.upgrade(scratch_database_url)
    assert _differences(scratch_database_url) == []
    with engine.connect() as connection:
        status = connection.scalar(text("SELECT status FROM assessments WHERE id = :id"),
                                   {"id": assessment_id})
        users = connection.scalar(text("SELECT count(*) FROM users"))
    engine.dispose()
    assert status == "submitted" and users >= 3


def test_peer_keys_migration_keeps_the_peer_index(scratch_database_url: str) -> None:
    """0016 names each peer score's key by an id, and its downgrade puts the columns back."""
    from sqlalchemy import text

    from ppp_assess.models.database import Database
    from tests.conftest import TEST_AUDIT_KEY
    from tests.factories import Factory
    from tests.services.benchmark_support import make_result, peers_with_scores

    columns = ("assessment_id, section_key, score, questionnaire_id, major, subject_type, "
               "organisation_id, project_id, sector, stage, contract_type, region, country")
    keyed = (f"SELECT {columns} FROM peer_scores s JOIN peer_keys k ON k.id = s.key_id "
             "ORDER BY assessment_id, section_key")
    flat = f"SELECT {columns} FROM peer_scores ORDER BY assessment_id, section_key"
    migrate.upgrade(scratch_database_url)
    database = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    with database.transaction() as session:
        factory = Factory(session)
        versions = factory.questionnaires()
        peers_with_scores(session, versions["people-first"], [40.0, 55.0, 70.0])
        make_result(session, versions["zero-tolerance-corruption"],
                    organisation=factory.organisation(), score=65.0)
    database.dispose()
    engine = create_engine(scratch_database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            expected = [tuple(row) for row in connection.execute(text(keyed))]
        assert len(expected) == 3 * 3 + 1
        migrate.downgrade(scratch_database_url, "0015_peer_index")
        with engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(text(flat))] == expected
        migrate.upgrade(scratch_database_url)
        with engine.connect() as connection:
            assert [tuple(row) for row in connection.execute(text(keyed))] == expected
            keys = connection.scalar(text("SELECT count(*) FROM peer_keys"))
        assert keys == 4  # the overall score and two sections of one, the other's overall
    finally:
        engine.dispose()
    assert _differences(scratch_database_url) == []
