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
