"""WebVTT exports: a metadata track for software and a chapters track for viewers.

The **metadata track** (``export_vtt``) carries every event as one cue whose
text is a one-line JSON object, so a web player can follow the coding in
sync with the video (``TextTrack.oncuechange``) and still read the exact
event back. The **chapters track** (``export_chapters``) is what a parent or
a professional sees in the player's chapter menu: one short, escaped title
per place worth jumping to.

Encoding decisions, and why:

* Times are whole milliseconds, written as ``HH:MM:SS.mmm``; WebVTT resolves
  exactly milliseconds, so nothing is rounded.
* A WebVTT cue must end after it starts, and a cue shorter than the interval
  at which browsers update ``activeCues`` (about 250 ms) can be passed over
  without ever being active. A moment (point event) therefore becomes a cue
  of ``POINT_CUE_MS``; the payload says ``"kind": "point"`` and gives the
  exact ``start_ms`` with ``end_ms`` null, so nothing is lost.
* Cues stay inside the clip when its duration is known: a player never
  reaches a time past the end, so a cue there would never show.
* Metadata cue text is not parsed as cue text (no entities, no tags), so the
  payload is raw JSON rather than HTML-escaped: a consumer passes
  ``cue.text`` straight to ``JSON.parse``. JSON on one line cannot hold a
  blank line; the only forbidden sequence left, ``-->``, is written as
  ``--\\u003e``, which JSON reads back as the same characters.
* Chapters must not overlap (most players show a flat list), so overlapping
  events are flattened: see ``export_chapters``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from services.annotate.domain import AnnotationSet, Event, Scheme, Subject, chronological

POINT_CUE_MS = 500
"""Length of the metadata cue for a moment: long enough for a browser to show
it as active, short enough not to run into the next coded moment."""

POINT_CHAPTER_MS = 5_000
"""Longest chapter a moment opens: enough to watch the moment and what
follows it; the next chapter cuts it short if it starts earlier."""

TITLE_NOTE_CHARS = 80
"""A chapter title shows at most this much of a note: menus are one line."""

_SUBJECT_LABELS: dict[str, dict[Subject, str]] = {
    "nl": {Subject.parent: "ouder", Subject.child: "kind", Subject.both: "ouder en kind"},
    "en": {Subject.parent: "parent", Subject.child: "child", Subject.both: "parent and child"},
}


def format_timestamp(ms: int) -> str:
    """``HH:MM:SS.mmm``, the WebVTT timestamp with hours always present (hours
    may exceed two digits for very long recordings)."""
    if ms < 0:
        raise ValueError(f"a WebVTT timestamp cannot be negative: {ms} ms")
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _timing_line(start_ms: int, end_ms: int) -> str:
    return f"{format_timestamp(start_ms)} --> {format_timestamp(end_ms)}"


def _flatten(text: str) -> str:
    """Text on one line with single spaces: a line break inside a cue or a
    NOTE would end it early or, doubled, end the block."""
    return " ".join(text.split())


def _one_line(text: str) -> str:
    """Text for places that allow no escapes (the NOTE block, cue
    identifiers): flattened, and ``-->`` broken up, since it would be read as
    a cue timing."""
    flat = _flatten(text)
    while "-->" in flat:
        flat = flat.replace("-->", "-- >")
    return flat


def escape_cue_text(text: str) -> str:
    """Cue text with WebVTT's three required escapes; ``&`` first so the
    others are not escaped twice. With ``>`` escaped, ``-->`` cannot occur."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip_end(s: AnnotationSet) -> int | None:
    """The clip's duration, or None when it is not known (stored as 0)."""
    return s.clip.duration_ms if s.clip.duration_ms > 0 else None


def _fit(start_ms: int, end_ms: int, clip_end: int | None) -> tuple[int, int]:
    """A span with ``0 <= start < end <= clip_end``. An event at the very end
    of the clip moves back just enough to keep a non-empty cue, instead of
    being dropped: its payload still holds the exact time."""
    start = max(0, start_ms)
    end = max(end_ms, start + 1)
    if clip_end is not None:
        end = min(end, clip_end)
        start = min(start, max(0, end - 1))
        end = max(end, start + 1)
    return start, end


def _event_span(e: Event, clip_end: int | None) -> tuple[int, int]:
    """A moment (or an empty segment, which would vanish) as a ``POINT_CUE_MS`` cue."""
    if e.end_ms is None or e.end_ms <= e.start_ms:
        return _fit(e.start_ms, e.start_ms + POINT_CUE_MS, clip_end)
    return _fit(e.start_ms, e.end_ms, clip_end)


