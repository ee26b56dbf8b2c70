"""The hosts a text links to, compared by parsed host rather than by substring.

`linked_hosts(text)` finds every link in a normalised text (`normalise.py`): a URL with a scheme
(`https://`, `HTTPS://`, `ftp://` ...) or one starting `www.`, and answers the host each names,
parsed with `urllib.parse` (so `https://docs.example.org@evil.example/` names `evil.example`,
and `https://docs.example.org.evil.example/` is not `docs.example.org`), without its port and
without a leading `www.`. `mentioned_hosts(text)` is every host-like word of a text (a URL's
host, `users-db.shop.svc` or `users-db:5432` with no scheme): a log line rarely writes a scheme, and the
model may rightly link to a host the evidence names.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_LINK = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'`\])]+")
_HOST_WORD = re.compile(
    r"(?<![\w.@-])(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]|\d{1,3}(?:\.\d{1,3}){3})(?![\w-])"
)

_HOST_AND_PORT = re.compile(r"(?<![\w.@/-])([a-z](?:[a-z0-9-]*[a-z0-9])?):\d{1,5}\b")  # users-db:5432


def _host(link: str) -> str | None:
    try:
        host = urlsplit(link if "://" in link else f"http://{link}").hostname
    except ValueError:  # a malformed address (an unclosed IPv6 bracket) links nowhere a reader can trust
        return "(malformed)"
    return _bare(host) if host else None


def _bare(host: str) -> str:
    host = host.rstrip(".")
    return host.removeprefix("www.")


def linked_hosts(text: str) -> list[str]:
    """The host of every link in `text`, in order, each once; a link whose host cannot be read counts."""
    hosts = (_host(link) for link in _LINK.findall(text))
    return list(dict.fromkeys(host for host in hosts if host is not None))


def mentioned_hosts(text: str) -> set[str]:
    """Every host `text` names: the hosts of its links and its bare host names (`db.shop.svc:5432`)."""
    words = _HOST_WORD.findall(text) + _HOST_AND_PORT.findall(text)
    return set(linked_hosts(text)) | {_bare(word) for word in words}
