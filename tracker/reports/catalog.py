"""Every report by name."""

from __future__ import annotations

from tracker.reports import listings, summaries

BUILDERS = {
    "tally": summaries.tally,
    "roles": listings.roles,
    "demands": summaries.demands,
    "signatories": listings.signatories,
    "counts": summaries.counts,
    "signing": summaries.signing,
}
