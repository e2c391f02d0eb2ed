"""W3C Web Annotation and WebVTT exports, checked the way a consumer reads them.

The W3C documents go through ``check_w3c`` (the model's MUSTs, plus the
Media Fragments rule that a range starts before it ends); the WebVTT tracks
through a small strict parser that rejects what browsers would drop or
misread. Both run on one hand-built set with the awkward cases in it:
moments and segments, overlapping segments, a repair answering a mismatch, a
note with line breaks, markup, ``-->`` and non-ASCII text.
"""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import pytest

from services.annotate.domain import (
    AnnotationSet,
    Category,
    ClipInfo,
    Code,
    Event,
    Kind,
    Scheme,
    Source,
    Subject,
)
from services.annotate.formats.w3c import (
    ANNO_CONTEXT,
    MEDIA_FRAGMENTS,
    export_w3c,
    media_fragment,
)
from services.annotate.formats.webvtt import (
    POINT_CHAPTER_MS,
    POINT_CUE_MS,
    export_chapters,
    export_vtt,
    format_timestamp,
)

# --------------------------------------------------------------------------- test data

NOTE = "Kijkt naar de baby en lacht <b>één</b> keer --> mooi\n\nTweede regel & meer"

SCHEME = Scheme(
    key="vif",
    name="VIB basis",
    version=3,
    codes=(
        Code(
            "sensitive",
            "Sensitive response",
            "Sensitieve reactie",
            Category.positive,
            Kind.point,
            Subject.parent,
        ),
        Code("mismatch", "Mismatch", "Mismatch", Category.mismatch, Kind.segment),
        Code("repair", "Repair", "Herstel", Category.repair, Kind.either, Subject.parent),
        Code(
            "crying", "Crying", "Huilen (één keer)", Category.context, Kind.segment, Subject.child
        ),
    ),
)

CLIP = ClipInfo(id="clip-7", filename="Huisbezoek één.mp4", duration_ms=60_000)

EVENTS = (
    Event("sensitive", 12_500, subject=Subject.parent, note=NOTE, id="e1", author="Anouk"),
    Event("mismatch", 20_000, 30_000, id="m1"),
    Event("sensitive", 20_000, subject=Subject.parent, id="e2"),
    Event("crying", 22_000, 40_000, subject=Subject.child),
    Event(
        "repair",
        24_000,
        27_000,
        subject=Subject.parent,
        note="Troost & benoemt",
        id="r1",
        repairs="m1",
    ),
    Event("sensitive", 59_900, subject=Subject.parent, id="e3", source=Source.suggested),
    Event("sensitive", 60_000, subject=Subject.parent, id="e4"),
)

SET = AnnotationSet(
    clip=CLIP, scheme=SCHEME, events=EVENTS, id="set-1", name="Bezoek 1", coder="Anouk"
)


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in doc["first"]["items"]}


