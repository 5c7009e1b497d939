"""Synthetic signatory lists for the benchmarks: realistic-looking, distinct, reproducible."""

from __future__ import annotations

import csv
import random
from pathlib import Path

GIVEN = [
    "Ada",
    "Alan",
    "Alec",
    "Amara",
    "Ana",
    "Anna",
    "Arjun",
    "Bea",
    "Ben",
    "Bob",
    "Carl",
    "Chen",
    "Chloe",
    "Dan",
    "Dara",
    "Eli",
    "Emma",
    "Eva",
    "Femi",
    "Gita",
    "Hana",
    "Hugo",
    "Ian",
    "Ines",
    "Ivan",
    "Jae",
    "Jin",
    "Joao",
    "Jon",
    "Kai",
    "Kofi",
    "Lara",
    "Lena",
    "Leo",
    "Liam",
    "Lin",
    "Lucia",
    "Maya",
    "Mei",
    "Mira",
    "Nia",
    "Nico",
    "Noor",
    "Omar",
    "Ola",
    "Pia",
    "Raj",
    "Rosa",
    "Sam",
    "Sara",
    "Tao",
    "Tomas",
    "Uma",
    "Vera",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
]
SYLLABLES = [
    "ab",
    "an",
    "ar",
    "ba",
    "bel",
    "ber",
    "ca",
    "chen",
    "da",
    "del",
    "do",
    "el",
    "en",
    "fer",
    "ga",
    "gu",
    "ha",
    "ka",
    "kel",
    "ko",
    "la",
    "lin",
    "lo",
    "ma",
    "mar",
    "mi",
    "na",
    "nel",
    "no",
    "or",
    "pa",
    "per",
    "ra",
    "ri",
    "ro",
    "sa",
    "sen",
    "so",
    "ta",
    "ter",
    "to",
    "va",
    "vel",
    "wa",
    "ya",
    "zo",
]
TITLES = ("Engineer", "Researcher", "Designer", "Manager", "Analyst", "Scientist", "Writer")


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def write_signatories(path: Path, count: int, seed: int = 2023) -> Path:
    """CSV with name, title, organization, signed_at; every name distinct."""
    rng = random.Random(seed)
    organizations = [
        f"{surname(rng)} {rng.choice(('Labs', 'Inc', 'Institute', 'Group'))}" for _ in range(2000)
    ]
    seen: set[str] = set()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "title", "organization", "signed_at"])
        while len(seen) < count:
            name = f"{rng.choice(GIVEN)} {rng.choice(GIVEN)[0]}. {surname(rng)}"
            if name.casefold() in seen:
                continue
            seen.add(name.casefold())
            day = 1 + len(seen) * 28 // count
            writer.writerow(
                [name, rng.choice(TITLES), rng.choice(organizations), f"2024-02-{day:02d}"]
            )
    return path
