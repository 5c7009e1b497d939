"""Text for the terminal: control, format and bidi characters are shown escaped, never raw,
so a name cannot reorder or hide the text around it. JSON output keeps the exact text."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


@lru_cache(maxsize=4096)
def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def terminal_safe(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        _escape_char(ch) if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text
    )
