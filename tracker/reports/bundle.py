"""Every report of one letter, written into one folder from one read transaction: the CSV
files, the chart and the data package that describes them. `report all` and `publish` (its
downloads) both write through here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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

    tally, series, signing = summaries.tally_and_series(uow=uow, letter=letter, as_of=as_of)
    reports = LetterReports(
        tally=tally,
        counts=summaries.counts(uow=uow, letter=letter, as_of=as_of),
        listings=[
            BUILDERS[name](uow=uow, letter=letter, as_of=as_of)
            for name in ("signatories", "roles")
        ],
        demands=summaries.demands(uow=uow, letter=letter, as_of=as_of),
        series=series,
        signing=signing,
    )
    for report in reports.all:
        # The streamed rows of this transaction, not Arrow's own read of the file.
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
