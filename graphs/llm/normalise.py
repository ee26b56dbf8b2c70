"""One spelling for text a model wrote or a log line holds, before any check reads it.

`normalise(text)` is NFKC (full-width and compatibility letters become plain ones), without the
invisible format characters (Unicode category Cf: zero-width spaces and joiners, soft hyphens,
direction marks), with every dash as `-`, and case-folded. A check written for `kubectl delete`
then also sees a full-width `kubectl delete`, `ku\\u200bbectl Delete` and `kubectl \\u2013n shop delete`:
all three run the same way in a terminal, or look the same to a person who copies them.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _plain(match: re.Match[str]) -> str:
    char = match.group()
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    return "-" if category == "Pd" else char


def normalise(text: str) -> str:
    """`text` in the one spelling the checks read (see the module's docstring)."""
    if text.isascii():  # most log lines and narratives: NFKC leaves ASCII as it is
        return text.casefold()
    # Only the characters outside ASCII are looked up, one by one (a Python call each).
    return _NOT_ASCII.sub(_plain, unicodedata.normalize("NFKC", text)).casefold()
