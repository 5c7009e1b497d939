"""Private data stays private: e-mail addresses and the names of signers who asked not to be
named reach no report file and no listing, unless the user asks for them explicitly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Tracker

# Every test runs with the records checked in the importing process and in workers.
pytestmark = pytest.mark.usefixtures("import_checking")

EMAILS = (
    "ana.private@example.org",
    "ben.private@example.net",
    "cy.private@example.com",
    "dee.private@example.org",
    "dee.other@example.org",
)
WITHHELD = "Wilhelmina Withheld"


def test_no_private_value_in_any_output(tracker: Tracker, tmp_path: Path) -> None:
    tracker.ok("seed")
    slug = "openai-board-2023"
    listing = tmp_path / "list.csv"
    listing.write_text(
        "name,email,link\n"
        f"Ana Lima,{EMAILS[0]},\n"
        f"Ben Okafor,,mailto:{EMAILS[1]}\n"
        f"Dee Quist,{EMAILS[3]},MailTo:{EMAILS[4]}\n"  # both: the link stays, and is kept out
    )
    tracker.ok("signatory", "import", str(listing), "--letter", slug, "--source", "seed-003")
    tracker.ok(
        "signatory", "add", "Cy Dunn", "--letter", slug, "--source", "seed-003",
        "--email", EMAILS[2],
    )  # fmt: skip
    tracker.ok(
        "signatory", "add", WITHHELD, "--letter", slug, "--source", "seed-003", "--withheld",
        "--affiliation", "Secret Org",
    )  # fmt: skip
    secrets = (*EMAILS, WITHHELD, "Secret Org")
    out = tmp_path / "reports"
    tracker.ok("report", "all", "--dir", str(out))
    files = [path for path in out.rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {"signatories.csv", "tally.csv", "datapackage.json"}
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path.name, secret)
    outputs = [
        tracker.ok("report", name, slug, "-f", fmt)
        for name in ("signatories", "roles", "tally")
        for fmt in ("csv", "json", "table")
    ]
    outputs += [tracker.ok("signatory", "list", slug, "-f", fmt) for fmt in ("csv", "json")]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    package = json.loads((out / "datapackage.json").read_text())
    assert [field["name"] for field in package["privateFields"]] == ["email"]
    rows = json.loads(tracker.ok("signatory", "list", slug, "-f", "json"))
    assert "(withheld)" in [row["name"] for row in rows]
    tally = json.loads(tracker.ok("report", "tally", slug, "-f", "json"))[0]
    assert tally["named"] == 12 + 5  # a withheld signer counts
    # asked for explicitly, the private listing has them
    private = tracker.ok("signatory", "list", slug, "--private", "-f", "json")
    assert all(secret in private for secret in (*EMAILS, WITHHELD))
    # the published site and its public database: every file, every byte
    site = tmp_path / "site"
    tracker.ok("publish", "--dir", str(site))
    published = [path for path in site.rglob("*") if path.is_file()]
    assert {path.name for path in published} >= {"index.html", "letters.db", "signatories.html"}
    for path in published:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path.relative_to(site), secret)
    import sqlite3

    connection = sqlite3.connect(site / "letters.db")
    try:
        dump = "\n".join(connection.iterdump())
        withheld = connection.execute(
            "SELECT count(*) FROM signatories WHERE name IS NULL AND letter = ?", (slug,)
        ).fetchone()[0]
    finally:
        connection.close()
    for secret in secrets:
        assert secret not in dump
    assert withheld == 1  # the entry is there, counted, without its name
    # the letter file, unless asked for
    exported = tracker.ok("letter", "export", slug)
    for secret in secrets:
        assert secret not in exported
    assert WITHHELD in tracker.ok("letter", "export", slug, "--private")


def test_the_history_names_no_withheld_signer(tracker: Tracker) -> None:
    """The history was written when things happened: a signer named then, and withheld since,
    is left out of it as it is read now (`history --private` shows it)."""
    tracker.ok("seed")
    slug = "openai-board-2023"
    later = "Laura Later"
    tracker.ok("signatory", "add", later, "--letter", slug, "--source", "seed-003")
    tracker.ok("signatory", "status", later, "--letter", slug, "--to", "confirmed",
               "--source", "seed-003")  # fmt: skip
    tracker.ok("signatory", "withhold", later, "--letter", slug, "--source", "seed-003")
    tracker.ok(
        "signatory", "add", WITHHELD, "--letter", slug, "--source", "seed-003", "--withheld",
        "--email", EMAILS[0],
    )  # fmt: skip
    for options in ((), ("--letter", slug)):
        for fmt in ("json", "csv", "table"):
            text = tracker.ok("history", *options, "--limit", "500", "-f", fmt)
            for secret in (later, WITHHELD, EMAILS[0]):
                assert secret not in text, (options, fmt, secret)
    rows = json.loads(tracker.ok("history", "--limit", "500", "-f", "json"))
    hidden = [row for row in rows if row["summary"].startswith("(withheld: ")]
    assert len(hidden) == 5  # two people added, two signed, one status changed
    assert all(row["before"] is None and row["after"] is None for row in hidden)
    assert any("Mira Murati signed" in row["summary"] for row in rows)  # the others as written
    private = tracker.ok("history", "--limit", "500", "--private", "-f", "json")
    assert f"{later} signed {slug}" in private
    assert f"{WITHHELD} signed {slug}" in private


def test_the_review_queue_and_a_persons_page_name_no_withheld_signer(tracker: Tracker) -> None:
    """A person known only as a withheld signer is reviewed like anyone (they may be someone named
    elsewhere), by #ID: the queue, their page and the "did you mean" question never name them,
    and no evidence quotes an e-mail address; `--private` shows both."""
    tracker.ok("seed")
    slug = "openai-board-2023"
    add = ("signatory", "add")
    where = ("--letter", slug, "--source", "seed-003")
    tracker.ok(*add, WITHHELD, *where, "--withheld", "--email", EMAILS[0])
    tracker.ok(*add, "Wilhelmina Withhold", *where, "--new-person")
    tracker.ok(*add, "W. Withheld", *where, "--email", EMAILS[0], "--new-person")
    (withheld_id,) = (tracker.scalar("SELECT id FROM people WHERE name = :n", n=WITHHELD),)
    secrets = (WITHHELD, EMAILS[0])
    queue = {fmt: tracker.ok("person", "duplicates", "-f", fmt) for fmt in ("table", "csv", "json")}
    pages = [
        tracker.ok("person", "show", f"#{withheld_id}", "-f", fmt) for fmt in ("table", "json")
    ]
    question = tracker(*add, "Wilhelmina Wihtheld", *where)  # a near miss
    assert question.exit_code == 3
    for text in (*queue.values(), *pages, question.output):
        for secret in secrets:
            assert secret not in text
    pairs = json.loads(queue["json"])
    assert {(pair["first_id"], pair["first"]) for pair in pairs} == {(withheld_id, "(withheld)")}
    assert "same email" in pairs[0]["evidence_for"]  # said, not quoted
    assert f"#{withheld_id} (withheld)" in question.output
    page = json.loads(pages[1])
    assert (page["name"], page["signatures"], page["withheld_signatures"]) == ("(withheld)", [], 1)
    # asked for explicitly
    assert WITHHELD in tracker.ok("person", "duplicates", "--private", "-f", "json")
    private = json.loads(tracker.ok("person", "show", f"#{withheld_id}", "--private", "-f", "json"))
    assert private["name"] == WITHHELD
    assert [(s["as_written"], s["withheld"]) for s in private["signatures"]] == [(WITHHELD, True)]
    # someone named on one letter and withheld on another: the named entry shows, the other not
    tracker.ok("letter", "add", "other-letter", "--title", "Other", "--addressed-to", "Someone",
               "--date", "2024-01-02", "--source", "seed-003")  # fmt: skip
    tracker.ok(*add, "Mira Murati", "--letter", "other-letter", "--source", "seed-003",
               "--withheld")  # fmt: skip
    mira = json.loads(tracker.ok("person", "show", "Mira Murati", "-f", "json"))
    assert [s["letter"] for s in mira["signatures"]] == [slug]
    assert mira["withheld_signatures"] == 1
    assert "other-letter" not in tracker.ok("person", "show", "Mira Murati")
    # merged into a named person: the entry moves, and the name it was written with stays private
    (named_id,) = (tracker.scalar("SELECT id FROM people WHERE name = 'W. Withheld'"),)
    tracker.ok("person", "merge", f"#{named_id}", f"#{withheld_id}", "--source", "seed-003",
               "--reason", "one address")  # fmt: skip
    after_merge = [
        *(tracker.ok("person", "decisions", "-f", fmt) for fmt in ("table", "csv", "json")),
        *(tracker.ok("history", "--limit", "500", "-f", fmt) for fmt in ("table", "csv", "json")),
        tracker.ok("person", "show", "W. Withheld", "-f", "json"),
        tracker.ok("person", "duplicates", "-f", "json"),
    ]
    for text in after_merge:
        for secret in secrets:
            assert secret not in text
    decisions = json.loads(tracker.ok("person", "decisions", "-f", "json"))
    assert (decisions[0]["person"], decisions[0]["other"]) == ("W. Withheld", "(withheld)")
    assert WITHHELD in tracker.ok("person", "decisions", "--private")
    assert WITHHELD in tracker.ok("history", "--limit", "500", "--private")
