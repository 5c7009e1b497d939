"""`signatory import` on real databases: formats, encodings, bad rows, idempotence."""

from __future__ import annotations

import csv
import gc
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tracker.importing import keys

# Every test runs with the records checked in the importing process and in workers.
pytestmark = pytest.mark.usefixtures("import_checking")

SLUG = "openai-board-2023"
SEED_003_LIST = (
    "1.Mira Murati\n2. Brad Lightcap\n3.Jason Kwon\n4. Wojciech Zaremba\n5. Alec Radford\n"
    "6. Anna Makanju\n7.Bob McGrew\n8. Srinivas Narayanan\n9.Che Chang\n10. Lilian Weng\n"
    "11. Tandai Chen\n12. Ilya Sutskever\n"
)


@pytest.fixture
def letter(tracker: Tracker) -> Tracker:
    tracker.ok("source", "add", "list", "--title", "A published list")
    tracker.ok("letter", "add", "petition", "--title", "A petition", "--addressed-to", "Council")
    return tracker


def _import(t: Tracker, path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return t("signatory", "import", str(path), "--letter", "petition", "--source", "list", *extra)


def _names(t: Tracker, slug: str = "petition") -> list[str]:
    rows = json.loads(t.ok("signatory", "list", slug, "-f", "json"))
    return [row["as_written"] for row in rows]


def test_csv_with_roles_and_dates(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,title,organization,signed_at,position\n"
        "Ana Lima,Engineer,Acme Labs,2024-02-01,1\n"
        'Ben "Benny" Okafor,Researcher,Acme Labs,2024-02-02T10:00:00Z,2\n'
        "NA,,,,3\n007,,,,4\n"
    )
    result = _import(letter, path)
    assert result.exit_code == 0, result.stderr
    assert "4 rows read, 4 added, 0 already present, 0 rejected" in result.stdout
    assert _names(letter) == ["Ana Lima", 'Ben "Benny" Okafor', "NA", "007"]
    assert letter.scalar("SELECT count(*) FROM roles") == 2
    assert letter.scalar("SELECT count(*) FROM organizations") == 1
    (entry, *_) = json.loads(letter.ok("history", "--letter", "petition", "-f", "json"))
    assert entry["action"] == "import"
    assert entry["after"]["rows"] == 4
    assert len(entry["after"]["sha256"]) == 64


def test_reimport_changes_nothing(letter: Tracker, tmp_path: Path) -> None:
    """Entries are recognised by their source and their place in it, not by their name: two
    rows of one name are two published entries, and the same file again adds nothing."""
    path = tmp_path / "list.csv"
    path.write_text("name,title,organization\nAna Lima,Engineer,Acme\nAna  LIMA,Engineer,Acme\n")
    assert "2 rows read, 2 added, 0 already present" in _import(letter, path).stdout
    counts = [letter.scalar(f"SELECT count(*) FROM {t}") for t in ("people", "roles", "signatures")]
    assert "2 rows read, 0 added, 2 already present" in _import(letter, path).stdout
    assert [
        letter.scalar(f"SELECT count(*) FROM {t}") for t in ("people", "roles", "signatures")
    ] == counts


def test_jsonl_and_stdin(letter: Tracker) -> None:
    lines = '{"name": "Ana Lima", "position": 1}\n{"name": "Ben Okafor", "status": "confirmed"}\n'
    result = letter(
        "signatory",
        "import",
        "-",
        "--letter",
        "petition",
        "--source",
        "list",
        "--format",
        "jsonl",
        input=lines,
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(letter.ok("signatory", "list", "petition", "-f", "json"))
    assert [(r["name"], r["status"]) for r in rows] == [
        ("Ana Lima", "reported"),
        ("Ben Okafor", "confirmed"),
    ]


def test_numbered_list_from_seed_003_attaches_to_the_seeded_people(
    seeded: Tracker, tmp_path: Path
) -> None:
    seeded.ok("letter", "add", "reprint", "--title", "Reprint", "--addressed-to", "Board")
    path = tmp_path / "list.txt"
    path.write_text(SEED_003_LIST)
    people = seeded.scalar("SELECT count(*) FROM people")
    result = seeded("signatory", "import", str(path), "--letter", "reprint", "--source", "seed-003")
    assert "12 rows read, 12 added" in result.stdout
    assert seeded.scalar("SELECT count(*) FROM people") == people
    rows = json.loads(seeded.ok("signatory", "list", "reprint", "-f", "json"))
    assert [r["position"] for r in rows] == list(range(1, 13))
    assert rows[10]["name"] == "Mark Chen"


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("name,title\nAna,x,y\n", 2, "3 cells where the header has 2"),
        ("name,title\nAna\nBen,x\n", 2, "1 cells where the header has 2"),
        ("name\n  \n\nBen\n", None, None),  # blank lines are skipped, not errors
        ("name,title,organization\n,Engineer,Acme\n", 2, "missing or empty"),
        ("name\n" + "x" * 301 + "\n", 2, "limit is 300"),
        ("name\nBad\x01Name\n", 2, "U+0001"),
        ("name,position\nAna,first\n", 2, "not a whole number"),
    ],
)
def test_bad_rows_abort_and_skip(
    letter: Tracker, tmp_path: Path, content: str, line: int | None, reason: str | None
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(content + "Zed Last\n" if content.startswith("name\n") else content)
    result = _import(letter, path)
    if reason is None:
        assert result.exit_code == 0
        return
    assert result.exit_code == 2
    assert f"(first: line {line}: " in result.stderr
    assert reason in result.stderr
    assert letter.scalar("SELECT count(*) FROM signatures") == 0
    assert letter.scalar("SELECT count(*) FROM people") == 0
    rejects = tmp_path / "rejects.csv"
    skipped = _import(letter, path, "--on-error", "skip", "--rejects", str(rejects))
    assert skipped.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(rejects.read_text())))
    assert rows[0]["line"] == str(line)
    assert reason in rows[0]["reason"]


