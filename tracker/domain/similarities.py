"""`matching.similarity` of many pairs of names at once, for the review queue.

The review queue weighs a hundred thousand candidate pairs; scored one by one in Python that
is most of its time. Here the pairs are grouped by shape (how many tokens each name has) and
each shape is scored as arrays: the spelling similarity of every pair of tokens in position
(i, j) by rapidfuzz's `cpdist` (Jaro-Winkler and OSA, in C), the cases a rule decides (the same
token, an initial, a nickname: `matching.exact_token_case`, written again here as arrays), and the
tokens paired greedily, best first, as `similarity` pairs them (ties in the same order). The
result is the number `similarity` gives (to the last bit or so: rapidfuzz's batch and one-pair
paths may round differently), so the review queue uses it to bound, never to report;
tests/unit/test_similarities.py holds the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tracker.domain.matching import (
    INITIAL,
    NICKNAME,
    SPELLING_LEEWAY,
    extra_tokens_penalty,
    has_nicknames,
    nicknames_of_one_name,
)

if TYPE_CHECKING:
    import numpy as np

Tokens = tuple[str, ...]


def similarities(firsts: Sequence[Tokens], seconds: Sequence[Tokens]) -> np.ndarray:
    """The similarity (0-1) of each pair of names' tokens: `similarity(firsts[k], seconds[k])[0]`
    for every k."""
    import numpy as np

    names = TokenTable([*firsts, *seconds])
    left = np.arange(len(firsts))
    return names.similarities(left, left + len(firsts))


class TokenTable:
    """Names as numbered tokens, for scoring many pairs of them (`similarities`)."""

    def __init__(self, names: Sequence[Tokens]) -> None:
        import numpy as np

        number: dict[str, int] = {}
        self.tokens: list[str] = []
        counts = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
        self.ids = np.empty(int(counts.sum()), dtype=np.int64)
        for k, token in enumerate(token for name in names for token in name):
            found = number.get(token)
            if found is None:
                found = number[token] = len(self.tokens)
                self.tokens.append(token)
            self.ids[k] = found
        self.counts = counts
        self.starts = np.cumsum(counts) - counts
        self.lengths = np.fromiter(map(len, self.tokens), dtype=np.float64, count=len(self.tokens))

    def similarities(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """`similarity` of names left[k] and right[k] (positions in the table), for every k."""
        import numpy as np

        found = np.zeros(len(left), dtype=np.float64)
        size_left, size_right = self.counts[left], self.counts[right]
        # `similarity` pairs the shorter name's tokens with the longer's (the first on a tie).
        swap = size_left > size_right
        short = np.where(swap, right, left)
        long = np.where(swap, left, right)
        shorter, longer = self.counts[short], self.counts[long]
        widest = int(longer.max(initial=0)) + 1
        shapes = shorter * widest + longer  # one number per shape
        order = np.argsort(shapes, kind="stable")
        bounds = np.flatnonzero(np.diff(shapes[order])) + 1
        for members in np.split(order, bounds):
            if not len(members) or shorter[members[0]] == 0:
                continue  # an empty name is like nothing
            found[members] = self._shape(
                self._tokens(short[members], int(shorter[members[0]])),
                self._tokens(long[members], int(longer[members[0]])),
            )
        return found

    def _tokens(self, names: np.ndarray, size: int) -> np.ndarray:
        import numpy as np

        found: np.ndarray = self.ids[self.starts[names][:, None] + np.arange(size)]
        return found

    def _shape(self, shorts: np.ndarray, longs: np.ndarray) -> np.ndarray:
        """`similarity` of names of one shape, as token numbers (count x short, count x long)."""
        import numpy as np

        count, short = shorts.shape
        long = longs.shape[1]
        xs = np.repeat(shorts, long, axis=1)  # (i, j) in i-major order, as `similarity` lists them
        ys = np.tile(longs, (1, short))
        scores = token_similarities(self.tokens, xs.ravel(), ys.ravel()).reshape(count, short, long)
        sizes = np.maximum(self.lengths[xs], self.lengths[ys]).reshape(count, short, long)
        rows = np.arange(count)
        total = np.zeros(count)
        weight = np.zeros(count)
        for _ in range(short):
            # The best pair left (the first in (i, j) order on a tie, as a stable sort keeps
            # it), then neither of its tokens again.
            best = scores.reshape(count, short * long).argmax(axis=1)
            i, j = np.divmod(best, long)
            total += scores[rows, i, j] * sizes[rows, i, j]
            weight += sizes[rows, i, j]
            scores[rows, i, :] = -1.0
            scores[rows, :, j] = -1.0
        return np.maximum(0.0, total / weight - extra_tokens_penalty(short, long))


def token_similarities(tokens: Sequence[str], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """`matching._token_similarity(tokens[xs[k]], tokens[ys[k]])[0]` for every k, each distinct
    pair of tokens scored once: the cases `matching.exact_token_case` decides as arrays (the
    same token, an initial), nicknames looked up only where a token is in the nickname table,
    the rest by spelling."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import OSA, JaroWinkler

    pairs, where = np.unique(xs * len(tokens) + ys, return_inverse=True)
    lefts, rights = pairs // len(tokens), pairs % len(tokens)
    firsts = [tokens[x] for x in lefts.tolist()]
    seconds = [tokens[y] for y in rights.tolist()]
    winkler = process.cpdist(
        firsts, seconds, scorer=JaroWinkler.normalized_similarity, workers=-1, dtype=np.float64
    )
    edits = process.cpdist(
        firsts, seconds, scorer=OSA.normalized_similarity, workers=-1, dtype=np.float64
    )
    # matching.spelling_similarity, as arrays
    found = np.maximum(np.minimum(winkler, edits + SPELLING_LEEWAY), edits)
    # matching.exact_token_case, as arrays
    met = np.zeros(len(tokens), dtype=np.bool_)
    met[lefts] = met[rights] = True
    used = np.flatnonzero(met)
    initial = np.zeros(len(tokens), dtype=np.int64)
    length = np.zeros(len(tokens), dtype=np.int64)
    nicknamed = np.zeros(len(tokens), dtype=np.bool_)
    for k in used.tolist():
        token = tokens[k]
        initial[k], length[k] = ord(token[0]), len(token)
        nicknamed[k] = token.isalpha() and has_nicknames(token)
    same = lefts == rights
    by_initial = ~same & ((length[lefts] == 1) | (length[rights] == 1))
    found[by_initial] = np.where(initial[lefts] == initial[rights], INITIAL, 0.0)[by_initial]
    maybe = np.flatnonzero(~same & ~by_initial & (nicknamed[lefts] | nicknamed[rights]))
    for k in maybe.tolist():
        first, second = firsts[k], seconds[k]
        if first.isalpha() and second.isalpha() and nicknames_of_one_name(first, second):
            found[k] = NICKNAME
    found[same] = 1.0
    scores: np.ndarray = found[where.ravel()]
    return scores
