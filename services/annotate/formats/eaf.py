"""ELAN (``.eaf``, EAF 3.0) export and import of annotation sets.

Researchers compare coders and run analyses in ELAN, so the export is laid out
the way an ELAN user would have built it by hand, and validates against the
EAF 3.0 schema:

* one tier per subject and category, e.g. ``parent - positive`` (the dash is
  an en dash, U+2013, as a typesetter would write it), with the
  subject as PARTICIPANT and the coder as ANNOTATOR. The tiers follow from the
  scheme, not from the events, so files of different coders have the same
  tiers, which ELAN's inter-rater comparison needs;
* ELAN does not allow annotations on one tier to overlap, so overlapping
  events go to extra tiers ``parent - positive #2``, ``#3``...;
* ELAN has no moments: a point event is written as a ``POINT_MS`` (one PAL
  frame) interval on a tier of its own, ``parent - positive (moments)``, whose
  linguistic type is ``moment``; the import turns every annotation on such a
  tier back into a point;
* the annotation value is the code key; one controlled vocabulary holds every
  code with its English and Dutch label and description, and each annotation
  names its entry (CVE_REF). Values picked from that list in ELAN are labels,
  which the import accepts as well;
* a note is a REF_ANNOTATION on a dependent Symbolic_Association tier
  ``<tier> notes``;
* the event id is kept in the ANNOTATION_ID (``ev-`` plus the id, with the
  characters an XML id cannot hold escaped as ``_hex_``); ELAN's own ids
  ``a1``, ``a2``... are kept as they are, and events without an id get the
  next free one of those, which the import then reports as their id;
* a repair's link to the mismatch it answers is an EAF 3.0 CROSS_REF_LINK
  (REF1 the repair, REF2 the mismatch) in the link set ``repairs``.

Not carried: an event's author and source (everything read back is
``imported``), a link to a mismatch that is not in the same set, the id of a
second event with an id already used, characters XML cannot hold (control
characters in notes are dropped), and the set's other metadata beyond the
header properties (which the import does not read back).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote
from xml.parsers.expat import ErrorString

from services.annotate.domain import (
    AnnotationSet,
    Category,
    Event,
    Kind,
    Scheme,
    Source,
    Subject,
)
from services.annotate.formats.csv_format import (
    code_key,
    decode_utf8,
    subject_from_text,
)
from services.annotate.formats.problems import ImportProblem, Parsed, Problem, clock

POINT_MS = 40
"""How long a moment is in ELAN: one frame of 25 fps (PAL) video, the shortest
interval ELAN lets a coder see and select."""

CODE_TYPE = "code"
MOMENT_TYPE = "moment"
NOTE_TYPE = "note"
LINK_SET = "repairs"
REPAIRS_LINK = "repairs"
TIER_DASH = "\u2013"
MOMENTS_SUFFIX = " (moments)"
NOTES_SUFFIX = " notes"

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD_URL = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
_EPOCH = "1970-01-01T00:00:00+00:00"

# The constraints ELAN writes into every file; a linguistic type may only name these.
_CONSTRAINTS = {
    "Time_Subdivision": "Time subdivision of parent annotation's time interval, "
    "no time gaps allowed within this interval",
    "Symbolic_Subdivision": "Symbolic subdivision of a parent annotation. "
    "Annotations refering to the same parent are ordered",
    "Symbolic_Association": "1-1 association with a parent annotation",
    "Included_In": "Time alignable annotations within the parent annotation's time "
    "interval, gaps are allowed",
}
_LANGUAGES = {"eng": "English (eng)", "nld": "Dutch (nld)"}

_ELAN_ID = re.compile(r"a[1-9][0-9]*")
_ID_PREFIX = "ev-"
_ID_SAFE = re.compile(r"[A-Za-z0-9.-]")
_ID_ESCAPE = re.compile(r"_([0-9a-f]+)_")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_WHOLE = re.compile(r"[0-9]+")
_WORD = re.compile(r"[^\W_]+")
_SLOT_REFS = ("TIME_SLOT_REF1", "TIME_SLOT_REF2")


# -- ids ---------------------------------------------------------------------------------


def annotation_id(event_id: str) -> str:
    """An XML id (an NCName, unique in the file) that gives ``event_id`` back through
    ``event_id_of``. ELAN's own ``a12`` form is kept as it is."""
    if _ELAN_ID.fullmatch(event_id):
        return event_id
    escaped = "".join(c if _ID_SAFE.match(c) else f"_{ord(c):x}_" for c in event_id)
    return _ID_PREFIX + escaped


