"""Who is withheld is asked before every output that names people; the index
`ix_signatures_withheld` answers it from the withheld entries alone. The query and the index are
written in two places (the service, the schema), and the planner uses the index only while the
query's condition matches the index's: this test holds them together, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from tests.conftest import Tracker
from tracker.db.engine import make_engine
from tracker.db.uow import UnitOfWork
from tracker.services.withheld import Withheld


def test_who_is_withheld_is_read_from_its_index(tracker: Tracker) -> None:
    tracker.ok("seed")
    tracker.ok(
        "signatory", "add", "Wilhelmina Withheld", "--letter", "openai-board-2023",
        "--source", "seed-003", "--withheld",
    )  # fmt: skip
    engine = make_engine(tracker.url)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "withheld" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with UnitOfWork(engine, readonly=True) as uow:
            withheld = Withheld(uow)
            assert len(withheld.people) == 1
            first = statements[0]
            assert "IN" not in first  # the question itself, not the follow-up by person
            connection = uow.session.connection()
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = connection.execute(text("EXPLAIN " + first)).scalars().all()
            else:
                rows = connection.execute(text("EXPLAIN QUERY PLAN " + first)).all()
                plan = [row[-1] for row in rows]
    finally:
        engine.dispose()
    assert any("ix_signatures_withheld" in line for line in plan), plan


def test_sqlite_reads_by_letter_and_key_not_through_the_partial_indexes(
    sqlite_tracker: Tracker,
) -> None:
    """On SQLite (no statistics), a whole index on `withheld` or `merged_into_id` is taken for
    "withheld IS 0" or "merged_into_id IS NULL" and reads nearly every row: the indexes are
    partial, so the statements that name a letter or a key keep reading by it, and the lookups
    of merged people use theirs."""
    tracker = sqlite_tracker
    tracker.ok("seed")
    plans = {
        "SELECT id FROM signatures WHERE letter_id = 1 AND withheld IS 0": "letter_id_position",
        "SELECT count(*) FROM people WHERE first_key >= 'a' AND first_key < 'b' "
        "AND merged_into_id IS NULL": "ix_people_first_key",
        "SELECT id FROM people WHERE merged_into_id IN (1, 2)": "ix_people_merged_into_id",
        "SELECT id FROM people WHERE merged_into_id = 3": "ix_people_merged_into_id",
    }
    for statement, index in plans.items():
        plan = " ".join(str(row[-1]) for row in tracker.rows("EXPLAIN QUERY PLAN " + statement))
        assert index in plan, (statement, plan)
    whole = tracker.rows("EXPLAIN QUERY PLAN SELECT id FROM people WHERE merged_into_id IS NULL")
    assert "merged_into_id" not in " ".join(str(row[-1]) for row in whole)
