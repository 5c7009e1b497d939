"""The set-based resolution of a staged import: people, organizations, roles, signatures.

A handful of SQL statements read the staging table `import_rows` and its repeated keys
`import_repeats` (see `import_staging`), so nothing loops over the rows twice in Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, text

from tracker.db.models import Base
from tracker.domain.matching import likeness
from tracker.services.import_staging import SQLITE_CACHE_KIB, temporary_suffix

REBUILD_INDEXES_FROM = 50_000
SORT_RUN_KIB = 4 * 1024
SORT_THREADS = min(4, os.cpu_count() or 1)
PEOPLE, ROLES, SIGNATURES = (
    Base.metadata.tables[name] for name in ("people", "roles", "signatures")
)
NEAR_MISS_SAMPLE = 20_000


@dataclass
class Resolution:
    added: int = 0
    new_people: int = 0
    new_roles: int = 0
    near_misses: int = 0


# The set-based resolution, in order. Each statement reads the staging table `import_rows`.
#
# Every row's person goes into a narrow table, `import_people`, in one pass: the person whose key
# (or an alias's key) the name has, or else a new person. Within one file, rows with the same key
# are one person, and the first of them names them. A new person's id is decided here: the
# largest id before the import (the import holds the write lock) plus the row number of the
# key's first row. Ids of new people thus increase in file order, with gaps where a row was a
# known person or a repeat, and nothing has to find the new people again by key after they are
# inserted. (Writing a new narrow table is cheaper than rewriting every wide staging row.)
_CREATE_PEOPLE = (
    "CREATE TEMPORARY TABLE import_people (row_no INTEGER PRIMARY KEY, person_id INTEGER NOT NULL)"
    "{suffix}"
)
_NEW_PERSON = (
    ":max_before + coalesce("
    "(SELECT x.first_row FROM import_repeats x WHERE x.row_no = r.row_no), r.row_no)"
)
_KNOWN_OR_NEW_PERSON = (
    "coalesce((SELECT min(p.id) FROM people p WHERE p.name_key = r.name_key), "
    "(SELECT min(a.person_id) FROM aliases a WHERE a.alias_key = r.name_key), "
    f"{_NEW_PERSON})"
)
_MATCH_PEOPLE = (
    "INSERT INTO import_people (row_no, person_id) SELECT r.row_no, {person} "
    "FROM import_rows r ORDER BY r.row_no"
)
_ADD_PEOPLE = (
    "INSERT INTO people (id, name, name_key, last_key, first_key, source_id, created_at) "
    "SELECT i.person_id, r.name, r.name_key, r.last_key, r.first_key, :source, :now "
    "FROM import_rows r JOIN import_people i ON i.row_no = r.row_no "
    "WHERE i.person_id = :max_before + r.row_no ORDER BY r.row_no"
)
# The organizations of the file, one row per key: collected while reading (they are few), or, past
# MAX_TRACKED_ORGANIZATIONS, grouped from the staging table.
_CREATE_ORGANIZATIONS = (
    "CREATE TEMPORARY TABLE import_orgs (org_key TEXT PRIMARY KEY, name TEXT NOT NULL){suffix}"
)
# min() in code point order, as Python compares the names it collects (PostgreSQL would otherwise
# order by the database's collation).
_GROUP_ORGANIZATIONS = (
    "INSERT INTO import_orgs (org_key, name) SELECT r.org_key, min(r.organization{collate}) "
    "FROM import_rows r WHERE r.org_key IS NOT NULL GROUP BY r.org_key"
)
_ADD_ORGANIZATIONS = (
    "INSERT INTO organizations (name, name_key, source_id) "
    "SELECT g.name, g.org_key, :source FROM import_orgs g "
    "WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.name_key = g.org_key) "
    "AND NOT EXISTS (SELECT 1 FROM organization_aliases a WHERE a.alias_key = g.org_key) "
    "ORDER BY g.org_key"
)
# Roles join their organization by key (or an organization alias's key) as they are inserted.
# A new person's first row (`person_id = max_before + row_no`, see above) is the only row that can
# give that person a role so far: those roles go in as they are, in one pass. Every other row (a
# known person, or a repeat of a new person's key) may repeat a role the person has, so only a
# role not yet held goes in.
_ROLE_ROWS = (
    "SELECT i.person_id, coalesce(o.id, a.organization_id) AS organization_id, r.title "
    "FROM import_rows r JOIN import_people i ON i.row_no = r.row_no "
    "LEFT JOIN organizations o ON o.name_key = r.org_key "
    "LEFT JOIN organization_aliases a ON a.alias_key = r.org_key "
    "WHERE r.title IS NOT NULL AND r.org_key IS NOT NULL "
)
_ADD_FIRST_ROLES = (
    "INSERT INTO roles (person_id, organization_id, title, source_id, created_at) "
    f"SELECT m.person_id, m.organization_id, m.title, :source, :now FROM ({_ROLE_ROWS}"
    "AND i.person_id = :max_before + r.row_no) m"
)
_ADD_OTHER_ROLES = (
    "INSERT INTO roles (person_id, organization_id, title, source_id, created_at) "
    f"SELECT DISTINCT m.person_id, m.organization_id, m.title, :source, :now FROM ({_ROLE_ROWS}"
    "AND i.person_id <> :max_before + r.row_no) m "
    "WHERE NOT EXISTS (SELECT 1 FROM roles x WHERE x.person_id = m.person_id "
    "AND x.organization_id = m.organization_id AND x.title = m.title)"
)
# A person signs a letter once: the first row of a person signs, unless they have signed already.
_ADD_SIGNATURES = (
    "INSERT INTO signatures (letter_id, person_id, position, as_written, status, signed_at, "
    "source_id, created_at) "
    "SELECT :letter, i.person_id, r.position, r.name, r.status, r.signed_at, :source, :now "
    "FROM import_rows r JOIN import_people i ON i.row_no = r.row_no "
    "WHERE true ORDER BY r.row_no ON CONFLICT (letter_id, person_id) DO NOTHING"
)


@contextmanager
def _indexes_rebuilt_after(connection: Connection, table: Table, staged: int) -> Iterator[None]:
    """On SQLite, a large load goes faster into a table without its secondary indexes, which are
    then rebuilt by one sort each. All of it happens inside the import's transaction: readers
    keep seeing the old table and indexes (WAL), and a crash rolls back to them."""
    if connection.dialect.name != "sqlite" or staged < REBUILD_INDEXES_FROM:
        yield
        return
    existing = connection.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one()
    if existing > staged:
        yield  # a small addition to a big table: keep the indexes
        return
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    for index in indexes:
        index.drop(connection)
    yield
    with _parallel_sorts(connection):
        for index in indexes:
            index.create(connection)


@contextmanager
def _parallel_sorts(connection: Connection) -> Iterator[None]:
    """SQLite sorts a new index's entries in runs as large as the page cache; with worker threads
    it sorts each run in the background while it reads on, and merges the runs at the end.
    Small runs on every core build a large index about twice as fast as one run in memory."""
    connection.exec_driver_sql(f"PRAGMA threads = {SORT_THREADS}")
    connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SORT_RUN_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
        connection.exec_driver_sql("PRAGMA threads = 0")


def resolve(
    connection: Connection,
    *,
    letter_id: int,
    source_id: int,
    now: Any,
    staged: int,
    organizations: dict[str, str] | None,
) -> Resolution:
    """Set-based: match people, add new ones, organizations, roles and signatures."""

    def run(sql: str, **params: Any) -> int:
        return connection.execute(text(sql), params).rowcount

    summary = Resolution()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        run("ANALYZE import_rows")
    max_before = _largest_person_id(connection)
    run(_CREATE_PEOPLE.format(suffix=temporary_suffix(connection)))
    anyone = connection.execute(text("SELECT EXISTS (SELECT 1 FROM people)")).scalar_one()
    person = _KNOWN_OR_NEW_PERSON if anyone else _NEW_PERSON  # nobody to match yet: all new
    run(_MATCH_PEOPLE.format(person=person), max_before=max_before)
    with _indexes_rebuilt_after(connection, PEOPLE, staged):
        summary.new_people = run(_ADD_PEOPLE, max_before=max_before, source=source_id, now=now)
    if postgres and summary.new_people:
        _advance_people_sequence(connection)
    if postgres:
        run("ANALYZE import_people")
    run(_CREATE_ORGANIZATIONS.format(suffix=temporary_suffix(connection)))
    if organizations is None:
        run(_GROUP_ORGANIZATIONS.format(collate=' COLLATE "C"' if postgres else ""))
    elif organizations:
        connection.execute(
            text("INSERT INTO import_orgs (org_key, name) VALUES (:key, :name)"),
            [{"key": key, "name": name} for key, name in organizations.items()],
        )
    if organizations is None or organizations:
        run(_ADD_ORGANIZATIONS, source=source_id)
        roles = {"source": source_id, "now": now, "max_before": max_before}
        with _indexes_rebuilt_after(connection, ROLES, staged):
            summary.new_roles = run(_ADD_FIRST_ROLES, **roles)
        summary.new_roles += run(_ADD_OTHER_ROLES, **roles)
    with _indexes_rebuilt_after(connection, SIGNATURES, staged):
        summary.added = run(_ADD_SIGNATURES, letter=letter_id, source=source_id, now=now)
    if summary.new_people and max_before:
        summary.near_misses = _count_near_misses(connection, max_before)
    return summary


def _people_sequence(connection: Connection) -> str:
    return str(connection.execute(text("SELECT pg_get_serial_sequence('people', 'id')")).scalar())


def _largest_person_id(connection: Connection) -> int:
    """The id after which the import numbers its new people.

    SQLite: the import's transaction holds the database's write lock, so no other writer can
    take an id meanwhile. PostgreSQL: other writers are held off `people` until the import
    commits (SHARE ROW EXCLUSIVE conflicts with every writer and with itself, not with
    readers), and the ids the sequence has already handed out count as taken.
    """
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE"))
    largest = int(connection.execute(text("SELECT coalesce(max(id), 0) FROM people")).scalar_one())
    if not postgres:
        return largest
    handed_out = connection.execute(
        text(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
            f"FROM {_people_sequence(connection)}"
        )
    ).scalar_one()
    return max(int(handed_out), largest)


def _advance_people_sequence(connection: Connection) -> None:
    """PostgreSQL: the people the import numbered itself are past the sequence; move it on."""
    sequence = _people_sequence(connection)
    connection.execute(
        text("SELECT setval(CAST(:sequence AS regclass), (SELECT max(id) FROM people))"),
        {"sequence": sequence},
    )


def _count_near_misses(connection: Connection, max_before: int) -> int:
    """New people who probably are someone already known (sampled past NEAR_MISS_SAMPLE pairs)."""
    pairs = connection.execute(
        text(
            "SELECT n.id, n.name_key, o.name_key FROM people n JOIN people o "
            "ON (o.last_key = n.last_key OR o.first_key = n.first_key) AND o.id <= :max_before "
            "AND o.name_key <> n.name_key WHERE n.id > :max_before LIMIT :limit"
        ),
        {"max_before": max_before, "limit": NEAR_MISS_SAMPLE},
    )
    return len({pid for pid, new, old in pairs if likeness(new, old) is not None})
