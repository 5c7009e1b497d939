"""The published website: pages rendered with Jinja2 (every value escaped for its place), the
signatories as chunked data files, and the public database beside them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, func, select

from tracker.db.models import Letter, Signature, Source
from tracker.db.uow import UnitOfWork
from tracker.publishing import words
from tracker.publishing.facts import LetterFacts
from tracker.publishing.public_db import PublicDatabase

if TYPE_CHECKING:
    import jinja2

STATIC = Path(__file__).parent / "static"
CHUNK_ROWS = 5_000
# Pages load only the site's own files: no CDN, no web font, no analytics, no inline script.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tracker.publishing", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        day=words.day_text,
        number=words.number_text,
        share=words.share_text,
        count=words.count_text,
        moment=lambda value: value.strftime("%Y-%m-%d %H:%M") if value else "",
    )
    return env


class SiteWriter:
    """Writes one site into a folder (the publish's temporary folder)."""

    def __init__(self, folder: Path, *, published_on: dt.date) -> None:
        self.folder = folder
        self.env = environment()
        self.common = {"csp": CSP, "published_on": published_on}
        self.database = PublicDatabase(folder / "letters.db")

    def page(self, template: str, path: Path, *, root: str, **values: Any) -> None:
        html = self.env.get_template(template).render(**self.common, root=root, **values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")

    def letter(self, uow: UnitOfWork, letter: Letter, facts: LetterFacts, retracted: bool) -> None:
        folder = self.folder / facts.slug
        hidden = self.signatories(uow, letter, folder / "data", retracted=retracted)
        self.database.add_letter(facts)
        for name in ("letter", "signatories", "sources", "changes"):
            target = folder / ("index.html" if name == "letter" else f"{name}.html")
            self.page(f"{name}.html", target, root="../", letter=facts, hidden_retracted=hidden)

    def signatories(self, uow: UnitOfWork, letter: Letter, folder: Path, *, retracted: bool) -> int:
        """The list as chunk files the page loads one after the other, and the same rows into
        the public database, in one pass over the signatures. Returns how many retracted
        entries were left out."""
        folder.mkdir(parents=True, exist_ok=True)
        files: list[str] = []
        total = hidden = 0
        batch: list[Sequence[Any]] = []
        for row in _public_rows(uow, letter):
            if row[4] == "retracted" and not retracted:
                hidden += 1
                continue
            batch.append(row)
            total += 1
            if len(batch) == CHUNK_ROWS:
                files.append(self._chunk(folder, len(files), batch, letter.slug))
                batch = []
        if batch or not files:
            files.append(self._chunk(folder, len(files), batch, letter.slug))
        meta = {"total": total, "files": files, "chunk_rows": CHUNK_ROWS}
        (folder / "signatories.js").write_text(
            f"TRACKER.meta({_script_json(meta)});\n", encoding="utf-8"
        )
        return hidden

    def _chunk(self, folder: Path, index: int, rows: list[Sequence[Any]], slug: str) -> str:
        name = f"signatories-{index:05d}.js"
        (folder / name).write_text(
            f"TRACKER.chunk({index},{_script_json(rows)});\n", encoding="utf-8"
        )
        self.database.insert("signatories", ((slug, *row) for row in rows))
        return name

    def finish(self, letters: list[LetterFacts]) -> None:
        self.page("index.html", self.folder / "index.html", root="", letters=letters)
        for name in ("site.css", "signatories.js"):
            shutil.copyfile(STATIC / name, self.folder / name)
        self.database.close()


def _public_rows(uow: UnitOfWork, letter: Letter) -> Iterator[Sequence[Any]]:
    """The signatures as the site may show them, in the order of the list, straight from a
    cursor: a withheld entry keeps its place, status and source, and loses its name, title,
    affiliation and link. E-mails are not read, and a link that is an e-mail address is left
    out (the rule of the reports, `listings.not_email`)."""
    from tracker.reports.listings import in_listing_order, not_email, public, stream_rows

    query = (
        select(
            Signature.position,
            public(Signature.as_written),
            public(Signature.title),
            public(Signature.affiliation),
            Signature.status,
            Source.key,
            func.substr(cast(Signature.signed_at, String), 1, 10),  # the day, as ISO text
            public(not_email(Signature.link, Signature.link)),
        )
        .join(Source, Source.id == Signature.source_id)
        .where(Signature.letter_id == letter.id)
    )
    for chunk in stream_rows(uow, in_listing_order(query)):
        yield from chunk


def _script_json(value: Any) -> str:
    """JSON for a script file: compact, and with `<` escaped so that no text can close a
    script element wherever the file is included."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