def test_other_columns_are_kept_and_synonyms_understood(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Full Name,Organisation,Job Title,URL,E-mail,Handle,City,Favourite colour\n"
        "Ana Lima,Acme Labs,,https://github.com/AnaL/,ana@example.org,@ana,Lisbon,teal\n"
        "Ben Okafor,,Professor,,,,,\n"
    )
    result = _import(letter, path)
    assert result.exit_code == 0, result.stderr
    rows = letter.rows(
        "SELECT as_written, title, affiliation, link, email, handle, location, extra, link_key, "
        "email_key, handle_key FROM signatures ORDER BY entry"
    )
    assert rows[0] == (
        "Ana Lima", None, "Acme Labs", "https://github.com/AnaL/", "ana@example.org", "@ana",
        "Lisbon", '{"Favourite colour": "teal"}', "github.com/anal", "ana@example.org", "@ana",
    )  # fmt: skip
    assert rows[1][:3] == ("Ben Okafor", "Professor", None)  # a title alone is kept
    profile = json.loads(letter.ok("person", "show", "Ana Lima", "-f", "json"))
    assert [(r["title"], r["organization"]) for r in profile["roles"]] == [
        ("Affiliated", "Acme Labs")
    ]


def test_two_columns_for_one_field_are_refused(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,organization,affiliation\nAna,A,B\n")
    result = _import(letter, path)
    assert result.exit_code == 2
    assert "two columns for affiliation: 'organization' and 'affiliation'" in result.stderr


def test_dry_run_writes_nothing(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("Ana Lima\nBen Okafor\n")
    result = _import(letter, path, "--dry-run")
    assert "dry run, nothing written: 2 rows read, 2 added" in result.stdout
    assert letter.scalar("SELECT count(*) FROM people") == 0


@pytest.mark.parametrize(
    ("data", "extra", "ok"),
    [
        ("name\nJosé Núñez\n".encode("utf-8-sig"), [], True),
        ("name\nJosé Núñez\n".encode("utf-16"), [], True),
        ("name\nJosé Núñez\n".encode("latin-1"), ["--encoding", "latin-1"], True),
        ("name\nJosé Núñez\n".encode("latin-1"), [], False),
    ],
)
def test_encodings(
    letter: Tracker, tmp_path: Path, data: bytes, extra: list[str], ok: bool
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    result = _import(letter, path, *extra)
    if ok:
        assert result.exit_code == 0, result.stderr
        assert _names(letter) == ["José Núñez"]
    else:
        assert result.exit_code == 2
        assert "not valid utf-8 at line 2, byte 8; it looks like cp1252" in result.stderr
        assert letter.scalar("SELECT count(*) FROM people") == 0


def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    letter: Tracker, tmp_path: Path
) -> None:
    """Staging pauses the cyclic collector (many small objects, no cycle); it runs again after
    an import that ends well and after one stopped by an unreadable byte in mid-file."""
    good = tmp_path / "good.csv"
    good.write_text("name\n" + "".join(f"Person {n}\n" for n in range(50)))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name\n" + b"".join(b"Someone %d\n" % n for n in range(50)) + b"Jos\xe9\n")
    assert gc.isenabled()
    assert _import(letter, good).exit_code == 0
    assert gc.isenabled()
    failed = _import(letter, bad)
    assert failed.exit_code == 2
    assert "not valid utf-8" in failed.stderr
    assert gc.isenabled()


def test_binary_and_empty_files_are_refused(letter: Tracker, tmp_path: Path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = _import(letter, binary)
    assert result.exit_code == 2
    assert "binary" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "is empty" in _import(letter, empty).stderr
    header_only = tmp_path / "header.csv"
    header_only.write_text("name,title\n")
    assert "has no rows" in _import(letter, header_only).stderr
    missing = _import(letter, tmp_path / "missing.csv")
    assert missing.exit_code == 2
    assert "cannot read" in missing.stderr


def test_near_misses_are_queued_not_merged(seeded: Tracker, tmp_path: Path) -> None:
    seeded.ok("letter", "add", "other", "--title", "Other", "--addressed-to", "Board")
    path = tmp_path / "list.txt"
    path.write_text("Ilya Stutskever\nMira Muratti\n")
    result = seeded("signatory", "import", str(path), "--letter", "other", "--source", "seed-000")
    assert result.exit_code == 0
    assert "2 new people" in result.stdout
    pairs = json.loads(seeded.ok("person", "duplicates", "--letter", "other", "-f", "json"))
    assert {(p["first"], p["second"]) for p in pairs} == {
        ("Ilya Sutskever", "Ilya Stutskever"),
        ("Mira Murati", "Mira Muratti"),
    }


def test_export_then_import_gives_the_same_names(seeded: Tracker, tmp_path: Path) -> None:
    seeded.ok("letter", "add", "copy", "--title", "Copy", "--addressed-to", "Board")
    exported = tmp_path / "signatories.csv"
    seeded.ok("report", "signatories", SLUG, "--out", str(exported))
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    again = tmp_path / "again.csv"
    with again.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "position"])
        writer.writerows([row["name"], row["position"]] for row in rows)
    result = seeded("signatory", "import", str(again), "--letter", "copy", "--source", "seed-003")
    assert result.exit_code == 0, result.stderr
    copied = json.loads(seeded.ok("signatory", "list", "copy", "-f", "json"))
    original = json.loads(seeded.ok("signatory", "list", SLUG, "-f", "json"))
    assert [r["name"] for r in copied] == [r["name"] for r in original]


def test_progress_on_a_terminal_silence_otherwise(letter: Tracker, tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    path = tmp_path / "list.txt"
    path.write_text("".join(f"Person Number{i:05d}\n" for i in range(30_000)))
    quiet = _import(letter, path)
    assert quiet.exit_code == 0
    assert quiet.stderr == ""  # not a terminal: no progress bar
    letter.ok("letter", "add", "second", "--title", "Second", "--addressed-to", "Board")
    import threading

    primary, replica = pty.openpty()
    shown = bytearray()

    def drain() -> None:  # a terminal is read as it is written, or the writer blocks
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "--db",
            letter.url,
            "signatory",
            "import",
            str(path),
            "--letter",
            "second",
            "--source",
            "list",
        ],
        stdout=subprocess.PIPE,
        stderr=replica,
        timeout=300,
        check=False,
    )
    os.close(replica)
    reader.join(timeout=30)
    os.close(primary)
    assert done.returncode == 0
    assert b"30000 rows read" in done.stdout
    assert b"reading" in shown or b"resolving" in shown


