"""`tracker signatory import` of N synthetic signatories against the raw database tools.

SQLite: the `sqlite3` shell's `.import` of the same CSV into a plain table is the floor no
importer can beat. A second floor is what this schema itself costs: the `sqlite3` shell loads the
file, keys it crudely (`lower()`), and makes the same writes an import makes, into a database
made by `tracker init`: people, organizations, roles and signatures, their indexes rebuilt as the
import rebuilds them, in one WAL transaction. A third is Python's own: its `csv` module reads the
file and its `sqlite3` module stages the rows, as they are, into the import's staging table,
with no rule applied (what any importer that reads its rows in Python pays before its first
rule, on top of the writes). PostgreSQL (with --postgres URL): `psql \\copy` of
the same file, and psql making the same writes, into the indexed tables and, as pg_restore does
(and the import does for a load this large), with the tables' secondary indexes and foreign keys
built after the load in the same transaction; the ratios are to the second. All run in the same
session as the import, and the figures are medians of --runs runs, reported as ratios. The import
is timed three ways: into a fresh database, the same file again (which changes nothing), and the
same list into a second letter from another source (where every entry is someone known, to be
decided against them: the "who signed both letters" case at its heaviest). Peak memory is the
largest of the three imports' (`measure.py`: the importing process's, and with its workers).

Run: python benchmarks/import_speed.py --rows 1000000 [--runs 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measured, measured_tree
from synthetic import write_realistic, write_signatories

TRACKER = [sys.executable, "-m", "tracker"]


def timed(command: list[str], **kwargs: Any) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process (`measure.measured`)."""
    seconds, peak, code = measured(command, **kwargs)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {code}")
    return seconds, peak


def prepare(url: str) -> None:
    for args in (
        ["init"],
        ["source", "add", "bench", "--title", "Benchmark source"],
        ["letter", "add", "bench", "--title", "Benchmark", "--addressed-to", "Nobody"],
    ):
        subprocess.run([*TRACKER, "--db", url, *args], check=True, capture_output=True)


def tracker_import(url: str, csv_path: Path) -> tuple[float, float, float, float, float]:
    """A fresh database with one letter, then the timed import into it, the same import again
    (which must change nothing), and the same list into a second letter from another source
    (every entry then shares a key with people known, and is decided against them); the seconds
    of each, the importing process's largest peak, and the largest peak of all its processes
    (its workers too; sum of PSS)."""
    prepare(url)
    command = [*TRACKER, "--db", url, "signatory", "import", str(csv_path)]
    into_first = [*command, "--letter", "bench", "--source", "bench"]
    runs = [measured_tree(into_first, stderr_on_failure=True) for _ in range(2)]
    for args in (
        ["source", "add", "second", "--title", "Another list"],
        ["letter", "add", "second", "--title", "A second letter", "--addressed-to", "Nobody"],
    ):
        subprocess.run([*TRACKER, "--db", url, *args], check=True, capture_output=True)
    into_second = [*command, "--letter", "second", "--source", "second"]
    runs.append(measured_tree(into_second, stderr_on_failure=True))
    if any(code != 0 for _, _, code, _ in runs):
        raise SystemExit(f"{' '.join(command)} failed")
    (first, _, _, _), (again, _, _, _), (second, _, _, _) = runs
    return first, again, second, max(r[1] for r in runs), max(r[3] for r in runs)