def w3c(s: AnnotationSet = SET, **kwargs: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(export_w3c(s, **kwargs))
    return doc


# --------------------------------------------------------------------------- W3C checker

MOTIVATIONS = {
    "assessing",
    "bookmarking",
    "classifying",
    "commenting",
    "describing",
    "editing",
    "highlighting",
    "identifying",
    "linking",
    "moderating",
    "questioning",
    "replying",
    "tagging",
}
RESOURCE_TYPES = {
    "Dataset",
    "Image",
    "Video",
    "Sound",
    "Text",
    "TextualBody",
    "SpecificResource",
    "Choice",
    "Composite",
    "List",
    "Independents",
}
AGENT_TYPES = {"Person", "Organization", "Software"}
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
NPT = r"(?:npt:)?(\d+(?:\.\d+)?)"
TEMPORAL = re.compile(rf"^t={NPT}(?:,{NPT})?$")


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("type", [])
    return [value] if isinstance(value, str) else list(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_context(doc: dict[str, Any]) -> list[str]:
    ctx = doc.get("@context")
    if ctx is None:
        return ["@context is missing"]
    if isinstance(ctx, str):
        return [] if ctx == ANNO_CONTEXT else [f"@context is {ctx!r}, not the anno context"]
    if not isinstance(ctx, list) or not ctx:
        return ["@context must be a string or a non-empty list"]
    if len(ctx) == 1:
        return ["a single @context must be given as a string"]
    return [] if ctx[0] == ANNO_CONTEXT else ["the anno context must come first in @context"]


def _check_agent(agent: Any, where: str) -> list[str]:
    if isinstance(agent, str):
        return [] if IRI.match(agent) else [f"{where}: creator {agent!r} is not an IRI"]
    bad = [t for t in _types(agent) if t not in AGENT_TYPES]
    return [f"{where}: creator type {t!r} unknown" for t in bad]


def _check_selector(selector: dict[str, Any], where: str) -> list[str]:
    if "FragmentSelector" not in _types(selector):
        return []
    problems = []
    value = selector.get("value")
    if not isinstance(value, str):
        problems.append(f"{where}: FragmentSelector needs exactly one string value")
    if selector.get("conformsTo") != MEDIA_FRAGMENTS:
        problems.append(f"{where}: FragmentSelector conformsTo is not Media Fragments")
    elif isinstance(value, str):
        m = TEMPORAL.match(value)
        if m is None:
            problems.append(f"{where}: {value!r} is not a temporal media fragment")
        elif m.group(2) is not None and float(m.group(1)) >= float(m.group(2)):
            problems.append(f"{where}: {value!r} does not start before it ends")
    return problems


def _check_resource(node: Any, role: str, where: str) -> list[str]:
    """A body or target: an IRI, or an object of a known type with what that
    type requires."""
    if isinstance(node, str):
        return [] if IRI.match(node) else [f"{where}: {role} {node!r} is not an IRI"]
    if not isinstance(node, dict):
        return [f"{where}: {role} must be an IRI or an object"]
    problems = [
        f"{where}: {role} type {t!r} unknown" for t in _types(node) if t not in RESOURCE_TYPES
    ]
    purpose = node.get("purpose")
    if purpose is not None and purpose not in MOTIVATIONS:
        problems.append(f"{where}: {role} purpose {purpose!r} unknown")
    if "language" in node and not LANGUAGE.match(str(node["language"])):
        problems.append(f"{where}: {role} language {node['language']!r} is not BCP47")
    if "TextualBody" in _types(node) and not isinstance(node.get("value"), str):
        problems.append(f"{where}: TextualBody needs a string value")
    if "SpecificResource" in _types(node):
        source = node.get("source")
        source_id = source.get("id") if isinstance(source, dict) else source
        if not (isinstance(source_id, str) and IRI.match(source_id)):
            problems.append(f"{where}: SpecificResource needs a source IRI")
        for selector in _as_list(node.get("selector", [])):
            problems += _check_selector(selector, where)
    elif "id" in node and not IRI.match(str(node["id"])):
        problems.append(f"{where}: {role} id {node['id']!r} is not an IRI")
    return problems


def check_annotation(a: dict[str, Any], *, embedded: bool = True) -> list[str]:
    """An Annotation's MUSTs; an embedded one inherits its collection's @context."""
    where = str(a.get("id", "annotation without id"))
    problems = [] if embedded else _check_context(a)
    if not (isinstance(a.get("id"), str) and IRI.match(a["id"])):
        problems.append(f"{where}: id must be an IRI")
    if "Annotation" not in _types(a):
        problems.append(f"{where}: type must include 'Annotation'")
    problems += [
        f"{where}: motivation {m!r} unknown"
        for m in _as_list(a.get("motivation", []))
        if m not in MOTIVATIONS
    ]
    targets = _as_list(a.get("target", []))
    if not targets:
        problems.append(f"{where}: at least one target is required")
    for target in targets:
        problems += _check_resource(target, "target", where)
    for body in _as_list(a.get("body", [])):
        problems += _check_resource(body, "body", where)
    if "creator" in a:
        problems += _check_agent(a["creator"], where)
    return problems


def _check_page(page: Any, collection_id: str) -> list[str]:
    if isinstance(page, str):
        return [] if IRI.match(page) else [f"first {page!r} is not an IRI"]
    problems = []
    if not (isinstance(page.get("id"), str) and IRI.match(page["id"])):
        problems.append("AnnotationPage id must be an IRI")
    if "AnnotationPage" not in _types(page):
        problems.append("AnnotationPage type must include 'AnnotationPage'")
    part_of = page.get("partOf", collection_id)
    if (part_of.get("id") if isinstance(part_of, dict) else part_of) != collection_id:
        problems.append("AnnotationPage partOf is not its collection")
    start = page.get("startIndex", 0)
    if not (isinstance(start, int) and start >= 0):
        problems.append("AnnotationPage startIndex must be an integer >= 0")
    items = page.get("items")
    if not isinstance(items, list) or not items:
        return [*problems, "AnnotationPage items must list at least one Annotation"]
    for item in items:
        problems += check_annotation(item)
    return problems


def check_w3c(doc: dict[str, Any]) -> list[str]:
    """The Web Annotation Data Model's MUSTs for a collection with embedded
    pages (or a single Annotation), as messages; empty means conformant."""
    if "Annotation" in _types(doc):
        return check_annotation(doc, embedded=False)
    problems = _check_context(doc)
    collection_id = doc.get("id")
    if not (isinstance(collection_id, str) and IRI.match(collection_id)):
        problems.append("AnnotationCollection id must be an IRI")
    if "AnnotationCollection" not in _types(doc):
        problems.append("type must include 'AnnotationCollection'")
    if "label" in doc and not isinstance(doc["label"], str):
        problems.append("label must be a string")
    total = doc.get("total", 0)
    if not (isinstance(total, int) and total >= 0):
        problems.append("total must be an integer >= 0")
    if "creator" in doc:
        problems += _check_agent(doc["creator"], "collection")
    first = doc.get("first")
    if first is None:
        return problems + (["a non-empty collection needs a first page"] if total else [])
    problems += _check_page(first, str(collection_id))
    if isinstance(first, dict) and "next" not in first and len(first.get("items", [])) != total:
        problems.append("total does not match the annotations in the only page")
    return problems


# --------------------------------------------------------------------------- W3C tests


def test_collection_embeds_every_event_and_passes_the_musts() -> None:
    doc = w3c()
    assert doc["@context"][0] == ANNO_CONTEXT
    assert doc["type"] == "AnnotationCollection"
    assert doc["id"] == "urn:attune:annotation-sets/set-1"
    assert doc["total"] == len(doc["first"]["items"]) == len(EVENTS)
    assert doc["first"]["partOf"] == doc["id"] and doc["first"]["startIndex"] == 0
    assert check_w3c(doc) == []


def test_the_checker_rejects_what_the_model_forbids() -> None:
    """Guards the guard: each broken copy must be reported."""
    good = w3c()
    breakages = {
        "no context": lambda d: d.pop("@context"),
        "other context first": lambda d: d.__setitem__("@context", ["x:y", ANNO_CONTEXT]),
        "no id": lambda d: d.pop("id"),
        "annotation without target": lambda d: d["first"]["items"][0].pop("target"),
        "annotation id not an IRI": lambda d: d["first"]["items"][0].__setitem__("id", "e 1"),
        "wrong type": lambda d: d["first"]["items"][0].__setitem__("type", "Note"),
        "empty range": lambda d: d["first"]["items"][1]["target"]["selector"].__setitem__(
            "value", "t=20,20"
        ),
        "selector without conformsTo": lambda d: d["first"]["items"][0]["target"]["selector"].pop(
            "conformsTo"
        ),
        "unknown purpose": lambda d: d["first"]["items"][0]["body"][0].__setitem__(
            "purpose", "coding"
        ),
        "wrong total": lambda d: d.__setitem__("total", 3),
    }
    for name, breakage in breakages.items():
        broken = copy.deepcopy(good)
        breakage(broken)
        assert check_w3c(broken), name


def test_a_moment_and_a_segment_are_media_fragments_a_consumer_can_tell_apart() -> None:
    items = by_id(w3c())
    point, segment = items["urn:attune:annotations/e1"], items["urn:attune:annotations/m1"]
    for a in (point, segment):
        assert a["target"]["source"] == "urn:attune:clips/clip-7"
        assert a["target"]["selector"]["type"] == "FragmentSelector"
        assert a["target"]["selector"]["conformsTo"] == MEDIA_FRAGMENTS
    assert point["target"]["selector"]["value"] == "t=12.5"
    assert (point["attune:kind"], point["attune:startMs"]) == ("point", 12_500)
    assert "attune:endMs" not in point
    assert segment["target"]["selector"]["value"] == "t=20,30"
    assert (segment["attune:kind"], segment["attune:endMs"]) == ("segment", 30_000)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, "t=0"),
        (1, None, "t=0.001"),
        (12_500, 14_000, "t=12.5,14"),
        (3_723_456, 3_723_457, "t=3723.456,3723.457"),
    ],
)
def test_media_fragment_is_exact_to_the_millisecond(
    start: int, end: int | None, expected: str
) -> None:
    assert media_fragment(start, end) == expected