@pytest.mark.parametrize("tracked", [100, 1], ids=["collected-while-reading", "grouped-in-sql"])
def test_organizations_resolve_by_key_and_alias(
    seeded: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tracked: int
) -> None:
    """Organizations are collected while the file is read, or past a limit grouped from the
    staging table: the same organizations and roles either way."""
    monkeypatch.setattr(keys, "MAX_TRACKED_ORGANIZATIONS", tracked)
    path = tmp_path / "staff.csv"
    path.write_text(
        "name,title,organization\n"
        "Ana Lima,Engineer,OpenAl\n"  # the OCR alias of OpenAI from seed-003
        "Ben Okafor,Engineer,openai\n"
        "Cy Dunn,Engineer,brand new org\n"
        "Di Eke,Analyst,Brand  New Org\n"  # the same key: the smallest spelling names it
    )
    organizations = seeded.scalar("SELECT count(*) FROM organizations")
    result = seeded("signatory", "import", str(path), "--letter", SLUG, "--source", "seed-003")
    assert result.exit_code == 0, result.stderr
    assert seeded.scalar("SELECT count(*) FROM organizations") == organizations + 1
    for name, organization in [
        ("Ana Lima", "OpenAI"),
        ("Ben Okafor", "OpenAI"),
        ("Cy Dunn", "Brand  New Org"),
        ("Di Eke", "Brand  New Org"),
    ]:
        profile = json.loads(seeded.ok("person", "show", name, "-f", "json"))
        assert [r["organization"] for r in profile["roles"]] == [organization]


