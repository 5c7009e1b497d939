"""`person duplicates`: every kind of probable duplicate is found, with its reason."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.conftest import Tracker


def test_each_reason_is_found(tracker: Tracker) -> None:
    tracker.ok("source", "add", "s", "--title", "S")
    pairs = [
        ("Dana Whitfield", "Dаna Whitfield", "same key"),  # Cyrillic а
        ("Ilya Sutskever", "llya Sutskever", "l/I confusion"),
        ("Grace Hopper", "Hopper Grace", "token order"),
        ("Margaret Hamilton", "M. Hamilton", "names alike: initials"),
        ("Katherine Johnson", "Katherine Jonson", "names alike: similar spelling"),
        ("Robert Noyce", "Bob Noyce", "names alike: nickname"),
        ("Андрей Конарев", "Andrey Konarev", "transliteration"),
    ]
    for first, second, _ in pairs:
        tracker.ok("person", "add", first, "--source", "s", "--new-person")
        tracker.ok("person", "add", second, "--source", "s", "--new-person")
    tracker.ok("person", "add", "Unrelated Person", "--source", "s")
    found = json.loads(tracker.ok("person", "duplicates", "-f", "json"))
    by_pair = {frozenset((p["first"], p["second"])): p for p in found}
    for first, second, reason in pairs:
        pair = by_pair[frozenset((first, second))]
        assert reason in pair["reason"], (first, second, pair)
        assert 50 <= pair["score"] <= 100
    assert not any("Unrelated Person" in (p["first"], p["second"]) for p in found)


def test_limited_to_pairs_with_a_signer_of_the_letter(seeded: Tracker) -> None:
    """`--letter`: at least one of the two signed it."""
    seeded.ok("person", "add", "Mira Muratti", "--source", "seed-003", "--new-person")
    seeded.ok("person", "add", "Sam Altmann", "--source", "seed-003", "--new-person")
    everywhere = json.loads(seeded.ok("person", "duplicates", "-f", "json"))
    pairs = {(p["first"], p["second"]) for p in everywhere}
    assert {("Mira Murati", "Mira Muratti"), ("Sam Altman", "Sam Altmann")} <= pairs
    on_letter = json.loads(
        seeded.ok("person", "duplicates", "--letter", "openai-board-2023", "-f", "json")
    )
    assert {(p["first"], p["second"]) for p in on_letter} == {("Mira Murati", "Mira Muratti")}


def test_a_pair_judged_apart_is_never_proposed_again(seeded: Tracker) -> None:
    seeded.ok("person", "add", "Mira Muratti", "--source", "seed-003", "--new-person")
    seeded.ok("person", "not-same", "Mira Murati", "Mira Muratti", "--reason", "checked")
    assert json.loads(seeded.ok("person", "duplicates", "-f", "json")) == []


def test_name_statistics_are_counted_alike_in_sql_and_in_the_queue(tracker: Tracker) -> None:
    """How common a name is, counted in SQL for `signatory add` and the import, and from the
    people in memory for `person duplicates`: one rule, two countings, the same figures."""
    from collections import Counter

    from sqlalchemy import select

    from tracker.db.models import Person
    from tracker.db.uow import UnitOfWork
    from tracker.domain.matching import tokens
    from tracker.domain.names import name_key
    from tracker.services.evidence import NameStatistics, expected_from_counts, first_token

    tracker.ok("source", "add", "s", "--title", "S")
    for name in ("Ivan Petrov", "Ivan Sidorov", "Ivan Petrov", "Olga Petrova", "Petrov", "Иван"):
        tracker.ok("person", "add", name, "--source", "s", "--new-person")
    engine = tracker.engine()
    try:
        with UnitOfWork(engine, readonly=True) as uow:
            rows = uow.session.execute(select(Person.name, Person.last_key, Person.first_key)).all()
            firsts = Counter(first_token(first) for _, _, first in rows)
            lasts = Counter(last for _, last, _ in rows)
            statistics = NameStatistics(uow.session.connection())
            for name in ("Ivan Petrov", "Olga Petrova", "Petrov", "Ivan Smirnov"):
                sql = statistics.of(name, name_key(name))
                held = sql.holders
                in_memory = expected_from_counts(
                    tokens(name), firsts, lasts, len(rows), holders=held
                )
                assert sql.expected_namesakes == in_memory, name
    finally:
        engine.dispose()


def _dense_list(path: Path, rows: int) -> Path:
    """A list dense in near misses, as international lists are: a few given names per script,
    surnames a syllable apart, repeated names, mononyms, links and e-mails on some rows (a few
    shared), affiliations from a short list."""
    import csv
    import random

    rng = random.Random(7)
    scripts = [
        (["Ana", "Ivan", "Bob", "Robert", "Liam", "Lucia"], ["Chen", "Smith", "Brown", "Park"]),
        (["Иван", "Ольга", "Дмитрий", "Дима"], ["Петров", "Сидоров", "Кузнец"]),
        (["Γιώργος", "Μαρία"], ["Παπαδ", "Γεωργ"]),
        (["太郎", "花子"], ["山田", "田中"]),
    ]
    syllables = ["a", "o", "ra", "ko", "ta", "el", "in", "ov"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "organization", "link", "email"])
        for _ in range(rows):
            given, families = rng.choice(scripts)
            surname = rng.choice(families) + "".join(
                rng.choice(syllables) for _ in range(rng.randint(0, 2))
            )
            name = rng.choice(given) if rng.random() < 0.05 else f"{rng.choice(given)} {surname}"
            link = f"https://github.com/u{rng.randint(0, rows)}" if rng.random() < 0.3 else ""
            email = f"u{rng.randint(0, rows)}@example.org" if rng.random() < 0.2 else ""
            org = rng.choice(["Acme", "Uni", "Lab", ""])
            writer.writerow([name, org, link, email])
    return path


def test_the_queue_leaves_out_only_pairs_that_cannot_reach_the_threshold(
    tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue weighs most candidate pairs as arrays and reads the evidence of the rest only:
    the pairs it finds are exactly those it finds weighing every candidate with all its
    evidence, at the default threshold and at others."""
    import numpy as np

    from tracker.db.uow import UnitOfWork
    from tracker.domain.identity import score_ceilings
    from tracker.services import duplicates

    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok("letter", "add", "dense", "--title", "Dense", "--addressed-to", "Board")
    listing = _dense_list(tmp_path / "dense.csv", 1_500)
    tracker.ok("signatory", "import", str(listing), "--letter", "dense", "--source", "s")
    engine = tracker.engine()
    ceilings = score_ceilings
    left_out = []

    def counting(*args: object) -> np.ndarray:
        found = ceilings(*args)  # type: ignore[arg-type]
        left_out.append(int((found < 50).sum()))
        return found

    def everything(*args: object) -> np.ndarray:
        return np.full(len(args[0]), np.inf)  # type: ignore[arg-type]

    try:
        for min_score in (30.0, 50.0, 80.0):
            with UnitOfWork(engine, readonly=True) as uow:
                monkeypatch.setattr(duplicates, "score_ceilings", counting)
                fast = duplicates.find_duplicates(uow=uow, min_score=min_score)
                monkeypatch.setattr(duplicates, "score_ceilings", everything)
                slow = duplicates.find_duplicates(uow=uow, min_score=min_score)
            assert fast == slow
            assert fast  # the list has near misses at each threshold
    finally:
        engine.dispose()
    assert max(left_out) > 1_000  # most candidates were left out unweighed


