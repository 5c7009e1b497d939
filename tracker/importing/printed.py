"""Signers as letters print them, one per line: the name, and what the line adds to it.

- `paren` (the default for text lists): "Name (Affiliation)": a trailing group in balanced
  parentheses is the affiliation (a handle if it starts with @, a link if it is one);
- `comma`: "Name, Title, Organisation" ("Name, Organisation" with two parts);
- `dash`: "Name - Title, Organisation" (or an en or em dash);
- `none`: the line is the name.

Whatever the pattern, a web link in the line becomes the entry's link and an @handle its handle,
and neither stays in the name. A comma is ambiguous ("Smith, John"), so it splits a line only
when asked.
"""

from __future__ import annotations

import re

PATTERNS = ("paren", "comma", "dash", "none")
_LINK = re.compile(r"(?:(?<=\s)|^)(https?://\S+)", re.IGNORECASE)
_HANDLE = re.compile(r"(?:(?<=\s)|^)(@[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9.\-]+)?)(?=\s|$)")
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")


def _trailing_group(text: str) -> tuple[str, str] | None:
    """`Name (Group)` -> (Name, Group), the group's parentheses balanced (it may nest)."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                name, group = text[:index].strip(), text[index + 1 : -1].strip()
                return (name, group) if name and group else None
    return None


def split_printed(line: str, pattern: str = "paren") -> dict[str, str]:
    """The fields a printed line holds: always a name; where the line gives them, a title, an
    affiliation, a link, a handle."""
    fields: dict[str, str] = {}
    text = line.strip()
    link = _LINK.search(text)
    if link:
        fields["link"] = link.group(1).rstrip(".,;)")
        text = (text[: link.start()] + text[link.end() :]).strip()
    handle = _HANDLE.search(text)
    if handle and handle.group(1) != text:
        fields["handle"] = handle.group(1)
        text = (text[: handle.start()] + text[handle.end() :]).strip()
    text = " ".join(text.split()).strip(" ,;")
    if pattern == "paren":
        found = _trailing_group(text)
        if found:
            text, group = found
            if group.startswith("@") and "handle" not in fields:
                fields["handle"] = group
            elif group.lower().startswith(("http://", "https://")) and "link" not in fields:
                fields["link"] = group
            else:
                fields["affiliation"] = group
    elif pattern == "comma":
        parts = [part.strip() for part in text.split(",")]
        if len(parts) >= 2 and all(parts):
            text = parts[0]
            if len(parts) == 2:
                fields["affiliation"] = parts[1]
            else:
                fields["title"], fields["affiliation"] = parts[1], ", ".join(parts[2:])
    elif pattern == "dash":
        parts = _DASH.split(text, maxsplit=1)
        if len(parts) == 2 and parts[0] and parts[1]:
            text, rest = parts
            title, comma, organisation = rest.partition(",")
            if comma and organisation.strip():
                fields["title"], fields["affiliation"] = title.strip(), organisation.strip()
            else:
                fields["affiliation"] = rest.strip()
    fields["name"] = text
    return fields