# The import's writes, by the sqlite3 shell (see the module's docstring).
_SCHEMA_FLOOR = """
PRAGMA cache_size = -16384;
PRAGMA threads = 2;
.import --csv --schema temp {csv} raw
BEGIN IMMEDIATE;
CREATE TEMP TABLE st AS SELECT rowid AS row_no, name, lower(name) AS name_key,
  lower(substr(name, instr(name, ' ') + 1)) AS last_key,
  lower(substr(name, 1, instr(name, ' ') + 1)) AS first_key,
  nullif(title, '') AS title, nullif({affiliation}, '') AS affiliation,
  lower(nullif({affiliation}, '')) AS org_key, nullif({link}, '') AS link,
  lower(nullif({link}, '')) AS link_key, nullif({email}, '') AS email,
  lower(nullif({email}, '')) AS email_key, signed_at FROM raw;
{drop_people}
INSERT INTO people (id, name, name_key, last_key, first_key, source_id, created_at)
  SELECT row_no, name, name_key, last_key, first_key, 1, '2024-01-01 00:00:00.000000' FROM st;
{create_people}
INSERT INTO organizations (name, name_key, source_id)
  SELECT min(affiliation), org_key, 1 FROM st WHERE org_key IS NOT NULL GROUP BY org_key;
{drop_roles}
INSERT INTO roles (person_id, organization_id, title, source_id, created_at)
  SELECT st.row_no, o.id, coalesce(st.title, 'Affiliated'), 1, '2024-01-01 00:00:00.000000'
  FROM st JOIN organizations o ON o.name_key = st.org_key;
{create_roles}
{drop_signatures}
INSERT INTO signatures (letter_id, person_id, as_written, status, signed_at, source_id,
  created_at, entry, title, affiliation, link, email, link_key, email_key)
  SELECT 1, row_no, name, 'reported', signed_at, 1, '2024-01-01 00:00:00.000000', row_no,
  title, affiliation, link, email, link_key, email_key FROM st;
{create_signatures}
COMMIT;
"""


def _columns(csv_path: Path) -> dict[str, str]:
    """The list's columns for the floors: its affiliation column, and NULL for what it lacks."""
    with csv_path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    return {
        "affiliation": "affiliation" if "affiliation" in header else "organization",
        "link": "link" if "link" in header else "NULL",
        "email": "email" if "email" in header else "NULL",
    }


def schema_floor_script(csv_path: Path) -> str:
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex

    from tracker.db.models import Base

    parts = {"csv": str(csv_path), **_columns(csv_path)}
    for table in ("people", "roles", "signatures"):
        indexes = Base.metadata.tables[table].indexes
        parts[f"drop_{table}"] = "".join(f"DROP INDEX {index.name};\n" for index in indexes)
        parts[f"create_{table}"] = (
            "PRAGMA cache_size = -4096;\n"
            + "".join(
                f"{CreateIndex(index).compile(dialect=sqlite.dialect())};\n" for index in indexes
            )
            + "PRAGMA cache_size = -16384;\n"
        )
    return _SCHEMA_FLOOR.format(**parts)


# Python's own floor (SQLite rounds; 0 in PostgreSQL's): the `csv` module reads the list and
# the `sqlite3` module stages its rows, as they are, into the import's staging table (the same
# columns, by one executemany a batch), in one process, with no rule applied. Every importer that
# reads and stages its rows in Python pays this before the first rule runs, and before the
# set-based writes that the same-writes floor measures.
_PYTHON_FLOOR = """
import csv, sqlite3, sys
from tracker.importing.keys import STAGING_COLUMNS
from tracker.importing.staging import BATCH, staging_table_sql

connection = sqlite3.connect(sys.argv[2])
connection.execute(staging_table_sql(postgres=False))
insert = f"INSERT INTO import_rows VALUES ({', '.join('?' for _ in STAGING_COLUMNS)})"
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    reader = csv.DictReader(handle)
    batch = []
    for number, row in enumerate(reader, 1):
        name, org = row["name"], row.get("affiliation") or row.get("organization") or None
        link, email = row.get("link") or None, row.get("email") or None
        batch.append((number, number + 1, name, name, name, name, row.get("title") or None,
                      org, org, link, email, None, None, None, link, email, None,
                      row.get("signed_at") or None, None, "reported"))
        if len(batch) == BATCH:
            connection.executemany(insert, batch)
            batch.clear()
    connection.executemany(insert, batch)
connection.commit()
"""


def python_floor(folder: Path, csv_path: Path, run_name: str) -> float:
    seconds, _ = timed(
        [sys.executable, "-c", _PYTHON_FLOOR, str(csv_path), str(folder / f"py-{run_name}.db")]
    )
    return seconds


# floor, same writes, import, again, into a second letter, peak of the importing process, peak
# of all its processes, Python's floor
Round = tuple[float, float, float, float, float, float, float, float]


