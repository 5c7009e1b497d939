"""The resolution of a staged import: entries already present left out, who each entry is
(`deciding`: the rules `signatory add` follows too, for the few entries that share a key with
someone; every other entry is a new person), then people, organizations, roles and signatures,
each by one set-based statement, so nothing loops over all the rows in Python twice and memory
stays flat as the input grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from tracker.db.bulk import indexes_rebuilt_after, on_commit_drop
from tracker.db.models import Base
from tracker.errors import BadInput
from tracker.importing.deciding import decide_entries

PEOPLE, ROLES, SIGNATURES = (
    Base.metadata.tables[name] for name in ("people", "roles", "signatures")
)
AFFILIATED = "Affiliated"  # the title of a role that an affiliation without a title gives


@dataclass(frozen=True, slots=True)
class Link:
    """An entry of the file that was found to be a person known before it, or another entry's
    person: who, by what, and why (what `--merges FILE` lists)."""

    line: int
    name: str
    person_id: int
    person: str
    via: str
    reason: str


@dataclass
class Resolution:
    added: int = 0
    already_present: int = 0
    new_people: int = 0
    new_roles: int = 0
    linked_by_identifier: int = 0
    linked_by_name: int = 0
    queued: int = 0


# Entries of the file whose place in the source holds another name already: another list (or
# another version of it) under the same source, which must not be taken as already present.
_PLACES_TAKEN = (
    "SELECT r.line, r.name, s.as_written FROM import_rows r JOIN signatures s "
    "ON s.letter_id = :letter AND s.source_id = :source AND s.entry = r.row_no "
    "WHERE s.as_written <> r.name ORDER BY r.row_no LIMIT 3"
)
# Entries this letter already holds from this source, by their place in it: the same file
# imported again changes nothing.
_DROP_PRESENT = (
    "DELETE FROM import_rows WHERE row_no IN (SELECT s.entry FROM signatures s "
    "WHERE s.letter_id = :letter AND s.source_id = :source AND s.entry IS NOT NULL)"
)
# An entry that is a known person who signed this letter before this import is already present.
_DROP_SIGNED = (
    "DELETE FROM import_rows WHERE row_no IN (SELECT k.row_no FROM import_known k "
    "WHERE EXISTS (SELECT 1 FROM signatures s WHERE s.person_id = k.person_id "
    "AND s.letter_id = :letter))"
)
# Every entry's person, in one pass: the known person it is, or a new person whose id is decided
# here: the largest id before the import (the import holds the write lock) plus the row number
# of the first entry of that person. Ids of new people thus increase in file order, and nothing
# has to find the new people again after they are inserted.
_CREATE_PEOPLE = (
    "CREATE TEMPORARY TABLE import_people (row_no INTEGER PRIMARY KEY, "
    "person_id INTEGER NOT NULL){suffix}"
)
_MATCH_PEOPLE = (
    "INSERT INTO import_people (row_no, person_id) SELECT r.row_no, coalesce("
    "(SELECT k.person_id FROM import_known k WHERE k.row_no = r.row_no), :max_before + coalesce("
    "(SELECT x.first_row FROM import_repeats x WHERE x.row_no = r.row_no), r.row_no)) "
    "FROM import_rows r ORDER BY r.row_no"
)
_ALL_NEW = (
    "INSERT INTO import_people (row_no, person_id) SELECT r.row_no, :max_before + coalesce("
    "(SELECT x.first_row FROM import_repeats x WHERE x.row_no = r.row_no), r.row_no) "
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
    "INSERT INTO import_orgs (org_key, name) SELECT r.org_key, min(r.affiliation{collate}) "
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
# A new person's first entry is the only one that can give that person a role so far: those go in
# as they are, in one pass. Every other entry (a known person, or a new person's later entry) may
# repeat a role the person has, so only a role not yet held goes in. That probe must go by the
# person (`ix_roles_person_id_starts_on`): `+ 0` keeps SQLite, which has no statistics here,
# from probing by organization instead, which scans a third of all roles per entry when a list
# names three organizations.
_ROLE_ROWS = (
    "SELECT i.person_id, coalesce(o.id, a.organization_id) AS organization_id, "
    f"coalesce(r.title, '{AFFILIATED}') AS title "
    "FROM import_rows r JOIN import_people i ON i.row_no = r.row_no "
    "LEFT JOIN organizations o ON o.name_key = r.org_key "
    "LEFT JOIN organization_aliases a ON a.alias_key = r.org_key "
    "WHERE r.org_key IS NOT NULL "
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
    "AND x.organization_id + 0 = m.organization_id AND x.title = m.title)"
)
_ADD_SIGNATURES = (
    "INSERT INTO signatures (letter_id, person_id, position, as_written, status, signed_at, "
    "source_id, created_at, entry, title, affiliation, link, email, handle, location, extra, "
    "link_key, email_key, handle_key) "
    "SELECT :letter, i.person_id, r.position, r.name, r.status, r.signed_at, :source, :now, "
    "r.row_no, r.title, r.affiliation, r.link, r.email, r.handle, r.location, r.extra, "
    "r.link_key, r.email_key, r.handle_key "
    "FROM import_rows r JOIN import_people i ON i.row_no = r.row_no ORDER BY r.row_no"
)
_LINKS = (
    "SELECT r.line, r.name, k.person_id, p.name, k.via, k.reason FROM import_known k "
    "JOIN import_rows r ON r.row_no = k.row_no JOIN people p ON p.id = k.person_id "
    "UNION ALL SELECT r.line, r.name, i.person_id, f.name, x.via, x.reason FROM import_repeats x "
    "JOIN import_rows r ON r.row_no = x.row_no JOIN import_people i ON i.row_no = x.row_no "
    "JOIN import_rows f ON f.row_no = x.first_row ORDER BY 1"
)


def resolve(
    connection: Connection,
    *,
    letter_id: int,
    source_id: int,
    now: Any,
    staged: int,
    organizations: dict[str, str] | None,
    on_link: Callable[[Link], None] | None = None,
) -> Resolution:
    """Decide who each staged entry is, and write people, organizations, roles, signatures."""

    def run(sql: str, **params: Any) -> int:
        return connection.execute(text(sql), params).rowcount

    summary = Resolution()
    postgres = connection.dialect.name == "postgresql"
    suffix = on_commit_drop(postgres)
    taken = connection.execute(
        text(_PLACES_TAKEN), {"letter": letter_id, "source": source_id}
    ).all()
    if taken:
        places = "; ".join(f"line {line}: {name!r}, not {held!r}" for line, name, held in taken)
        raise BadInput(
            f"this source's list on this letter has other names at the same places ({places}); "
            "if this is another list, or another version of it, give it a source of its own "
            "(`tracker source add KEY --title ...`)"
        )
    summary.already_present = run(_DROP_PRESENT, letter=letter_id, source=source_id)
    staged -= summary.already_present
    if postgres:
        run("ANALYZE import_rows")
    max_before = _largest_person_id(connection)
    anyone = connection.execute(text("SELECT EXISTS (SELECT 1 FROM people)")).scalar_one()
    decided = decide_entries(connection, letter=letter_id, known=bool(anyone), suffix=suffix)
    summary.queued = decided.queued
    summary.linked_by_name = decided.by_name
    summary.linked_by_identifier = decided.by_identifier
    if decided.known:
        signed = run(_DROP_SIGNED, letter=letter_id)
        summary.already_present += signed
        staged -= signed
    run(_CREATE_PEOPLE.format(suffix=suffix))
    run(_MATCH_PEOPLE if decided.known else _ALL_NEW, max_before=max_before)
    with indexes_rebuilt_after(connection, PEOPLE, staged):
        summary.new_people = run(_ADD_PEOPLE, max_before=max_before, source=source_id, now=now)
    if postgres and summary.new_people:
        _advance_people_sequence(connection)
    if postgres:
        run("ANALYZE import_people")
    run(_CREATE_ORGANIZATIONS.format(suffix=suffix))
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
        with indexes_rebuilt_after(connection, ROLES, staged):
            summary.new_roles = run(_ADD_FIRST_ROLES, **roles)
        summary.new_roles += run(_ADD_OTHER_ROLES, **roles)
    with indexes_rebuilt_after(connection, SIGNATURES, staged):
        summary.added = run(_ADD_SIGNATURES, letter=letter_id, source=source_id, now=now)
    if on_link is not None:
        # Streamed: PostgreSQL's driver would otherwise hold every link at once (a million-row
        # list into a second letter: 170 MiB).
        links = text(_LINKS).execution_options(stream_results=True, yield_per=10_000)
        for row in connection.execute(links):
            on_link(Link(*row))
    return summary


def _people_sequence(connection: Connection) -> str:
    return str(connection.execute(text("SELECT pg_get_serial_sequence('people', 'id')")).scalar())


def _largest_person_id(connection: Connection) -> int:
    """The id after which the import numbers its new people.

    The import's transaction holds the database's one writer lock (SQLite's write lock; the
    writers' advisory lock on PostgreSQL, see `db.engine`), so no other writer can take an id
    meanwhile. On PostgreSQL the ids the sequence has already handed out count as taken.
    """
    postgres = connection.dialect.name == "postgresql"
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
