"""An entry's keys: what the resolution matches on. Its name key and blocking keys, its
identifiers' keys, its affiliation's key, its timestamp as the database stores it. Pure (no
database), so the import's workers key entries too."""

from __future__ import annotations

from typing import Any

from tracker.db.stored import sqlite_text
from tracker.domain.identifiers import identifier_keys
from tracker.domain.names import blocking_keys, name_key
from tracker.importing.rules import ImportRow

MAX_TRACKED_ORGANIZATIONS = 100_000

# The staging table's columns, in the order `RowKeyer.values` gives them.
STAGING_COLUMNS = (
    "row_no",
    "line",
    "name",
    "name_key",
    "last_key",
    "first_key",
    "title",
    "affiliation",
    "org_key",
    "link",
    "email",
    "handle",
    "location",
    "extra",
    "link_key",
    "email_key",
    "handle_key",
    "signed_at",
    "position",
    "status",
)


class Spellings:
    """The organizations of one file: each key with its first spelling in sort order (what a
    new organization is called), while there are few enough to keep (`found` is None past
    MAX_TRACKED_ORGANIZATIONS: the resolution then groups the staging table)."""

    def __init__(self) -> None:
        self.found: dict[str, str] | None = {}

    def add(self, key: str, spelling: str) -> None:
        found = self.found
        if found is None:
            return
        known = found.get(key)
        if known is None and len(found) >= MAX_TRACKED_ORGANIZATIONS:
            self.found = None
        elif known is None or spelling < known:
            found[key] = spelling

    def merge(self, other: dict[str, str] | None) -> None:
        if other is None:
            self.found = None
            return
        for key, spelling in other.items():
            self.add(key, spelling)


class RowKeyer:
    """A checked entry's staging values (`STAGING_COLUMNS`), and what keying found: the
    organizations' spellings, and identifiers that could not be read as one."""

    def __init__(self, *, postgres: bool) -> None:
        self.postgres = postgres
        self.spellings = Spellings()
        self.unusable_identifiers = 0
        self._org_keys: dict[str, str] = {}
        self._stamps: dict[Any, Any] = {}

    def stamp(self, signed: Any) -> Any:
        if self.postgres or signed is None:
            return signed
        found = self._stamps.get(signed)
        if found is None:
            found = self._stamps[signed] = sqlite_text(signed)
        return found

    def organization_key(self, organization: str) -> str:
        found = self._org_keys.get(organization)
        if found is None:
            found = name_key(organization)
            if len(self._org_keys) < MAX_TRACKED_ORGANIZATIONS:
                self._org_keys[organization] = found
        self.spellings.add(found, organization)
        return found

    def values(self, row: ImportRow) -> tuple[Any, ...]:
        key = name_key(row.name)
        blocks = blocking_keys(row.name, key)
        affiliation = row.affiliation
        org_key = self.organization_key(affiliation) if affiliation else None
        keyed: dict[str, str] = {}
        if row.link or row.email or row.handle:
            found = identifier_keys(row.link, row.email, row.handle)
            keyed = dict(reversed(found))  # the first of each kind
            given = bool(row.link) + bool(row.email) + bool(row.handle)
            self.unusable_identifiers += max(0, given - len(found))
        return (
            row.entry,
            row.line,
            row.name,
            key,
            blocks.last,
            blocks.first,
            row.title,
            affiliation,
            org_key,
            row.link,
            row.email,
            row.handle,
            row.location,
            row.extra,
            keyed.get("link"),
            keyed.get("email"),
            keyed.get("handle"),
            self.stamp(row.signed_at),
            row.position,
            row.status,
        )
