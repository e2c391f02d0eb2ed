"""Inter-coder reliability: how well two coders agree on the same clip.

A supervisor asks a second coder to code a clip the first coder already
coded, and wants to know whether the two read the coding scheme the same
way. Two complementary measures answer that, each as observation software
(BORIS, ELAN, The Observer) reports it, so the numbers can be compared with
the literature and with what coders know from training:

* **Cohen's kappa over time units** (interval sampling). The clip is cut
  into units of ``unit_ms``; per code, each unit is a yes/no decision for
  each coder, and kappa corrects their agreement on those decisions for the
  agreement chance alone would give. It answers "did they see the behaviour
  in the same stretches of the clip?" and weighs long episodes by length.
* **Event agreement within a tolerance.** Events of the same code are paired
  one-to-one when their times differ by at most ``tolerance_ms``. It answers
  "did they mark the same moments?" and counts each event once, however
  short, which is the fairer measure for moments (point events).

Both come with plain-language notes for a professional who is not a
statistician: kappa in the words of Landis & Koch (1977), event agreement as
"of 12 moments, 10 were marked by both coders".

Everything here works on :class:`~services.annotate.domain.Event` values
only: no database, no HTTP, so it can be tested on hand-built sets. The result
dataclasses are also what the API answers (FastAPI serialises them through
pydantic: tuples as lists, the derived ``total`` counts as fields), so the JSON
is described once, here, and appears in the OpenAPI schema.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import computed_field

from services.annotate.domain import Event

__all__ = [
    "MIN_STABLE_UNITS",
    "CodeAgreement",
    "EventAgreement",
    "Kappa",
    "Match",
    "OverallAgreement",
    "ReliabilityReport",
    "UnitCounts",
    "compare",
    "landis_koch_band",
]

MIN_STABLE_UNITS = 30
"""Below this many time units a single unit moves kappa by several hundredths
or more, so the report warns that the number is a rough indication only."""

# Why a kappa can be undefined (p_e == 1: no room for agreement beyond chance).
NOT_USED = "not_used"
"""Neither coder has an event of the code."""
NEVER_IN_UNITS = "never_in_units"
"""Events exist, but none fills half a unit, so no unit is marked for either coder."""
EVERYWHERE = "everywhere"
"""Both coders have the code in every unit of the clip."""

_BANDS: tuple[tuple[float, str], ...] = (
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
)

# Band -> (how they agree, what that means), for the per-code sentence.
_BAND_WORDS: dict[str, tuple[str, str]] = {
    "almost perfect": ("agree almost perfectly", "they marked it in {same} nearly every time"),
    "substantial": (
        "agree substantially",
        "they marked it in {same} far more often than chance would give",
    ),
    "moderate": (
        "agree moderately",
        "they marked it in {same} clearly more often than chance would give, "
        "but differ in quite a few",
    ),
    "fair": (
        "agree fairly",
        "they marked it in {same} somewhat more often than chance would give; "
        "worth discussing the code together",
    ),
    "slight": (
        "agree only slightly",
        "they marked it in {same} hardly more often than chance would give; "
        "worth discussing the code together",
    ),
    "less than chance": (
        "agree less than chance",
        "they marked it in {same} less often than chance would give; "
        "check that they read the code the same way",
    ),
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class UnitCounts:
    """The 2x2 table of one code (or of all codes summed) over time units:
    in how many units both coders, only coder A, only coder B, or neither
    marked the code."""

    both: int
    only_a: int
    only_b: int
    neither: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither

    def __add__(self, other: UnitCounts) -> UnitCounts:
        return UnitCounts(
            self.both + other.both,
            self.only_a + other.only_a,
            self.only_b + other.only_b,
            self.neither + other.neither,
        )


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa of one code over time units.

    ``value`` is None when kappa is undefined (p_e == 1); ``undefined_reason``
    then says why (``not_used``, ``never_in_units`` or ``everywhere``).
    ``band`` is the Landis & Koch word for ``value`` rounded to two decimals,
    the way it is shown.
    """

    value: float | None
    p_o: float
    p_e: float
    counts: UnitCounts
    undefined_reason: str | None = None
    band: str | None = None