def sqlite_round(folder: Path, csv_path: Path, run: int) -> Round:
    run_name = f"{csv_path.stem}-{run}"  # each list and run gets databases of its own
    floor_db = folder / f"floor-{run_name}.db"
    floor, _ = timed(["sqlite3", str(floor_db), "-cmd", ".mode csv", f".import {csv_path} t"])
    schema_url = f"sqlite:///{folder / f'schema-floor-{run_name}.db'}"
    prepare(schema_url)
    script = folder / "schema-floor.sql"
    script.write_text(schema_floor_script(csv_path))
    with script.open() as commands:
        schema, _ = timed(["sqlite3", schema_url.removeprefix("sqlite:///")], stdin=commands)
    url = f"sqlite:///{folder / f'tracker-{run_name}.db'}"
    staged = python_floor(folder, csv_path, run_name)
    ours, again, second, rss, tree = tracker_import(url, csv_path)
    return floor, schema, ours, again, second, rss, tree, staged


# The import's writes, by psql (see the module's docstring).
_PG_SCHEMA_FLOOR = """
\\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE raw ({raw_columns}) ON COMMIT DROP;
\\copy raw FROM '{csv}' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE st ON COMMIT DROP AS SELECT row_number() OVER () AS row_no, name,
  lower(name) AS name_key, lower(split_part(name, ' ', -1)) AS last_key,
  lower(split_part(name, ' ', 1)) AS first_key, nullif(title, '') AS title,
  nullif({affiliation}, '') AS affiliation, lower(nullif({affiliation}, '')) AS org_key,
  nullif({link}, '') AS link, lower(nullif({link}, '')) AS link_key,
  nullif({email}, '') AS email, lower(nullif({email}, '')) AS email_key,
  signed_at::timestamp AS signed_at FROM raw;
INSERT INTO people (id, name, name_key, last_key, first_key, source_id, created_at)
  SELECT row_no, name, name_key, last_key, first_key, 1, now() FROM st;
INSERT INTO organizations (name, name_key, source_id)
  SELECT min(affiliation), org_key, 1 FROM st WHERE org_key IS NOT NULL GROUP BY org_key;
INSERT INTO roles (person_id, organization_id, title, source_id, created_at)
  SELECT st.row_no, o.id, coalesce(st.title, 'Affiliated'), 1, now()
  FROM st JOIN organizations o ON o.name_key = st.org_key;
INSERT INTO signatures (letter_id, person_id, as_written, status, signed_at, source_id,
  created_at, entry, title, affiliation, link, email, link_key, email_key)
  SELECT 1, row_no, name, 'reported', signed_at, 1, now(), row_no, title, affiliation, link,
  email, link_key, email_key FROM st;
COMMIT;
"""


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def _raw_columns(csv_path: Path) -> str:
    with csv_path.open(encoding="utf-8") as handle:
        return ", ".join(f"{name} text" for name in handle.readline().strip().split(","))


_LOADED = ("people", "organizations", "roles", "signatures")