def test_a_repair_links_to_the_mismatch_it_answers() -> None:
    items = by_id(w3c())
    repair = items["urn:attune:annotations/r1"]
    links = [b for b in repair["body"] if b.get("purpose") == "linking"]
    assert links == [
        {"type": "SpecificResource", "purpose": "linking", "source": "urn:attune:annotations/m1"}
    ]
    assert links[0]["source"] in items
    assert items[links[0]["source"]]["attune:category"] == "mismatch"


def test_bodies_carry_code_labels_and_the_note_unchanged() -> None:
    text = export_w3c(SET)
    assert "één" in text  # UTF-8, not \u escapes
    point = by_id(json.loads(text))["urn:attune:annotations/e1"]
    bodies = {(b["purpose"], b.get("language")): b for b in point["body"]}
    assert bodies[("tagging", None)]["value"] == "sensitive"
    assert bodies[("describing", "nl")]["value"] == "Sensitieve reactie"
    assert bodies[("describing", "en")]["value"] == "Sensitive response"
    assert bodies[("commenting", None)]["value"] == NOTE
    assert bodies[("classifying", None)]["source"] == (
        "urn:attune:schemes/vif/versions/3/codes/sensitive"
    )
    assert point["creator"] == {"type": "Person", "name": "Anouk"}
    assert point["motivation"] == "tagging"


