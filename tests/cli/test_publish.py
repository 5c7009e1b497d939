"""`tracker publish`: the site's files, its public database, the folder it goes into, and
escaping. What a person sees in a browser is in tests/web."""

from __future__ import annotations

import json
import re
import sqlite3
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import Tracker

HARBOUR = Path(__file__).parent.parent / "data" / "letters" / "harbour-library-2024.toml"
SLUG = "harbour-library-2024"


@pytest.fixture
def harbour(tracker: Tracker) -> Tracker:
    tracker.ok("letter", "load", str(HARBOUR))
    return tracker


def test_publish_writes_a_site_and_a_public_database(harbour: Tracker, tmp_path: Path) -> None:
    site = tmp_path / "site"
    out = harbour.ok("publish", "--dir", str(site), "--license", "CC BY 4.0")
    assert f"published {SLUG} into {site}" in out
    for page in ("index.html", f"{SLUG}/index.html", f"{SLUG}/signatories.html",
                 f"{SLUG}/sources.html", f"{SLUG}/changes.html"):  # fmt: skip
        html = (site / page).read_text(encoding="utf-8")
        assert 'http-equiv="Content-Security-Policy"' in html, page
        assert "default-src 'none'" in unescape(html), page
        assert not re.search(r"(src|href)=\"(https?:)?//(?!example\.org)", html), page
        assert "<script>" not in html, page  # no inline script: only the site's own files
    downloads = {p.name for p in (site / SLUG / "downloads").iterdir()}
    assert {"signatories.csv", "tally.csv", "datapackage.json", "chart.png"} <= downloads
    connection = sqlite3.connect(site / "letters.db")
    try:
        listed = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        tables = {row[0] for row in connection.execute(listed)}
        assert tables == {"letters", "sources", "signatories", "counts", "demands", "changes"}
        assert connection.execute("SELECT count(*) FROM signatories").fetchone()[0] == 8
        assert connection.execute(
            "SELECT reported, named, ultimatum_state FROM letters WHERE slug = ?", (SLUG,)
        ).fetchone() == (1150, 7, "active")
        assert connection.execute("SELECT status FROM demands").fetchall() == [("rejected",)]
    finally:
        connection.close()
    metadata = json.loads((site / "metadata.json").read_text())
    assert metadata["license"] == "CC BY 4.0"
    assert set(metadata["databases"]["letters"]["tables"]) == tables
    changes = (site / SLUG / "changes.html").read_text(encoding="utf-8")
    assert "Jonas Berg: signature retracted (Asked to be removed; signed by mistake)" in changes
    assert "8 signatures recorded" in changes


def test_retracted_entries_can_be_left_out(harbour: Tracker, tmp_path: Path) -> None:
    harbour.ok("publish", "--dir", str(tmp_path / "site"), "--retracted", "hide")
    chunk = (tmp_path / "site" / SLUG / "data" / "signatories-00000.js").read_text("utf-8")
    assert "Jonas Berg" not in chunk
    assert "1 retracted ones left out" in (tmp_path / "site" / SLUG / "signatories.html").read_text(
        "utf-8"
    )


def test_every_value_is_escaped_for_its_place(tracker: Tracker, tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>'
    tracker.ok("source", "add", "s1", "--title", f"Title {hostile}",
               "--url", "javascript:alert(1)")  # fmt: skip
    tracker.ok("letter", "add", "hostile", "--title", hostile, "--addressed-to", '"><b>x</b>',
               "--source", "s1")  # fmt: skip
    tracker.ok("signatory", "add", hostile, "--letter", "hostile", "--source", "s1")
    site = tmp_path / "site"
    tracker.ok("publish", "--dir", str(site))
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert hostile not in html, page
        assert '"><b>x</b>' not in html, page
        assert "javascript:" not in html, page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in (site / "index.html").read_text()
    chunk = (site / "hostile" / "data" / "signatories-00000.js").read_text(encoding="utf-8")
    assert "</script>" not in chunk
    assert "\\u003cscript>" in chunk


def test_a_bad_target_folder_is_refused_and_left_alone(harbour: Tracker, tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("mine")
    result = harbour("publish", "--dir", str(a_file))
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr
    assert a_file.read_text() == "mine"
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    result = harbour("publish", "--dir", str(other))
    assert result.exit_code == 2
    assert "not a previous publish" in result.stderr
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    left = {p.name for p in tmp_path.iterdir() if not p.name.startswith("tracker.db")}
    assert left == {"file.txt", "other"}  # no temporary folder left behind


def test_publishing_again_replaces_the_previous_site(harbour: Tracker, tmp_path: Path) -> None:
    site = tmp_path / "site"
    harbour.ok("publish", "--dir", str(site))
    (site / "stale.html").write_text("old")
    harbour.ok("count", "add", SLUG, "1200", "--as-of", "2024-03-14", "--source", "hl-letter")
    harbour.ok("publish", "--dir", str(site))
    assert not (site / "stale.html").exists()
    assert "1,200" in (site / SLUG / "index.html").read_text(encoding="utf-8")
    left = {p.name for p in tmp_path.iterdir() if not p.name.startswith("tracker.db")}
    assert left == {"site"}  # no temporary folder left behind


def test_withhold_and_unwithhold(harbour: Tracker, tmp_path: Path) -> None:
    where = ["--letter", SLUG, "--source", "hl-letter"]
    harbour.ok("signatory", "withhold", "Zoë Lefèvre", *where)
    again = harbour("signatory", "withhold", "Zoë Lefèvre", *where)
    assert again.exit_code == 2
    assert "withheld already" in again.stderr
    tally = harbour.ok("report", "tally", SLUG, "-f", "json")
    assert json.loads(tally)[0]["named"] == 7  # still counted
    harbour.ok("publish", "--dir", str(tmp_path / "site"))
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            assert "Zoë Lefèvre".encode() not in path.read_bytes(), path
    history = harbour.ok("history")
    assert "Zoë" not in history.split("withheld at the signer's request")[0].splitlines()[-1]
    harbour.ok("signatory", "unwithhold", "Zoë Lefèvre", *where)
    harbour.ok("publish", "--dir", str(tmp_path / "site"))
    chunk = (tmp_path / "site" / SLUG / "data" / "signatories-00000.js").read_text("utf-8")
    assert "Zoë Lefèvre" in chunk