def _rebuilt_after(url: str, script: str) -> str:
    """The script with the loaded tables' secondary indexes and foreign keys dropped after BEGIN
    and built again before COMMIT, as pg_restore (and the import, for a load this large) does;
    read from the database's own catalog."""
    tables = ", ".join(f"'{t}'" for t in _LOADED)
    indexes = subprocess.run(
        ["psql", url, "-Atc", f"SELECT indexname || '|' || indexdef FROM pg_indexes WHERE "
         f"schemaname = 'public' AND tablename IN ({tables}) AND indexname NOT IN "
         "(SELECT conname FROM pg_constraint)"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    keys = subprocess.run(
        ["psql", url, "-Atc", "SELECT conrelid::regclass || '|' || conname || '|' || "
         f"pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' AND "
         f"conrelid::regclass::text IN ({tables})"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    index_rows = [line.split("|", 1) for line in indexes if line]
    key_rows = [line.split("|", 2) for line in keys if line]
    drops = [f"ALTER TABLE {t} DROP CONSTRAINT {n};" for t, n, _ in key_rows]
    drops += [f"DROP INDEX {name};" for name, _ in index_rows]
    builds = ["SET LOCAL maintenance_work_mem = '256MB';"]
    builds += [f"{definition};" for _, definition in index_rows]
    builds += [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d};" for t, n, d in key_rows]
    script = script.replace("BEGIN;\n", "BEGIN;\n" + "\n".join(drops) + "\n", 1)
    return script.replace("COMMIT;\n", "\n".join(builds) + "\nCOMMIT;\n", 1)


def postgres_round(url: str, csv_path: Path, folder: Path) -> Round:
    _fresh_postgres(url)
    table = f"CREATE TABLE floor ({_raw_columns(csv_path)})"
    subprocess.run(["psql", url, "-qc", table], check=True)
    floor, _ = timed(
        ["psql", url, "-qc", f"\\copy floor FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"]
    )
    writes = _PG_SCHEMA_FLOOR.format(
        csv=csv_path, raw_columns=_raw_columns(csv_path), **_columns(csv_path)
    )
    script = folder / "pg-schema-floor.sql"
    _fresh_postgres(url)
    prepare(url)
    script.write_text(writes)
    kept, _ = timed(["psql", url, "-q", "-f", str(script)])
    print(f"{'psql, the same writes into indexed tables':44s}{kept:6.2f} s  {kept / floor:.2f}x")
    _fresh_postgres(url)
    prepare(url)
    script.write_text(_rebuilt_after(url, writes))
    schema, _ = timed(["psql", url, "-q", "-f", str(script)])
    _fresh_postgres(url)
    ours, again, second, rss, tree = tracker_import(url, csv_path)
    return floor, schema, ours, again, second, rss, tree, 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also compare with psql \\copy here")
    parser.add_argument(
        "--lists",
        default="ascii,realistic",
        help="which lists: ascii (distinct ASCII names), realistic (many scripts, repeats, "
        "mononyms, namesakes, links, e-mails); comma-separated",
    )
    args = parser.parse_args()
    makers = {"ascii": write_signatories, "realistic": write_realistic}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for kind in args.lists.split(","):
            csv_path = makers[kind](folder / f"{kind}.csv", args.rows)
            size = csv_path.stat().st_size / 2**20
            print(f"\n{kind}: {args.rows} rows, {size:.0f} MiB of CSV, median of {args.runs} runs")
            rounds = [sqlite_round(folder, csv_path, run) for run in range(args.runs)]
            labels = ["sqlite3 .import", "sqlite3, the same writes", "tracker import (SQLite)"]
            report(rounds, labels)
            if args.postgres:
                rounds = [postgres_round(args.postgres, csv_path, folder) for _ in range(args.runs)]
                labels = ["psql \\copy", "psql, the same writes*", "tracker import (PG)"]
                report(rounds, labels)
                print("  * indexes and foreign keys built after the load, as pg_restore does")


def report(rounds: list[Round], labels: list[str]) -> None:
    """Medians of the floor, of the same writes, of the import, of the same import again and of
    the list into a second letter, as ratios; the peak RSS."""
    floor, schema, ours, again, second = (statistics.median(r[i] for r in rounds) for i in range(5))
    rss, tree = max(r[5] for r in rounds), max(r[6] for r in rounds)
    staged = statistics.median(r[7] for r in rounds)
    print(f"{labels[0]:26s}{floor:6.2f} s")
    print(f"{labels[1]:26s}{schema:6.2f} s  {schema / floor:.2f}x")
    if staged:
        print(
            f"{'python reads and stages':26s}{staged:6.2f} s  {staged / floor:.2f}x  (no rule "
            f"applied; with the same writes {staged + schema:.2f} s)"
        )
    print(
        f"{labels[2]:26s}{ours:6.2f} s  {ours / floor:.2f}x  "
        f"({ours / schema:.2f}x the same writes)  peak {rss:.0f} MiB "
        f"(with its workers {tree:.0f} MiB)"
    )
    print(f"{'  the same import again':26s}{again:6.2f} s  ({again / ours:.2f}x the first)")
    print(f"{'  into a second letter':26s}{second:6.2f} s  ({second / ours:.2f}x the first)")


if __name__ == "__main__":
    main()
