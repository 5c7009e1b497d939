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


# Names as real international lists print them: (given names, surnames) per script.
SCRIPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "latin": (
        ("José", "María", "Łukasz", "Søren", "Zoë", "Ángel", "Müller", "François", "Ana", "Tomás"),
        ("García", "Nowak", "Ångström", "Dvořák", "Öztürk", "Nguyễn", "Ferreira", "Kowalczyk"),
    ),
    "ascii": (tuple(GIVEN), ("Smith", "Brown", "Okafor", "Lima", "Chen", "Park")),
    "cyrillic": (
        ("Андрей", "Дмитрий", "Елена", "Ольга", "Сергей", "Наталья", "Иван", "Мария"),
        ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Морозов"),
    ),
    "greek": (("Γιώργος", "Μαρία", "Νίκος", "Ελένη"), ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου")),
    "cjk": (("伟", "芳", "娜", "秀英", "太郎", "花子"), ("王", "李", "张", "刘", "山田", "佐藤")),
    "arabic": (("محمد", "فاطمة", "أحمد", "ليلى"), ("الحسن", "العلي", "منصور", "حداد")),
    "devanagari": (("राहुल", "प्रिया", "अमित", "सुनीता"), ("शर्मा", "वर्मा", "गुप्ता", "सिंह")),
}
# Syllables that vary surnames within each script.
SCRIPT_SYLLABLES: dict[str, tuple[str, ...]] = {
    "latin": ("ez", "ski", "ová", "ssen", "ño", "eau", "ić"),
    "ascii": tuple(SYLLABLES),
    "cyrillic": ("ко", "ва", "ли", "но", "ра", "ми", "ст", "ев"),
    "greek": ("πα", "κο", "λι", "νο", "ρα", "μη"),
    "cjk": ("田", "中", "川", "本", "村", "藤", "木", "林"),
    "arabic": ("ري", "سن", "مي", "دي", "لا", "حا"),
    "devanagari": ("रा", "मा", "शी", "ला", "दे", "नी"),
}
SCRIPT_WEIGHTS = {
    "ascii": 40, "latin": 20, "cyrillic": 15, "cjk": 10, "arabic": 6, "devanagari": 5, "greek": 4,
}  # fmt: skip


def _realistic_name(rng: random.Random, serial: int) -> tuple[str, str]:
    """A name, and a handle-like account name for its links (the serial makes names of the
    common kind distinct, as real surnames vary far more than these lists)."""
    script = rng.choices(list(SCRIPT_WEIGHTS), weights=list(SCRIPT_WEIGHTS.values()))[0]
    given, family = SCRIPTS[script]
    syllables = SCRIPT_SYLLABLES[script]
    last = rng.choice(family) + "".join(rng.choice(syllables) for _ in range(rng.randint(1, 5)))
    first = rng.choice(given)
    if script == "cjk":
        name = f"{last}{first}"  # family name first, no space
    elif rng.random() < 0.05:
        name = f"{first}{serial}"  # a one-word name, as handles and nicknames are signed
    else:
        name = f"{first} {last}"
    return name, f"user{serial}"


def write_realistic(path: Path, count: int, seed: int = 2024) -> Path:
    """A list shaped like real ones: names in many scripts (more than half outside ASCII),
    3% of rows repeating an earlier name (half of them the same person, with the same link; half
    a namesake, with a link of their own), one-word names, thousands of organizations, titles
    without an organization, and links (60%) and e-mail addresses (20%)."""
    rng = random.Random(seed)
    organizations = [
        f"{surname(rng)} {rng.choice(('Labs', 'Universität', 'Институт', 'Group', '大学'))}"
        for _ in range(5000)
    ]
    written: list[tuple[str, str]] = []
    seen: set[str] = set()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "title", "affiliation", "link", "email", "signed_at"])
        for serial in range(count):
            if written and rng.random() < 0.03:
                name, account = rng.choice(written)
                if rng.random() < 0.5:
                    account = f"user{serial}"  # a namesake: another person, another account
            else:
                name, account = _realistic_name(rng, serial)
                while name in seen:  # only the repeats above repeat a name
                    name, account = _realistic_name(rng, serial)
                seen.add(name)
                written.append((name, account))
            kind = rng.random()
            link = f"https://github.com/{account}" if kind < 0.6 else ""
            email = f"{account}@example.org" if 0.6 <= kind < 0.8 else ""
            title = rng.choice(TITLES) if rng.random() < 0.35 else ""
            affiliation = rng.choice(organizations) if rng.random() < 0.4 else ""
            day = 1 + serial * 28 // count
            writer.writerow([name, title, affiliation, link, email, f"2024-02-{day:02d}"])
    return path
