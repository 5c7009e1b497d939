"""The published site in a real browser (headless Chromium): what a person sees and does."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tracker
from tests.web.conftest import ARTIFACTS

HARBOUR = Path(__file__).parent.parent / "data" / "letters" / "harbour-library-2024.toml"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_AFFILIATION = "<img src=x onerror=alert(2)>"
BIDI = "Ann \u202eReversed"
BIG = "big-list-2025"
BIG_ROWS = 11_000  # three chunks of the list


def _big_list(path: Path) -> Path:
    """A list shaped like real ones: several scripts, diacritics, affiliations, one Ünal."""
    stems = ["Anna Müller", "José Núñez", "Ольга Петрова", "Zoë Dupont", "Kenji Sato", "Priya Das"]
    lines = ["position,name,affiliation"]
    for index in range(1, BIG_ROWS + 1):
        name = f"{stems[index % len(stems)]} {index:05d}"
        lines.append(f"{index},{name},Institute {index % 97}")
    lines.append(f"{BIG_ROWS + 1},Deniz Ünal,Harbour College")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("site")
    db = folder / "tracker.db"
    shutil.copy(sqlite_template, db)
    t = Tracker(f"sqlite:///{db}")
    t.ok("letter", "load", str(HARBOUR))
    slug = "harbour-library-2024"
    t.ok("signatory", "add", HOSTILE, "--letter", slug, "--source", "hl-letter",
         "--affiliation", HOSTILE_AFFILIATION)  # fmt: skip
    t.ok("signatory", "add", BIDI, "--letter", slug, "--source", "hl-letter")
    t.ok("source", "add", "big", "--title", "A big list")
    t.ok("letter", "add", BIG, "--title", "A big list", "--addressed-to", "Everyone")
    t.ok("signatory", "import", str(_big_list(folder / "big.csv")), "--letter", BIG,
         "--source", "big")  # fmt: skip
    t.ok("publish", "--dir", str(folder / "out"), "--as-of", "2025-06-01")
    return folder / "out"


def _open(browser: Any, page: Path) -> None:
    browser.get_log("performance")  # forget what earlier pages requested
    browser.get(page.as_uri())


def _wait(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("the page did not get there in time")


def _rows(browser: Any) -> list[list[str]]:
    """The table's rows as a person reads them, in one read (the page may redraw meanwhile)."""
    rows: list[list[str]] = browser.execute_script(
        "return Array.from(document.querySelectorAll('#signatories tbody tr'))"
        ".map(row => Array.from(row.cells).map(cell => cell.innerText));"
    )
    return rows


def _status(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, "status").text)


def _requests(browser: Any) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _errors(browser: Any) -> list[dict[str, Any]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def _type(browser: Any, text: str) -> None:
    from selenium.webdriver.common.by import By

    field = browser.find_element(By.ID, "search")
    field.clear()
    field.send_keys(text)


def test_the_letter_page_shows_the_tally(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, site / "harbour-library-2024" / "index.html")
    figures = browser.find_element(By.CSS_SELECTOR, "dl.figures").text
    assert "Reported\n1,150" in figures
    assert "Named on the list\n9" in figures  # 8 in the file, one retracted, two added
    assert "Population\n2,400" in figures
    demands = browser.find_element(By.XPATH, "//table[caption[starts-with(., 'What')]]").text
    assert "rejected" in demands
    chart = browser.find_element(By.CSS_SELECTOR, "figure img")
    assert chart.get_attribute("alt").startswith("Chart of the signers over time: 3 reported")
    assert browser.execute_script("return arguments[0].naturalWidth", chart) > 0
    assert not _errors(browser)


def test_the_index_lists_every_letter(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, site / "index.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 2
    assert "Keep the Harbour Library open" in rows[0].text
    assert "1,150" in rows[0].text


def test_searching_narrows_the_table(browser: Any, site: Path) -> None:
    _open(browser, site / BIG / "signatories.html")
    _wait(lambda: "11,001 entries" in _status(browser))
    assert len(_rows(browser)) == 50
    _type(browser, "unal")  # without the diacritic
    _wait(lambda: "1 of 11,001 entries match" in _status(browser))
    assert [row[1] for row in _rows(browser)] == ["Deniz Ünal"]
    _type(browser, "Ольга 0009")
    _wait(lambda: "match" in _status(browser) and len(_rows(browser)) == 2)
    assert {row[1] for row in _rows(browser)} == {"Ольга Петрова 00092", "Ольга Петрова 00098"}
    assert not _errors(browser)


def test_paging_and_sorting(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, site / BIG / "signatories.html")
    _wait(lambda: _status(browser) == "11,001 entries.")
    browser.find_element(By.ID, "next").click()
    _wait(lambda: _rows(browser)[0][0] == "51")
    assert browser.find_element(By.ID, "page").text == "Page 2 of 221"
    browser.find_element(By.ID, "previous").click()
    _wait(lambda: _rows(browser)[0][0] == "1")
    browser.find_element(By.CSS_SELECTOR, "button[data-sort='1']").click()  # by name
    _wait(lambda: _rows(browser)[0][1].startswith("Anna Müller"))
    browser.find_element(By.CSS_SELECTOR, "button[data-sort='1']").click()  # and back
    _wait(lambda: _rows(browser)[0][1].startswith("Zoë Dupont") or _rows(browser)[0][1][0] == "О")
    assert not _errors(browser)


def test_hostile_names_show_as_text(browser: Any, site: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    _open(browser, site / "harbour-library-2024" / "signatories.html")
    _wait(lambda: "entries" in _status(browser))
    names = [row[1] for row in _rows(browser)]
    assert HOSTILE in names
    assert BIDI in names
    affiliations = [row[3] for row in _rows(browser)]
    assert HOSTILE_AFFILIATION in affiliations
    table = browser.find_element(By.ID, "signatories")
    assert not table.find_elements(By.TAG_NAME, "script")
    assert not table.find_elements(By.TAG_NAME, "img")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    # The override is isolated in its cell: the next cell reads as written.
    cell = browser.find_element(By.XPATH, f"//td[text()='{BIDI}']")
    assert browser.execute_script("return getComputedStyle(arguments[0]).unicodeBidi", cell) in {
        "isolate",
        "isolate-override",
        "plaintext",
    }
    assert not _errors(browser)


def test_withheld_and_retracted_entries(browser: Any, site: Path) -> None:
    _open(browser, site / "harbour-library-2024" / "signatories.html")
    _wait(lambda: "entries" in _status(browser))
    rows = {row[0]: row for row in _rows(browser)}
    assert rows["8"][1] == "name withheld"
    assert rows["6"][4] == "retracted"


def test_no_request_leaves_the_site(browser: Any, site: Path) -> None:
    letter = "harbour-library-2024"
    pages = ["index.html", f"{BIG}/signatories.html"]
    pages += [f"{letter}/{name}.html" for name in ("index", "signatories", "sources", "changes")]
    for page in pages:
        _open(browser, site / page)
        time.sleep(0.3)
        requested = _requests(browser)
        assert requested, page
        outside = [url for url in requested if not url.startswith(site.as_uri())]
        assert not outside, (page, outside)
        assert not _errors(browser), page


def test_screenshots_are_saved(browser: Any, site: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page, name in (("harbour-library-2024/index.html", "letter.png"),
                       ("harbour-library-2024/signatories.html", "signatories.png")):  # fmt: skip
        _open(browser, site / page)
        _wait(lambda: browser.execute_script("return document.readyState") == "complete")
        time.sleep(0.3)
        assert browser.save_screenshot(str(ARTIFACTS / name))
        assert (ARTIFACTS / name).stat().st_size > 10_000
