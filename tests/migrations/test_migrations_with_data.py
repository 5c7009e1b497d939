"""Migrations with data in the database: the bundled letter plus an imported list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_alembic
from pytest_alembic import tests as builtin
from pytest_alembic.config import Config
from sqlalchemy import Engine, inspect

from tests.conftest import Tracker
from tests.migrations.test_migrations import empty_engine  # noqa: F401  (a fixture)
from tracker.db import migrations
from tracker.db.models import Base

NOON = dt.datetime(2023, 11, 20, 12, 0)
ROW_DATA = {
    "0001": [
        {"__tablename__": "sources", "id": 1, "key": "s", "title": "A source", "created_at": NOON},
        {
            "__tablename__": "people",
            "id": 1,
            "name": "Ana Lima",
            "name_key": "ana lirna",
            "last_key": "lirna",
            "first_key": "ana l",
            "source_id": 1,
            "created_at": NOON,
        },
    ]
}


@pytest.fixture
def alembic_runner_with_data(empty_engine: Engine) -> Iterator[pytest_alembic.MigrationContext]:  # noqa: F811
    config = Config.from_raw_config(migrations.alembic_config())
    config = Config(**{**config.__dict__, "at_revision_data": ROW_DATA})
    with pytest_alembic.runner(config=config, engine=empty_engine) as runner:
        yield runner


def test_upgrade_with_data(alembic_runner_with_data: pytest_alembic.MigrationContext) -> None:
    builtin.test_upgrade(alembic_runner_with_data)


def test_up_down_consistency_with_data(
    alembic_runner_with_data: pytest_alembic.MigrationContext,
) -> None:
    builtin.test_up_down_consistency(alembic_runner_with_data)


def _counts(tracker: Tracker) -> dict[str, int]:
    return {
        t.name: int(tracker.scalar(f"SELECT count(*) FROM {t.name}"))  # type: ignore[arg-type]
        for t in Base.metadata.sorted_tables
        if t.name != "history"
    }


def test_down_to_base_and_up_again_with_seed_and_import(tracker: Tracker, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"{i}. Member Number{i:04d} Import\n" for i in range(1, 501)))
    tracker.ok("seed")
    tracker.ok(
        "signatory", "import", str(listing), "--letter", "openai-board-2023", "--source", "seed-003"
    )
    before = _counts(tracker)
    assert before["signatures"] == 512
    tracker.ok("db", "upgrade")  # already at head: nothing may change
    assert _counts(tracker) == before
    tracker.ok("db", "downgrade", "base", "--yes")
    engine = tracker.engine()
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    tracker.ok("db", "upgrade")
    tracker.ok("seed")
    tracker.ok(
        "signatory", "import", str(listing), "--letter", "openai-board-2023", "--source", "seed-003"
    )
    assert _counts(tracker) == before
