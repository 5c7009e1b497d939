"""Identifiers a list publishes about a signer (links, e-mail addresses, handles), as keys.

A key is what two spellings of one identifier have in common: `https://www.GitHub.com/Ana/` and
`github.com/ana` are one link; `mailto:Ana@Example.org` is the e-mail `ana@example.org`. A value
that cannot be read as its kind (`/#`, `ana@`, a handle with spaces) has no key: it is kept as
written and never used to decide who is who.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENTIFIER_KINDS = ("link", "email", "handle")

# Hosts where the first path segment names an account, case-insensitively: a profile link.
_PROFILE_HOSTS = frozenset(
    {
        "github.com",
        "gitlab.com",
        "codeberg.org",
        "bitbucket.org",
        "sr.ht",
        "git.sr.ht",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "facebook.com",
        "instagram.com",
        "medium.com",
        "keybase.io",
        "t.me",
        "youtube.com",
        "vk.com",
        "ok.ru",
        "habr.com",
        "reddit.com",
        "mastodon.social",
        "fosstodon.org",
        "qoto.org",
    }
)
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}$")
_HANDLE = re.compile(
    r"^@?([A-Za-z0-9_][A-Za-z0-9_.\-]{0,63})(?:@([A-Za-z0-9.\-]+\.[A-Za-z]{2,}))?$"
)
_HOST = re.compile(r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+$")


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier: its kind, its key, and whether it is known to name one account."""

    kind: str
    key: str
    personal: bool


def email_key(text: str) -> str | None:
    """`Ana@Example.ORG` -> `ana@example.org`; None if it is not an address."""
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:].split("?", 1)[0]
    value = value.strip().strip("<>").strip()
    if not _EMAIL.match(value):
        return None
    return value.casefold()


# scheme, host, port, path, query (a fragment is dropped); no user info, no white space.
_LINK = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://)?(?P<host>[^/?#\s:@]+)(?::(?P<port>\d{1,5}))?"
    r"(?P<path>/[^?#\s]*)?(?:\?(?P<query>[^#\s]*))?(?:#\S*)?$"
)


def link_key(text: str) -> str | None:
    """A web link without what does not tell two pages apart: scheme, `www.`, the port, a
    trailing slash, a query of tracking parameters, the fragment; the host lower-cased, and the
    account of a profile host (`github.com/Ana`) lower-cased too. None if it is no link."""
    match = _LINK.match(text.strip())
    if match is None:
        return None
    scheme = (match.group("scheme") or "https").lower()
    host = match.group("host").lower().rstrip(".")
    if scheme not in ("http", "https") or not _HOST.match(host):
        return None
    host = host.removeprefix("www.")
    path = (match.group("path") or "").rstrip("/")
    if host in _PROFILE_HOSTS or host.endswith(".github.io"):
        path = path.lower()
    key = host + path
    query = match.group("query")
    if query and not _only_tracking(query):
        key += "?" + query
    return key


def _only_tracking(query: str) -> bool:
    names = [pair.split("=", 1)[0].lower() for pair in query.split("&") if pair]
    return all(name.startswith("utm_") or name in ("ref", "fbclid", "gclid") for name in names)


def is_personal_link(key: str) -> bool:
    """A link to an account on a profile host names one person's account; any other link (a
    site's home page, an organization's page) may be shared by several people."""
    host, _, path = key.partition("/")
    segments = [s for s in path.split("/") if s]
    if host.endswith(".github.io"):
        return True
    if host not in _PROFILE_HOSTS or not segments:
        return False
    if host == "linkedin.com":
        return len(segments) >= 2 and segments[0] == "in"
    return True


def handle_key(text: str) -> str | None:
    """`@Ana_Lima` -> `@ana_lima`; a fediverse handle keeps its server (`@ana@example.social`)."""
    match = _HANDLE.match(text.strip())
    if not match:
        return None
    user, server = match.group(1), match.group(2)
    return f"@{user.casefold()}" + (f"@{server.casefold()}" if server else "")


def private_link(link: str | None, email: str | None) -> tuple[str | None, str | None]:
    """A link that is an e-mail address (`mailto:`) is personal data: it goes to the e-mail
    field, which no report shows. Where that field holds an address already, the link stays as
    written and the outputs leave it out (`is_email_link`)."""
    if link and is_email_link(link) and not email:
        return None, link
    return link, email


def is_email_link(link: str) -> bool:
    return link.strip().lower().startswith("mailto:")


def identifiers(
    *, link: str | None = None, email: str | None = None, handle: str | None = None
) -> tuple[Identifier, ...]:
    """The identifiers of a signature, keyed. A `mailto:` link is an e-mail address."""
    return tuple(
        Identifier(kind, key, kind != "link" or is_personal_link(key))
        for kind, key in identifier_keys(link, email, handle)
    )


def identifier_keys(
    link: str | None, email: str | None, handle: str | None
) -> list[tuple[str, str]]:
    """The (kind, key) of each identifier a signature gives that can be read as one, in the order
    link, e-mail, handle; an e-mail given twice (a `mailto:` link and the e-mail) once."""
    found: list[tuple[str, str]] = []
    if link:
        if is_email_link(link):
            key = email_key(link)
            if key:
                found.append(("email", key))
        else:
            key = link_key(link)
            if key:
                found.append(("link", key))
    if email:
        key = email_key(email)
        if key and all(known != key for _, known in found):
            found.append(("email", key))
    if handle:
        key = handle_key(handle)
        if key:
            found.append(("handle", key))
    return found