def test_output_is_deterministic_and_ids_are_stable_and_unique() -> None:
    shuffled = list(EVENTS)
    random.Random(4).shuffle(shuffled)
    text = export_w3c(SET)
    assert export_w3c(replace(SET, events=tuple(shuffled))) == text
    ids = [a["id"] for a in json.loads(text)["first"]["items"]]
    assert len(set(ids)) == len(ids)
    anonymous = [i for i in ids if not i.startswith("urn:attune:annotations/")]
    assert len(anonymous) == 1 and anonymous[0].startswith("urn:uuid:")
    twins = replace(SET, events=(Event("crying", 1_000, 2_000),) * 2)
    twin_ids = [a["id"] for a in w3c(twins)["first"]["items"]]
    assert len(set(twin_ids)) == 2


def test_base_url_media_url_and_odd_ids_give_well_formed_iris() -> None:
    clip = replace(CLIP, media_url="https://media.example.nl/clips/7.mp4")
    odd = replace(
        SET,
        clip=clip,
        id=None,
        events=(
            Event("mismatch", 0, 1_000, id="a/b c"),
            Event("repair", 500, id="r", repairs="a/b c"),
        ),
    )
    doc = w3c(odd, base_url="https://attune.example.nl/api/")
    assert check_w3c(doc) == []
    assert doc["id"].startswith("urn:uuid:")
    items = doc["first"]["items"]
    assert items[0]["id"] == "https://attune.example.nl/api/annotations/a%2Fb%20c"
    assert items[1]["body"][-1]["source"] == items[0]["id"]
    assert {a["target"]["source"] for a in items} == {clip.media_url}
    with pytest.raises(ValueError, match="base_url"):
        export_w3c(SET, base_url="https://attune.example.nl/api")


def test_empty_set_and_unknown_code_stay_valid() -> None:
    empty = w3c(replace(SET, events=()))
    assert empty["total"] == 0 and "first" not in empty
    assert check_w3c(empty) == []
    unknown = w3c(replace(SET, events=(Event("gone", 1_000, id="x"),)))
    assert check_w3c(unknown) == []
    (item,) = unknown["first"]["items"]
    assert [b["purpose"] for b in item["body"]] == ["tagging"]


# --------------------------------------------------------------------------- WebVTT parser

TIMESTAMP = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"^{TIMESTAMP} --> {TIMESTAMP}$")


