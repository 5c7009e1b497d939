"""The public database: every published letter's public facts as one SQLite file that opens in any
SQLite tool and in Datasette (with `metadata.json`). It holds no e-mail and no withheld name:
the signatures are copied from the same public rows the site shows."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tracker.publishing.facts import LetterFacts

NAME = "letters.db"
METADATA = "metadata.json"

# (table, description, [(column, type, description)])
TABLES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("letters", "The open letters.", [
        ("slug", "TEXT PRIMARY KEY", "The letter's short name."),
        ("title", "TEXT NOT NULL", "Its title."),
        ("addressed_to", "TEXT NOT NULL", "Whom it is addressed to."),
        ("dated", "TEXT", "Its date (ISO 8601)."),
        ("first_published_by", "TEXT", "Where it was first published."),
        ("population", "INTEGER", "How many people it could speak for."),
        ("population_label", "TEXT", "Who they are."),
        ("reported", "INTEGER", "The latest reported count of signers."),
        ("reported_qualifier", "TEXT", "exact, approximate, at-least or up-to."),
        ("named", "INTEGER", "Named signatures on the list (not retracted)."),
        ("ultimatum", "TEXT", "What the signers threatened."),
        ("ultimatum_state", "TEXT", "Whether it is active, moot or carried out."),
        ("as_of", "TEXT", "The day the figures hold for."),
    ]),
    ("sources", "The documents every fact rests on.", [
        ("letter", "TEXT NOT NULL", "The letter it is cited for."),
        ("key", "TEXT NOT NULL", "The source's key."),
        ("title", "TEXT NOT NULL", "Its title."),
        ("publisher", "TEXT", "Its publisher."),
        ("url", "TEXT", "Where it is."),
        ("published_on", "TEXT", "When it was published."),
        ("language", "TEXT", "Its language."),
        ("note", "TEXT", "A note on it."),
    ]),
    ("signatories", "Every entry of the published lists, as published. A withheld entry (its "
     "signer asked not to be named) counts, with no name.", [
        ("letter", "TEXT NOT NULL", "The letter."),
        ("position", "INTEGER", "Its place in the list."),
        ("name", "TEXT", "The name as the list printed it (empty: withheld)."),
        ("title", "TEXT", "The title the list gave."),
        ("affiliation", "TEXT", "The affiliation the list gave."),
        ("status", "TEXT NOT NULL", "reported, confirmed, disputed or retracted."),
        ("source", "TEXT NOT NULL", "The source of the entry."),
        ("signed_on", "TEXT", "The day it was signed, where the list gives it."),
        ("link", "TEXT", "A web page the list gave for the signer."),
    ]),
    ("counts", "Counts of signers that outlets reported.", [
        ("letter", "TEXT NOT NULL", "The letter."),
        ("as_of", "TEXT NOT NULL", "When the count held (UTC)."),
        ("value", "INTEGER NOT NULL", "The reported number."),
        ("qualifier", "TEXT NOT NULL", "exact, approximate, at-least or up-to."),
        ("population", "INTEGER", "Out of how many."),
        ("source", "TEXT NOT NULL", "Who reported it."),
        ("note", "TEXT", "A note on it."),
    ]),
    ("demands", "What each letter asks for and whether it was met.", [
        ("letter", "TEXT NOT NULL", "The letter."),
        ("key", "TEXT NOT NULL", "The demand's key."),
        ("kind", "TEXT NOT NULL", "resign, appoint, reinstate or other."),
        ("summary", "TEXT NOT NULL", "What it asks."),
        ("status", "TEXT NOT NULL", "Its status as of the letter's as_of."),
        ("reason", "TEXT", "Why."),
        ("sources", "TEXT", "The sources of the facts it was judged on."),
    ]),
    ("changes", "The public change log.", [
        ("letter", "TEXT NOT NULL", "The letter."),
        ("at", "TEXT NOT NULL", "When (UTC)."),
        ("what", "TEXT NOT NULL", "The kind of change."),
        ("summary", "TEXT NOT NULL", "The change."),
        ("source", "TEXT", "Its source."),
    ]),
]  # fmt: skip
COLUMNS = {table: [column for column, _, _ in columns] for table, _, columns in TABLES}


class PublicDatabase:
    """Written once, in the publish's temporary folder, then moved into place with the site."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute("BEGIN")
        for table, _, columns in TABLES:
            spec = ", ".join(f"{column} {kind}" for column, kind, _ in columns)
            self.connection.execute(f"CREATE TABLE {table} ({spec})")

    def insert(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in COLUMNS[table])
        self.connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def add_letter(self, facts: LetterFacts) -> None:
        tally = facts.tally
        self.insert("letters", [(
            facts.slug, facts.title, facts.addressed_to, _text(facts.dated),
            facts.first_published_by, tally.get("population"), facts.population_label,
            tally.get("reported"), tally.get("qualifier"), tally.get("named"), facts.ultimatum,
            facts.ultimatum_state, _text(facts.as_of),
        )])  # fmt: skip
        self.insert("sources", [
            (facts.slug, s["key"], s["title"], s["publisher"], s["url"], _text(s["date"]),
             s["language"], s["note"])
            for s in facts.sources
        ])  # fmt: skip
        self.insert("counts", [
            (facts.slug, c["as_of"], c["value"], c["qualifier"], c["population"],
             c["source"]["key"] if c["source"] else None, c["note"])
            for c in facts.counts
        ])  # fmt: skip
        self.insert("demands", [
            (facts.slug, d["key"], d["kind"], d["summary"], d["status"], d["reason"],
             ", ".join(s["key"] for s in d["sources"]))
            for d in facts.demands
        ])  # fmt: skip
        self.insert("changes", [
            (facts.slug, _text(c["at"]), c["what"], c["summary"], c["source"])
            for c in facts.changes
        ])  # fmt: skip

    def close(self) -> None:
        for table in ("signatories", "counts", "demands", "changes", "sources"):
            self.connection.execute(f"CREATE INDEX ix_{table}_letter ON {table} (letter)")
        self.connection.execute("CREATE INDEX ix_signatories_name ON signatories (name)")
        self.connection.execute("COMMIT")
        self.connection.execute("ANALYZE")
        self.connection.close()


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_metadata(
    path: Path, *, letters: list[LetterFacts], license_name: str | None, license_url: str | None
) -> None:
    """Datasette's metadata: the titles and descriptions of the database, its tables and
    columns, the licence, and the sources."""
    titles = ", ".join(letter.title for letter in letters)
    metadata = {
        "title": "Open letters: " + titles if len(letters) == 1 else "Open letters",
        "description": f"Public data of {len(letters)} open letter"
        f"{'s' if len(letters) != 1 else ''} ({titles}): who signed, the counts outlets "
        "reported, the demands and whether they were met. Published with signatory-tracker; "
        "withheld names and e-mails are not included.",
        "license": license_name or "Not stated by the publisher",
        **({"license_url": license_url} if license_url else {}),
        "source": "signatory-tracker",
        "databases": {
            NAME.removesuffix(".db"): {
                "tables": {
                    table: {
                        "description": description,
                        "columns": {column: text for column, _, text in columns},
                    }
                    for table, description, columns in TABLES
                }
            }
        },
    }
    path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
