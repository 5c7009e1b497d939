"""Signatory lists as letters publish them on a page: Markdown (CommonMark, through
markdown-it-py) or HTML (the standard library's parser).

The signers are the items of the page's lists (and the rows of its tables, in HTML); headings,
comments, front matter, notes in `<small>`, prose and decorative lines are not. An ordered list's
published positions follow the order of its items, whatever numbers the source wrote (Markdown
writes `1.` for every item and lets the renderer count). A section whose heading names
organizations holds organizations, not individuals, and is left out, unless `--section TEXT`
chooses the sections to read. What is left out and could be a name (a paragraph such as "... and
at least a dozen others ...") is counted, with its first lines, for the import to report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

_ORGANIZATIONS = re.compile(r"organi[sz]ations?|institutions?|companies|groups", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A(---[ \t]*\n)(.*?\n)(---[ \t]*\n)", re.DOTALL)
MAX_NOTED = 3


@dataclass(frozen=True, slots=True)
class Item:
    """A list item (or table row) of a page: its line, its text, the link it carries, and its
    place in the page's ordered lists (None in an unordered one)."""

    line: int
    text: str
    link: str | None
    position: int | None


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    left_out: int = 0  # lines of text that are no list item of a chosen section
    noted: list[tuple[int, str]] = field(default_factory=list)

    def leave_out(self, line: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self.left_out += 1
        if len(self.noted) < MAX_NOTED:
            self.noted.append((line, text[:80]))


def _chosen(heading: str, section: str | None) -> bool:
    if section is not None:
        return section.casefold() in heading.casefold()
    return not _ORGANIZATIONS.search(heading)


def markdown_items(text: str, *, section: str | None = None) -> Page:
    from markdown_it import MarkdownIt

    # Front matter (between two `---` lines at the top) is the page's settings, not Markdown:
    # blanked out, so that line numbers stay those of the file.
    front = _FRONT_MATTER.match(text)
    if front:
        text = "\n" * front.group(0).count("\n") + text[front.end() :]
    page = Page()
    heading = ""
    in_heading = False
    ordered: list[bool] = []  # the kinds of the lists we are in, innermost last
    position = 0
    items_depth = 0
    for token in MarkdownIt("commonmark").parse(text):
        kind = token.type
        if kind == "heading_open":
            in_heading = True
        elif kind == "heading_close":
            in_heading = False
        elif kind in ("ordered_list_open", "bullet_list_open"):
            ordered.append(kind == "ordered_list_open")
        elif kind in ("ordered_list_close", "bullet_list_close"):
            ordered.pop()
        elif kind == "list_item_open":
            items_depth += 1
        elif kind == "list_item_close":
            items_depth -= 1
        elif kind == "inline":
            line = (token.map[0] + 1) if token.map else 0
            if in_heading:
                heading = token.content
                continue
            words, link = _inline_text(token.children or [])
            if items_depth and _chosen(heading, section):
                if ordered and ordered[-1]:
                    position += 1
                page.items.append(
                    Item(line, words, link, position if ordered and ordered[-1] else None)
                )
            elif words and not in_heading:
                page.leave_out(line, words)
    return page


def _inline_text(children: Sequence[object]) -> tuple[str, str | None]:
    """An item's text without its formatting or its notes (`<small>`), and its first link."""
    parts: list[str] = []
    link = None
    small = 0
    for child in children:
        kind = getattr(child, "type", "")
        if kind == "html_inline":
            tag = getattr(child, "content", "").lower()
            small += tag.startswith("<small") - tag.startswith("</small")
        elif kind == "link_open" and link is None:
            link = str(getattr(child, "attrs", {}).get("href") or "") or None
        elif kind in ("text", "code_inline") and small <= 0:
            parts.append(getattr(child, "content", ""))
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split()), link


class _HtmlList(HTMLParser):
    """The list items and table rows of an HTML page, under their headings."""

    def __init__(self, section: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.section = section
        self.page = Page()
        self.heading = ""
        self._skip = 0  # inside <script>, <style>, <small>, <head>
        self._text: list[str] | None = None  # the item or heading being read
        self._what = ""
        self._line = 0
        self._link: str | None = None
        self._lists: list[bool] = []
        self._position = 0
        self._cells: list[str] | None = None
        self._header_row = False  # a row of <th> cells only
        self._loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "small", "head", "template"):
            self._skip += 1
        elif tag in ("ol", "ul"):
            self._lists.append(tag == "ol")
        elif tag in ("li", "tr") or re.fullmatch(r"h[1-6]", tag):
            self._flush_loose()
            self._text, self._what, self._line, self._link = [], tag, self.getpos()[0], None
            self._cells = [] if tag == "tr" else None
            self._header_row = tag == "tr"
        elif tag in ("td", "th") and self._cells is not None and self._text is not None:
            self._header_row = self._header_row and tag == "th"
            if "".join(self._text).strip():
                self._cells.append("".join(self._text))
            self._text.clear()
        elif tag == "a" and self._text is not None and self._link is None:
            self._link = dict(attrs).get("href")
        elif tag in ("p", "div", "br") and self._text is None:
            self._flush_loose()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "small", "head", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("ol", "ul") and self._lists:
            self._lists.pop()
        elif tag == self._what and self._text is not None:
            text = "".join(self._text)
            if self._cells is not None:  # a table row: its cells, the first the name
                cells = [" ".join(c.split()) for c in [*self._cells, text] if c.strip()]
                text = cells[0] + (f" ({', '.join(cells[1:])})" if len(cells) > 1 else "")
            text = " ".join(text.split())
            if tag.startswith("h"):
                self.heading = text
            elif tag == "tr" and self._header_row:
                pass  # the table's header
            elif text and _chosen(self.heading, self.section) and tag in ("li", "tr"):
                numbered = bool(self._lists and self._lists[-1] and tag == "li")
                self._position += numbered
                position = self._position if numbered else None
                self.page.items.append(Item(self._line, text, self._link, position))
            elif text:
                self.page.leave_out(self._line, text)
            self._text, self._what, self._cells = None, "", None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._text is not None:
            self._text.append(data)
        elif data.strip():
            self._loose.append(data)
            self._line = self._line or self.getpos()[0]

    def _flush_loose(self) -> None:
        if self._loose:
            self.page.leave_out(self.getpos()[0], "".join(self._loose))
            self._loose.clear()

    def close(self) -> None:
        super().close()
        self._flush_loose()


def html_items(text: str, *, section: str | None = None) -> Page:
    parser = _HtmlList(section)
    parser.feed(text)
    parser.close()
    return parser.page
