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


_ctrl_c = False


def _on_ctrl_c(signum: int, frame: object) -> None:
    global _ctrl_c
    _ctrl_c = True
    raise KeyboardInterrupt


def keep_ctrl_c() -> None:
    """Ctrl-C raises KeyboardInterrupt, as Python's own handler does, and is remembered: Python
    drops an exception raised inside a finalizer, so a Ctrl-C that lands while one runs would
    be lost; the long loops call `stop_if_interrupted` at their safe points. A Ctrl-C that
    the process was started ignoring (a background job) stays ignored."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_ctrl_c)


def stop_if_interrupted() -> None:
    if _ctrl_c:
        raise KeyboardInterrupt
