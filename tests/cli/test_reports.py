from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tracker.csvsafe import neutralise
from tracker.reports import arrow_csv

SLUG = "openai-board-2023"


def test_tally_golden(seeded: Tracker) -> None:
    (row,) = json.loads(seeded.ok("report", "tally", SLUG, "--as-of", "2023-11-21", "-f", "json"))
    assert row["population"] == 770
    assert row["reported"] == 500
    assert row["qualifier"] == "up-to"
    assert row["named"] == 12
    assert row["unnamed"] == 488
    assert row["reported_share_of_population"] == 0.6494
    assert row["named_share_of_reported"] == 0.024
    assert row["named_share_of_population"] == 0.0156
    assert row["reported_source"] == "seed-003"
    assert row["population_source"] == "seed-003"


def test_tally_before_any_count(tracker: Tracker) -> None:
    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok(
        "letter",
        "add",
        "l",
        "--title",
        "L",
        "--addressed-to",
        "W",
        "--date",
        "2024-01-01",
        "--population",
        "10",
        "--population-source",
        "s",
    )
    (row,) = json.loads(tracker.ok("report", "tally", "l", "--as-of", "2024-01-02", "-f", "json"))
    assert row["reported"] is None
    assert row["named"] == 0
    assert row["population"] == 10


def test_hostile_names_round_trip_through_csv(seeded: Tracker) -> None:
    hostile = [
        '=HYPERLINK("http://x","y")',
        "+1 Person",
        "-2+3",
        "@SUM(A1)",
        'Quote "Q" Name',
        "Comma, Name",
        "Line\u2028Break",
        "Bidi\u202eName",
    ]
    for name in hostile:
        seeded.ok(
            "signatory", "add", "--letter", SLUG, "--source", "seed-003", "--new-person", "--", name
        )
    text = seeded.ok("report", "signatories", SLUG)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12 + len(hostile)
    names = {row["name"] for row in rows}
    for name in hostile:
        expected = "'" + name if name[0] in "=+-@" else name
        assert expected in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)


