"""W3C Web Annotation export: an annotation set as one JSON-LD AnnotationCollection.

The Web Annotation Data Model is what annotation servers, IIIF viewers and
research archives read, so a set exported this way can leave Attune without
a custom reader. Serve it as ``application/ld+json;
profile="http://www.w3.org/ns/anno.jsonld"``.

Encoding decisions, and why:

* **One document.** The collection embeds its only page (``first``) and the
  page embeds every annotation (``items``), so the export is a single file
  with no further IRIs to dereference.
* **Identifiers.** An event with an id becomes ``{base_url}annotations/{id}``,
  so the same event keeps the same IRI in every export and links between
  annotations survive. An event without an id gets a ``urn:uuid:`` derived
  from its content: stable across exports, and honest that there is nothing
  to dereference.
* **Time.** The target is the clip with a ``FragmentSelector`` in Media
  Fragments syntax, seconds with millisecond precision. A segment is
  ``t=12.5,14``. A moment is ``t=12.5``: Media Fragments has no instant,
  ``t=12.5,12.5`` is semantically invalid there (start must be before end,
  and players ignore such a fragment), while ``t=12.5`` is valid and makes a
  player seek to exactly the moment. Because ``t=12.5`` alone reads as
  "from 12.5 to the end", every annotation also says ``attune:kind``
  (``point`` or ``segment``) and carries ``attune:startMs``/``attune:endMs``,
  so a consumer can tell a moment from a segment and read exact times.
* **Bodies by purpose.** ``tagging``: the code key; ``classifying``: the code
  as a resource of its scheme version; ``describing``: the code's Dutch and
  English labels (with ``language``); ``commenting``: the note (no
  ``language``: professionals write in whatever language they work in, and a
  wrong tag is worse than none); ``linking``: for a repair, the IRI of the
  mismatch annotation it answers.
* **Extensions** are namespaced (``attune:``) through a second ``@context``
  entry after the Web Annotation context, as the model asks of extensions.
* **Deterministic**: events in chronological order, keys in a fixed order,
  UTF-8 without ASCII escapes, so two exports of one set are identical.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any
from urllib.parse import quote

from services.annotate.domain import AnnotationSet, Event, Scheme, chronological

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
ATTUNE_NS = "urn:attune:ns:"
"""Namespace of Attune's own properties; a URN so it needs no domain name."""

CONTEXT: list[Any] = [ANNO_CONTEXT, {"attune": ATTUNE_NS}]

Json = dict[str, Any]


def media_fragment(start_ms: int, end_ms: int | None) -> str:
    """``t=start[,end]`` in seconds (NPT), exact to the millisecond. A moment
    has no end (see the module notes); so has an empty segment, since
    ``t=a,a`` is an invalid fragment (its ``attune:endMs`` keeps the end)."""
    if end_ms is None or end_ms <= start_ms:
        return f"t={_seconds(start_ms)}"
    return f"t={_seconds(start_ms)},{_seconds(end_ms)}"


def _seconds(ms: int) -> str:
    """Milliseconds as decimal seconds without float rounding: 12500 -> 12.5."""
    whole, millis = divmod(ms, 1000)
    return f"{whole}.{millis:03d}".rstrip("0").rstrip(".")


def _segment(text: str) -> str:
    """An identifier as one IRI path segment (``/``, spaces and the like
    percent-encoded), so any id yields a well-formed IRI."""
    return quote(text, safe="")


def _content_urn(*parts: object) -> str:
    """A ``urn:uuid:`` that depends only on ``parts``: the same content gives
    the same IRI in every export."""
    seed = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"


class _Iris:
    """Every IRI of one export, from one base, in one place."""

    def __init__(self, s: AnnotationSet, base_url: str) -> None:
        if not base_url.endswith(("/", ":")):
            raise ValueError(f"base_url must end with '/' or ':', not {base_url!r}")
        self.base = base_url
        self.clip = s.clip.media_url or f"{base_url}clips/{_segment(s.clip.id)}"
        self.collection = (
            f"{base_url}annotation-sets/{_segment(s.id)}"
            if s.id
            else _content_urn(s.clip.id, s.scheme.key, s.scheme.version, s.coder, s.name)
        )
        self.page = f"{self.collection}#page-1"
        self.scheme = f"{base_url}schemes/{_segment(s.scheme.key)}/versions/{s.scheme.version}"
        self._clip_id = s.clip.id

    def code(self, key: str) -> str:
        return f"{self.scheme}/codes/{_segment(key)}"

    def event(self, event_id: str) -> str:
        return f"{self.base}annotations/{_segment(event_id)}"

    def annotations(self, events: list[Event]) -> list[str]:
        """One IRI per event; events without an id are told apart by their
        content and, for exact duplicates, by their rank among them."""
        seen: Counter[tuple[object, ...]] = Counter()
        iris = []
        for e in events:
            if e.id:
                iris.append(self.event(e.id))
                continue
            content = (
                self._clip_id,
                self.collection,
                e.code,
                e.start_ms,
                e.end_ms,
                e.subject,
                e.note,
                e.repairs,
                e.author,
                e.source,
            )
            iris.append(_content_urn(*content, seen[content]))
            seen[content] += 1
        return iris


