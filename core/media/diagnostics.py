"""Reading ffmpeg's and ffprobe's stderr: the cause of a failure, without secrets.

Both tools end a failure with generic lines ("Conversion failed!") after the
one that explains it, and both echo the source URL, whose presigned query
string grants access to the file. Probing and running share these rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# ffmpeg's closing lines that say nothing about the cause of a failure.
_GENERIC_STDERR = (
    "conversion failed",
    "exiting normally",
    "last message repeated",
    "error marking filters as finished",
    "error while filtering",
    "error closing file",
)
NETWORK_ERRORS = (
    "server returned",
    "connection refused",
    "connection timed out",
    "connection reset",
    "network is unreachable",
    "failed to resolve hostname",
    "name or service not known",
    "i/o error",
)


_URL_QUERY = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")


def redact_urls(text: str) -> str:
    """Drop query strings from URLs: a presigned URL's signature grants access to the file."""
    return _URL_QUERY.sub(r"\1?<redacted>", text)


def last_meaningful_line(lines: Iterable[str]) -> str | None:
    """The line that names the cause: the last one that is not a generic sign-off.

    The ``[demuxer @ 0x...]`` prefix is dropped; it means nothing to a reader.
    """
    for line in reversed(list(lines)):
        text = line.strip()
        if text and not any(text.lower().startswith(g) for g in _GENERIC_STDERR):
            return re.sub(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*", "", text)
    return None
