"""Near misses between two name keys: how alike they are, and why a human should look.

Exact key equality is identity, decided before this module is asked. Here: "l"/"I" confusion,
token order, initials, one or two edits, and a general similarity score.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

SIMILARITY_THRESHOLD = 88.0
MAX_EDITS = 2


@dataclass(frozen=True, slots=True)
class Likeness:
    score: float
    reason: str


# In a key, letters are TS #39 skeletons: "m" is "rn", so "M." is the initial "rn".
_MULTI_CHARACTER_INITIALS = frozenset({"rn"})


def initial(token: str) -> str | None:
    """The initial a key token stands for ("j." or "j"), or None for a full name."""
    token = token.rstrip(".")
    return token if len(token) == 1 or token in _MULTI_CHARACTER_INITIALS else None


def _initials_compatible(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b) or len(a) < 2 or a[-1] != b[-1]:
        return False
    used_initial = False
    for left, right in zip(a[:-1], b[:-1], strict=True):
        if left == right:
            continue
        short = initial(left) or initial(right)
        other = right if initial(left) else left
        if short is None or not other.startswith(short):
            return False
        used_initial = True
    return used_initial


def fold_l_i(key: str) -> str:
    """The key with "i" and "1" read as "l": the OCR confusion a skeleton does not fold
    (case folding turns "I" into "i" before the skeleton sees it)."""
    return key.replace("i", "l").replace("1", "l")


def likeness(a: str, b: str) -> Likeness | None:
    """Why two different keys probably name the same person, or None if they probably don't."""
    if a == b:
        return Likeness(100.0, "same key")
    if fold_l_i(a) == fold_l_i(b):
        return Likeness(97.0, "l/I confusion")
    tokens_a, tokens_b = a.split(" "), b.split(" ")
    if len(tokens_a) > 1 and sorted(tokens_a) == sorted(tokens_b):
        return Likeness(95.0, "token order")
    if _initials_compatible(tokens_a, tokens_b):
        return Likeness(90.0, "initials")
    shortest = min(len(a), len(b))
    edits = Levenshtein.distance(a, b, score_cutoff=MAX_EDITS)
    if edits <= MAX_EDITS and shortest >= 4 * edits + 1:
        score = round(100.0 * (1 - edits / max(len(a), len(b))), 1)
        return Likeness(score, f"edit distance {edits}")
    score = fuzz.token_sort_ratio(a, b)
    if score >= SIMILARITY_THRESHOLD:
        return Likeness(round(score, 1), "similar spelling")
    return None
