"""A real signatory list, as its letter published it: `tests/data/rms-support-sample.csv` holds
every row of `../shared/realdata/rms-support-2021.csv` whose link or name repeats (true
duplicates beside namesakes and shared sites) and 300 others, chosen once with a fixed seed.

Imported as it is (its `organization` column is an affiliation; its `link` column holds web
pages, profiles and e-mail addresses), every row is kept, entries are made one person only by a
shared link, and no two entries with different accounts are one person.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import Tracker

# Every test runs with the records checked in the importing process and in workers.
pytestmark = pytest.mark.usefixtures("import_checking")

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "rms-support-sample.csv"

# The pairs of the list whose links are one (the same account or the signer's own site) and
# whose names are one person's, judged by hand; the other repeated links are shared by
# different people (an organization's site, a project's account) and stay apart.
SAME_PERSON = {
    ("blank", "blank"),
    ("Collider", "Collider"),
    ("Ian Sutter", "Ian Sutter"),
    ("ivansh", "ivansh"),
    ("Jason Cotman", "Jason Cotman"),
    ("Jeff Norden", "Jeffrey Norden"),
    ("Karol Makowski", "Karol Makowski"),
    ("Melvin Carvalho", "Melvin Carvalho"),
    ("Olexii Mazur", "Olexiy Mazur"),
}


def test_the_real_list_keeps_every_row_and_links_only_by_evidence(
    tracker: Tracker, tmp_path: Path
) -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["position", "name", "organization", "link", "signed_at"])
        writer.writerows(
            [r["position"], r["name"], r["organization"], r["link"], r["signed_at"]] for r in rows
        )
    tracker.ok("source", "add", "repo", "--title", "The letter's repository")
    tracker.ok("letter", "add", "rms", "--title", "Support letter", "--addressed-to", "FSF")
    merges = tmp_path / "merges.csv"
    result = tracker(
        "signatory", "import", str(listing), "--letter", "rms", "--source", "repo",
        "--merges", str(merges),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"{len(rows)} rows read, {len(rows)} added, 0 already present" in result.stdout
    assert "9 entries linked to a person by a link, e-mail or handle, 0 by name alone" in (
        result.stdout
    )
    entries = json.loads(tracker.ok("signatory", "list", "rms", "-f", "json"))
    assert len(entries) == len(rows)
    by_person: dict[int, list[str]] = defaultdict(list)
    for entry in entries:
        by_person[entry["person_id"]].append(entry["as_written"])
    made_one = {tuple(sorted(names)) for names in by_person.values() if len(names) > 1}
    assert made_one == {tuple(sorted(pair)) for pair in SAME_PERSON}
    assert len(list(csv.DictReader(merges.open(encoding="utf-8")))) == 9
    # no person holds two accounts on one site
    accounts = tracker.rows(
        "SELECT person_id, count(DISTINCT link_key) FROM signatures WHERE link_key LIKE "
        "'github.com/%' GROUP BY person_id HAVING count(DISTINCT link_key) > 1"
    )
    assert accounts == []
    tally = json.loads(tracker.ok("report", "tally", "rms", "-f", "json"))[0]
    assert (tally["named"], tally["people"]) == (len(rows), len(rows) - 9)
    # the same import again changes nothing
    again = tracker("signatory", "import", str(listing), "--letter", "rms", "--source", "repo")
    assert f"{len(rows)} rows read, 0 added, {len(rows)} already present" in again.stdout


def test_the_published_lines_read_as_a_text_list(tracker: Tracker, tmp_path: Path) -> None:
    """The list's lines as its page printed them ("Name (Affiliation)"), imported as plain text,
    give the names and affiliations that the list's own columns hold, for at least 95% of rows
    (the rest: a handle in parentheses, which the list's own split drops)."""
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    listing = tmp_path / "published.txt"
    listing.write_text("".join(row["as_published"] + "\n" for row in rows), encoding="utf-8")
    tracker.ok("source", "add", "page", "--title", "The letter's page")
    tracker.ok("letter", "add", "rms", "--title", "Support letter", "--addressed-to", "FSF")
    tracker.ok("signatory", "import", str(listing), "--letter", "rms", "--source", "page")
    entries = json.loads(tracker.ok("signatory", "list", "rms", "-f", "json", "--all"))
    by_entry = {entry["entry"]: entry for entry in entries}
    same = sum(
        1
        for place, row in enumerate(rows, start=1)
        if by_entry[place]["as_written"] == row["name"].strip()
        and (by_entry[place]["affiliation"] or "") == row["organization"].strip()
    )
    assert same / len(rows) >= 0.95, same / len(rows)
