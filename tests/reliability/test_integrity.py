"""Integrity and trust: the history cannot be rewritten by the back doors of either database,
and no cache the tracker reads can run code."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Tracker


def test_history_cannot_be_replaced_or_truncated(seeded: Tracker) -> None:
    engine = seeded.engine()
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT id, summary FROM history ORDER BY id")).first()
            assert first is not None
        postgres = engine.dialect.name == "postgresql"
        replace = (
            "INSERT INTO history (id, at, action, entity, summary) "
            "VALUES (:id, '2020-01-01', 'x', 'x', 'rewritten') "
            + ("ON CONFLICT (id) DO UPDATE SET summary = 'rewritten'" if postgres else "")
        )
        if not postgres:
            replace = replace.replace("INSERT INTO", "INSERT OR REPLACE INTO")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(replace), {"id": first.id})
        if postgres:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text("TRUNCATE history"))
        with engine.connect() as connection:
            summary = connection.execute(
                text("SELECT summary FROM history WHERE id = :id"), {"id": first.id}
            ).scalar()
        assert summary == first.summary
    finally:
        engine.dispose()
    seeded.ok("source", "add", "after", "--title", "Still writable")  # new rows still go in


class _Payload:
    """Unpickling this writes a file: the proof that a cache ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (self.marker, "ran"))  # type: ignore[return-value]


def test_the_confusables_cache_is_data_not_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.domain import confusables

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    marker = tmp_path / "ran-code"
    path = confusables._cache_file()
    path.parent.mkdir(parents=True)
    hostile = pickle.dumps(_Payload(marker))
    path.write_bytes(hostile)
    path.with_suffix(".pickle").write_bytes(hostile)  # the old cache's name
    confusables._prototypes.cache_clear()
    try:
        table = confusables._prototypes()
        assert len(table) > 1000  # derived again from the package's data
        assert not marker.exists()
        assert path.read_text(encoding="utf-8").startswith("{")  # rewritten as JSON
        confusables._prototypes.cache_clear()
        assert confusables._prototypes() == table  # read back from the JSON cache
        path.write_text('{"65": 5}', encoding="utf-8")  # JSON, but not a table: derived again
        confusables._prototypes.cache_clear()
        assert confusables._prototypes() == table
    finally:
        confusables._prototypes.cache_clear()
