"""How alike two names are, and why: one scorer for "did you mean ...?", the review queue and
the import.

Names are compared as tokens in Latin letters: NFKC, case folded, transliterated from any script
(anyascii: "Андрей Конарев" reads "andrey konarev"), split on anything that is not a letter or a
digit (so "Putin, Vladimir" has the tokens of "Vladimir Putin"). The tokens of the shorter name
are paired with the most alike tokens of the other: equal, a nickname of one another ("Bob",
"Robert": the `nicknames` package), an initial ("J." and "John"), or spelt alike (Jaro-Winkler
and Levenshtein). The similarity is the length-weighted mean of the pairs, less a little for
each token the longer name has on top (a middle name). Exact key equality (confusables folded)
is decided before this module is asked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# A pair of names at or above this similarity is probably one person's (on the labelled name
# pairs of benchmarks/identity.py: precision 0.89, recall 0.67).
NAME_MATCH = 0.92
# Below this, two names have nothing in common worth a person's look.
NAME_RELATED = 0.70
NICKNAME = 0.92
INITIAL = 0.85
_EXTRA_TOKEN = 0.04
_EXTRA_TOKEN_MONONYM = 0.08
SPELLING_LEEWAY = 0.15
_SPACING = 0.03  # a name split or joined differently is a little less alike
_TOKEN = re.compile(r"[a-z0-9]+")  # a token: a run of Latin letters and digits


@dataclass(frozen=True, slots=True)
class Likeness:
    score: float  # 0-100
    reason: str


# A name is tokenised again when it is compared soon after (the import keys a row, then weighs
# it). Kept small: a million-row import would otherwise hold every name's tokens.
@lru_cache(maxsize=4_096)
def tokens(name: str) -> tuple[str, ...]:
    """A name's comparable tokens: Latin letters and digits, lower case, in order."""
    if name.isascii():  # NFKC changes no ASCII character, and case folding is lower-casing
        return tuple(_TOKEN.findall(name.lower()))
    # NFKC, case folding and anyascii all work a character at a time, and no white space reads
    # as a letter or digit, so a name's tokens are its words' (a test holds the two together).
    return tuple(token for word in name.split() for token in _word_tokens(word))


@lru_cache(maxsize=32_768)  # given and family names: the words that repeat
def _word_tokens(word: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", word).casefold()
    if not text.isascii():
        from anyascii import anyascii

        text = anyascii(text).lower()
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=1)
def _nicknamer() -> object:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=65_536)
def canonical_names(token: str) -> frozenset[str]:
    """A given name and the formal names it is a nickname of ("bob": bob, robert)."""
    namer = _nicknamer()
    found: set[str] = namer.canonicals_of(token)  # type: ignore[attr-defined]
    return frozenset(found | {token})


def has_nicknames(token: str) -> bool:
    """Whether a token is a nickname or a formal name of the nickname table (else it is a
    nickname of nothing: `nicknames_of_one_name` with any other token is false)."""
    namer = _nicknamer()
    return bool(namer.canonicals_of(token) or namer.nicknames_of(token))  # type: ignore[attr-defined]


def nicknames_of_one_name(a: str, b: str) -> bool:
    """Whether two given names are the same name, one a nickname of the other ("bob",
    "robert") or both of a third."""
    return bool(canonical_names(a) & canonical_names(b))


@lru_cache(maxsize=1)
def _distances() -> tuple[Any, Any]:
    """rapidfuzz's OSA (a transposition is one edit) and Jaro-Winkler, imported once, when a
    name is first compared."""
    from rapidfuzz.distance import OSA, JaroWinkler

    return OSA, JaroWinkler


def exact_token_case(a: str, b: str) -> tuple[float, str] | None:
    """Two tokens' similarity where a rule decides it: the same token, an initial, a nickname;
    None where their spelling does (`spelling_similarity`)."""
    if a == b:
        return 1.0, ""
    if len(a) == 1 or len(b) == 1:
        return (INITIAL, "initials") if a[0] == b[0] else (0.0, "")
    if a.isalpha() and b.isalpha() and nicknames_of_one_name(a, b):
        return NICKNAME, "nickname"
    return None


def spelling_similarity(winkler: float, edits: float) -> float:
    """Two spellings' similarity from their Jaro-Winkler similarity and their OSA similarity
    (edits over the longer length, a transposition one edit): Jaro-Winkler, which favours a
    shared beginning, held within 0.15 of the edits."""
    return max(min(winkler, edits + SPELLING_LEEWAY), edits)


