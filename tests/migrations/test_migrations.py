"""pytest-alembic's built-in checks, on SQLite and on PostgreSQL, plus the schema's own promises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_alembic
from pytest_alembic import tests as builtin
from pytest_alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import PG_URL, fresh_pg_schema
from tracker.db import migrations
from tracker.db.engine import PAGE_SIZE, make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    else:
        if not PG_URL:
            pytest.skip("set TRACKER_TEST_DATABASE_URL to run the PostgreSQL tests")
        engine = make_engine(PG_URL)
        fresh_pg_schema(engine)
    yield engine
    if request.param == "postgresql":
        # The database is shared with the session's other PostgreSQL tests: leave it at head.
        fresh_pg_schema(engine)
        migrations.upgrade(engine)
    engine.dispose()


@pytest.fixture
def alembic_runner(empty_engine: Engine) -> Iterator[pytest_alembic.MigrationContext]:
    config = Config.from_raw_config(migrations.alembic_config())
    with pytest_alembic.runner(config=config, engine=empty_engine) as runner:
        yield runner


def test_single_head_revision(alembic_runner: pytest_alembic.MigrationContext) -> None:
    builtin.test_single_head_revision(alembic_runner)


def test_upgrade(alembic_runner: pytest_alembic.MigrationContext) -> None:
    builtin.test_upgrade(alembic_runner)


def test_model_definitions_match_ddl(alembic_runner: pytest_alembic.MigrationContext) -> None:
    builtin.test_model_definitions_match_ddl(alembic_runner)


def test_up_down_consistency(alembic_runner: pytest_alembic.MigrationContext) -> None:
    builtin.test_up_down_consistency(alembic_runner)


def test_code_expects_the_head(alembic_runner: pytest_alembic.MigrationContext) -> None:
    assert alembic_runner.heads == [migrations.SCHEMA_HEAD]


def test_history_is_append_only(empty_engine: Engine) -> None:
    migrations.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO history (at, action, entity, summary) "
                "VALUES ('2023-11-20 00:00:00', 'add', 'test', 'a fact')"
            )
        )
    for statement in ("UPDATE history SET summary = 'rewritten'", "DELETE FROM history"):
        with pytest.raises(DBAPIError, match="append-only"), empty_engine.begin() as connection:
            connection.execute(text(statement))
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT summary FROM history")).scalar() == "a fact"


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    migrations.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_SIZE
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (name, name_key, last_key, first_key, source_id, created_at) "
                "VALUES ('Nobody', 'nobody', 'nobody', 'n', 999, '2023-11-20 00:00:00')"
            )
        )
    engine.dispose()