@dataclass(frozen=True)
class Match:
    """One pair of events taken as the same observation.

    The indexes point into the sequences given to :func:`compare`, so a
    caller can show the very events. Differences are coder B minus coder A in
    ms; ``offset_diff_ms`` is None unless both events are segments.
    """

    code: str
    a_index: int
    b_index: int
    onset_diff_ms: int
    offset_diff_ms: int | None = None


@dataclass(frozen=True)
class EventAgreement:
    """Event agreement of one code, or of all codes together.

    ``agreement`` = matched / (matched + only_a + only_b). Taking coder A as
    the reference, ``precision`` is the share of B's events that A also has,
    ``recall`` the share of A's events that B also has, ``f1`` their harmonic
    mean. Ratios are None when there is nothing to divide by.
    ``unmatched_a`` / ``unmatched_b`` index the events only one coder has.
    """

    matched: int
    only_a: int
    only_b: int
    agreement: float | None
    precision: float | None
    recall: float | None
    f1: float | None
    mean_onset_diff_ms: float | None
    matches: tuple[Match, ...] = ()
    unmatched_a: tuple[int, ...] = ()
    unmatched_b: tuple[int, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        """The number of distinct observations: pairs count once."""
        return self.matched + self.only_a + self.only_b


@dataclass(frozen=True)
class CodeAgreement:
    """Both measures for one code; ``events_a`` / ``events_b`` are how many
    events of the code each coder has."""

    code: str
    events_a: int
    events_b: int
    kappa: Kappa
    events: EventAgreement


@dataclass(frozen=True)
class OverallAgreement:
    """All codes together.

    ``pooled_kappa`` is the pooled kappa of De Vries et al. (2008): observed
    and chance agreement are averaged over the codes before kappa is formed,
    i.e. sum(p_o - p_e) / sum(1 - p_e). Its observed agreement is the share
    of all (code, unit) decisions the coders agree on (``p_o``), while chance
    is still reckoned per code, as it should be: a rare code and a frequent
    one have very different chance agreement. A code nobody used adds as much
    to both sides and leaves it unchanged, so comparing over the whole scheme
    or over the codes used gives the same number. ``mean_kappa`` is the plain
    mean of the defined per-code kappas (``codes_with_kappa`` of them).
    ``counts`` sums the per-code tables. With no codes to compare, every
    number is None and every count 0.
    """

    pooled_kappa: float | None
    band: str | None
    mean_kappa: float | None
    codes_with_kappa: int
    p_o: float | None
    counts: UnitCounts
    events: EventAgreement


@dataclass(frozen=True)
class ReliabilityReport:
    """What :func:`compare` found: settings, per-code and overall numbers,
    and notes in plain English (warnings first)."""

    duration_ms: int
    unit_ms: int
    tolerance_ms: int
    units: int
    codes: tuple[str, ...]
    per_code: tuple[CodeAgreement, ...]
    overall: OverallAgreement
    notes: tuple[str, ...]

    def code(self, key: str) -> CodeAgreement | None:
        """The numbers of one code, or None if it was not compared."""
        return next((c for c in self.per_code if c.code == key), None)


# --------------------------------------------------------------------------- entry point


def compare(
    a: Sequence[Event],
    b: Sequence[Event],
    duration_ms: int,
    *,
    unit_ms: int = 1000,
    tolerance_ms: int = 1000,
    codes: Sequence[str] | None = None,
) -> ReliabilityReport:
    """Compare coder A's events with coder B's on one clip of ``duration_ms``.

    ``codes`` are the codes to compare, in the order to report them; pass
    ``scheme.keys()`` to report every code of the scheme, including the ones
    nobody used. By default: every code either coder used, alphabetically.
    Events of other codes are left out (a note says so).

    Raises ValueError for a non-positive duration or unit, a negative
    tolerance, or an event that ends before it starts.
    """
    _check_arguments(a, b, duration_ms, unit_ms, tolerance_ms)
    keys = _codes_to_compare(a, b, codes)
    grid = _Grid.of(duration_ms, unit_ms)
    per_code = tuple(_compare_code(key, a, b, grid, tolerance_ms) for key in keys)
    overall = _overall(per_code, grid.count)
    notes = _notes(a, b, keys, per_code, overall, grid, tolerance_ms)
    return ReliabilityReport(
        duration_ms=duration_ms,
        unit_ms=unit_ms,
        tolerance_ms=tolerance_ms,
        units=grid.count,
        codes=keys,
        per_code=per_code,
        overall=overall,
        notes=notes,
    )


def landis_koch_band(kappa: float) -> str:
    """The Landis & Koch (1977) word for a kappa: "less than chance" below 0,
    then slight (to 0.20), fair (to 0.40), moderate (to 0.60), substantial
    (to 0.80) and almost perfect. Their bands are the ones most readers know;
    the upper bound of each band belongs to it (0.20 is still slight)."""
    if kappa < 0:
        return "less than chance"
    for upper, word in _BANDS:
        if kappa <= upper:
            return word
    return "almost perfect"


def _check_arguments(
    a: Sequence[Event], b: Sequence[Event], duration_ms: int, unit_ms: int, tolerance_ms: int
) -> None:
    if duration_ms <= 0:
        raise ValueError(f"duration_ms must be more than 0 ms, got {duration_ms}")
    if unit_ms <= 0:
        raise ValueError(f"unit_ms must be more than 0 ms, got {unit_ms}")
    if tolerance_ms < 0:
        raise ValueError(f"tolerance_ms cannot be negative, got {tolerance_ms}")
    for coder, events in (("A", a), ("B", b)):
        for e in events:
            if e.end_ms is not None and e.end_ms < e.start_ms:
                raise ValueError(
                    f"coder {coder}'s {e.code} event ends ({e.end_ms} ms) "
                    f"before it starts ({e.start_ms} ms)"
                )


def _codes_to_compare(
    a: Sequence[Event], b: Sequence[Event], codes: Sequence[str] | None
) -> tuple[str, ...]:
    if codes is None:
        return tuple(sorted({e.code for e in (*a, *b)}))
    return tuple(dict.fromkeys(codes))


def _compare_code(
    key: str, a: Sequence[Event], b: Sequence[Event], grid: _Grid, tolerance_ms: int
) -> CodeAgreement:
    a_idx = [i for i, e in enumerate(a) if e.code == key]
    b_idx = [i for i, e in enumerate(b) if e.code == key]
    a_events = [a[i] for i in a_idx]
    b_events = [b[i] for i in b_idx]
    return CodeAgreement(
        code=key,
        events_a=len(a_idx),
        events_b=len(b_idx),
        kappa=_unit_kappa(a_events, b_events, grid),
        events=_event_agreement(key, a, b, a_idx, b_idx, tolerance_ms),
    )


# --------------------------------------------------------------------------- time units


@dataclass(frozen=True)
class _Grid:
    """The clip cut into units ``[k * unit_ms, (k + 1) * unit_ms)``; the last
    unit stops at the end of the clip and may be shorter."""

    duration_ms: int
    unit_ms: int
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    @classmethod
    def of(cls, duration_ms: int, unit_ms: int) -> _Grid:
        count = -(-duration_ms // unit_ms)
        starts = np.arange(count, dtype=np.int64) * unit_ms
        ends = np.minimum(starts + unit_ms, duration_ms)
        return cls(duration_ms, unit_ms, starts, ends)

    @property
    def count(self) -> int:
        return len(self.starts)


def _presence(events: Iterable[Event], grid: _Grid) -> npt.NDArray[np.bool_]:
    """Which units one coder marked with one code.

    A unit is marked when the coder's segments of the code together cover at
    least half of it, or when one of the coder's moments of the code falls in
    it. Half a unit is the usual interval-sampling rule: every second of a
    segment lands in exactly one unit bar the rounding at its ends, and a
    segment is not stretched over a unit it barely touches. The segments are
    joined first, so two back-to-back segments splitting a unit count as
    covering it. A segment with no length counts as a moment. Anything beyond
    the end of the clip is ignored; a moment exactly at the end belongs to the
    last unit.
    """
    covered = np.zeros(grid.count, dtype=np.int64)
    marked = np.zeros(grid.count, dtype=np.bool_)
    spans: list[tuple[int, int]] = []
    for e in events:
        if e.end_ms is None or e.end_ms == e.start_ms:
            if 0 <= e.start_ms <= grid.duration_ms:
                marked[min(e.start_ms // grid.unit_ms, grid.count - 1)] = True
        else:
            start, end = max(e.start_ms, 0), min(e.end_ms, grid.duration_ms)
            if start < end:
                spans.append((start, end))
    for start, end in _merge(spans):
        units = slice(start // grid.unit_ms, (end - 1) // grid.unit_ms + 1)
        covered[units] += np.minimum(end, grid.ends[units]) - np.maximum(
            start, grid.starts[units]
        )
    return marked | (2 * covered >= grid.ends - grid.starts)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _unit_kappa(a: Sequence[Event], b: Sequence[Event], grid: _Grid) -> Kappa:
    """Cohen's kappa of one code over the units: (p_o - p_e) / (1 - p_e).

    p_o is the share of units the coders agree on; p_e = pA * pB +
    (1 - pA) * (1 - pB) with pA, pB the shares of units each coder marked.
    When p_e == 1 both coders said the same thing in every unit (nothing, or
    the code throughout) and kappa is 0 / 0: there is no way to tell agreement
    from chance, so the value is None with the reason, never NaN.
    """
    in_a, in_b = _presence(a, grid), _presence(b, grid)
    counts = UnitCounts(
        both=int(np.sum(in_a & in_b)),
        only_a=int(np.sum(in_a & ~in_b)),
        only_b=int(np.sum(~in_a & in_b)),
        neither=int(np.sum(~in_a & ~in_b)),
    )
    observed, chance, whole = _agreement_terms(counts)
    p_o, p_e = observed / whole, chance / whole
    if chance == whole:
        return Kappa(None, p_o, p_e, counts, undefined_reason=_why_undefined(a, b, counts))
    value = (observed - chance) / (whole - chance)
    return Kappa(value, p_o, p_e, counts, band=landis_koch_band(round(value, 2)))


def _agreement_terms(counts: UnitCounts) -> tuple[int, int, int]:
    """p_o and p_e as whole numbers over a common denominator n * n.

    Kappa is then an exact fraction and p_e == 1 an exact comparison, so
    there is no float rounding deciding whether a kappa exists.
    """
    n = counts.total
    marked_a, marked_b = counts.both + counts.only_a, counts.both + counts.only_b
    observed = n * (counts.both + counts.neither)
    chance = marked_a * marked_b + (n - marked_a) * (n - marked_b)
    return observed, chance, n * n


def _why_undefined(a: Sequence[Event], b: Sequence[Event], counts: UnitCounts) -> str:
    if counts.both:
        return EVERYWHERE
    return NEVER_IN_UNITS if (a or b) else NOT_USED


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class _Timed:
    index: int
    start: int
    end: int | None


def _timed(events: Sequence[Event], indexes: Sequence[int]) -> list[_Timed]:
    return sorted(
        (_Timed(i, events[i].start_ms, events[i].end_ms) for i in indexes),
        key=lambda t: (t.start, -1 if t.end is None else t.end, t.index),
    )


def _pair_costs(
    xs: Sequence[_Timed], ys: Sequence[_Timed], tolerance_ms: int
) -> npt.NDArray[np.int64]:
    """How far apart each A event (row) and B event (column) are, in ms of
    onset plus offset difference; -1 where the two cannot pair.

    Onsets must be within the tolerance; when both are segments their offsets
    must be too, so a short and a long episode starting together stay two
    observations. A moment and a segment pair on onset alone: a code of kind
    "either" (a repair) may be marked as a gesture by one coder and as a
    stretch by the other, and the onset is all the two share.
    """
    a_start = np.array([x.start for x in xs], dtype=np.int64)[:, None]
    b_start = np.array([y.start for y in ys], dtype=np.int64)[None, :]
    a_end = np.array([-1 if x.end is None else x.end for x in xs], dtype=np.int64)[:, None]
    b_end = np.array([-1 if y.end is None else y.end for y in ys], dtype=np.int64)[None, :]
    both_segments = (a_end >= 0) & (b_end >= 0)
    onset = np.abs(b_start - a_start)
    offset = np.where(both_segments, np.abs(b_end - a_end), 0)
    allowed = (onset <= tolerance_ms) & (offset <= tolerance_ms)
    return np.where(allowed, onset + offset, -1)


def _event_agreement(
    key: str,
    a: Sequence[Event],
    b: Sequence[Event],
    a_idx: Sequence[int],
    b_idx: Sequence[int],
    tolerance_ms: int,
) -> EventAgreement:
    """Pair coder A's and coder B's events of one code one-to-one.

    The pairing is optimal, not greedy: first as many pairs as possible, then,
    among those, the smallest total time difference. Greedy pairing by
    smallest difference can lose pairs (A at 0 and 1.0 s, B at 0.9 and 1.9 s:
    greedy pairs 1.0 with 0.9 and strands the rest; optimal pairs both), which
    would understate agreement for dense codings.
    """
    xs, ys = _timed(a, a_idx), _timed(b, b_idx)
    matches: list[Match] = []
    for cluster_a, cluster_b in _clusters(xs, ys, tolerance_ms):
        for x, y in _best_pairs(cluster_a, cluster_b, tolerance_ms):
            offset = None if x.end is None or y.end is None else y.end - x.end
            matches.append(Match(key, x.index, y.index, y.start - x.start, offset))
    matched_a = {m.a_index for m in matches}
    matched_b = {m.b_index for m in matches}
    return _summarise(
        matches,
        tuple(t.index for t in xs if t.index not in matched_a),
        tuple(t.index for t in ys if t.index not in matched_b),
    )


def _clusters(
    xs: list[_Timed], ys: list[_Timed], tolerance_ms: int
) -> list[tuple[list[_Timed], list[_Timed]]]:
    """Split the events where consecutive onsets lie more than the tolerance
    apart: no pair can span such a gap, so each stretch is paired on its own
    and the optimal pairing stays cheap on a long, densely coded clip."""
    tagged = sorted(
        [(t.start, 0, t) for t in xs] + [(t.start, 1, t) for t in ys],
        key=lambda item: (item[0], item[1], item[2].index),
    )
    clusters: list[tuple[list[_Timed], list[_Timed]]] = []
    last: int | None = None
    for start, side, t in tagged:
        if last is None or start - last > tolerance_ms:
            clusters.append(([], []))
        clusters[-1][side].append(t)
        last = start
    return clusters


def _best_pairs(
    xs: list[_Timed], ys: list[_Timed], tolerance_ms: int
) -> list[tuple[_Timed, _Timed]]:
    """Most pairs, then least total difference, via a minimum-cost assignment.

    Pairs out of tolerance cost more than any whole set of real pairs could,
    so the assignment uses one only when nothing else is left; those are
    dropped afterwards.
    """
    if not xs or not ys:
        return []
    costs = _pair_costs(xs, ys, tolerance_ms)
    transpose = len(xs) > len(ys)
    if transpose:
        costs = costs.T
    forbidden = min(len(xs), len(ys)) * 2 * tolerance_ms + 1
    cost = np.where(costs < 0, forbidden, costs)
    pairs = []
    for row, column in enumerate(_assign(cost)):
        if cost[row, column] < forbidden:
            i, j = (column, row) if transpose else (row, column)
            pairs.append((xs[i], ys[j]))
    return pairs


def _assign(cost: npt.NDArray[np.int64]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    The Hungarian method (Kuhn-Munkres) with potentials and shortest
    augmenting paths, O(n^2 m), with the inner loop over columns done by
    numpy. Costs are whole numbers, so it is exact.
    Returns, per row, the column it is assigned to.
    """
    n, m = cost.shape
    inf = np.iinfo(np.int64).max // 4
    u = np.zeros(n + 1, dtype=np.int64)
    v = np.zeros(m + 1, dtype=np.int64)
    owner = np.zeros(m + 1, dtype=np.int64)  # owner[j]: 1-based row on column j; 0 = free
    way = np.zeros(m + 1, dtype=np.int64)
    for row in range(1, n + 1):
        owner[0] = row
        column = 0
        slack = np.full(m + 1, inf, dtype=np.int64)
        used = np.zeros(m + 1, dtype=np.bool_)
        while True:
            used[column] = True
            current = int(owner[column])
            reduced = cost[current - 1] - u[current] - v[1:]
            better = ~used[1:] & (reduced < slack[1:])
            slack[1:][better] = reduced[better]
            way[1:][better] = column
            open_slack = np.where(used[1:], inf, slack[1:])
            nearest = int(np.argmin(open_slack)) + 1
            delta = open_slack[nearest - 1]
            taken = np.flatnonzero(used)
            u[owner[taken]] += delta
            v[taken] -= delta
            slack[~used] -= delta
            column = nearest
            if owner[column] == 0:
                break
        while column:
            previous = int(way[column])
            owner[column] = owner[previous]
            column = previous
    result = [0] * n
    for j in range(1, m + 1):
        if owner[j]:
            result[int(owner[j]) - 1] = j - 1
    return result


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _summarise(
    matches: Sequence[Match], unmatched_a: Sequence[int], unmatched_b: Sequence[int]
) -> EventAgreement:
    matched, only_a, only_b = len(matches), len(unmatched_a), len(unmatched_b)
    mean_onset = (
        sum(abs(m.onset_diff_ms) for m in matches) / matched if matched else None
    )
    return EventAgreement(
        matched=matched,
        only_a=only_a,
        only_b=only_b,
        agreement=_ratio(matched, matched + only_a + only_b),
        precision=_ratio(matched, matched + only_b),
        recall=_ratio(matched, matched + only_a),
        f1=_ratio(2 * matched, 2 * matched + only_a + only_b),
        mean_onset_diff_ms=mean_onset,
        matches=tuple(matches),
        unmatched_a=tuple(unmatched_a),
        unmatched_b=tuple(unmatched_b),
    )


# --------------------------------------------------------------------------- overall


def _overall(per_code: Sequence[CodeAgreement], units: int) -> OverallAgreement:
    observed = chance = whole = 0
    counts = UnitCounts(0, 0, 0, 0)
    for c in per_code:
        o, e, w = _agreement_terms(c.kappa.counts)
        observed, chance, whole = observed + o, chance + e, whole + w
        counts = counts + c.kappa.counts
    pooled = (observed - chance) / (whole - chance) if whole != chance else None
    defined = [c.kappa.value for c in per_code if c.kappa.value is not None]
    return OverallAgreement(
        pooled_kappa=pooled,
        band=None if pooled is None else landis_koch_band(round(pooled, 2)),
        mean_kappa=math.fsum(defined) / len(defined) if defined else None,
        codes_with_kappa=len(defined),
        p_o=(observed / whole) if whole else None,
        counts=counts,
        events=_summarise(
            [m for c in per_code for m in c.events.matches],
            sorted(i for c in per_code for i in c.events.unmatched_a),
            sorted(i for c in per_code for i in c.events.unmatched_b),
        ),
    )


# --------------------------------------------------------------------------- notes


def _duration_words(ms: int) -> str:
    """1000 -> "1 s", 500 -> "0.5 s", 50 -> "50 ms"."""
    if ms < 100:
        return f"{ms} ms"
    return f"{ms / 1000:g} s"


def _same_units(unit_ms: int) -> str:
    return "the same seconds" if unit_ms == 1000 else f"the same {_duration_words(unit_ms)} units"


def _within(tolerance_ms: int) -> str:
    if tolerance_ms == 0:
        return "at exactly the same time"
    return f"within ±{_duration_words(tolerance_ms)}"


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def _noun(events: Iterable[Event]) -> str:
    """"moment" for a code marked only as moments, "episode" for segments only,
    "event" for a mix, so the sentence talks about what the coder marked."""
    kinds = {e.is_point for e in events}
    if kinds == {True}:
        return "moment"
    return "episode" if kinds == {False} else "event"


def _notes(
    a: Sequence[Event],
    b: Sequence[Event],
    keys: Sequence[str],
    per_code: Sequence[CodeAgreement],
    overall: OverallAgreement,
    grid: _Grid,
    tolerance_ms: int,
) -> tuple[str, ...]:
    notes = [*_warnings(a, b, keys, grid), *_overall_notes(overall, grid, tolerance_ms)]
    for c in per_code:
        mine = [e for e in (*a, *b) if e.code == c.code]
        notes.extend(_code_notes(c, mine, grid, tolerance_ms))
    return tuple(notes)


def _warnings(
    a: Sequence[Event], b: Sequence[Event], keys: Sequence[str], grid: _Grid
) -> list[str]:
    notes: list[str] = []
    if grid.count < MIN_STABLE_UNITS:
        notes.append(
            f"The clip has only {_plural(grid.count, 'unit')} of "
            f"{_duration_words(grid.unit_ms)}; with fewer than {MIN_STABLE_UNITS} units "
            "kappa is unstable (one unit more or less in agreement changes it a lot), "
            "so read it as a rough indication."
        )
    left_out = sorted({e.code for e in (*a, *b)} - set(keys))
    if left_out:
        count = sum(1 for e in (*a, *b) if e.code in left_out)
        notes.append(
            f"{_plural(count, 'event')} with codes outside the comparison "
            f"({', '.join(left_out)}) {_were(count)} left out."
        )
    beyond = sum(
        1 for e in (*a, *b) if max(e.start_ms, e.end_ms or 0) > grid.duration_ms
    )
    if beyond:
        notes.append(
            f"{_plural(beyond, 'event')} run past the end of the clip "
            f"({_duration_words(grid.duration_ms)}); the time-unit comparison ignores "
            "the part after the end. Check that both sets belong to this clip."
        )
    return notes


def _overall_notes(overall: OverallAgreement, grid: _Grid, tolerance_ms: int) -> list[str]:
    notes: list[str] = []
    if overall.p_o is None:
        notes.append("Neither coder marked anything to compare on this clip.")
    if overall.pooled_kappa is not None and overall.band is not None:
        verb = _BAND_WORDS[overall.band][0]
        mean = "" if overall.mean_kappa is None else f"; mean per-code κ = {overall.mean_kappa:.2f}"
        notes.append(
            f"Over all codes together, the two coders {verb} "
            f"(pooled κ = {overall.pooled_kappa:.2f} over "
            f"{_duration_words(grid.unit_ms)} units{mean})."
        )
    ev = overall.events
    if ev.total:
        notes.append(
            f"Of {_plural(ev.total, 'event')} over all codes, {ev.matched} "
            f"{_were(ev.matched)} marked by both coders "
            f"{_within(tolerance_ms)} ({ev.agreement or 0:.0%})."
        )
    return notes


def _code_notes(
    c: CodeAgreement, events: Sequence[Event], grid: _Grid, tolerance_ms: int
) -> list[str]:
    if c.kappa.undefined_reason == NOT_USED:
        return [f"Neither coder used {c.code}, so there is nothing to compare."]
    noun = _noun(events)
    notes = [_kappa_note(c, grid), _event_note(c, noun, tolerance_ms)]
    if noun == "moment" and c.kappa.value is not None:
        notes.append(
            f"{c.code} is marked as moments: a moment fills a single "
            f"{_duration_words(grid.unit_ms)} unit, so in κ a small difference in timing "
            "counts as disagreement; the event agreement is the fairer measure for it."
        )
    return notes


def _event_note(c: CodeAgreement, noun: str, tolerance_ms: int) -> str:
    """"For X, of 12 moments, 10 were marked by both coders within ±1 s; ..." """
    ev = c.events
    where = " at start and end" if noun == "episode" and tolerance_ms else ""
    sentence = (
        f"For {c.code}, of {_plural(ev.total, noun)}, {ev.matched} {_were(ev.matched)} "
        f"marked by both coders {_within(tolerance_ms)}{where}"
    )
    if ev.only_a or ev.only_b:
        sentence += f"; {ev.only_a} only by coder A and {ev.only_b} only by coder B"
    return sentence + "."


def _kappa_note(c: CodeAgreement, grid: _Grid) -> str:
    unit = _duration_words(grid.unit_ms)
    k = c.kappa
    if k.undefined_reason == NEVER_IN_UNITS:
        return (
            f"{c.code} never fills half of a {unit} unit for either coder, so κ has nothing "
            "to compare; see the event agreement instead, or use shorter units."
        )
    if k.undefined_reason == EVERYWHERE:
        return (
            f"Both coders marked {c.code} throughout the whole clip, so they agree fully, "
            "but κ cannot tell that from chance."
        )
    assert k.value is not None and k.band is not None
    verb, meaning = _BAND_WORDS[k.band]
    return (
        f"The two coders {verb} on {c.code} (κ = {k.value:.2f} over {unit} units): "
        f"{meaning.format(same=_same_units(grid.unit_ms))}."
    )
