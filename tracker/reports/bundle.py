"""Every report of one letter, written into one folder from one read transaction: the CSV
files, the chart and the data package that describes them. `report all` and `publish` (its
downloads) both write through here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tracker.db.engine import READONLY
from tracker.db.models import Letter
from tracker.db.uow import UnitOfWork
from tracker.reports.model import Report

CHART = {
    "name": "chart",
    "path": "chart.png",
    "format": "png",
    "mediatype": "image/png",
    "title": "Reported counts over time against the named list and the population",
}


@dataclass(frozen=True)
class LetterReports:
    tally: Report
    counts: Report
    listings: list[Report]
    demands: Report
    series: Report
    signing: Report

    @property
    def all(self) -> list[Report]:
        return [self.tally, self.counts, *self.listings, self.demands, self.series, self.signing]

    @property
    def files(self) -> list[str]:
        return [*(f"{r.name}.csv" for r in self.all), "chart.png", "datapackage.json"]


def write_reports(
    *, uow: UnitOfWork, letter: Letter, folder: Path, as_of: dt.date | None, excel: bool = False
) -> LetterReports:
    """Write every report of the letter into `folder` within the caller's read transaction (the
    listings stream their rows while it is open), so that the files agree with each other."""
    from tracker.reports import chart, output, summaries
    from tracker.reports.catalog import BUILDERS

    listings = [
        BUILDERS[name](uow=uow, letter=letter, as_of=as_of) for name in ("signatories", "roles")
    ]
    arrow = _ArrowListings(uow, listings, folder, excel)  # started: runs while the rest is read
    try:
        tally, series, signing = summaries.tally_and_series(uow=uow, letter=letter, as_of=as_of)
        reports = LetterReports(
            tally=tally,
            counts=summaries.counts(uow=uow, letter=letter, as_of=as_of),
            listings=listings,
            demands=summaries.demands(uow=uow, letter=letter, as_of=as_of),
            series=series,
            signing=signing,
        )
        through_arrow = arrow.finish()
    finally:
        arrow.stop()
    for report in reports.all:
        if report.name in through_arrow:
            continue
        # The streamed rows of this transaction.
        output.write_csv_file(replace(report, arrow=None), folder / f"{report.name}.csv",
                              excel=excel)  # fmt: skip
    chart.draw_chart(
        title=f"{letter.title}: reported signers",
        counts=reports.counts,
        tally=tally,
        signing=signing,
        path=folder / "chart.png",
    )
    extra: list[dict[str, Any]] = [dict(CHART)]
    package = output.datapackage(letter.slug, letter.title, reports.all, excel=excel, extra=extra)
    output.write_json_file(package, folder / "datapackage.json")
    return reports


def _history_mark(connection: Any) -> int:
    return int(connection.execute(text("SELECT coalesce(max(id), 0) FROM history")).scalar_one())


class _ArrowListings:
    """On a SQLite file, the listings (a row per signature) go through Apache Arrow in child
    processes, at once and while this process reads the rest, which is several times faster
    than rows through Python. The children read the file on their own connections, so they
    agree with this transaction's snapshot only if nothing was committed in between: every
    change writes a history row, and history ids only grow, so the largest id read in this
    snapshot (first, which fixes the snapshot) and read again afresh once the children are done
    tells. If it moved, the listings are written again from this snapshot through Python."""

    def __init__(self, uow: UnitOfWork, listings: list[Report], folder: Path, excel: bool):
        from tracker.reports.arrow_csv import Children

        self._uow = uow
        self._names = {r.name for r in listings}
        jobs = [(r.arrow, folder / f"{r.name}.csv") for r in listings if r.arrow is not None]
        self._children = None
        if jobs and len(jobs) == len(listings):
            self._mark = _history_mark(uow.session.connection())
            self._children = Children(
                [(listing, path) for listing, path in jobs if listing is not None], excel=excel
            )

    def finish(self) -> set[str]:
        """The names of the listings written through Arrow (none, if they must be rewritten)."""
        if self._children is None:
            return set()
        self._children.wait()
        with self._uow.engine.connect().execution_options(**{READONLY: True}) as fresh:
            unchanged = _history_mark(fresh) == self._mark
        return self._names if unchanged else set()

    def stop(self) -> None:
        if self._children is not None:
            self._children.stop()
