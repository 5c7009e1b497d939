"""The row rules of `import_reader` and the keys of `import_staging`, in columns.

For printable-ASCII cells (most cells of a real list) Arrow compute kernels decide what the
row-by-row validator and keyer decide, a block of rows at a time. A rule the kernels cannot
decide as the validator would raises `NotFast`: the import then reads the file row by row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracker.domain.names import MAX_NAME_LENGTH, ascii_fold
from tracker.services.import_reader import STATUSES
from tracker.services.import_staging import STAGING_COLUMNS

TEXT = pa.string()
# The staging table's columns, as Arrow record batches carry them.
STAGING_SCHEMA = pa.schema(
    [
        (column, pa.int64() if column in ("row_no", "position") else TEXT)
        for column in STAGING_COLUMNS
    ]
)
# `import_reader._text`: the spreadsheet-safety prefix of our CSV reports comes off again.
_SPREADSHEET_PREFIX = r"^'[=+\-@\t\r]"
_WHOLE_NUMBER = r"^[0-9]{1,18}$"
_NULL_TEXT = pa.scalar(None, TEXT)


class NotFast(Exception):
    """This file needs the row-by-row reader."""


def text_cells(cells: pa.Array | None) -> pa.Array | None:
    """`import_reader._text` of printable-ASCII cells, trimmed as every use of it trims them:
    the spreadsheet prefix taken off, spaces at either end too, and a blank cell null."""
    if cells is None:
        return None
    if pc.any(pc.starts_with(cells, "'")).as_py():
        prefixed = pc.match_substring_regex(cells, _SPREADSHEET_PREFIX)
        cells = pc.if_else(prefixed, pc.utf8_slice_codeunits(cells, 1), cells)
    trimmed = pc.ascii_trim(cells, " ")
    return pc.if_else(pc.equal(trimmed, ""), _NULL_TEXT, trimmed)


def display_cells(cells: pa.Array | None) -> pa.Array | None:
    """`clean_display_name` of printable-ASCII text: trimmed, and not too long."""
    values = text_cells(cells)
    if values is None:
        return None
    longest = pc.max(pc.binary_length(values)).as_py()
    if longest is not None and longest > MAX_NAME_LENGTH:
        raise NotFast("a cell over the length limit")
    return values


def name_keys(names: pa.Array) -> pa.Array:
    """`names.name_key` of printable ASCII: case folded, spaces collapsed, confusables folded."""
    keys = pc.ascii_lower(names)
    # The bytes behind the keys (they may reach past the keys themselves): a character they
    # lack needs no pass. Folded text holds no character that folds, so one look serves all.
    data = keys.buffers()[2]
    present = b"" if data is None else data.to_pybytes()
    if b"  " in present:
        keys = pc.replace_substring_regex(keys, " {2,}", " ")
    for code, folded in _lower_case_folds():
        if chr(code).encode() in present:
            keys = pc.replace_substring(keys, chr(code), folded)
    return keys


def blocking_keys(keys: pa.Array) -> tuple[pa.Array, pa.Array]:
    """`names.blocking_keys` of printable-ASCII keys: the last token, and the first token with
    the last token's initial (a one-token key: the key, and its initial)."""
    tokens = pc.split_pattern(keys, " ")
    ends = tokens.offsets.to_numpy()
    words = tokens.values
    last = words.take(pa.array(ends[1:] - 1))
    initial = pc.utf8_slice_codeunits(last, 0, 1)
    first = pc.if_else(
        pa.array(np.diff(ends) > 1),
        pc.binary_join_element_wise(words.take(pa.array(ends[:-1])), initial, " "),
        initial,
    )
    return last, first


def _lower_case_folds() -> list[tuple[int, str]]:
    # After lowering, only these characters remain to fold; no folded text holds one of them, so
    # replacing them one after the other is the same as translating them at once.
    return [(code, folded) for code, folded in ascii_fold().items() if not chr(code).isupper()]


def positions(cells: pa.Array | None) -> pa.Array | None:
    values = text_cells(cells)
    if values is None:
        return None
    digits = pc.match_substring_regex(values, _WHOLE_NUMBER)
    if pc.any(pc.and_(values.is_valid(), pc.invert(digits))).as_py():
        raise NotFast("a position that is not a whole number")
    numbers = pc.cast(values, pa.int64())
    smallest = pc.min(numbers).as_py()
    if smallest is not None and smallest < 1:
        raise NotFast("a position below 1")
    return numbers


def statuses(cells: pa.Array | None, rows: int) -> pa.Array:
    if cells is None:
        return pa.repeat(pa.scalar(STATUSES[0]), rows)
    statuses = pc.if_else(pc.equal(cells, ""), pa.scalar(STATUSES[0]), cells)
    if not pc.all(pc.is_in(statuses, pa.array(STATUSES))).as_py():
        raise NotFast("a status the row-by-row reader must report")
    return statuses