@dataclass(frozen=True)
class Cue:
    identifier: str | None
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def parse_vtt(text: str, duration_ms: int) -> tuple[list[str], list[Cue]]:
    """Strictly: ``WEBVTT`` header, LF line ends, NOTE blocks, then cues
    (optional identifier, timing line, at least one text line) ordered by
    start, each starting before it ends and inside the clip. A blank line in
    a cue's text splits it, and the second half fails as a cue without a
    timing line. Returns the NOTE blocks' text and the cues."""
    assert "\r" not in text and text.endswith("\n")
    header, *blocks = text.rstrip("\n").split("\n\n")
    assert re.match(r"^WEBVTT([ \t][^\n]*)?$", header.split("\n")[0]), header
    notes: list[str] = []
    cues: list[Cue] = []
    for block in blocks:
        lines = block.split("\n")
        if lines[0] == "NOTE" or lines[0].startswith(("NOTE ", "NOTE\t")):
            assert not cues, "NOTE blocks come before the cues here"
            assert "-->" not in block, block
            notes.append(block)
            continue
        identifier = None if TIMING.match(lines[0]) else lines.pop(0)
        assert identifier is None or "-->" not in identifier, identifier
        m = TIMING.match(lines[0]) if lines else None
        assert m, f"no cue timing line in block {block!r}"
        cue = Cue(identifier, _ms(*m.groups()[:4]), _ms(*m.groups()[4:]), tuple(lines[1:]))
        assert cue.lines and all(line.strip() for line in cue.lines), block
        assert all("-->" not in line for line in cue.lines), block
        assert 0 <= cue.start_ms < cue.end_ms <= duration_ms, block
        assert not cues or cues[-1].start_ms <= cue.start_ms, "cues out of order"
        cues.append(cue)
    return notes, cues


def test_the_strict_parser_rejects_a_blank_line_and_an_arrow_in_a_cue() -> None:
    good = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{}\n"
    assert parse_vtt(good, 60_000)[1][0].text == "{}"
    for bad in (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\n\nb\n",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na --> b\n",
        "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\na\n",
        "WEBVTT\n\n00:00:01.000 --> 00:01:02.000\na\n",
    ):
        with pytest.raises(AssertionError):
            parse_vtt(bad, 60_000)


# --------------------------------------------------------------------------- WebVTT tests


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0, "00:00:00.000"),
        (12_500, "00:00:12.500"),
        (3_723_456, "01:02:03.456"),
        (100 * 3_600_000, "100:00:00.000"),
    ],
)
def test_timestamps(ms: int, expected: str) -> None:
    assert format_timestamp(ms) == expected
    assert TIMING.match(f"{expected} --> {expected}")


def test_negative_timestamp_is_refused() -> None:
    with pytest.raises(ValueError):
        format_timestamp(-1)


def test_metadata_track_has_one_identified_cue_per_event() -> None:
    notes, cues = parse_vtt(export_vtt(SET), CLIP.duration_ms)
    assert "clip: clip-7 (Huisbezoek één.mp4)" in notes[0]
    assert "scheme: vif v3 (VIB basis)" in notes[0]
    assert [c.identifier for c in cues] == ["e1", "e2", "m1", "event-4", "r1", "e3", "e4"]
    assert all(len(c.lines) == 1 for c in cues)


def test_payloads_parse_back_to_the_events() -> None:
    _, cues = parse_vtt(export_vtt(SET), CLIP.duration_ms)
    payloads = [json.loads(c.text) for c in cues]
    events = sorted(EVENTS, key=lambda e: (e.start_ms, not e.is_point))
    for payload, event in zip(payloads, events, strict=True):
        code = SCHEME.code(event.code)
        assert code is not None
        assert payload == {
            "id": event.id,
            "code": event.code,
            "label_en": code.label_en,
            "label_nl": code.label_nl,
            "category": code.category.value,
            "kind": "point" if event.is_point else "segment",
            "subject": event.subject.value,
            "note": event.note,
            "start_ms": event.start_ms,
            "end_ms": event.end_ms,
            "repairs": event.repairs,
            "source": event.source.value,
        }
    assert payloads[0]["note"] == NOTE  # line breaks, <b>, --> and één survive
    assert "--\\u003e" in cues[0].text


def test_cue_timings_for_moments_and_segments() -> None:
    _, cues = parse_vtt(export_vtt(SET), CLIP.duration_ms)
    timing = {c.identifier: (c.start_ms, c.end_ms) for c in cues}
    assert timing["e1"] == (12_500, 12_500 + POINT_CUE_MS)
    assert timing["m1"] == (20_000, 30_000)
    assert timing["e3"] == (59_900, 60_000)  # cut at the end of the clip
    assert timing["e4"] == (59_999, 60_000)  # at the very end: kept, one millisecond