def test_people_added_after_an_import_get_fresh_ids(letter: Tracker, tmp_path: Path) -> None:
    """The import numbers its new people itself (the first row of each name decides the id);
    whatever adds people afterwards (on PostgreSQL: through the id sequence) must not collide
    with them, and a name repeated in the file or already known is not a new person."""
    letter.ok("signatory", "add", "Known Person", "--letter", "petition", "--source", "list")
    path = tmp_path / "list.csv"
    path.write_text("name\nAna Lima\nKnown Person\nBen Okafor\nana  LIMA\nCho Park\n")
    assert "5 rows read, 4 added, 1 already present" in _import(letter, path).stdout
    assert letter.scalar("SELECT count(*) FROM people") == 5
    assert letter.scalar("SELECT count(DISTINCT person_id) FROM signatures") == 5
    letter.ok("signatory", "add", "Dee Quist", "--letter", "petition", "--source", "list")
    letter.ok("person", "add", "Eve Rowe", "--source", "list")
    assert letter.scalar("SELECT count(*) FROM people") == 7
    assert sorted(_names(letter)) == [
        "Ana Lima",
        "Ben Okafor",
        "Cho Park",
        "Dee Quist",
        "Known Person",
        "ana  LIMA",
    ]


def test_entries_are_one_person_only_by_evidence(letter: Tracker, tmp_path: Path) -> None:
    """Within one list: one link makes two entries one person (and --merges says so); a name
    alone never does, and one-word names with different links stay different people."""
    path = tmp_path / "list.csv"
    path.write_text(
        "name,link\n"
        "Jeff Norden,https://math.example.edu/jeff\n"
        "Alexander,https://github.com/alex-one\n"
        "Jeffrey Norden,http://www.math.example.edu/jeff/\n"
        "Alexander,https://github.com/alex-two\n"
        "Cu64,https://kernal.example\n"
        "Stnby,https://kernal.example\n"
        "Dana Ruiz,\n"
        "Dana Ruiz,\n"
    )
    merges = tmp_path / "merges.csv"
    result = _import(letter, path, "--merges", str(merges))
    assert result.exit_code == 0, result.stderr
    assert "8 rows read, 8 added" in result.stdout
    assert "7 new people; 1 entries linked to a person by a link" in result.stdout
    linked = list(csv.DictReader(io.StringIO(merges.read_text())))
    assert [(r["line"], r["name"], r["person"], r["via"]) for r in linked] == [
        ("4", "Jeffrey Norden", "Jeff Norden", "link")
    ]
    people = dict(letter.rows("SELECT entry, person_id FROM signatures"))
    assert people[1] == people[3]
    assert len({people[2], people[4]}) == 2  # "Alexander" twice, two accounts
    assert len({people[5], people[6]}) == 2  # a site that two unrelated names share
    assert len({people[7], people[8]}) == 2  # the same name, nothing else: two entries
    pairs = json.loads(letter.ok("person", "duplicates", "--letter", "petition", "-f", "json"))
    assert [(p["first"], p["second"]) for p in pairs] == [("Dana Ruiz", "Dana Ruiz")]
    assert "same letter" in pairs[0]["evidence_for"]