def test_report_all_package_validates_and_chart_changes(seeded: Tracker, tmp_path: Path) -> None:
    from frictionless import Package
    from PIL import Image, ImageChops

    first = tmp_path / "one"
    seeded.ok("report", "all", SLUG, "--dir", str(first))
    report = Package(str(first / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    chart = first / "chart.png"
    assert 10_000 < chart.stat().st_size < 2_000_000
    seeded.ok(
        "count",
        "add",
        SLUG,
        "650",
        "--as-of",
        "2023-11-21",
        "--source",
        "public-record",
        "--qualifier",
        "approximate",
    )
    second = tmp_path / "two"
    seeded.ok("report", "all", SLUG, "--dir", str(second))
    with Image.open(chart) as a, Image.open(second / "chart.png") as b:
        assert a.size == b.size
        assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None


def test_unwritable_folder_is_one_line(seeded: Tracker, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = seeded("report", "all", SLUG, "--dir", str(blocker / "sub"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def _add_late_signer(t: Tracker, source: str, signed_at: str) -> None:
    t.ok(
        "signatory",
        "add",
        "Late Signer",
        "--letter",
        SLUG,
        "--source",
        source,
        "--signed-at",
        signed_at,
        "--new-person",
    )


def test_signed_at_is_iso_in_the_listing(seeded: Tracker) -> None:
    _add_late_signer(seeded, "seed-003", "2023-11-21T10:30:00Z")
    rows = list(csv.DictReader(io.StringIO(seeded.ok("report", "signatories", SLUG))))
    (late,) = [row for row in rows if row["name"] == "Late Signer"]
    assert late["signed_at"] == "2023-11-21T10:30:00Z"
    (as_json,) = [
        r
        for r in json.loads(seeded.ok("report", "signatories", SLUG, "-f", "json"))
        if r["name"] == "Late Signer"
    ]
    assert as_json["signed_at"] == "2023-11-21T10:30:00Z"


def test_golden_listings_and_summaries(seeded: Tracker) -> None:
    roles = list(csv.DictReader(io.StringIO(seeded.ok("report", "roles", SLUG))))
    ilya = [r for r in roles if r["name"] == "Ilya Sutskever"]
    assert {r["title"] for r in ilya} == {"Co-founder", "Chief Scientist", "Board member"}
    assert all(r["flags"] == "target of demand: board-resigns" for r in ilya)
    assert not any(r["flags"] for r in roles if r["name"] != "Ilya Sutskever")
    murati = {r["title"]: r for r in roles if r["name"] == "Mira Murati"}
    assert murati["Interim Chief Executive Officer"]["held_on_letter_date"] == "false"
    assert murati["Chief Technology Officer"]["held_on_letter_date"] == "true"
    signatories = list(csv.DictReader(io.StringIO(seeded.ok("report", "signatories", SLUG))))
    assert [r["position"] for r in signatories] == [str(i) for i in range(1, 13)]
    chen = signatories[10]
    assert (chen["name"], chen["as_written"], chen["aliases"]) == (
        "Mark Chen",
        "Tandai Chen",
        "Tandai Chen",
    )
    demands = json.loads(
        seeded.ok("report", "demands", SLUG, "--as-of", "2023-11-20", "-f", "json")
    )
    assert [(d["key"], d["status"]) for d in demands] == [
        ("board-resigns", "pending"),
        ("independent-directors", "pending"),
        ("reinstate", "pending"),
    ]
    counts = list(csv.DictReader(io.StringIO(seeded.ok("report", "counts", SLUG))))
    assert [(c["value"], c["qualifier"], c["population"], c["source"]) for c in counts] == [
        ("500", "up-to", "770", "seed-003")
    ]
    table = seeded.ok("report", "tally", SLUG, "--as-of", "2023-11-21", "-f", "table")
    assert "770" in table
    assert "488" in table


def test_excel_bom_and_out_file(seeded: Tracker, tmp_path: Path) -> None:
    out = tmp_path / "tally.csv"
    seeded.ok("report", "tally", SLUG, "--out", str(out), "--excel")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2
    assert not list(tmp_path.glob(".tally.csv.*"))  # no temporary file left behind


def test_reports_refuse_a_date_before_the_letter(seeded: Tracker) -> None:
    for report in ("tally", "roles", "signatories", "counts", "demands", "all"):
        result = seeded("report", report, SLUG, "--as-of", "2023-11-19")
        assert result.exit_code == 2, report
        assert "before the letter's date" in result.stderr


def test_named_count_follows_signing_dates_and_retractions(seeded: Tracker) -> None:
    _add_late_signer(seeded, "public-record", "2023-11-25T08:00:00Z")
    seeded.ok(
        "count",
        "add",
        SLUG,
        "700",
        "--as-of",
        "2023-11-26",
        "--source",
        "public-record",
        "--qualifier",
        "approximate",
    )

    def tally(as_of: str) -> dict[str, object]:
        (row,) = json.loads(seeded.ok("report", "tally", SLUG, "--as-of", as_of, "-f", "json"))
        return row

    assert tally("2023-11-24")["named"] == 12
    late = tally("2023-11-25")
    assert late["named"] == 13
    assert late["named_sources"] == "public-record, seed-003"
    series = json.loads(
        seeded.ok("report", "tally", SLUG, "--as-of", "2023-11-30", "--series", "-f", "json")
    )
    assert [(r["reported"], r["named"]) for r in series] == [(500, 12), (700, 13)]
    seeded.ok(
        "signatory",
        "retract",
        "Late Signer",
        "--letter",
        SLUG,
        "--source",
        "public-record",
        "--reason",
        "Asked to be removed",
    )
    assert tally("2023-11-30")["named"] == 12


def test_listing_csv_matches_its_json_cell_for_cell(
    seeded: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV of a listing (through Arrow on SQLite) and its JSON (through the DBAPI cursor) are
    the same rows. Batches of two rows make the Arrow reader infer its column types from rows
    where aliases, dates and flags are all missing, and meet them filled in later batches."""
    monkeypatch.setattr(arrow_csv, "BATCH_ROWS", 2)
    listing = tmp_path / "more.csv"
    listing.write_text(
        "name,title,organization,signed_at\n"
        "Una Late,Engineer,Acme,2023-11-21\n"
        '"=Formula, Person",@Lead,-Org,\n'
        "Vic Later,,,\n",
        encoding="utf-8",
    )
    seeded.ok("signatory", "import", str(listing), "--letter", SLUG, "--source", "seed-003")
    for report in ("signatories", "roles"):
        as_csv = list(csv.DictReader(io.StringIO(seeded.ok("report", report, SLUG))))
        as_json = json.loads(seeded.ok("report", report, SLUG, "-f", "json"))
        assert len(as_csv) == len(as_json) > 12
        for csv_row, json_row in zip(as_csv, as_json, strict=True):
            expected = {
                key: "" if value is None else str(neutralise(value))
                for key, value in json_row.items()
            }
            assert csv_row == expected
    names = [
        row["name"] for row in json.loads(seeded.ok("report", "signatories", SLUG, "-f", "json"))
    ]
    assert names[12:] == ["Una Late", "=Formula, Person", "Vic Later"]  # unpositioned: as recorded


def test_report_files_are_readable_by_others_under_umask_022(
    seeded: Tracker, tmp_path: Path
) -> None:
    import os
    import stat

    from tracker.reports import output

    output._file_mode.cache_clear()
    previous = os.umask(0o022)
    try:
        seeded.ok("report", "all", "--dir", str(tmp_path / "reports"))
    finally:
        os.umask(previous)
        output._file_mode.cache_clear()
    for path in (tmp_path / "reports").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_every_report_of_several_letters_without_naming_one(
    seeded: Tracker, tmp_path: Path
) -> None:
    for slug in ("second", "third"):
        seeded.ok("letter", "add", slug, "--title", slug.title(), "--addressed-to", "Board")
        seeded.ok("signatory", "add", f"Ana {slug.title()}", "--letter", slug,
                  "--source", "seed-003")  # fmt: skip
    tally = list(csv.DictReader(io.StringIO(seeded.ok("report", "tally"))))
    assert [(row["letter"], row["named"]) for row in tally] == [
        ("openai-board-2023", "12"),
        ("second", "1"),
        ("third", "1"),
    ]
    for name in ("signatories", "roles", "counts", "demands"):
        rows = json.loads(seeded.ok("report", name, "-f", "json"))
        assert rows, name
    listed = json.loads(seeded.ok("report", "signatories", "-f", "json"))
    assert {row["letter"] for row in listed} == {"openai-board-2023", "second", "third"}
    assert "letter" in seeded.ok("report", "tally", "-f", "table").splitlines()[0]
    out = tmp_path / "reports"
    seeded.ok("report", "all", "--dir", str(out))
    for slug in ("openai-board-2023", "second", "third"):
        assert (out / slug / "tally.csv").exists()
        assert (out / slug / "datapackage.json").exists()


def test_the_signing_over_time_without_reported_counts(tracker: Tracker, tmp_path: Path) -> None:
    tracker.ok("source", "add", "list", "--title", "The list")
    tracker.ok("letter", "add", "petition", "--title", "Petition", "--addressed-to", "Council")
    listing = tmp_path / "list.csv"
    listing.write_text(
        "name,signed_at\nAna Lima,2024-02-01T10:00:00Z\nBen Okafor,2024-02-01T12:00:00Z\n"
        "Cy Dunn,2024-02-03\nDee Quist,\n"
    )
    tracker.ok("signatory", "import", str(listing), "--letter", "petition", "--source", "list")
    out = tmp_path / "reports"
    tracker.ok("report", "all", "petition", "--dir", str(out))
    rows = list(csv.DictReader((out / "signing.csv").open()))
    assert [(r["day"], r["signed"], r["named_so_far"]) for r in rows] == [
        ("2024-02-01", "2", "2"),
        ("2024-02-03", "1", "3"),
    ]
    package = json.loads((out / "datapackage.json").read_text())
    assert "signing" in [resource["name"] for resource in package["resources"]]
    assert (out / "chart.png").stat().st_size > 0
    # with a reported count beside the signing (times of day, in UTC)
    tracker.ok("count", "add", "petition", "40", "--as-of", "2024-02-02T18:30:00Z",
               "--source", "list", "--qualifier", "at-least")  # fmt: skip
    tracker.ok("report", "all", "petition", "--dir", str(out))
    tracker.ok("report", "chart", "petition", "--out", str(tmp_path / "chart.png"))