def event_id_of(annotation: str) -> str:
    """The event id an ANNOTATION_ID stands for; ids we did not write stand for themselves."""
    if not annotation.startswith(_ID_PREFIX):
        return annotation
    try:
        return _ID_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), annotation[len(_ID_PREFIX) :])
    except (ValueError, OverflowError):  # an escape we did not write: keep the id whole
        return annotation


def _annotation_ids(events: Sequence[Event]) -> list[str]:
    """One id per event, in the events' order. Events without an id, or with one
    already taken, get ELAN-style ``aN`` ids that no other event uses."""
    ids: list[str | None] = []
    taken: set[str] = set()
    for event in events:
        wanted = annotation_id(event.id) if event.id is not None else None
        ids.append(wanted if wanted not in taken else None)
        if wanted is not None:
            taken.add(wanted)
    counter = 0
    result: list[str] = []
    for given in ids:
        while given is None:
            counter += 1
            candidate = f"a{counter}"
            given = None if candidate in taken else candidate
        result.append(given)
    return result


# -- tiers -------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class _TierKey:
    """Which tier an event goes on; the field order is the order of tiers in the file."""

    subject_rank: int
    category_rank: int
    points: bool
    lane: int

    @property
    def subject(self) -> Subject:
        return list(Subject)[self.subject_rank]

    @property
    def category(self) -> Category:
        return list(Category)[self.category_rank]

    @property
    def tier_id(self) -> str:
        name = f"{self.subject.value} {TIER_DASH} {self.category.value}"
        name += MOMENTS_SUFFIX if self.points else ""
        return name + (f" #{self.lane}" if self.lane > 1 else "")

    @staticmethod
    def of(subject: Subject, category: Category, points: bool, lane: int = 1) -> _TierKey:
        return _TierKey(list(Subject).index(subject), list(Category).index(category), points, lane)


@dataclass(frozen=True)
class _Placed:
    """An event as it stands in the file: its ANNOTATION_ID and its interval there."""

    event: Event
    annotation_id: str
    start_ms: int
    end_ms: int


def _scheme_tiers(scheme: Scheme) -> list[_TierKey]:
    """The tiers every file coded with this scheme has, used or not."""
    keys = set()
    for code in scheme.codes:
        for subject in Subject:
            if code.kind is not Kind.point:
                keys.add(_TierKey.of(subject, code.category, points=False))
            if code.kind is not Kind.segment:
                keys.add(_TierKey.of(subject, code.category, points=True))
    return sorted(keys)


def _plan(s: AnnotationSet) -> dict[_TierKey, list[_Placed]]:
    """Every tier of the file with its annotations in time order."""
    groups: dict[_TierKey, list[_Placed]] = {}
    for event, given_id in zip(s.events, _annotation_ids(s.events), strict=True):
        code = s.scheme.code(event.code)
        category = code.category if code else Category.other
        key = _TierKey.of(event.subject, category, points=event.end_ms is None)
        groups.setdefault(key, []).append(_place(event, given_id, s.clip.duration_ms))
    plan: dict[_TierKey, list[_Placed]] = {key: [] for key in _scheme_tiers(s.scheme)}
    for key, placed in groups.items():
        for lane, on_lane in enumerate(_lanes(placed), start=1):
            plan[_TierKey.of(key.subject, key.category, key.points, lane)] = on_lane
    return dict(sorted(plan.items()))


def _place(event: Event, given_id: str, clip_ms: int) -> _Placed:
    """A moment becomes ``POINT_MS`` long, cut short at the end of the clip."""
    end = event.end_ms
    if end is None:
        end = event.start_ms + POINT_MS
        if event.start_ms < clip_ms:
            end = min(end, clip_ms)
    return _Placed(event, given_id, event.start_ms, end)


