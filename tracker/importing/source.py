"""The bytes of a signatory list: read in chunks and hashed as they are read, decoded in the
chosen encoding (UTF-8 with or without BOM by default; UTF-16 by its BOM; or what
charset-normalizer detects), with the line and byte where a file breaks its encoding, and a
look out for names that are UTF-8 read in the wrong encoding (mojibake).
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from tracker.errors import BadInput

CHUNK = 1 << 20


class InputFile:
    """The bytes of the input, hashed as they are read."""

    def __init__(self, handle: IO[bytes], *, encoding: str | None, label: str) -> None:
        self.handle = handle
        self.label = label
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        head = handle.read(CHUNK)
        self._head = head
        self.encoding = self._choose_encoding(head, encoding)
        self.mojibake: tuple[str, str] | None = None  # (as read, as it reads in UTF-8)

    def _choose_encoding(self, head: bytes, explicit: str | None) -> str:
        if explicit == "auto":
            return self._detected(head)
        if explicit:
            try:
                readable = b"name,a 1\n".decode(explicit) == "name,a 1\n"
            except (LookupError, UnicodeError, ValueError):
                readable = False
            if not readable:
                raise BadInput(
                    f"'{explicit}' is not an encoding of text files; use e.g. utf-8, cp1251, "
                    "latin-1, or --encoding auto to detect it"
                )
            return explicit
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head[:8192]:
            raise BadInput(
                f"{self.label} looks like a binary file (it contains NUL bytes); "
                "give a CSV, JSON lines or text file, or pass --encoding for UTF-16 without a BOM"
            )
        return "utf-8"

    def _detected(self, head: bytes) -> str:
        try:
            head.decode("utf-8")
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:
                return "utf-8"  # a character cut at the end of the sample
        found = detect_encoding(head)
        if found is None:
            raise BadInput(f"cannot tell the encoding of {self.label}; pass --encoding")
        return found.encoding

    def head_text(self, size: int = 4096) -> str:
        """The start of the input, decoded leniently: enough to tell its format."""
        return self._head[:size].decode(self.encoding, errors="ignore")

    def records_expected(self, records_read: int) -> int | None:
        """How many records the whole input holds, judged from the share of its bytes that gave
        `records_read` (read ahead a chunk at a time, so rather too few than too many); None
        when its size is unknown (a pipe)."""
        try:
            size = os.fstat(self.handle.fileno()).st_size
        except (AttributeError, OSError, ValueError):  # not a file (standard input, bytes)
            return None
        if not size or not self.bytes_read:
            return None
        return records_read * size // self.bytes_read

    def _chunks(self) -> Iterator[bytes]:
        chunk = self._head
        while chunk:
            self.digest.update(chunk)
            self.bytes_read += len(chunk)
            yield chunk
            chunk = self.handle.read(CHUNK)

    def text_chunks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        offset = 0
        lines = 1
        for chunk in self._chunks():
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                position = offset + exc.start
                line = lines + chunk[: exc.start].count(b"\n")
                raise BadInput(
                    f"{self.label} is not valid {self.encoding} at line {line}, byte {position}"
                    + self._advice()
                ) from None
            if offset == 0:
                self.mojibake = mojibake(text)
            offset += len(chunk)
            lines += chunk.count(b"\n")
            if text:
                yield text
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise BadInput(
                f"{self.label} ends in the middle of a {self.encoding} character (byte {offset}); "
                "pass --encoding if it uses another encoding"
            ) from None
        if tail:
            yield tail

    def _advice(self) -> str:
        """What to pass instead, from what the start of the file looks like."""
        found = detect_encoding(self._head)
        if found is None or found.encoding.replace("_", "-") == self.encoding:
            return "; pass --encoding with the file's encoding"
        encoding, language = found.encoding, found.language
        what = f" ({language})" if language and language != "Unknown" else ""
        alike = (
            f" (or {', '.join(found.alike)}: the file's start cannot tell them apart)"
            if found.alike
            else ""
        )
        return (
            f"; it looks like {encoding}{what}{alike}: pass --encoding {encoding} (or --encoding "
            "auto), and check a few names with --dry-run"
        )

    def lines(self) -> Iterator[str]:
        """Lines with their endings; only \\n ends a line (a U+2028 inside a name does not)."""
        pending = ""
        for text in self.text_chunks():
            pending += text
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
            if len(pending) > MAX_LINE:
                raise BadInput(
                    f"{self.label} has a line longer than {MAX_LINE:,} characters; "
                    "a list has one entry a line"
                )
        if pending:
            yield pending

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


MAX_LINE = 16 * 1024 * 1024  # characters in one line of a list: far beyond any real entry

# The encodings that spreadsheets and saved pages come in, most common first: detection chooses
# among these only (a rare codec that happens to read a short sample is no better a guess), and
# prefers the earlier of two that read the sample equally well.
COMMON_ENCODINGS = (
    "cp1252", "cp1251", "cp1250", "cp1253", "cp932", "gb18030", "big5", "euc_kr", "euc_jp",
    "koi8_r", "cp1254", "cp1255", "cp1256", "cp1257", "utf_16",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Detected:
    encoding: str
    language: str
    alike: tuple[str, ...]  # other encodings that read the sample just as well


def mojibake(text: str) -> tuple[str, str] | None:
    """A word of text that is UTF-8 read in a single-byte encoding ("JosÃ©" for "José"), with
    what it reads in UTF-8; None if the text does not look so."""
    for word in text.split():
        if word.isascii():
            continue
        for single in ("cp1252", "latin-1"):
            try:
                fixed = word.encode(single).decode("utf-8")
            except UnicodeError:
                continue
            if fixed != word:
                return word, fixed
    return None


def detect_encoding(sample: bytes) -> Detected | None:
    """The encoding that best reads these bytes, by charset-normalizer (what pip uses): the
    least chaos, then the most coherent language, then the most common encoding; None if no
    common encoding reads them as text."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample[: 256 * 1024], cp_isolation=list(COMMON_ENCODINGS)))
    if not matches:
        return None

    def rank(match: Any) -> tuple[float, float, int]:
        common = (
            COMMON_ENCODINGS.index(match.encoding) if match.encoding in COMMON_ENCODINGS else 99
        )
        return (round(match.percent_chaos, 1), -round(match.percent_coherence, 1), common)

    matches.sort(key=rank)
    best = matches[0]
    alike = tuple(m.encoding for m in matches[1:] if rank(m)[:2] == rank(best)[:2])
    return Detected(best.encoding, best.language, alike)
