"""Names as written and names as matched.

A person's name is kept exactly as a source wrote it. Matching goes through `name_key`: NFKC,
invisible and bidi control characters removed, case folded, confusable letters folded to their
TS #39 skeleton, white space collapsed. Two spellings with the same key are the same name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from tracker.domain.confusables import skeleton
from tracker.domain.matching import tokens
from tracker.errors import BadInput

MAX_NAME_LENGTH = 300


class _Invisible(dict[int, "str | None"]):
    """`str.translate` table dropping format characters (Cf: zero-width space and joiners, LRM/RLM,
    embeddings, overrides, isolates, the BOM, soft hyphen): a name means the same without them.

    Filled a code point at a time as text meets them, so no process pays for scanning Unicode."""

    def __missing__(self, cp: int) -> str | None:
        kept = None if unicodedata.category(chr(cp)) == "Cf" else chr(cp)
        self[cp] = kept
        return kept


_INVISIBLE = _Invisible()
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"\s+")


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = skeleton(text.casefold())
    return " ".join(unicodedata.normalize("NFC", text).split())


def _fold_to_fixed_point(name: str) -> str:
    previous, current = None, name
    for _ in range(8):  # NFKC, case folding and the skeleton settle in two or three rounds
        previous, current = current, _fold_once(current)
        if current == previous:
            break
    return current


@lru_cache(maxsize=1)
def ascii_fold() -> dict[int, str]:
    """Per-character keys of printable ASCII: for ASCII text the folding is character-wise."""
    table = {}
    for cp in range(0x21, 0x7F):
        folded = _fold_to_fixed_point(chr(cp))
        if folded != chr(cp):
            table[cp] = folded
    return table


def name_key(name: str) -> str:
    """The matching key of a name. Idempotent: `name_key(name_key(x)) == name_key(x)`.

    Folded a word at a time (no normalization composes across white space), and words repeat
    across a list (given names, family names), so each is folded once."""
    if name.isascii() and name.isprintable():
        return " ".join(name.casefold().split()).translate(ascii_fold())
    folded = " ".join(_word_key(word) for word in name.split())
    return folded if "  " not in folded and folded == folded.strip() else " ".join(folded.split())


@lru_cache(maxsize=32_768)  # given and family names: the words that repeat
def _word_key(word: str) -> str:
    return _fold_to_fixed_point(word)


def clean_display_name(raw: str, *, what: str = "name") -> str:
    """Validate a name as written: trimmed, not empty, not too long, no control characters.

    Invisible format characters are kept (the text stays as the source wrote it); the key
    ignores them and the terminal shows them escaped.
    """
    return clean_text(raw, what=what, limit=MAX_NAME_LENGTH)


def clean_text(raw: str, *, what: str, limit: int) -> str:
    """A one-line text field as written (a name, a title, a link): trimmed, not empty, at most
    `limit` characters, no control characters and no line breaks."""
    name = raw.strip()
    if name.isascii() and name.isprintable() and 0 < len(name) <= limit:
        return name  # the common case: nothing invisible, nothing to check further
    if not name or not name.translate(_INVISIBLE).strip():
        raise BadInput(f"the {what} is empty")
    if len(name) > limit:
        raise BadInput(f"the {what} is {len(name)} characters long; the limit is {limit}")
    bad = _CONTROL_RE.search(name)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise BadInput(f"the {what} contains the control character {code}; remove it")
    if "\n" in name or "\t" in name or "\r" in name:
        raise BadInput(f"the {what} contains a line break or tab; it must be one line")
    return name


class BlockingKeys(NamedTuple):
    """Indexed keys that bring near misses together without scanning every person.

    Both come from the name's comparable tokens (`matching.tokens`: transliterated to Latin
    letters, so one name written in two scripts shares them): `last` is the last token; `first`
    is the first token plus the initial of the last one. A typo in one of the two tokens keeps
    the other key equal. A name with no letters or digits blocks on its key.
    """

    key: str
    last: str
    first: str


def blocking_keys(name: str, key: str | None = None) -> BlockingKeys:
    """The blocking keys of a name (and its key, if already computed)."""
    key = name_key(name) if key is None else key
    words = tokens(name) or (key,)
    if len(words) == 1:
        return BlockingKeys(key, words[0], words[0][:1])
    return BlockingKeys(key, words[-1], f"{words[0]} {words[-1][:1]}")
