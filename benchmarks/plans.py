"""The query plans of the import's set-based statements, at scale, on SQLite.

    python benchmarks/plans.py [--rows 200000]

Builds a realistic list (`synthetic.write_realistic`), imports it into a fresh database, then
imports it again into a second letter from another source (so every entry has known people to
be decided against), and prints SQLite's `EXPLAIN QUERY PLAN` of every statement that reads the
staging tables, as it runs, inside the import's own transaction. A full scan of one of the
database's own tables (rather than of the staging table, which every statement reads whole) is
marked `<-- SCAN`: it makes the statement grow with the database, not with the file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import event  # noqa: E402
from synthetic import write_realistic  # noqa: E402

from tracker.db.engine import make_engine  # noqa: E402
from tracker.db.migrations import upgrade  # noqa: E402
from tracker.db.uow import UnitOfWork  # noqa: E402
from tracker.importing import import_signatories  # noqa: E402
from tracker.services.letters import add_letter  # noqa: E402
from tracker.services.sources import add_source  # noqa: E402

STAGING = ("import_rows", "import_known", "import_repeats", "import_people", "import_orgs")
OWN_TABLES = ("people", "signatures", "roles", "aliases", "organizations", "organization_aliases")


def explain(cursor: Any, statement: str, parameters: Any) -> list[str]:
    rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
    return [str(row[-1]) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        listing = write_realistic(Path(work) / "list.csv", options.rows)
        engine = make_engine(f"sqlite:///{Path(work) / 'plans.db'}")
        upgrade(engine)
        with UnitOfWork(engine) as uow:
            for key in ("first", "second"):
                add_source(uow=uow, key=key, title=f"The {key} list")
                add_letter(uow=uow, slug=key, title=key, addressed_to="anyone")
            uow.commit()
        seen: set[str] = set()

        @event.listens_for(engine, "before_cursor_execute")
        def show(
            _conn: Any, cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
        ) -> None:
            text = " ".join(statement.split())
            if many:  # a batch of rows into a staging table
                return
            if not any(table in text for table in STAGING) or text.startswith(("CREATE", "DROP")):
                return
            if text in seen or not text.startswith(("INSERT", "DELETE", "SELECT", "UPDATE")):
                return
            seen.add(text)
            print(f"\n{text[:160]}{'...' if len(text) > 160 else ''}")
            for line in explain(cursor, statement, parameters if parameters else ()):
                flag = any(f"SCAN {t}" in line and "USING" not in line for t in OWN_TABLES)
                print(f"    {line}" + ("   <-- SCAN" if flag else ""))

        for letter in ("first", "second"):
            print(f"\n=== import of {options.rows} rows into letter {letter!r}")
            with UnitOfWork(engine) as uow, listing.open("rb") as handle:
                summary = import_signatories(
                    uow=uow, slug=letter, source_key=letter, stream=handle, label=listing.name
                )
                uow.commit()
            print(f"\n{summary.line()}; {summary.identity_line()}")
        engine.dispose()


if __name__ == "__main__":
    main()
