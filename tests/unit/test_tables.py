"""Tables line up on a terminal whatever the script, and never print one huge cell whole."""

from __future__ import annotations

from rich.cells import cell_len

from tracker.cli.common import MAX_CELL_WIDTH, render_table


def test_columns_line_up_by_display_width() -> None:
    rows = [
        {"name": "山田太郎", "status": "reported"},
        {"name": "Ana Lima", "status": "confirmed"},
        {"name": "ｆｕｌｌ ｗｉｄｔｈ", "status": "reported"},
        {"name": "Андрей", "status": "disputed"},
    ]
    lines = render_table(rows, ["name", "status"]).splitlines()
    starts = {
        cell_len(line[: line.index(row["status"])])
        for line, row in zip(lines[2:], rows, strict=True)
    }
    assert len(starts) == 1  # every status begins in the same terminal column


def test_an_over_long_cell_is_cut_with_an_ellipsis() -> None:
    table = render_table([{"name": "x" * 291, "status": "reported"}], ["name", "status"])
    line = table.splitlines()[2]
    assert "x" * MAX_CELL_WIDTH not in line
    assert "\u2026" in line
    assert cell_len(line) < MAX_CELL_WIDTH + 20


def test_control_characters_are_still_escaped() -> None:
    table = render_table([{"name": "Ana\u202eLima\x1b[2J"}], ["name"])
    assert "\u202e" not in table
    assert "\x1b" not in table