@lru_cache(maxsize=65_536)
def _token_similarity(a: str, b: str) -> tuple[float, str]:
    """Two tokens' similarity (pure: cached, as the review queue meets the same pairs of given
    names and surnames again and again)."""
    found = exact_token_case(a, b)
    if found is not None:
        return found
    osa, jaro_winkler = _distances()
    winkler = jaro_winkler.normalized_similarity(a, b)
    return spelling_similarity(winkler, osa.normalized_similarity(a, b)), "similar spelling"


def _spacing(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """The similarity of two names written without spaces ("ty brads haw", "ty bradshaw")."""
    osa, _ = _distances()
    joined_a, joined_b = "".join(a), "".join(b)
    return 1.0 - float(osa.distance(joined_a, joined_b)) / max(len(joined_a), len(joined_b))


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, str]:
    """The similarity (0-1) of two names' tokens, and the strongest kind of difference."""
    if not a or not b:
        return 0.0, ""
    if a == b:
        return 1.0, "same name"
    if sorted(a) == sorted(b):
        return 1.0, "token order"
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    # Best first; on a tie, in (i, j) order.
    pairs = sorted(
        (-score, i, j, reason)
        for i, x in enumerate(short)
        for j, y in enumerate(long)
        for score, reason in (_token_similarity(x, y),)
    )
    used_short: set[int] = set()
    used_long: set[int] = set()
    total = weight = 0.0
    reasons: list[str] = []
    for negated, i, j, reason in pairs:
        score = -negated
        if i in used_short or j in used_long:
            continue
        used_short.add(i)
        used_long.add(j)
        size = max(len(short[i]), len(long[j]))  # an initial weighs as the name it stands for
        total += score * size
        weight += size
        if reason:
            reasons.append(reason)
    extra = len(long) - len(short)
    reason = _strongest(reasons) or ("middle names" if extra else "similar spelling")
    return max(0.0, total / weight - extra_tokens_penalty(len(short), len(long))), reason


def extra_tokens_penalty(short: int, long: int) -> float:
    """What the tokens the longer name has on top take off (a middle name)."""
    return (long - short) * (_EXTRA_TOKEN if short > 1 else _EXTRA_TOKEN_MONONYM)


def _strongest(reasons: list[str]) -> str:
    for reason in ("similar spelling", "initials", "nickname", "spacing"):
        if reason in reasons:
            return reason
    return ""


def _east_asian(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs (and extension A)
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x20000 <= code <= 0x3134F  # CJK ideographs, extensions B to G
    )


def is_mononym(name: str, words: tuple[str, ...] | None = None) -> bool:
    """A one-word name ("Alexander"), which cannot tell its bearer from others. A Chinese,
    Japanese or Korean name of two characters or more is written without a space but is a
    full name (family name and given name: 山田太郎, 王伟). (`words`: its tokens, if known.)"""
    if len(tokens(name) if words is None else words) >= 2:
        return False
    return sum(1 for char in name if _east_asian(char)) < 2


def fold_l_i(key: str) -> str:
    """The key with "i" and "1" read as "l": the OCR confusion a skeleton does not fold
    (case folding turns "I" into "i" before the skeleton sees it)."""
    return key.replace("i", "l").replace("1", "l")


def likeness(a_name: str, b_name: str, *, a_key: str = "", b_key: str = "") -> Likeness:
    """How alike two names are (score 0-100) and why. Keys, when given, decide the exact cases
    (confusables folded, "l"/"I" read alike)."""
    if a_key and a_key == b_key:
        if a_name.casefold().split() != b_name.casefold().split():
            return Likeness(100.0, "same key (look-alike or invisible characters)")
        return Likeness(100.0, "same name")
    if a_key and b_key and fold_l_i(a_key) == fold_l_i(b_key):
        return Likeness(97.0, "l/I confusion")
    ta, tb = tokens(a_name), tokens(b_name)
    score, reason = similarity(ta, tb)
    if reason == "same name" and a_name.casefold() != b_name.casefold():
        reason = "transliteration" if not (a_name + b_name).isascii() else "punctuation"
    return Likeness(round(100.0 * score, 1), reason)


def is_near_miss(found: Likeness) -> bool:
    return found.score >= 100.0 * NAME_MATCH


def initial(token: str) -> str | None:
    """The initial a token stands for ("j." or "j"), or None for a full name."""
    token = token.rstrip(".")
    return token if len(token) == 1 else None