def test_a_large_block_is_searched_a_length_at_a_time_as_a_whole() -> None:
    """One-word names sharing an initial make blocks of thousands; they are compared a length
    at a time with the lengths next to it, and find what comparing every pair finds."""
    import random

    from rapidfuzz.distance import Levenshtein

    from tracker.domain.matching import tokens
    from tracker.domain.names import blocking_keys, name_key
    from tracker.services.blocking import MAX_EDITS, SHORT_TOKEN, Named, candidate_pairs

    rng = random.Random(3)
    written = sorted(
        {
            "K" + "".join(rng.choice("aeiourst") for _ in range(rng.randint(2, 9)))
            for _ in range(900)
        }
    )
    people = []
    for k, name in enumerate(written):
        keys = blocking_keys(name, name_key(name))
        people.append(Named(k, name, keys.key, keys.last, keys.first, tokens(name)))
    found = {tuple(pair) for pair in candidate_pairs(people).tolist()}
    expected = set()
    for a, b in itertools.combinations(range(len(people)), 2):
        x, y = people[a].words[-1], people[b].words[-1]
        allowed = 1 if min(len(x), len(y)) < SHORT_TOKEN else MAX_EDITS
        if Levenshtein.distance(x, y) <= allowed:
            expected.add((a, b))
    assert len(written) > 256  # a large block
    assert expected  # with pairs in it
    assert expected <= found
