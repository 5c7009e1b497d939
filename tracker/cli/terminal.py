"""Output to a terminal: whatever a command writes there (tables, CSV, JSON, warnings) shows
control, format and bidi characters escaped, so that no stored text can change the window's
title, clear the screen, plant a hyperlink or reorder what is around it. Output to a file or a
pipe keeps the exact text."""

from __future__ import annotations

import io
import sys
from typing import TextIO

from tracker.domain.text import terminal_safe

_KEPT = ("\n", "\r\n")


def _safe(text: str) -> str:
    """Every unsafe character escaped, except the line breaks that end lines."""
    if text.isascii() and text.isprintable():
        return text
    lines = text.splitlines(keepends=True)
    out = []
    for line in lines:
        end = next((e for e in _KEPT[::-1] if line.endswith(e)), "")
        out.append(terminal_safe(line[: len(line) - len(end)]) + end)
    return "".join(out)


class TerminalSafe(io.TextIOBase):
    """A text stream that escapes what it writes before it reaches the terminal. It has no
    binary `buffer`: nothing can go around it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_safe(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding


def guard_terminal() -> None:
    """Wrap standard output and standard error when they are terminals."""
    if sys.stdout.isatty() and not isinstance(sys.stdout, TerminalSafe):
        sys.stdout = TerminalSafe(sys.stdout)
    if sys.stderr.isatty() and not isinstance(sys.stderr, TerminalSafe):
        sys.stderr = TerminalSafe(sys.stderr)
