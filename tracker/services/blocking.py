"""Candidate pairs for the review queue, found in what costs one pass each (blocking, as record
linkage calls it), so the work grows with the blocks, not with the square of the people:

- the same name key; the same key with "l"/"I" read alike; the same tokens in another order;
  a nickname's formal form with the same surname ("Bob Noyce", "Robert Noyce");
- within a block of one last token, the pairs whose whole names rapidfuzz finds alike (another
  first name's typo, a nickname, an initial), and an initial beside a full name;
- within a block of one first token and last initial (or of one-word names by their initial),
  the pairs whose last tokens are a couple of edits apart ("Katherine Jonson", "Hannibol").

Tokens are in Latin letters whatever the script (`matching.tokens`). The pairs come back as
numbers: positions in the list of people given.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.domain.matching import canonical_names, fold_l_i

if TYPE_CHECKING:
    import numpy as np

MAX_BLOCK = 5_000  # a block larger than this says nothing (a name half the list shares)
PREFILTER = 80.0  # rapidfuzz token-sort ratio below which two names of a block are not alike
MAX_EDITS = 2  # between the last tokens of a first-token block
SHORT_TOKEN = 6  # below this many letters, one edit only
_SMALL_BLOCK = 12  # a last-token block this small is compared a pair at a time
_WHOLE_BLOCK = 256  # a first-token block this small is compared whole


class Named(NamedTuple):
    """A person as the blocking sees them: their name, its key, its blocking keys and tokens (a
    tuple: a hundred thousand are made at once)."""

    id: int
    name: str
    key: str
    last: str
    first: str
    words: tuple[str, ...] = ()


def candidate_pairs(people: Sequence[Named]) -> np.ndarray:
    """The candidate pairs, each once: an array of (lower position, higher position) rows."""
    import numpy as np

    blocks = _Blocks(people)
    found = _Found()
    for groups in (blocks.key, blocks.folded, blocks.tokens, blocks.nickname):
        for members in groups:
            found.every_pair(members)
    for members in blocks.last:
        found.alike_names(members, people)
        found.initials(members, people)
    for members in blocks.first:
        found.alike_last_tokens(members, people)
    low, high = found.arrays()
    low, high = np.minimum(low, high), np.maximum(low, high)
    keep = low != high
    codes = np.unique(low[keep] * len(people) + high[keep])
    return np.stack([codes // len(people), codes % len(people)], axis=1)


class _Blocks:
    """The blocks of more than one person, by each blocking key."""

    def __init__(self, people: Sequence[Named]) -> None:
        everyone = range(len(people))
        keys = [p.key for p in people]
        self.key = _repeated(everyone, keys)
        self.folded = _repeated(everyone, list(map(fold_l_i, keys)))
        self.last = _repeated(everyone, [p.last for p in people])
        self.first = _repeated(everyone, [p.first for p in people])
        several = [k for k, p in enumerate(people) if len(p.words) > 1]
        words = [people[k].words for k in several]
        self.tokens = _repeated(several, [" ".join(sorted(w)) for w in words])
        # "Bob Noyce" and "Robert Noyce": the given name's formal forms, with the surname.
        nicknamed = [
            (k, (formal, w[-1]))
            for k, w in zip(several, words, strict=True)
            if w[0].isalpha()
            for formal in canonical_names(w[0])
        ]
        self.nickname = _repeated([k for k, _ in nicknamed], [key for _, key in nicknamed])


def _repeated(positions: Sequence[int], keys: Sequence[Hashable]) -> list[list[int]]:
    """The positions that share a key, for each key more than one has (counted in C first:
    most keys are one person's)."""
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    groups: dict[Hashable, list[int]] = {key: [] for key in repeated}
    for k, key in [(k, key) for k, key in zip(positions, keys, strict=True) if key in repeated]:
        groups[key].append(k)
    return list(groups.values())


class _Found:
    """Pairs of positions, gathered a block at a time."""

    def __init__(self) -> None:
        self.lows: list[int] = []
        self.highs: list[int] = []
        self.arrays_found: list[tuple[np.ndarray, np.ndarray]] = []

    def every_pair(self, members: list[int]) -> None:
        if 1 < len(members) <= MAX_BLOCK:
            for a, b in itertools.combinations(members, 2):
                self.lows.append(a)
                self.highs.append(b)

    def alike_names(self, members: list[int], people: Sequence[Named]) -> None:
        """A block of one last token: the pairs whose whole names are alike."""
        if not 1 < len(members) <= MAX_BLOCK:
            return
        from rapidfuzz import fuzz

        names = [" ".join(people[k].words) for k in members]
        if len(members) <= _SMALL_BLOCK:  # most blocks: a few pairs, cheaper one by one
            for (a, name_a), (b, name_b) in itertools.combinations(
                zip(members, names, strict=True), 2
            ):
                if fuzz.token_sort_ratio(name_a, name_b, score_cutoff=PREFILTER) >= PREFILTER:
                    self.lows.append(a)
                    self.highs.append(b)
            return
        import numpy as np

        similar = _matrix(names, names, fuzz.token_sort_ratio, PREFILTER, np.uint8)
        self._keep(members, *np.nonzero(np.triu(similar >= PREFILTER, k=1)))

    def alike_last_tokens(self, members: list[int], people: Sequence[Named]) -> None:
        """A block of one first token (and last initial), or of one-word names: the pairs whose
        last tokens are a couple of edits apart (one below SHORT_TOKEN letters, where two edits
        are most of a name). Tokens more than MAX_EDITS letters longer or shorter are never
        that close, so a large block is compared a length at a time with the lengths next to
        it."""
        if not 1 < len(members) <= MAX_BLOCK:
            return
        import numpy as np

        lasts = [(people[k].words or (people[k].key,))[-1] for k in members]
        lengths = np.fromiter(map(len, lasts), dtype=np.int64, count=len(lasts))
        positions = np.asarray(members, dtype=np.int64)
        if len(members) <= _WHOLE_BLOCK:
            self._close_tokens(positions, positions, lasts, lengths, slice(None), slice(None))
            return
        order = np.argsort(lengths, kind="stable")
        lengths, positions = lengths[order], positions[order]
        lasts = [lasts[k] for k in order.tolist()]
        for length in np.unique(lengths).tolist():
            start, end, reach = np.searchsorted(
                lengths, [length, length + 1, length + MAX_EDITS + 1]
            ).tolist()
            self._close_tokens(
                positions, positions, lasts, lengths, slice(start, end), slice(start, reach)
            )

    def _close_tokens(
        self,
        rows: np.ndarray,
        columns: np.ndarray,
        tokens: list[str],
        lengths: np.ndarray,
        row_part: slice,
        column_part: slice,
    ) -> None:
        """The pairs of tokens[row_part] x tokens[column_part] close enough by their edits."""
        import numpy as np
        from rapidfuzz.distance import Levenshtein

        rows, row_lengths = rows[row_part], lengths[row_part]
        columns, column_lengths = columns[column_part], lengths[column_part]
        edits = _matrix(
            tokens[row_part], tokens[column_part], Levenshtein.distance, MAX_EDITS, np.int32
        )
        i, j = np.nonzero(edits <= MAX_EDITS)
        shortest = np.minimum(row_lengths[i], column_lengths[j])
        keep = (edits[i, j] <= np.where(shortest < SHORT_TOKEN, 1, MAX_EDITS)) & (
            rows[i] != columns[j]
        )
        if keep.any():
            self.arrays_found.append((rows[i[keep]], columns[j[keep]]))

    def initials(self, members: list[int], people: Sequence[Named]) -> None:
        """A block of one last token: an initial beside a full name ("M. Hamilton", "Margaret
        Hamilton")."""
        if len(members) > MAX_BLOCK:
            return
        for short in members:
            words = people[short].words
            if len(words) > 1 and len(words[0]) == 1:
                for other in members:
                    other_words = people[other].words
                    if other != short and other_words and other_words[0].startswith(words[0]):
                        self.lows.append(short)
                        self.highs.append(other)

    def _keep(self, members: list[int], rows: np.ndarray, columns: np.ndarray) -> None:
        import numpy as np

        if len(rows):
            positions = np.asarray(members)
            self.arrays_found.append((positions[rows], positions[columns]))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        lows = [np.asarray(self.lows, dtype=np.int64), *(a for a, _ in self.arrays_found)]
        highs = [np.asarray(self.highs, dtype=np.int64), *(b for _, b in self.arrays_found)]
        return np.concatenate(lows), np.concatenate(highs)


def _matrix(
    rows: list[str], columns: list[str], scorer: Any, cutoff: float, dtype: Any
) -> np.ndarray:
    """rapidfuzz's scores of every row against every column, in C: on every core for a large
    block, on one for a small (starting threads costs more than a small block's work)."""
    from rapidfuzz import process

    workers = -1 if len(rows) * len(columns) > 250_000 else 1
    found: np.ndarray = process.cdist(
        rows, columns, scorer=scorer, score_cutoff=cutoff, dtype=dtype, workers=workers
    )
    return found
