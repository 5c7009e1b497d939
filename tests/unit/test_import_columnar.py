"""The columnar import path (`import_arrow`) stages exactly what the row-by-row reader would.

The row-by-row reader and keyer are the reference. For any CSV file, the columnar path either
stages the same rows with the same keys (compared cell for cell in its real staging database
file), or gives the file up (`NotFast`) when the reference rejects a row or might read the file
differently; it never stages a file the reference rejects.
"""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tracker.errors import BadInput
from tracker.services.import_arrow import NotFast, stage_csv
from tracker.services.import_arrow_staging import write_staging_file
from tracker.services.import_reader import InputFile, RowError, read_rows
from tracker.services.import_staging import STAGING_COLUMNS, RowKeyer

HEADERS = (
    ["name"],
    ["name", "title", "organization"],
    ["name", "title", "organization", "signed_at", "position", "status"],
    ["status", "position", "name", "signed_at"],
)
# Text from everything that makes a list hard, mostly letters and spaces: quotes, commas, line
# ends, formula prefixes, digits, non-ASCII letters, confusables, invisible and control characters.
LETTERS = ["Ana", "Lima", "ANA", "lima", "Ben", " ", " ", "  ", "l", "I", "|", "m", "rn", "0", "1"]
HARD = [",", '"', "'", "=", "-", "+", "@", "\r", "\n", "\t", "%", "`", "é", "İ", "ß", "а", "Ａ",
        "\u200b", "\u202e", "\x07", "Ω"]  # fmt: skip
TEXT = st.lists(st.sampled_from(LETTERS * 30 + HARD), min_size=1, max_size=5).map("".join)
CELLS = {
    "name": TEXT,
    "title": st.sampled_from(["", "x"]).flatmap(lambda t: TEXT if t else st.just("")),
    "organization": TEXT,
    "signed_at": st.sampled_from(["", "2024-02-01", " 2024-02-01 ", "2024-02-02T10Z"] * 5 + ["x"]),
    "position": st.sampled_from(["", "1", " 7 ", "007", "12"] * 5 + ["0", "'+3"]),
    "status": st.sampled_from(["", "reported", "confirmed"] * 5 + [" reported"]),
}


def _field(cell: str, quote: bool) -> str:
    return '"' + cell.replace('"', '""') + '"' if quote else cell


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    header = draw(st.sampled_from(HEADERS))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        cells = [draw(CELLS[column]) for column in header]
        if draw(st.integers(0, 39)) == 0:
            cells = cells[:-1] if draw(st.booleans()) else [*cells, "extra"]  # ragged
        quoted = [draw(st.booleans()) for _ in cells]
        line = ",".join(_field(c, q) for c, q in zip(cells, quoted, strict=True))
        if draw(st.integers(0, 39)) == 0:
            line += '"x'  # text after a closing quote, or an unclosed quote
        lines.append(line)
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


Staged = tuple[list[tuple[object, ...]], list[tuple[int, int]]]  # rows, and repeated keys


def _reference(path: Path) -> Staged | None:
    """The staged rows as the row-by-row reader and keyer give them, and each row that repeats
    an earlier row's key with that first row; None if a row is bad."""
    keyer = RowKeyer(postgres=False)
    with path.open("rb") as handle:
        rows = list(read_rows(InputFile(handle, encoding=None, label=path.name), "csv"))
    if any(isinstance(row, RowError) for row in rows):
        return None
    staged = [keyer.values(number, row) for number, row in enumerate(rows, start=1)]  # type: ignore[arg-type]
    first: dict[object, int] = {}
    repeats = []
    for values in staged:
        row_no = int(values[0])  # type: ignore[call-overload]
        found = first.setdefault(values[2], row_no)
        if found != row_no:
            repeats.append((row_no, found))
    return staged, repeats


def _columnar(path: Path, staging: Path) -> Staged:
    staging.unlink(missing_ok=True)
    with path.open("rb") as handle:
        staged = stage_csv(handle, label=path.name, write=partial(write_staging_file, staging))
    with sqlite3.connect(staging) as connection:
        rows = connection.execute(
            f"SELECT {', '.join(STAGING_COLUMNS)} FROM import_rows ORDER BY row_no"
        ).fetchall()
        repeats = connection.execute("SELECT * FROM import_repeats ORDER BY row_no").fetchall()
    connection.close()
    assert staged.count == len(rows)
    return rows, repeats


def _outcome(run, *args):  # type: ignore[no-untyped-def]
    try:
        return run(*args)
    except BadInput as exc:
        return ("refused", exc.message)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=csv_files(), bom=st.booleans())
@example(text='name,title,organization\n"Ana"x,Eng,Acme\n', bom=False)
@example(text='name\n"Ana ""A"" Lima"\n\n  Ben  Okafor \n', bom=True)
@example(text="name,position,status\n'=cmd,007,\n", bom=False)
@example(text="name\nAna\rBen\n", bom=False)
def test_columnar_path_stages_what_the_reference_stages(
    tmp_path: Path, text: str, bom: bool
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    reference = _outcome(_reference, path)
    try:
        columnar = _outcome(_columnar, path, tmp_path / "staging.db")
    except NotFast:
        event("given up, " + ("as the reference" if reference is None else "readable row by row"))
        return  # the import reads it row by row: the reference decides
    event("staged in columns")
    assert reference is not None, "the columnar path staged a file the reference rejects"
    assert columnar == reference


def test_a_clean_file_takes_the_columnar_path(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,title,organization,signed_at,position,status\n"
        "Ana Lima,Engineer,Acme Labs,2024-02-01,1,\n"
        '"Okafor, Ben",, ,2024-02-02T10:00:00Z,,confirmed\n'
        "José  Ávila,Writer,Acme Labs,,3,reported\nMILLA 01,,,,,\n"
    )
    staged = _columnar(path, tmp_path / "staging.db")
    assert staged == _reference(path)
    rows, repeats = staged
    assert [row[2] for row in rows] == ["ana lirna", "okafor, ben", "josé ávila", "rnilla ol"]
    assert repeats == []


def test_repeated_keys_point_at_their_first_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nAna Lima\nBen\nANA  LIMA\nJosé\nben\nAna Lirna\n")
    _, repeats = _columnar(path, tmp_path / "staging.db")
    assert repeats == [(3, 1), (5, 2), (6, 1)]


@pytest.mark.parametrize(
    "text",
    [
        "name,title\nAna,Engineer\n",  # a title needs an organization
        "name\nAna\n\n   \nBen\n",  # a blank line of spaces: only the reference skips it
        "name,position\nAna,0\n",
        "name,signed_at\nAna,yesterday\n",
        "name,status\nAna,signed\n",
        "name\n" + "x" * 301 + "\n",
        "name,title\nAna\n",  # ragged
        'name\n"Ana"x\n',  # Python's csv module refuses it; Arrow would read "Anax"
    ],
)
def test_what_the_columnar_path_gives_up(tmp_path: Path, text: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(text)
    with pytest.raises(NotFast):
        _columnar(path, tmp_path / "staging.db")