def _header(s: AnnotationSet, title: str) -> list[str]:
    """``WEBVTT`` and a NOTE naming clip, scheme and set, so a file found on
    its own can be traced back to what it describes."""
    lines = [
        f"clip: {s.clip.id} ({s.clip.filename})",
        f"scheme: {s.scheme.key} v{s.scheme.version} ({s.scheme.name})",
    ]
    if s.id or s.name:
        lines.append(f"set: {' '.join(p for p in (s.id, s.name) if p)}")
    return ["WEBVTT", "", "NOTE", _one_line(title), *map(_one_line, lines), ""]


def _unique_ids(events: list[Event]) -> list[str]:
    """One cue identifier per event: its id where it has one, else its place
    in the track. WebVTT requires identifiers to be unique, so a clash (two
    events with one id, or an id like ``event-3`` taken) gets a suffix."""
    taken: set[str] = set()
    ids: list[str] = []
    for n, e in enumerate(events, start=1):
        base = _one_line(e.id or "") or f"event-{n}"
        candidate, k = base, 1
        while candidate in taken:
            k += 1
            candidate = f"{base}-{k}"
        taken.add(candidate)
        ids.append(candidate)
    return ids


def _payload(e: Event, scheme: Scheme) -> str:
    """The event as one line of JSON, sorted keys; ``-->`` escaped as JSON."""
    code = scheme.code(e.code)
    data = {
        "id": e.id,
        "code": e.code,
        "label_en": code.label_en if code else None,
        "label_nl": code.label_nl if code else None,
        "category": code.category.value if code else None,
        "kind": "point" if e.is_point else "segment",
        "subject": e.subject.value,
        "note": e.note,
        "start_ms": e.start_ms,
        "end_ms": e.end_ms,
        "repairs": e.repairs,
        "source": e.source.value,
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("-->", "--\\u003e")


def export_vtt(s: AnnotationSet) -> str:
    """A WebVTT metadata track: one cue per event, identified by the event id,
    with the event as JSON (see the module notes for points and escaping)."""
    events = chronological(s.events)
    clip_end = _clip_end(s)
    lines = _header(s, "Attune annotations (metadata: one JSON object per cue)")
    for cue_id, e in zip(_unique_ids(events), events, strict=True):
        lines += [cue_id, _timing_line(*_event_span(e, clip_end)), _payload(e, s.scheme), ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class _Chapter:
    start_ms: int
    end_ms: int
    title: str


def _event_title(e: Event, scheme: Scheme, language: str) -> str:
    """``label (subject): first line of the note``, unescaped."""
    code = scheme.code(e.code)
    label = e.code if code is None else (code.label_en if language == "en" else code.label_nl)
    title = f"{_flatten(label)} ({_SUBJECT_LABELS[language][e.subject]})"
    first_line = next((ln.strip() for ln in e.note.splitlines() if ln.strip()), "")
    if len(first_line) > TITLE_NOTE_CHARS:
        first_line = first_line[: TITLE_NOTE_CHARS - 1].rstrip() + "…"
    return f"{title}: {first_line}" if first_line else title


def _chapters(s: AnnotationSet, language: str) -> Iterator[_Chapter]:
    """Flat, ordered chapters: one per distinct start time (events starting
    together share a chapter and a joined title), each running until its
    longest event ends, a moment's ``POINT_CHAPTER_MS`` passes, the next
    chapter starts, or the clip ends, whichever comes first."""
    clip_end = _clip_end(s)
    last_start = None if clip_end is None else clip_end - 1

    def start_of(e: Event) -> int:
        start = max(0, e.start_ms)
        return start if last_start is None else min(start, last_start)

    groups = [
        (start, list(group)) for start, group in groupby(chronological(s.events), key=start_of)
    ]
    for i, (start, group) in enumerate(groups):
        own_end = max(
            start + POINT_CHAPTER_MS if e.end_ms is None or e.end_ms <= start else e.end_ms
            for e in group
        )
        next_start = groups[i + 1][0] if i + 1 < len(groups) else None
        end = own_end if next_start is None else min(own_end, next_start)
        span = _fit(start, end, clip_end)
        yield _Chapter(*span, " / ".join(_event_title(e, s.scheme, language) for e in group))


def export_chapters(s: AnnotationSet, *, language: str = "nl") -> str:
    """A WebVTT chapters track with titles in Dutch (``nl``) or English (``en``).

    Chapters never overlap and are ordered. Where events overlap, a chapter
    starts at every event start and the earlier chapter is cut short there,
    rather than nesting: players show chapters as one flat list, and what a
    viewer wants is to jump to where something begins. The full extent of
    every event is in the metadata track and the W3C export.
    """
    if language not in _SUBJECT_LABELS:
        raise ValueError(f"language must be one of {sorted(_SUBJECT_LABELS)}, not {language!r}")
    lines = _header(s, "Attune chapters: one per coded moment or segment")
    for ch in _chapters(s, language):
        lines += [_timing_line(ch.start_ms, ch.end_ms), escape_cue_text(ch.title), ""]
    return "\n".join(lines)
