"""The bundled letter, seeded through the CLI into real SQLite and PostgreSQL databases."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.conftest import Tracker
from tracker.db.models import Base

SLUG = "openai-board-2023"
PUBLISHED = [
    "Mira Murati",
    "Brad Lightcap",
    "Jason Kwon",
    "Wojciech Zaremba",
    "Alec Radford",
    "Anna Makanju",
    "Bob McGrew",
    "Srinivas Narayanan",
    "Che Chang",
    "Lilian Weng",
    "Mark Chen",
    "Ilya Sutskever",
]


def _snapshot(tracker: Tracker) -> dict[str, list[tuple[object, ...]]]:
    engine = tracker.engine()
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    tuple(str(v) for v in row if not isinstance(v, type(None)))
                    for row in connection.execute(table.select())
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_seeding_twice_gives_the_same_database(seeded: Tracker) -> None:
    before = _snapshot(seeded)
    out = seeded.ok("seed")
    assert "nothing changed" in out
    assert _snapshot(seeded) == before


def test_twelve_signatories_in_published_order(seeded: Tracker) -> None:
    import json

    rows = json.loads(seeded.ok("signatory", "list", SLUG, "--format", "json"))
    assert [row["name"] for row in rows] == PUBLISHED
    assert [row["position"] for row in rows] == list(range(1, 13))
    assert {row["source"] for row in rows} == {"seed-003"}


def test_tandai_chen_is_mark_chens_translation_alias(seeded: Tracker) -> None:
    assert seeded.scalar("SELECT count(*) FROM people WHERE name = 'Tandai Chen'") == 0
    row = seeded.scalar(
        "SELECT p.name || '|' || a.kind || '|' || s.key FROM aliases a "
        "JOIN people p ON p.id = a.person_id JOIN sources s ON s.id = a.source_id "
        "WHERE a.alias = 'Tandai Chen'"
    )
    assert row == "Mark Chen|translation|seed-003"


def test_the_count_is_up_to_500_of_770_from_seed_003(seeded: Tracker) -> None:
    import json

    (count,) = json.loads(seeded.ok("count", "list", SLUG, "--format", "json"))
    assert count == {
        "value": 500,
        "qualifier": "up-to",
        "population": 770,
        "as_of": "2023-11-20",
        "source": "seed-003",
        "note": count["note"],
    }


def test_every_fact_has_a_source(seeded: Tracker) -> None:
    engine = seeded.engine()
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table in Base.metadata.sorted_tables:
                # The history records changes, and decisions on identity are a person's judgement
                # (a merge and a move name their source; `not-same` needs none).
                if table.name in ("sources", "letters", "history", "identity_decisions"):
                    continue
                columns = {c["name"]: c for c in inspector.get_columns(table.name)}
                assert "source_id" in columns, table.name
                assert columns["source_id"]["nullable"] is False, table.name
                missing = connection.execute(
                    text(f"SELECT count(*) FROM {table.name} WHERE source_id IS NULL")
                ).scalar()
                assert missing == 0
            assert (
                connection.execute(
                    text("SELECT count(*) FROM letters WHERE population_source_id IS NULL")
                ).scalar()
                == 0
            )
    finally:
        engine.dispose()


def test_seed_spellings_resolve_to_the_right_person(seeded: Tracker) -> None:
    for spelling, person in [
        ("llya Sutskever", "Ilya Sutskever"),
        ("IIya", "Ilya Sutskever"),
        ("IIya Stutskever", "Ilya Sutskever"),
        ("Blockman", "Greg Brockman"),
        ("Tandai Chen", "Mark Chen"),
    ]:
        out = seeded.ok("person", "show", spelling)
        assert out.startswith(person), spelling