def test_a_known_person_is_found_by_link_not_by_a_shared_name(
    letter: Tracker, tmp_path: Path
) -> None:
    """Across letters: the same link is the same person whatever the spelling; the same name
    with a different account is someone else."""
    first = tmp_path / "first.csv"
    first.write_text(
        "name,link\nАндрей Конарев,https://github.com/konarev\nMark Brown,https://github.com/mb1\n"
    )
    assert _import(letter, first).exit_code == 0
    letter.ok("letter", "add", "second", "--title", "Second", "--addressed-to", "Council")
    second = tmp_path / "second.csv"
    second.write_text(
        "name,link\nAndrey Konarev,https://github.com/Konarev/\nMark Brown,https://github.com/mb2\n"
    )
    result = letter("signatory", "import", str(second), "--letter", "second", "--source", "list")
    assert "1 new people; 1 entries linked to a person by a link" in result.stdout
    both = letter.rows(
        "SELECT p.name FROM people p WHERE (SELECT count(DISTINCT letter_id) FROM signatures s "
        "WHERE s.person_id = p.id) = 2"
    )
    assert both == [("Андрей Конарев",)]


@pytest.mark.parametrize("rows_at_a_time", [2, 2_000])
def test_known_people_are_decided_the_same_a_few_rows_at_a_time(
    letter: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_at_a_time: int
) -> None:
    """An import decides who its entries are a range of rows at a time (what it holds in memory
    is one range's): entries decided in different ranges, and a group of entries of the file
    joined by one link whose first member is a known person decided in an earlier range, give
    the same people as one range does."""
    from tracker.importing import known

    monkeypatch.setattr(known, "DECIDE_CHUNK", rows_at_a_time)
    first = tmp_path / "first.csv"
    first.write_text(
        "name,link\n"
        "Ana Lima,https://github.com/analima\n"
        "Ben Okafor,\n"
        "Cho Park,\n"
        "Cho Park,\n"
        "Dee Quist,https://github.com/dq\n"
    )
    assert _import(letter, first).exit_code == 0
    letter.ok("letter", "add", "second", "--title", "Second", "--addressed-to", "Council")
    second = tmp_path / "second.csv"
    second.write_text(
        "name,link,email\n"
        "Nadia Osei,,\n"  # 1: someone new
        "Ana  Lima,https://github.com/AnaLima/,\n"  # 2: known by link
        "Ben Okafor,,\n"  # 3: known by name alone: one person holds it
        "Cho Park,,\n"  # 4: two people hold the name: someone new (and queued)
        "Dee Quist,https://github.com/dq,dee@example.org\n"  # 5: known by link
        "Eli Varga,https://github.com/eli,\n"  # 6: someone new
        "Deanna Quist,,dee@example.org\n"  # 7: known to no one, but the e-mail of 5
        "Eli Varga,https://github.com/eli,\n"  # 8: the same person as 6
    )
    merges = tmp_path / "merges.csv"
    result = letter(
        "signatory", "import", str(second), "--letter", "second", "--source", "list",
        "--merges", str(merges),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "3 new people; 4 entries linked to a person by a link, e-mail or handle, 1 by name" in (
        result.stdout
    )
    linked = [
        (row["line"], row["person"], row["via"])
        for row in csv.DictReader(io.StringIO(merges.read_text()))
    ]
    assert linked == [
        ("3", "Ana Lima", "link"),
        ("4", "Ben Okafor", "name"),
        ("6", "Dee Quist", "link"),
        ("8", "Dee Quist", "email"),
        ("9", "Eli Varga", "link"),
    ]
    assert letter.scalar("SELECT count(*) FROM people") == 5 + 3


def test_the_same_file_again_is_not_read_an_edited_one_is(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nAna Lima\nBen Okafor\n")
    assert _import(letter, path).exit_code == 0
    again = _import(letter, path)
    assert "2 rows read, 0 added, 2 already present" in again.stdout
    assert "the same file went into petition from list on" in again.stderr
    path.write_text("name\nAna Lima\nBen Okafor\nCy Dunn\n")  # one more entry at the end
    edited = _import(letter, path)
    assert "3 rows read, 1 added, 2 already present" in edited.stdout
    assert "the same file" not in edited.stderr
    assert sorted(_names(letter)) == ["Ana Lima", "Ben Okafor", "Cy Dunn"]


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("name,organization\nАлександр Иванов,Институт\nСергей Петров,Университет\n", "cp1251",
         "cp1251"),
        ("name\n山田太郎\n佐藤花子\n鈴木一郎\n高橋健太\n", "shift_jis", "cp932"),
    ],
)  # fmt: skip
def test_a_list_in_another_encoding_is_named_and_read_with_auto(
    letter: Tracker, tmp_path: Path, text: str, encoding: str, named: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode(encoding))
    refused = _import(letter, path)
    assert refused.exit_code == 2
    assert f"it looks like {named}" in refused.stderr
    assert f"pass --encoding {named}" in refused.stderr
    assert "latin-1" not in refused.stderr  # never an encoding that reads the file as garbage
    assert _import(letter, path, "--encoding", "auto").exit_code == 0
    names = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert sorted(_names(letter)) == sorted(names)


