"""Confusable letters folded to one skeleton, after Unicode TS #39 section 4.

The data is Unicode's confusables.txt as packaged by `confusable_homoglyphs`. That package keeps
each `source -> prototype` line in both directions, so the direction is recovered here: a
prototype never appears as a source (TS #39 skeletons are idempotent), so a character with
several look-alikes is a prototype and a character with exactly one is the source of that one.
When two characters only name each other, the smaller code point stands for both, which keeps
the partition of look-alikes the same as Unicode's.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path

_LRM = "\u200e"
_TABLE_FORMAT = 1  # bump when the derivation below changes


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    import confusable_homoglyphs  # its __init__ is light; the data loads in _derive_prototypes

    data = confusable_homoglyphs.__version__
    return Path(base) / "signatory-tracker" / f"skeletons-{data}-{_TABLE_FORMAT}.json"


def _read_cache(path: Path) -> dict[int, str] | None:
    """The cached table, if the file is one: JSON (data, never code, whoever wrote the
    folder), an object of code points to strings; anything else is derived again."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not raw:
        return None
    table = {}
    for key, value in raw.items():
        if not (key.isdigit() and isinstance(value, str) and 0 <= int(key) <= 0x10FFFF):
            return None
        table[int(key)] = value
    return table


@lru_cache(maxsize=1)
def _prototypes() -> dict[int, str]:
    """The table, derived once per version of the data and cached (the derivation reads a
    900 kB JSON file; the cache loads in a millisecond, which keeps `signatory add` quick)."""
    path = _cache_file()
    cached = _read_cache(path)
    if cached is not None:
        return cached
    table = _derive_prototypes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle_fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".skeletons.")
        with os.fdopen(handle_fd, "w", encoding="utf-8") as out:
            json.dump({str(code): target for code, target in table.items()}, out)
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home: derive again next time
    return table


def _derive_prototypes() -> dict[int, str]:
    from confusable_homoglyphs.confusables import confusables_data

    def clean(text: str) -> str:
        return text.replace(_LRM, "")

    pairs: dict[str, list[str]] = {}
    for char, entries in confusables_data.items():
        key = clean(char)
        pairs.setdefault(key, []).extend(clean(entry["c"]) for entry in entries)

    table: dict[int, str] = {}
    for char, lookalikes in pairs.items():
        if len(char) != 1 or len(set(lookalikes)) != 1:
            continue  # a prototype (many sources) or a multi-character sequence
        (target,) = set(lookalikes)
        back = set(pairs.get(target, ()))
        if len(back) == 1 and len(target) == 1 and target < char:
            table[ord(char)] = target  # mutual pair: the smaller code point stands for both
        elif len(back) != 1 or len(target) != 1:
            table[ord(char)] = target  # target is a prototype (or a sequence)
        # else: char is the smaller of a mutual pair and stands for itself
    return table


def skeleton(text: str) -> str:
    """The TS #39 skeleton: NFD, every character replaced by its prototype, NFD again."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", decomposed.translate(_prototypes()))
