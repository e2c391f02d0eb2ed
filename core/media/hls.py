"""The HLS presentations Attune stores, read back: a media playlist's segments,
and fetching just the part of a clip a playlist item (or a still) needs.

A clip's rendition is stored as fragmented MP4 (an init segment and 4 s
media segments). The init segment followed by consecutive media segments is
itself a valid fragmented MP4 whose timestamps are the clip's own, so the
renderer can seek frame-accurately in a small local file instead of reading
the whole recording over the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from posixpath import dirname

from core.storage import ObjectStore

#: The init segment of every rendition (fragmented MP4).
INIT = "init.mp4"


def parse_media_playlist(text: str) -> tuple[float, list[tuple[str, float]]]:
    """Target duration and ``(uri, duration)`` per segment of a media playlist."""
    target = 0.0
    segments: list[tuple[str, float]] = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((line, duration))
            duration = None
    return target, segments



@dataclass(frozen=True)
class SegmentSpan:
    """Which media segments of a rendition cover a time range."""

    uris: list[str]
    start_s: float  # where the first of them starts in the clip
    end_s: float


def covering(playlist_text: str, start_s: float, end_s: float) -> SegmentSpan:
    """The consecutive segments that hold ``[start_s, end_s)``.

    Segment start times are the running sum of their durations. One extra
    segment on each side absorbs rounding in those durations, so the frame
    at the very edge of the range is always in the file.
    """
    _, segments = parse_media_playlist(playlist_text)
    if not segments:
        raise ValueError("the rendition lists no segments")
    starts, t = [], 0.0
    for _, duration in segments:
        starts.append(t)
        t += duration
    first = max(0, max((i for i, s in enumerate(starts) if s <= start_s), default=0) - 1)
    last = min(len(segments) - 1,
               min((i for i, s in enumerate(starts) if s >= end_s), default=len(segments)))
    chosen = segments[first:last + 1]
    return SegmentSpan([uri for uri, _ in chosen], starts[first],
                       starts[first] + sum(d for _, d in chosen))


def fetch_range(store: ObjectStore, bucket: str, playlist_key: str, start_s: float,
                end_s: float, dest: Path) -> Path:
    """Write init + the covering segments of one rendition to ``dest``."""
    text = store.get_bytes(bucket, playlist_key).decode()
    span = covering(text, start_s, end_s)
    folder = dirname(playlist_key)
    with dest.open("wb") as out:
        for name in (INIT, *span.uris):
            for chunk in store.open(bucket, f"{folder}/{name}").iter_chunks():
                out.write(chunk)
    return dest