def test_a_latin_1_file_read_with_its_encoding(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("name\nJosé Müller\nFrançois Ågren\n".encode("latin-1"))
    assert _import(letter, path).exit_code == 2
    assert _import(letter, path, "--encoding", "latin-1").exit_code == 0
    assert sorted(_names(letter)) == ["François Ågren", "José Müller"]


@pytest.mark.parametrize("encoding", ["rot13", "idna-nonsense", "base64"])
def test_what_is_no_text_encoding_is_refused(
    letter: Tracker, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nAna\n")
    result = _import(letter, path, "--encoding", encoding)
    assert result.exit_code == 2
    assert "is not an encoding of text files" in result.stderr


def test_another_list_under_the_same_source_is_not_taken_as_present(
    letter: Tracker, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("name\nAna Lima\nBen Okafor\n")
    second.write_text("name\nCy Dunn\nDee Quist\nEve Rowe\n")
    assert _import(letter, first).exit_code == 0
    result = _import(letter, second)
    assert result.exit_code == 2
    assert "line 2: 'Cy Dunn', not 'Ana Lima'" in result.stderr
    assert "a source of its own" in result.stderr
    assert sorted(_names(letter)) == ["Ana Lima", "Ben Okafor"]


def test_a_bad_cell_spoils_only_itself(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,signed_at,status,title\n"
        "Ana Lima,2024-13-01,,\n"  # no such month
        "Ben Okafor,Sun Apr 21 15:43:56 2024 -0700,,Professor\n"  # git's default format
        'Cy Dunn,"Sun, 21 Apr 2024 15:43:56 +0200",maybe,\n'  # RFC 2822; no such status
        "Dee Quist,2024-04-21 10:07:16 -0700,,\n"
        "Eve Rowe,9999-12-31,,\n"  # out of range
    )
    strict = _import(letter, path, "--strict")
    assert strict.exit_code == 2
    assert "line 2: '2024-13-01' is not a signed_at date" in strict.stderr
    result = _import(letter, path)
    assert result.exit_code == 0, result.stderr
    assert "5 rows read, 5 added" in result.stdout
    assert "3 cells could not be read and were left out" in result.stderr
    assert "line 4: the status 'maybe' is not one of reported, confirmed; left out" in result.stderr
    rows = {
        r["name"]: r for r in json.loads(letter.ok("signatory", "list", "petition", "-f", "json"))
    }
    assert rows["Ana Lima"]["signed_at"] is None
    assert rows["Ben Okafor"]["signed_at"] == "2024-04-21T22:43:56Z"
    assert rows["Ben Okafor"]["title"] == "Professor"  # a title alone is kept
    assert rows["Cy Dunn"]["signed_at"] == "2024-04-21T13:43:56Z"
    assert rows["Dee Quist"]["signed_at"] == "2024-04-21T17:07:16Z"
    assert rows["Eve Rowe"]["signed_at"] is None


def test_day_first_dates(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,signed_at\nAna Lima,03/04/2024\n")
    assert _import(letter, path, "--dayfirst").exit_code == 0
    (row,) = json.loads(letter.ok("signatory", "list", "petition", "-f", "json"))
    assert row["signed_at"] == "2024-04-03"


DATA = Path(__file__).resolve().parent.parent / "data"


def test_a_markdown_letter_page(letter: Tracker) -> None:
    result = _import(letter, DATA / "letter-page.md")
    assert result.exit_code == 0, result.stderr
    assert "4 rows read, 4 added" in result.stdout
    assert "... and at least a dozen others" in result.stderr  # reported, not imported
    rows = json.loads(letter.ok("signatory", "list", "petition", "-f", "json"))
    assert [(r["position"], r["name"], r["affiliation"]) for r in rows] == [
        (1, "Ana Lima", "University of Lisbon"),
        (2, "Ben Okafor", None),
        (3, "Cy Dunn", None),
        (4, "Dee Quist", "Acme (Lisbon) Labs"),
    ]
    assert rows[0]["link"] == "https://github.com/analima"
    assert rows[2]["handle"] == "@cydunn"
    letter.ok("letter", "add", "orgs", "--title", "Orgs", "--addressed-to", "Council")
    orgs = letter(
        "signatory", "import", str(DATA / "letter-page.md"), "--letter", "orgs", "--source",
        "list", "--section", "organizations",
    )  # fmt: skip
    assert orgs.exit_code == 0, orgs.stderr
    assert sorted(_names(letter, "orgs")) == ["Acme Labs", "The Open Data Society"]


def test_an_html_letter_page_with_a_list_and_a_table(letter: Tracker) -> None:
    result = _import(letter, DATA / "letter-page.html")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(letter.ok("signatory", "list", "petition", "-f", "json"))
    assert [(r["position"], r["name"], r["affiliation"]) for r in rows] == [
        (1, "Ana Lima", "University of Lisbon"),
        (2, "Ben Okafor", None),
        (3, "Cy Dunn & family", None),
        (None, "Eve Rowe", "Zeta Institute"),
        (None, "Fay Nkemelu", None),
    ]
    assert rows[0]["link"] == "https://github.com/analima"
    assert "Not a signer" not in result.stdout
    assert "... and others" in result.stderr


def test_garbled_names_are_reported(letter: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nJosé Núñez\n", encoding="utf-8")
    wrong = _import(letter, path, "--encoding", "latin-1", "--dry-run")
    assert wrong.exit_code == 0
    assert "the names look garbled: 'JosÃ©' is 'José' in UTF-8" in wrong.stderr
    right = _import(letter, path, "--dry-run")
    assert "garbled" not in right.stderr
    path.write_text("name\nJosé Núñez\nАндрей\n", encoding="utf-8")  # C1 controls in latin-1
    refused = _import(letter, path, "--encoding", "latin-1")
    assert refused.exit_code == 2
    assert "the names look garbled" in refused.stderr


def _schema(t: Tracker) -> list[tuple[object, ...]]:
    """The indexes and foreign keys of the database, as the database itself lists them."""
    if t.url.startswith("sqlite"):
        return t.rows(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            'UNION ALL SELECT \'fk\', m.name, f."table", f."from" || \'>\' || f."to" '
            "FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
            "ORDER BY 1, 2, 3, 4"
        )
    return t.rows(
        "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() UNION ALL "
        "SELECT 'fk', conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2, 3, 4"
    )


def test_a_large_load_builds_indexes_and_keys_again_as_they_were(
    letter: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load at least as large as its tables goes in without their secondary indexes (and
    foreign keys, on PostgreSQL) and builds them again in the same transaction: afterwards the
    schema is exactly as it was, the keys are enforced, and a small load into the now larger
    tables keeps the indexes."""
    from sqlalchemy.exc import IntegrityError

    from tracker.db import bulk

    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 10)
    before = _schema(letter)
    rebuilt: list[str] = []
    drop = bulk.DropConstraint

    def counted(key, *args, **kwargs):  # type: ignore[no-untyped-def]
        rebuilt.append(str(key.name))
        return drop(key, *args, **kwargs)

    monkeypatch.setattr(bulk, "DropConstraint", counted)
    big = tmp_path / "big.csv"
    big.write_text(
        "name,organization\n" + "".join(f"Person {n:03d},Org {n % 7}\n" for n in range(60))
    )
    result = _import(letter, big)
    assert result.exit_code == 0, result.stderr
    assert _schema(letter) == before
    if not letter.url.startswith("sqlite"):
        assert "fk_signatures_person_id_people" in rebuilt  # the keys went and came back
        # and the planner knows the tables as they are now, not as they were before the load
        for table in ("people", "roles", "signatures"):
            sql = f"SELECT reltuples FROM pg_class WHERE relname = '{table}'"
            assert letter.scalar(sql) == 60, table
    assert letter.scalar("SELECT count(*) FROM signatures") == 60
    assert letter.scalar("SELECT count(*) FROM roles") == 60
    engine = letter.engine()
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            with pytest.raises(IntegrityError):
                connection.exec_driver_sql(
                    "INSERT INTO signatures (letter_id, person_id, as_written, status, "
                    "source_id, created_at, entry) SELECT letter_id, 999999, 'x', 'reported', "
                    "source_id, created_at, 999 FROM signatures LIMIT 1"
                )
    finally:
        engine.dispose()
    small = tmp_path / "small.csv"
    small.write_text("name\n" + "".join(f"Other {n:03d}\n" for n in range(12)))
    rebuilt.clear()
    letter.ok("source", "add", "another", "--title", "Another list")
    result = letter(
        "signatory", "import", str(small), "--letter", "petition", "--source", "another"
    )
    assert result.exit_code == 0, result.stderr
    assert rebuilt == []  # 12 rows into tables of 60: the indexes stay
    assert _schema(letter) == before
