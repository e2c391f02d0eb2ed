"""The annotation vocabulary, free of the database and of HTTP.

A coding scheme (an ethogram) lists the codes a coder may use; an annotation
set is one coder's events on one clip, coded with one version of one scheme.
The exports, the imports and the reliability numbers all work on these plain
values, so they can be tested on hand-built data and reused by any service.

Times are whole milliseconds from the start of the clip: that is what ELAN,
BORIS and WebVTT resolve, and it keeps comparisons exact.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Category(enum.StrEnum):
    """What a code is about; the summary and the exports group by it."""

    positive = "positive"
    #: What the baby starts: a look, a sound, a gesture, reaching out. A
    #: receiving code answers one (``Event.responds_to``).
    initiative = "initiative"
    mismatch = "mismatch"
    repair = "repair"
    context = "context"
    other = "other"


class Kind(enum.StrEnum):
    """A code marks a moment (``point``), a span (``segment``), or either
    (a repair can be a single gesture or a stretch of soothing)."""

    point = "point"
    segment = "segment"
    either = "either"

    def allows(self, end_ms: int | None) -> bool:
        """Whether an event with this end (None for a moment) fits the kind."""
        if self is Kind.point:
            return end_ms is None
        if self is Kind.segment:
            return end_ms is not None
        return True


class Subject(enum.StrEnum):
    """Whose behaviour an event describes."""

    parent = "parent"
    child = "child"
    both = "both"


class Source(enum.StrEnum):
    """Where an event came from; suggestions stay marked until a person keeps them."""

    manual = "manual"
    suggested = "suggested"
    imported = "imported"


@dataclass(frozen=True)
class Code:
    """One entry of a coding scheme."""

    key: str
    label_en: str
    label_nl: str
    category: Category
    kind: Kind
    subject: Subject = Subject.both
    description: str = ""
    hotkey: str | None = None
    colour: str = "#888888"
    #: The code receives (answers) the baby's initiatives: an event of it links
    #: to the initiative it answers, so the time it took is worked out.
    receives: bool = False


@dataclass(frozen=True)
class Scale:
    """A global rating scale, e.g. sensitivity from 1 to 7. Labels are generic:
    the anchors of licensed manuals are not ours to ship."""

    key: str
    label_en: str
    label_nl: str
    minimum: int
    maximum: int
    description: str = ""

    def allows(self, value: int) -> bool:
        return self.minimum <= value <= self.maximum


@dataclass(frozen=True)
class Scheme:
    """One version of a coding scheme. A new version is a new value; events
    keep the version they were coded with."""

    key: str
    name: str
    version: int
    codes: tuple[Code, ...]
    description: str = ""
    scales: tuple[Scale, ...] = ()

    def code(self, key: str) -> Code | None:
        return next((c for c in self.codes if c.key == key), None)

    def scale(self, key: str) -> Scale | None:
        return next((s for s in self.scales if s.key == key), None)

    def keys(self) -> list[str]:
        return [c.key for c in self.codes]


@dataclass(frozen=True)
class Event:
    """One annotation: a moment (``end_ms`` None) or a segment ``[start_ms, end_ms)``.

    ``id`` is the event's identifier where it has one (stored events, or the
    ids a file carries); ``repairs`` is the id of the mismatch a repair
    answers; ``responds_to`` the id of the initiative a receiving code answers.
    """

    code: str
    start_ms: int
    end_ms: int | None = None
    subject: Subject = Subject.both
    note: str = ""
    id: str | None = None
    repairs: str | None = None
    author: str | None = None
    source: Source = Source.manual
    responds_to: str | None = None

    @property
    def is_point(self) -> bool:
        return self.end_ms is None

    @property
    def duration_ms(self) -> int:
        return 0 if self.end_ms is None else self.end_ms - self.start_ms

    def order_key(self) -> tuple[int, int, int, str, str, str, str, str]:
        """By start, moments before segments, then by every other field: players
        want cues in start order, and a total order makes every export the same
        bytes whatever order the events were stored or read in."""
        end = self.start_ms if self.end_ms is None else self.end_ms
        return (self.start_ms, int(not self.is_point), end, self.code, self.id or "",
                self.subject, self.note, self.repairs or "")


def chronological(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=Event.order_key)


@dataclass(frozen=True)
class ClipInfo:
    """What the formats need to know of the clip an annotation set belongs to."""

    id: str
    filename: str
    duration_ms: int
    media_url: str | None = None


@dataclass(frozen=True)
class AnnotationSet:
    """One coder's events on one clip, with the scheme version they used."""

    clip: ClipInfo
    scheme: Scheme
    events: tuple[Event, ...]
    id: str | None = None
    name: str = ""
    coder: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