def test_cue_identifiers_are_one_line_and_unique() -> None:
    events = (
        Event("crying", 0, 1_000, id="a-->b\nc"),
        Event("crying", 0, 1_000, id="x"),
        Event("crying", 0, 1_000, id="x"),
        Event("crying", 0, 1_000, id="event-4"),
        Event("crying", 0, 1_000),
    )
    _, cues = parse_vtt(export_vtt(replace(SET, events=events)), CLIP.duration_ms)
    ids = [c.identifier for c in cues]
    assert len(set(ids)) == len(ids) == 5
    assert all(i and "\n" not in i and "-->" not in i for i in ids)


def test_unknown_duration_does_not_cut_cues() -> None:
    s = replace(SET, clip=replace(CLIP, duration_ms=0))
    _, cues = parse_vtt(export_vtt(s), 10**9)
    assert max(c.end_ms for c in cues) == 60_000 + POINT_CUE_MS


# --------------------------------------------------------------------------- chapters


def chapters(language: str = "nl", s: AnnotationSet = SET) -> list[Cue]:
    _, cues = parse_vtt(export_chapters(s, language=language), s.clip.duration_ms)
    for before, after in pairwise(cues):
        assert before.end_ms <= after.start_ms, (before, after)
        assert before.start_ms < after.start_ms
    return cues


def test_chapters_are_ordered_do_not_overlap_and_cut_overlaps_at_each_start() -> None:
    spans = [(c.start_ms, c.end_ms) for c in chapters()]
    assert spans == [
        (12_500, 12_500 + POINT_CHAPTER_MS),  # a moment: a few seconds
        (20_000, 22_000),  # moment and mismatch start together, cut by crying
        (22_000, 24_000),  # crying, cut by the repair
        (24_000, 27_000),  # the repair, to its own end
        (59_900, 59_999),  # two moments at the very end of the clip
        (59_999, 60_000),
    ]


def test_chapter_titles_are_labelled_and_escaped() -> None:
    cues = chapters()
    titles = [c.text for c in cues]
    assert titles[0] == (
        "Sensitieve reactie (ouder): "
        "Kijkt naar de baby en lacht &lt;b&gt;één&lt;/b&gt; keer --&gt; mooi"
    )
    assert titles[1] == "Sensitieve reactie (ouder) / Mismatch (ouder en kind)"
    assert titles[2] == "Huilen (één keer) (kind)"
    assert titles[3] == "Herstel (ouder): Troost &amp; benoemt"
    for title in titles:
        assert "<" not in title and ">" not in title
        assert not re.search(r"&(?!amp;|lt;|gt;)", title), title


def test_chapter_titles_in_english() -> None:
    titles = [c.text for c in chapters("en")]
    assert titles[1] == "Sensitive response (parent) / Mismatch (parent and child)"
    assert titles[3] == "Repair (parent): Troost &amp; benoemt"
    with pytest.raises(ValueError, match="language"):
        export_chapters(SET, language="de")


def test_chapter_for_unknown_code_uses_its_key_and_long_notes_are_shortened() -> None:
    s = replace(SET, events=(Event("gone", 1_000, note="\n" + "x" * 200 + "\nrest"),))
    (cue,) = chapters(s=s)
    assert cue.text.startswith("gone (ouder en kind): xxx") and cue.text.endswith("…")
    assert len(cue.text) < 120
    assert (cue.start_ms, cue.end_ms) == (1_000, 1_000 + POINT_CHAPTER_MS)


def test_an_empty_segment_is_written_as_a_moment_but_keeps_its_end() -> None:
    s = replace(SET, events=(Event("crying", 5_000, 5_000, id="z"),))
    (item,) = w3c(s)["first"]["items"]
    assert item["target"]["selector"]["value"] == "t=5"
    assert (item["attune:kind"], item["attune:endMs"]) == ("segment", 5_000)
    assert check_w3c(w3c(s)) == []
    _, (cue,) = parse_vtt(export_vtt(s), CLIP.duration_ms)
    assert (cue.start_ms, cue.end_ms) == (5_000, 5_000 + POINT_CUE_MS)
    assert json.loads(cue.text)["end_ms"] == 5_000
    (chapter,) = chapters(s=s)
    assert (chapter.start_ms, chapter.end_ms) == (5_000, 5_000 + POINT_CHAPTER_MS)