def _lanes(placed: Iterable[_Placed]) -> list[list[_Placed]]:
    """Spread annotations over as few tiers as possible with no overlap on any one:
    ELAN's tiers cannot hold overlapping annotations, and edits there go wrong
    when a file has them."""
    lanes: list[list[_Placed]] = []
    for annotation in sorted(placed, key=lambda p: p.event.order_key()):
        lane = next((lane for lane in lanes if lane[-1].end_ms <= annotation.start_ms), None)
        if lane is None:
            lanes.append([annotation])
        else:
            lane.append(annotation)
    return lanes


# -- export ------------------------------------------------------------------------------


def export_eaf(s: AnnotationSet) -> str:
    """The set as an EAF 3.0 document that ELAN opens with the clip, the tiers and the
    coding scheme as a controlled vocabulary (see the module docstring).

    The output depends only on the set (DATE is the set's ``updated_at`` in
    ``meta``, else the epoch), so exporting the same events twice gives the
    same bytes.
    """
    plan = _plan(s)
    root = ET.Element(
        "ANNOTATION_DOCUMENT",
        {
            "AUTHOR": s.coder or "",
            "DATE": _date(s.meta),
            "FORMAT": "3.0",
            "VERSION": "3.0",
            "xmlns:xsi": _XSI,
            "xsi:noNamespaceSchemaLocation": _XSD_URL,
        },
    )
    _header(root, s, plan)
    slots = _time_order(root, plan)
    for key, placed in plan.items():
        _tiers(root, s, key, placed, slots)
    _types_and_vocabulary(root, s.scheme)
    _links(root, _all(plan))
    ET.indent(root, space="    ")
    text = ET.tostring(root, encoding="unicode")
    # A carriage return in a note would come back as a line feed (XML normalises
    # line ends); as a character reference it survives. ET escapes it only in
    # attributes, so any left is in text content.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text.replace("\r", "&#13;") + "\n"


def _all(plan: dict[_TierKey, list[_Placed]]) -> list[_Placed]:
    return [placed for on_tier in plan.values() for placed in on_tier]


def _date(meta: dict[str, str]) -> str:
    """The DATE ELAN requires, taken from the set rather than the clock so that an
    unchanged set exports to the same bytes."""
    try:
        return datetime.fromisoformat(meta["updated_at"]).isoformat(timespec="seconds")
    except (KeyError, ValueError):
        return _EPOCH


def _sub(
    parent: ET.Element, tag: str, attrs: dict[str, str], text: str | None = None
) -> ET.Element:
    """A child element; characters XML 1.0 cannot hold are left out, since a single
    one would make the whole file unreadable for ELAN."""
    element = ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _header(root: ET.Element, s: AnnotationSet, plan: dict[_TierKey, list[_Placed]]) -> None:
    """The media (the clip's URL, else its file name, and the name relative to the
    .eaf so ELAN finds a video saved next to it) and what the file was made from."""
    header = _sub(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    relative = "./" + quote(s.clip.filename)
    media = {
        "MEDIA_URL": s.clip.media_url or quote(s.clip.filename),
        "MIME_TYPE": "video/mp4",
        "RELATIVE_MEDIA_URL": relative,
    }
    _sub(header, "MEDIA_DESCRIPTOR", media)
    properties = {
        "attune.clip_id": s.clip.id,
        "attune.scheme": s.scheme.key,
        "attune.scheme_version": str(s.scheme.version),
        "attune.coder": s.coder,
        "attune.set_id": s.id,
        "attune.point_ms": str(POINT_MS),
    }
    for name, value in properties.items():
        if value is not None:
            _sub(header, "PROPERTY", {"NAME": name}, value)
    # ELAN numbers the annotations it creates from here on; ours must not collide.
    used = [int(p.annotation_id[1:]) for p in _all(plan) if _ELAN_ID.fullmatch(p.annotation_id)]
    _sub(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}, str(max(used, default=0)))


