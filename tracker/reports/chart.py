"""The chart: reported counts over time against the named list and the population, and the
signing itself (named entries by the day they were signed, where the list gives it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.reports.model import Report
from tracker.reports.output import atomic_file

MARKERS = {"exact": "o", "approximate": "D", "at-least": "^", "up-to": "v"}
WORDS = {"exact": "", "approximate": "about ", "at-least": "at least ", "up-to": "up to "}


def _reference(axes: Any, value: int, label: str, color: str, style: str) -> None:
    """A horizontal reference line across the chart, labelled at its left end."""
    axes.axhline(value, color=color, linestyle=style, linewidth=1.2)
    axes.annotate(
        label,
        xy=(0.01, value),
        xycoords=("axes fraction", "data"),
        va="bottom",
        fontsize=8,
        color=color,
    )


def draw_chart(
    *, title: str, counts: Report, tally: Report, path: Path, signing: Report | None = None
) -> Path:
    # A Figure on the Agg canvas, without pyplot: no global figure state and a lighter import.
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    frame, summary = counts.frame, tally.frame
    assert frame is not None, "the chart draws the counts summary"
    assert summary is not None, "the chart draws the tally summary"
    figure = Figure(figsize=(9, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    row: dict[Any, Any] = summary.iloc[0].to_dict() if len(summary) else {}
    population = row.get("population")
    named = row.get("named")
    if pd.notna(population):
        _reference(axes, int(population), f"population {int(population)}", "0.4", "--")
    if pd.notna(named):
        _reference(axes, int(named), f"named {int(named)}", "tab:green", ":")
    signed = signing.frame if signing is not None else None
    moments = []
    if signed is not None and len(signed):
        days = pd.to_datetime(signed["day"], utc=True).dt.tz_localize(None)
        axes.step(
            days,
            signed["named_so_far"].astype(float),
            where="post",
            color="tab:green",
            linewidth=1.5,
            label="named, by signing day",
        )
        moments = list(days)
        axes.legend(loc="lower right", fontsize=8)
    if len(frame):
        times = pd.to_datetime(frame["as_of"], utc=True).dt.tz_localize(None)  # naive UTC, as days
        axes.plot(times, frame["value"].astype(float), color="tab:blue", linewidth=1)
        for when, value, qualifier, source in zip(
            times, frame["value"], frame["qualifier"], frame["source"], strict=True
        ):
            axes.plot(
                [when],  # type: ignore[arg-type]
                [value],
                marker=MARKERS.get(qualifier, "o"),
                color="tab:blue",
                markersize=9,
                linestyle="none",
            )
            axes.annotate(
                f"{WORDS.get(qualifier, '')}{value} ({source})",
                (when, value),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=8,
            )
        moments += list(times)
    if moments:
        first, last = min(moments), max(moments)
        span = max(last - first, pd.Timedelta(days=2))
        axes.set_xlim(first - span * 0.25, last + span * 0.5)  # type: ignore[arg-type]
    if not len(frame):
        axes.text(0.5, 0.93, "no reported counts yet", transform=axes.transAxes, ha="center")
    top = max(
        [v for v in (population, named) if pd.notna(v)]
        + ([frame["value"].max()] if len(frame) else [1])
    )
    axes.set_ylim(0, float(top) * 1.15 + 1)
    axes.set_title(title, fontsize=10)
    axes.set_ylabel("signers")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    with atomic_file(path, mode="wb", encoding=None) as out:
        figure.savefig(out, format="png")
    return path