def _text(value: str, purpose: str, language: str | None = None) -> Json:
    body: Json = {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}
    if language:
        body["language"] = language
    return body


def _bodies(e: Event, scheme: Scheme, iris: _Iris) -> list[Json]:
    bodies = [_text(e.code, "tagging")]
    code = scheme.code(e.code)
    if code is not None:
        bodies += [
            {"type": "SpecificResource", "purpose": "classifying", "source": iris.code(code.key)},
            _text(code.label_nl, "describing", "nl"),
            _text(code.label_en, "describing", "en"),
        ]
    if e.note:
        bodies.append(_text(e.note, "commenting"))
    if e.repairs:
        bodies.append(
            {"type": "SpecificResource", "purpose": "linking", "source": iris.event(e.repairs)}
        )
    return bodies


def _annotation(e: Event, iri: str, scheme: Scheme, iris: _Iris) -> Json:
    annotation: Json = {"id": iri, "type": "Annotation", "motivation": "tagging"}
    if e.author:
        annotation["creator"] = {"type": "Person", "name": e.author}
    annotation["body"] = _bodies(e, scheme, iris)
    annotation["target"] = {
        "type": "SpecificResource",
        "source": iris.clip,
        "selector": {
            "type": "FragmentSelector",
            "conformsTo": MEDIA_FRAGMENTS,
            "value": media_fragment(e.start_ms, e.end_ms),
        },
    }
    code = scheme.code(e.code)
    annotation["attune:kind"] = "point" if e.is_point else "segment"
    annotation["attune:subject"] = e.subject.value
    if code is not None:
        annotation["attune:category"] = code.category.value
    annotation["attune:startMs"] = e.start_ms
    if e.end_ms is not None:
        annotation["attune:endMs"] = e.end_ms
    annotation["attune:source"] = e.source.value
    return annotation


def _label(s: AnnotationSet) -> str:
    name = s.name or "Attune annotations"
    return f"{name}: {s.clip.filename} ({s.scheme.name} v{s.scheme.version})"


def w3c_collection(s: AnnotationSet, *, base_url: str = "urn:attune:") -> Json:
    """The AnnotationCollection as a JSON-ready dict (for callers that embed
    it in a larger response); ``export_w3c`` serialises it."""
    iris = _Iris(s, base_url)
    events = chronological(s.events)
    items = [
        _annotation(e, iri, s.scheme, iris)
        for e, iri in zip(events, iris.annotations(events), strict=True)
    ]
    collection: Json = {
        "@context": CONTEXT,
        "id": iris.collection,
        "type": "AnnotationCollection",
        "label": _label(s),
        "total": len(items),
    }
    if s.coder:
        collection["creator"] = {"type": "Person", "name": s.coder}
    collection["attune:clip"] = {
        "id": iris.clip,
        "type": "Video",
        "attune:filename": s.clip.filename,
        "attune:durationMs": s.clip.duration_ms,
    }
    collection["attune:scheme"] = {
        "id": iris.scheme,
        "label": s.scheme.name,
        "attune:key": s.scheme.key,
        "attune:version": s.scheme.version,
    }
    if items:  # the model requires a first page only when there is something in it
        collection["first"] = {
            "id": iris.page,
            "type": "AnnotationPage",
            "partOf": iris.collection,
            "startIndex": 0,
            "items": items,
        }
        collection["last"] = iris.page
    return collection


def export_w3c(s: AnnotationSet, *, base_url: str = "urn:attune:") -> str:
    """The set as W3C Web Annotation JSON-LD: pretty, UTF-8, byte-for-byte
    repeatable. ``base_url`` (ending in ``/`` or ``:``) prefixes every IRI
    Attune mints; the default is a URN, for files that leave the server."""
    return json.dumps(w3c_collection(s, base_url=base_url), ensure_ascii=False, indent=2) + "\n"
