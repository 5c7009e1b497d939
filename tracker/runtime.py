"""How the interpreter runs the bulk paths."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk step builds many small objects that form
    no cycle (rows, tuples, evidence): each collection walks every object alive, so a step that
    builds a million of them spends much of its time there. Reference counting still frees
    everything; the collector resumes (as it was) when the step ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
