"""The rules an annotation must follow, in one place for every way in: the
API, imports and suggestions all check events here, so a rule cannot hold
for one and not the other.

Each broken rule names the field it is about and says the rule in words, so
the API can answer 422 with ``errors: [{field, message}]`` and an import can
point at the line or element.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.annotate.domain import Category, Event, Scheme


@dataclass(frozen=True)
class Violation:
    """A rule an annotation breaks: the field, the reason in English (for the log
    and clients without the app) and the rule's stable ``code``, which the web app
    words as ``fieldError.<code>`` in the coder's language."""

    field: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _clock(ms: int) -> str:
    """12345 -> '0:12.345': how a coder reads times on the timeline."""
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:06.3f}"


def check_times(event: Event, duration_ms: int) -> list[Violation]:
    """Times lie inside the clip; a segment starts before it ends."""
    problems = []
    if event.start_ms < 0:
        problems.append(Violation("start_ms", "must be 0 or more", "below_zero"))
    elif event.start_ms > duration_ms:
        problems.append(Violation(
            "start_ms", f"must lie inside the clip (it is {_clock(duration_ms)} long)",
            "outside_clip"))
    if event.end_ms is not None:
        if event.end_ms <= event.start_ms:
            problems.append(Violation("end_ms", "must be after start_ms", "end_before_start"))
        elif event.end_ms > duration_ms:
            problems.append(Violation(
                "end_ms", f"must lie inside the clip (it is {_clock(duration_ms)} long)",
                "outside_clip"))
    return problems


def check_code(event: Event, scheme: Scheme) -> list[Violation]:
    """The code exists in the set's scheme version and the event has its kind."""
    code = scheme.code(event.code)
    if code is None:
        return [Violation("code", f"'{event.code}' is not a code of {scheme.name} "
                          f"version {scheme.version}", "not_in_scheme")]
    if not code.kind.allows(event.end_ms):
        if event.end_ms is not None:
            return [Violation("end_ms", f"{code.key} is a moment: leave end_ms out",
                              "moment_has_no_end")]
        return [Violation("end_ms", f"{code.key} is a segment: give end_ms",
                          "segment_needs_end")]
    return []


def check_link(event: Event, scheme: Scheme, mismatch: Event | None) -> list[Violation]:
    """Only a repair links, only to a mismatch of the same set, and it cannot
    start before the mismatch does. ``mismatch`` is the event ``repairs``
    names (None when it names nothing in the set)."""
    if event.repairs is None:
        return []
    code = scheme.code(event.code)
    if code is not None and code.category is not Category.repair:
        return [Violation("repairs", f"only a repair can be linked to a mismatch, "
                          f"and {code.key} is not a repair", "only_repairs_link")]
    if mismatch is None:
        return [Violation("repairs", f"no annotation '{event.repairs}' in this set",
                          "no_such_annotation")]
    target = scheme.code(mismatch.code)
    if target is None or target.category is not Category.mismatch:
        return [Violation("repairs", f"a repair links to a mismatch, and {mismatch.code} "
                          "is not one", "not_a_mismatch")]
    if event.start_ms < mismatch.start_ms:
        return [Violation("start_ms", "a repair starts at or after the mismatch it repairs "
                          f"(which starts at {_clock(mismatch.start_ms)})",
                          "repair_before_mismatch")]
    return []


def check_response(event: Event, scheme: Scheme, initiative: Event | None) -> list[Violation]:
    """Only a receiving code answers an initiative, only one of the same set,
    and never before it starts. ``initiative`` is the event ``responds_to``
    names (None when it names nothing in the set)."""
    if event.responds_to is None:
        return []
    code = scheme.code(event.code)
    if code is not None and not code.receives:
        return [Violation("responds_to", f"only a code that receives the baby's initiatives "
                          f"can answer one, and {code.key} does not", "does_not_receive")]
    if initiative is None:
        return [Violation("responds_to", f"no annotation '{event.responds_to}' in this set",
                          "no_such_annotation")]
    target = scheme.code(initiative.code)
    if target is None or target.category is not Category.initiative:
        return [Violation("responds_to", f"a response links to an initiative, and "
                          f"{initiative.code} is not one", "not_an_initiative")]
    if event.start_ms < initiative.start_ms:
        return [Violation("start_ms", "a response starts at or after the initiative it "
                          f"answers (which starts at {_clock(initiative.start_ms)})",
                          "response_before_initiative")]
    return []


#: A response left unlinked answers an initiative at most this long before it:
#: a baby's look or sound that nobody took up for longer went unanswered.
RESPONSE_WINDOW_MS = 10_000


def received_initiative(response_start_ms: int, scheme: Scheme,
                        events: Iterable[Event]) -> Event | None:
    """The initiative a receiving code starting at ``response_start_ms`` answers
    when nobody said which: the nearest one that starts at or before it, at
    most :data:`RESPONSE_WINDOW_MS` earlier (None when there is none)."""
    earlier = [e for e in events
               if response_start_ms - RESPONSE_WINDOW_MS <= e.start_ms <= response_start_ms
               and (code := scheme.code(e.code)) is not None
               and code.category is Category.initiative]
    return max(earlier, key=lambda e: (e.start_ms, e.end_ms or e.start_ms), default=None)


def repaired_mismatch(repair_start_ms: int, scheme: Scheme,
                      events: Iterable[Event]) -> Event | None:
    """The mismatch a repair starting at ``repair_start_ms`` repairs when nobody
    said which: the nearest one that starts at or before it, so one the repair
    follows or overlaps (None when there is none). Every way a repair gets
    linked without a person choosing (the repair hotkey, accepting a suggested
    repair) uses this rule."""
    earlier = [e for e in events if e.start_ms <= repair_start_ms
               and (code := scheme.code(e.code)) is not None
               and code.category is Category.mismatch]
    return max(earlier, key=lambda e: (e.start_ms, e.end_ms or e.start_ms), default=None)


def check(event: Event, scheme: Scheme, duration_ms: int,
          mismatch: Event | None = None, initiative: Event | None = None) -> list[Violation]:
    """Every rule an event breaks, empty when it may be stored."""
    return (check_times(event, duration_ms) + check_code(event, scheme)
            + check_link(event, scheme, mismatch) + check_response(event, scheme, initiative))


def check_rating(scheme: Scheme, scale_key: str, value: int) -> list[Violation]:
    """A rating is on one of the scheme's scales and within its range."""
    scale = scheme.scale(scale_key)
    if scale is None:
        known = ", ".join(s.key for s in scheme.scales) or "none"
        return [Violation("scale", f"'{scale_key}' is not a rating scale of {scheme.name} "
                          f"(scales: {known})", "not_a_scale")]
    if not scale.allows(value):
        return [Violation("value", f"must be from {scale.minimum} to {scale.maximum}",
                          "outside_scale")]
    return []


def repair_latency_ms(repair: Event, mismatch: Event | None) -> int | None:
    """From the start of the mismatch to the start of its repair: derived,
    never typed in, so it cannot disagree with the timeline."""
    if mismatch is None:
        return None
    return repair.start_ms - mismatch.start_ms


def response_latency_ms(response: Event, initiative: Event | None) -> int | None:
    """From the start of the baby's initiative to the start of its answer;
    derived like :func:`repair_latency_ms`."""
    if initiative is None:
        return None
    return response.start_ms - initiative.start_ms