def _time_order(
    root: ET.Element, plan: dict[_TierKey, list[_Placed]]
) -> dict[str, tuple[str, str]]:
    """Two time slots per annotation (ELAN moves shared slots together, so sharing
    would tie unrelated events), numbered in time order. Returns annotation id to
    its (start slot, end slot)."""
    placed = _all(plan)
    bounds = sorted(
        (ms, n, side)
        for n, annotation in enumerate(placed)
        for side, ms in enumerate((annotation.start_ms, annotation.end_ms))
    )
    time_order = _sub(root, "TIME_ORDER", {})
    slots: dict[tuple[int, int], str] = {}
    for number, (ms, n, side) in enumerate(bounds, start=1):
        slots[n, side] = f"ts{number}"
        _sub(time_order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{number}", "TIME_VALUE": str(ms)})
    return {p.annotation_id: (slots[n, 0], slots[n, 1]) for n, p in enumerate(placed)}


def _tiers(
    root: ET.Element,
    s: AnnotationSet,
    key: _TierKey,
    placed: list[_Placed],
    slots: dict[str, tuple[str, str]],
) -> None:
    """A code tier, and its notes tier when one of its events has a note."""
    people = {"PARTICIPANT": key.subject.value} | ({"ANNOTATOR": s.coder} if s.coder else {})
    kind = MOMENT_TYPE if key.points else CODE_TYPE
    tier = _sub(root, "TIER", {"LINGUISTIC_TYPE_REF": kind, **people, "TIER_ID": key.tier_id})
    for annotation in placed:
        start, end = slots[annotation.annotation_id]
        attrs = {
            "ANNOTATION_ID": annotation.annotation_id,
            "TIME_SLOT_REF1": start,
            "TIME_SLOT_REF2": end,
        }
        if s.scheme.code(annotation.event.code) is not None:
            attrs["CVE_REF"] = _cve_id(annotation.event.code)
        aligned = _sub(_sub(tier, "ANNOTATION", {}), "ALIGNABLE_ANNOTATION", attrs)
        _sub(aligned, "ANNOTATION_VALUE", {}, annotation.event.code)
    noted = [annotation for annotation in placed if annotation.event.note]
    if not noted:
        return
    notes = _sub(
        root,
        "TIER",
        {
            "LINGUISTIC_TYPE_REF": NOTE_TYPE,
            "PARENT_REF": key.tier_id,
            **people,
            "TIER_ID": key.tier_id + NOTES_SUFFIX,
        },
    )
    for annotation in noted:
        attrs = {
            "ANNOTATION_ID": "note-" + annotation.annotation_id,
            "ANNOTATION_REF": annotation.annotation_id,
        }
        ref = _sub(_sub(notes, "ANNOTATION", {}), "REF_ANNOTATION", attrs)
        _sub(ref, "ANNOTATION_VALUE", {}, annotation.event.note)


def _cve_id(key: str) -> str:
    return "cve-" + key


def _types_and_vocabulary(root: ET.Element, scheme: Scheme) -> None:
    """Linguistic types, languages, constraints and the scheme as a controlled
    vocabulary, in the order the schema requires."""
    aligned = {
        "GRAPHIC_REFERENCES": "false",
        "TIME_ALIGNABLE": "true",
        "CONTROLLED_VOCABULARY_REF": scheme.key,
    }
    _sub(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": CODE_TYPE, **aligned})
    _sub(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": MOMENT_TYPE, **aligned})
    _sub(
        root,
        "LINGUISTIC_TYPE",
        {
            "CONSTRAINTS": "Symbolic_Association",
            "GRAPHIC_REFERENCES": "false",
            "LINGUISTIC_TYPE_ID": NOTE_TYPE,
            "TIME_ALIGNABLE": "false",
        },
    )
    for lang, label in _LANGUAGES.items():
        _sub(root, "LANGUAGE", {"LANG_ID": lang, "LANG_LABEL": label})
    for stereotype, description in _CONSTRAINTS.items():
        _sub(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    vocabulary = _sub(root, "CONTROLLED_VOCABULARY", {"CV_ID": scheme.key})
    title = f"{scheme.name} (version {scheme.version})"
    description = f"{title}: {scheme.description}" if scheme.description else title
    _sub(vocabulary, "DESCRIPTION", {"LANG_REF": "eng"}, description)
    for code in scheme.codes:
        entry = _sub(vocabulary, "CV_ENTRY_ML", {"CVE_ID": _cve_id(code.key)})
        for lang, label in (("eng", code.label_en), ("nld", code.label_nl)):
            described = {"DESCRIPTION": code.description} if code.description else {}
            _sub(entry, "CVE_VALUE", {**described, "LANG_REF": lang}, label)


def _links(root: ET.Element, placed: list[_Placed]) -> None:
    """Each repair's link to its mismatch, when both are in the file."""
    by_event_id = {p.event.id: p.annotation_id for p in placed if p.event.id is not None}
    links = [
        (p.annotation_id, by_event_id[p.event.repairs])
        for p in sorted(placed, key=lambda p: p.event.order_key())
        if p.event.repairs is not None and p.event.repairs in by_event_id
    ]
    if not links:
        return
    link_set = _sub(root, "REF_LINK_SET", {"LINK_SET_ID": LINK_SET, "LINK_SET_NAME": LINK_SET})
    for number, (repair, mismatch) in enumerate(links, start=1):
        attrs = {
            "DIRECTIONALITY": "unidirectional",
            "REF1": repair,
            "REF2": mismatch,
            "REF_LINK_ID": f"rl{number}",
            "REF_TYPE": REPAIRS_LINK,
        }
        _sub(link_set, "CROSS_REF_LINK", attrs)


# -- import ------------------------------------------------------------------------------


def import_eaf(data: bytes, scheme: Scheme) -> list[Parsed]:
    """Every coded annotation of an ELAN file as an event, or ImportProblem with every
    problem in the file.

    Any time-aligned annotation whose value is a code key or label of ``scheme``
    is an event; one that is not is a problem, so nothing is dropped silently.
    REF_ANNOTATIONs are notes on the annotation they refer to. ELAN has no
    moments, so an interval coded with a moment-only code is read as a moment
    at its start, with a note saying so. Whether codes fit the clip is left to
    the rule checks. Every problem names the tier and the time (mm:ss.mmm) a
    person finds it at in ELAN, never an annotation id, which ELAN does not show.
    """
    reader = _Reader(scheme)
    reader.read(_parse(data))
    if reader.problems:
        raise ImportProblem(reader.problems)
    return reader.parsed()


def _parse(data: bytes) -> ET.Element:
    """The root element. DTDs are refused before the parser sees them: ELAN never
    writes one, and refusing them rules out entity expansion ("billion laughs")
    and external entities whatever the parser's defaults."""
    if not data.strip():
        raise ImportProblem([Problem("line 1", "the file is empty; expected an ELAN .eaf file")])
    text = decode_utf8(data, hint="ELAN writes UTF-8")
    declaration = _DTD.search(text)
    if declaration:
        line = text.count("\n", 0, declaration.start()) + 1
        message = "DTDs and entities are not accepted (found a DOCTYPE or ENTITY declaration)"
        raise ImportProblem([Problem(f"line {line}", message)])
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        message = f"not well-formed XML at column {column + 1}: {ErrorString(error.code)}"
        raise ImportProblem([Problem(f"line {line}", message)]) from error
    if root.tag != "ANNOTATION_DOCUMENT":
        message = f"the root element is <{root.tag}>, expected <ANNOTATION_DOCUMENT> (ELAN .eaf)"
        raise ImportProblem([Problem("line 1", message)])
    return root


@dataclass
class _Coded:
    """A time-aligned annotation as read, before it becomes an event."""

    annotation_id: str
    where: str
    value: str
    start_ms: int
    end_ms: int | None
    subject: Subject | None
    tier: str
    notes: list[str] = field(default_factory=list)
    repairs: str | None = None


@dataclass
class _Reader:
    """Reads one document into events, collecting every problem on the way."""

    scheme: Scheme
    problems: list[Problem] = field(default_factory=list)
    coded: dict[str, _Coded] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, root: ET.Element) -> None:
        header = root.find("HEADER")
        units = "milliseconds" if header is None else header.get("TIME_UNITS", "milliseconds")
        if units != "milliseconds":
            self.problem("HEADER", f"TIME_UNITS is {units!r}; only milliseconds are supported")
        slots = self.time_slots(root)
        references: dict[str, ET.Element] = {}
        wheres: dict[str, str] = {}
        for tier in root.iterfind("TIER"):
            self.read_tier(tier, slots)
            name = tier.get("TIER_ID", "")
            for number, ref in enumerate(tier.iterfind("ANNOTATION/REF_ANNOTATION"), start=1):
                where = f'tier "{name}", annotation {number}'
                ref_id = self.annotation_id(ref, where)
                if ref_id is not None:
                    references[ref_id] = ref
                    wheres[ref_id] = where
        for annotation_id, ref in references.items():
            self.read_note(wheres[annotation_id], ref, references)
        self.read_links(root)
        self.check_codes()

    def time_slots(self, root: ET.Element) -> dict[str, int | None]:
        """Slot id to milliseconds; None for an unaligned slot (ELAN allows those
        on dependent tiers, but an event needs both its times)."""
        slots: dict[str, int | None] = {}
        for slot in root.iterfind("TIME_ORDER/TIME_SLOT"):
            slot_id = slot.get("TIME_SLOT_ID", "")
            value = slot.get("TIME_VALUE")
            slots[slot_id] = None
            if value is None:
                continue
            if _WHOLE.fullmatch(value.strip()):
                slots[slot_id] = int(value)
            else:
                self.problem(f"TIME_SLOT {slot_id}", f"TIME_VALUE {value!r} is not whole ms ≥ 0")
        return slots

    def read_tier(self, tier: ET.Element, slots: dict[str, int | None]) -> None:
        """The tier's time-aligned annotations; on a moments tier (ours, or one named
        like ours) they are points whatever their length."""
        name = tier.get("TIER_ID", "")
        points = tier.get("LINGUISTIC_TYPE_REF") == MOMENT_TYPE or MOMENTS_SUFFIX in name
        subject = _tier_subject(name, tier.get("PARTICIPANT", ""))
        for number, aligned in enumerate(tier.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"), 1):
            where = _where(name, aligned, slots, number)
            annotation_id = self.annotation_id(aligned, where)
            if annotation_id is None:
                continue
            times = self.times(aligned, where, slots)
            if times is None:
                continue
            start, end = times
            value = (aligned.findtext("ANNOTATION_VALUE") or "").strip()
            self.coded[annotation_id] = _Coded(
                annotation_id, where, value, start, None if points else end, subject, name
            )

    def annotation_id(self, element: ET.Element, where: str) -> str | None:
        annotation_id = element.get("ANNOTATION_ID")
        if not annotation_id:
            self.problem(where, "the annotation has no ANNOTATION_ID")
            return None
        if annotation_id in self.seen:
            message = (f"its ANNOTATION_ID {annotation_id!r} is used by another annotation "
                       "too; save the file again in ELAN")
            self.problem(where, message)
            return None
        self.seen.add(annotation_id)
        return annotation_id

    def times(
        self, aligned: ET.Element, where: str, slots: dict[str, int | None]
    ) -> tuple[int, int] | None:
        found: list[int] = []
        for attribute in _SLOT_REFS:
            slot = aligned.get(attribute)
            if slot is None or slot not in slots:
                self.problem(where, f"{attribute} {slot!r} is not a TIME_SLOT of this file")
                continue
            ms = slots[slot]
            if ms is None:
                self.problem(where, f"time slot {slot} has no TIME_VALUE; align it in ELAN")
                continue
            found.append(ms)
        if len(found) != 2:
            return None
        start, end = found
        if end < start:
            self.problem(where, f"it ends ({end} ms) before it starts ({start} ms)")
            return None
        return start, end

    def read_note(self, where: str, ref: ET.Element, references: dict[str, ET.Element]) -> None:
        """A REF_ANNOTATION is a note on the time-aligned annotation it (perhaps via
        other REF_ANNOTATIONs) refers to."""
        target = ref.get("ANNOTATION_REF", "")
        visited = {ref.get("ANNOTATION_ID", "")}
        while target in references and target not in visited:
            visited.add(target)
            target = references[target].get("ANNOTATION_REF", "")
        coded = self.coded.get(target)
        if coded is None:
            message = f"ANNOTATION_REF {ref.get('ANNOTATION_REF')!r} refers to no annotation"
            self.problem(where, message)
            return
        note = ref.findtext("ANNOTATION_VALUE") or ""
        if note:
            coded.notes.append(note)

    def read_links(self, root: ET.Element) -> None:
        for link_set in root.iterfind("REF_LINK_SET"):
            in_set = LINK_SET in (link_set.get("LINK_SET_ID"), link_set.get("LINK_SET_NAME"))
            for link in link_set.iterfind("CROSS_REF_LINK"):
                if in_set or link.get("REF_TYPE") == REPAIRS_LINK:
                    self.read_link(link)

    def read_link(self, link: ET.Element) -> None:
        """A repair link, reported at the repair (or else the mismatch) it links; only a
        link that links nothing at all is named by its own id."""
        repair = self.coded.get(link.get("REF1", ""))
        mismatch = self.coded.get(link.get("REF2", ""))
        known = repair or mismatch
        where = known.where if known else f"repair link {link.get('REF_LINK_ID')}"
        for attribute, found in (("REF1", repair), ("REF2", mismatch)):
            if found is None:
                self.problem(where, f"{attribute} {link.get(attribute)!r} of a repair link "
                             "refers to no annotation")
        if repair is None or mismatch is None:
            return
        if repair.repairs is not None:
            self.problem(where, "this repair is linked to more than one mismatch")
            return
        repair.repairs = event_id_of(mismatch.annotation_id)

    def check_codes(self) -> None:
        """Every value must name a code. A tier with no code at all is one problem
        (it is likely a transcript or comment tier) rather than one per annotation."""
        by_tier: dict[str, list[_Coded]] = {}
        for coded in self.coded.values():
            by_tier.setdefault(coded.tier, []).append(coded)
        scheme = f"scheme {self.scheme.key} version {self.scheme.version}"
        for tier, on_tier in by_tier.items():
            unknown = [c for c in on_tier if code_key(c.value, self.scheme) is None]
            if len(unknown) == len(on_tier):
                examples = ", ".join(repr(c.value) for c in unknown[:3])
                message = (
                    f"none of its {len(unknown)} annotations is a code of {scheme} "
                    f"(e.g. {examples}); delete the tier or make it a notes tier"
                )
                self.problem(f'TIER "{tier}"', message)
                continue
            for coded in unknown:
                message = f"value {coded.value!r} is not a code of {scheme}"
                self.problem(coded.where, message)

    def parsed(self) -> list[Parsed]:
        result = [Parsed(coded.where, *self.event(coded)) for coded in self.coded.values()]
        return sorted(result, key=lambda parsed: parsed.event.order_key())

    def event(self, coded: _Coded) -> tuple[Event, str]:
        """The event, and a note when an interval was read as a moment."""
        key = code_key(coded.value, self.scheme) or coded.value
        code = self.scheme.code(key)
        default = code.subject if code else Subject.both
        end, note = coded.end_ms, ""
        if code is not None and code.kind is Kind.point and end is not None:
            end = None
            note = (f"{key} is a moment, so the annotation of "
                    f"{(coded.end_ms or 0) - coded.start_ms} ms was read as a moment at its start")
        event = Event(
            code=key,
            start_ms=coded.start_ms,
            end_ms=end,
            subject=coded.subject or default,
            note="\n".join(coded.notes),
            id=event_id_of(coded.annotation_id),
            repairs=coded.repairs,
            source=Source.imported,
        )
        return event, note


def _where(tier: str, aligned: ET.Element, slots: dict[str, int | None], number: int) -> str:
    """Where a person finds an annotation in ELAN: its tier and start time, else (when
    its times are missing) its end time, else its place on the tier."""
    for attribute in _SLOT_REFS:
        ms = slots.get(aligned.get(attribute) or "")
        if ms is not None:
            return f'tier "{tier}" at {clock(ms)}'
    return f'tier "{tier}", annotation {number}'


def _tier_subject(name: str, participant: str) -> Subject | None:
    """The tier's PARTICIPANT if it names a subject, else the first word of the tier
    name (``Child gaze``), else None (the code's own subject then applies)."""
    first_word = next(iter(_WORD.findall(name)), "")
    return subject_from_text(participant) or subject_from_text(first_word)
