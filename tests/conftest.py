"""Real databases for every test: a fresh SQLite file per test, and PostgreSQL when
TRACKER_TEST_DATABASE_URL names a server (CI sets it; without it those tests skip)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tracker.cli.app import app
from tracker.db import migrations
from tracker.db.engine import make_engine
from tracker.db.models import Base

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="set TRACKER_TEST_DATABASE_URL to run the PostgreSQL tests"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


def fresh_pg_schema(engine: Engine) -> None:
    """Drop everything in the test database's public schema (the server is the test's own)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")


def _pg_reset(engine: Engine) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # The history refuses TRUNCATE; the tests' own reset lifts that guard as the tables'
        # owner, inside the transaction (the guard is against accidents, not against the owner).
        connection.execute(text("ALTER TABLE history DISABLE TRIGGER history_no_truncate"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(text("ALTER TABLE history ENABLE TRIGGER history_no_truncate"))


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("set TRACKER_TEST_DATABASE_URL to run the PostgreSQL tests")
    engine = make_engine(PG_URL)
    fresh_pg_schema(engine)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    engine = request.getfixturevalue("pg_engine")
    _pg_reset(engine)
    return PG_URL  # type: ignore[return-value]


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def service_engine(path: Path, *, source: str, letters: tuple[str, ...]) -> Engine:
    """A migrated SQLite file with one source and some letters, for service-level tests."""
    from tracker.db.uow import UnitOfWork
    from tracker.services.letters import add_letter
    from tracker.services.sources import add_source

    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    with UnitOfWork(engine) as uow:
        add_source(uow=uow, key=source, title=source.title())
        for slug in letters:
            add_letter(uow=uow, slug=slug, title=slug.title(), addressed_to="Board")
        uow.commit()
    return engine


class Tracker:
    """Runs `tracker --db URL ...` through Typer's CliRunner."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return self.runner.invoke(app, ["--db", self.url, *args], input=input)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, f"{args}: {result.exit_code} {result.stdout} {result.stderr}"
        return result.stdout

    def engine(self) -> Engine:
        return make_engine(self.url)

    def scalar(self, sql: str, **params: object) -> object:
        engine = self.engine()
        try:
            with engine.connect() as connection:
                return connection.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        engine = self.engine()
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), params)]
        finally:
            engine.dispose()


@pytest.fixture
def tracker(db_url: str) -> Tracker:
    return Tracker(db_url)


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    tracker.ok("seed")
    return tracker


@pytest.fixture
def sqlite_tracker(sqlite_url: str) -> Tracker:
    return Tracker(sqlite_url)


@pytest.fixture(params=["in-process", "workers"])
def import_checking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where an import checks its records and decides who its entries are: in the importing
    process (a small list), or in two worker processes from the first record and the first
    entry with candidates, a few records a batch and a few entries a range (a large list), so
    every import test runs both ways (`tracker.importing.checking`, `tracker.importing.known`)."""
    if request.param == "workers":
        from tracker.importing import checking, known, workers

        monkeypatch.setattr(checking, "PARALLEL_FROM", 0)
        monkeypatch.setattr(checking, "BATCH_RECORDS", 3)
        monkeypatch.setattr(known, "PARALLEL_FROM", 0)
        monkeypatch.setattr(known, "DECIDE_CHUNK", 3)
        monkeypatch.setenv(workers.WORKERS_ENV, "2")
    return str(request.param)
