"""Publishing letters as a static website with a public database (`tracker publish`).

`facts` reads what a letter page shows (public facts only), `site` renders the pages and the
signatories' data files and fills the public database (`public_db`), `folder` puts the site in
place atomically, `words` writes numbers and dates for readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from tracker.db.uow import UnitOfWork
from tracker.publishing.folder import staged


@dataclass(frozen=True)
class Published:
    folder: Path
    letters: list[str]
    files: int


def publish(
    *,
    open_uow: Callable[[], AbstractContextManager[UnitOfWork]],
    slugs: list[str],
    folder: Path,
    retracted: bool = True,
    as_of: dt.date | None = None,
    license_name: str | None = None,
    license_url: str | None = None,
) -> Published:
    from tracker.publishing.facts import letter_facts
    from tracker.publishing.public_db import METADATA, write_metadata
    from tracker.publishing.site import SiteWriter
    from tracker.reports.bundle import write_reports
    from tracker.services.letters import get_letter

    today = as_of or dt.datetime.now(dt.UTC).date()
    with staged(folder) as temp:
        writer = SiteWriter(temp, published_on=today)
        all_facts = []
        for slug in slugs:
            downloads = temp / slug / "downloads"
            downloads.mkdir(parents=True)
            with open_uow() as uow:  # one read transaction: the pages agree with the downloads
                letter = get_letter(uow=uow, slug=slug)
                reports = write_reports(uow=uow, letter=letter, folder=downloads, as_of=as_of)
                facts = letter_facts(
                    uow=uow, letter=letter, tally=reports.tally, counts=reports.counts,
                    as_of=as_of or today,
                )  # fmt: skip
                facts.downloads.extend(_described(downloads / "datapackage.json"))
                writer.letter(uow, letter, facts, retracted)
            all_facts.append(facts)
        writer.finish(all_facts)
        write_metadata(
            temp / METADATA, letters=all_facts, license_name=license_name, license_url=license_url
        )
        files = sum(1 for path in temp.rglob("*") if path.is_file())
    return Published(folder, slugs, files)


def _described(package: Path) -> list[dict[str, str]]:
    """The downloads as their data package describes them, and the package itself."""
    import json

    resources = json.loads(package.read_text(encoding="utf-8"))["resources"]
    described = [{"path": r["path"], "title": r.get("title", "")} for r in resources]
    return [*described, {"path": package.name, "title": "the data package describing them"}]
