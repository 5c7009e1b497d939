"""Bulk import of a signatory list: streamed, set-based, one transaction, idempotent.

The parts an import passes through, in order:
- `source` and `reader`: the file's bytes, its encoding and format, read into records;
- `checking`: records checked (`rules`) into entries as the list published them (name, title,
  affiliation, link, e-mail, handle, location, other columns, date, position, status) and keyed
  (`keys`: name key, blocking keys, identifier keys), in batches, by worker processes for a
  large list;
- `staging`: the keyed entries loaded in batches into a temporary table (through
  `tracker.db.bulk`: COPY on PostgreSQL);
- `resolution`: who each entry is (`domain.identity`, for the few entries that share a key with
  someone), then people, organizations, roles and signatures in a handful of SQL statements.

`pipeline` runs them in that order and records the import in the history as one entry (file
name, rows, checksum, and what was linked).

The package's face is `import_signatories` and its summary, loaded when first asked for: the
import's worker processes import the rules (`rules`, `keys`, `checking`) without the database
layer this package's pipeline needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.importing.pipeline import ImportSummary, import_signatories
    from tracker.importing.reader import FORMATS
    from tracker.importing.resolution import Link
    from tracker.importing.rules import RowError

__all__ = ["FORMATS", "ImportSummary", "Link", "RowError", "import_signatories"]
_MODULE_OF = {
    "FORMATS": "reader",
    "ImportSummary": "pipeline",
    "Link": "resolution",
    "RowError": "rules",
    "import_signatories": "pipeline",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
