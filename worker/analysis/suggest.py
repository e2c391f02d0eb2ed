"""Suggestions for the coder: possible mismatches, repairs and attuned moments.

Signals are combined with explicit rules so every suggestion can say why it
was made (``evidence``, ``explanation``). They are prompts for a professional
to look at a moment, never findings about a family.

- MISMATCH (segment): infant distress (crying) while movement synchrony is
  below its chance level for at least 2 s, or crying for at least 3 s while
  synchrony is not clearly above chance; or, without crying, 5 s of one-sided
  activity (one person moving, the other still although present) below
  chance. A cry anchors the onset and end: synchrony comes from 4 s windows
  and is smeared by about 2 s, while the cry's edges are sharp to 0.1 s.
- REPAIR (moment): where the distress ends for good, with at least one sign
  of re-engaging around it (back in step, both or the baby calm, the parent
  starting to move, the baby's initiative answered; the evidence names which);
  without a cry, where movement comes back in step or both settle. Linked to
  its mismatch through ``repairs``.
- ATTENTIVE (segment): for at least 3 s without crying, synchrony above
  chance or the parent answering most of a run of the baby's initiatives
  (``responsiveness``), more often than chance.
- TURN_TAKING (segment): parent and infant vocalisations alternate.

Without boxes drawn by a person, the parent's and child's regions are
proposed from where motion happens over the clip (``motion.propose_regions``),
or else the picture's halves.

Frames where the camera moved are unreliable and left out of all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from worker.analysis.audio import STEP_MS, AudioResult, analyse_audio, close_gaps, runs
from worker.analysis.motion import (
    MotionResult,
    Regions,
    default_regions,
    motion_energy,
    propose_regions,
)
from worker.analysis.responsiveness import (
    Responsiveness,
    mask_onsets,
    movement_onsets,
    responsiveness,
)
from worker.analysis.series import Series, make_series
from worker.analysis.synchrony import SynchronyResult, smooth, windowed_synchrony

RATE_HZ = 1000.0 / STEP_MS
DARK_LUMA = 15.0
MIN_CLIP_S = 3.0
STILL_MOTION = 0.004
"""A region whose 90th-percentile motion stays below this never really moved."""
STILL_SHARE = 0.1
"""A person counts as still in a window when their mean motion is below this share
of their own 90th-percentile motion in the clip."""
ONE_SIDED_ACTIVE = 0.4
ONE_SIDED_STILL = 0.08
MIN_LOW_S = 2.0
MIN_ONE_SIDED_S = 5.0
MIN_ATTENTIVE_S = 3.0
CRY_ANCHOR_S = 2.5
LONG_CRY_S = 3.0
"""Crying this long with movement not clearly in step is a possible mismatch by itself..."""
IN_STEP_MARGIN = 0.1
"""...where clearly in step is synchrony at least this far above its chance level."""
ATTUNED_MARGIN = 0.2
"""A mismatch found later in a cry starts where the crying began, unless until then
synchrony was this far above chance (4 s windows with +-2 s of lag correlate unrelated
movement now and then; the cry's onset is sharp)."""
CRY_MERGE_S = 1.0
REPAIR_SEARCH_S = 8.0
REPAIR_ANCHOR_S = 4.0
CALM_SHARE = 0.25
"""Calm: 1 s mean motion below this share of the person's 90th-percentile motion."""
CALM_S = 1.0
REPAIR_BEFORE_S = 1.5
"""Evidence of a repair counts from this long before the distress ended..."""
REPAIR_AFTER_S = 4.0
"""...until this long after (a 4 s synchrony window lags the change by up to 2 s)."""
AFTER_CRY_S = 10.0
"""A baby calming down after crying is not a one-sided mismatch for this long."""
CHAIN_GAP_S = 6.0
CHAIN_MIN_ANSWERED = 3
CHAIN_P = 0.05
LOW_SHARE = 0.4
MIN_DEFICIT = 0.04


@dataclass(frozen=True)
class Suggestion:
    code: str
    start_ms: int
    end_ms: int | None
    confidence: float
    evidence: dict[str, float | str]
    explanation: str
    repairs: int | None = None


@dataclass(frozen=True)
class Note:
    """Why the analysis found less than it might: ``key`` names the reason, so an
    app can word it in its user's language with ``values``; ``text`` says it in English."""

    key: str
    text: str
    values: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    duration_ms: int
    series: dict[str, Series]
    suggestions: list[Suggestion]
    notes: list[Note]
    regions: Regions | None = None
    regions_source: str = "halves"
    """Where ``regions`` came from: ``drawn`` by a person, proposed from ``motion``, or the
    picture's ``halves``."""


@dataclass(frozen=True)
class _Timeline:
    """Everything on the common 10 Hz clock (index i = i * 100 ms)."""

    parent: npt.NDArray[np.float32]
    child: npt.NDArray[np.float32]
    unreliable: npt.NDArray[np.bool_]
    sync: npt.NDArray[np.float32]
    chance: npt.NDArray[np.float32]
    lag_s: npt.NDArray[np.float32]
    both_still: npt.NDArray[np.bool_]
    cry: npt.NDArray[np.bool_]
    has_audio: bool
    parent_level: float = 0.0
    child_level: float = 0.0
    responses: Responsiveness | None = None
    parent_starts: npt.NDArray[np.intp] = field(
        default_factory=lambda: np.zeros(0, dtype=np.intp))


def _as_gray(frames: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    array = np.asarray(frames)
    if array.size == 0:
        return np.zeros((0, 2, 2), dtype=np.uint8)
    if array.ndim == 4:
        array = array.mean(axis=3)
    if array.ndim == 2:
        array = array[None]
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def _resample(values: npt.NDArray[np.float32], fps: float, steps: int) -> npt.NDArray[np.float32]:
    """Nearest sample at each 100 ms step (the input is normally already at 10 fps)."""
    if len(values) == 0:
        return np.full(steps, np.nan, dtype=np.float32)
    index = np.clip(np.round(np.arange(steps) * fps / RATE_HZ).astype(int), 0, len(values) - 1)
    sampled: npt.NDArray[np.float32] = values[index]
    return sampled


def _on_steps(per_window: npt.NDArray[np.float32], window_step: int, steps: int) -> npt.NDArray[
    np.float32
]:
    index = np.clip(np.round(np.arange(steps) / window_step).astype(int), 0, len(per_window) - 1)
    if len(per_window) == 0:
        return np.full(steps, np.nan, dtype=np.float32)
    stepped: npt.NDArray[np.float32] = per_window[index]
    return stepped


def _mean(values: npt.NDArray[np.float32]) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else math.nan


def _seconds(samples: int) -> float:
    return samples / RATE_HZ


def _ms(index: int) -> int:
    return int(index * STEP_MS)


def _low_sync(t: _Timeline) -> npt.NDArray[np.bool_]:
    valid = np.isfinite(t.sync) & np.isfinite(t.chance)
    return valid & (t.sync < t.chance)


def _one_sided(
    t: _Timeline, parent_level: float, child_level: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(parent moves while child is still, child moves while parent is still), 1 s smoothed."""
    parent = smooth(t.parent, int(RATE_HZ))
    child = smooth(t.child, int(RATE_HZ))
    with np.errstate(invalid="ignore"):
        parent_active = parent > ONE_SIDED_ACTIVE * parent_level
        child_active = child > ONE_SIDED_ACTIVE * child_level
        parent_still = parent < ONE_SIDED_STILL * parent_level
        child_still = child < ONE_SIDED_STILL * child_level
    return parent_active & child_still, child_active & parent_still


def _mismatch(
    t: _Timeline, start: int, stop: int, reason: str, driver_s: float, extra: dict[str, float | str]
) -> Suggestion | None:
    low = _low_sync(t)[start:stop]
    valid = np.isfinite(t.sync[start:stop]) & np.isfinite(t.chance[start:stop])
    if valid.sum() < MIN_LOW_S * RATE_HZ or t.unreliable[start:stop].mean() > 0.5:
        return None
    low_share = float(low[valid].mean())
    sync = _mean(t.sync[start:stop][valid])
    chance = _mean(t.chance[start:stop][valid])
    deficit = chance - sync
    longest_low = max((b - a for a, b in runs(close_gaps(low, 5))), default=0)
    if low_share < LOW_SHARE or deficit < MIN_DEFICIT or longest_low < MIN_LOW_S * RATE_HZ:
        return None
    seconds = _seconds(stop - start)
    confidence = float(
        np.clip(
            0.25
            + 0.35 * min(1.0, deficit / 0.4)
            + 0.2 * min(1.0, driver_s / seconds)
            + 0.2 * min(1.0, seconds / 5.0),
            0.05,
            0.95,
        )
    )
    evidence: dict[str, float | str] = {
        "synchrony": round(sync, 3),
        "chance": round(chance, 3),
        "below_chance_share": round(low_share, 3),
        "reason": reason,
        **extra,
    }
    if reason == "cry":
        explanation = (
            f"Signals suggest parent and child movements were out of step for {seconds:.1f} s "
            f"(synchrony {sync:.2f} against a chance level of {chance:.2f}) "
            "while the baby may have been crying."
        )
    else:
        mover = str(extra.get("moving", "one person"))
        still = str(extra.get("still", "the other"))
        explanation = (
            f"The {mover} moved while the {still} stayed still for {seconds:.1f} s and their "
            f"movements were less in step than chance ({sync:.2f} against {chance:.2f}); "
            "this may be a mismatch."
        )
    return Suggestion("MISMATCH", _ms(start), _ms(stop), confidence, evidence, explanation)


def _cry_mismatches(t: _Timeline) -> list[Suggestion]:
    """Crying with movement below chance; or long crying with movement not clearly in step.

    A baby who cries for several seconds while the parent's movement is no more
    in step with theirs than chance is a possible mismatch even when two
    unrelated movements happen to correlate now and then (then synchrony sits
    near its chance level rather than clearly below it).
    """
    suggestions: list[Suggestion] = []
    low_runs = [
        (a, b)
        for a, b in runs(close_gaps(_low_sync(t), int(RATE_HZ)))
        if b - a >= MIN_LOW_S * RATE_HZ
    ]
    anchor = int(CRY_ANCHOR_S * RATE_HZ)
    for cry_start, cry_stop in runs(close_gaps(t.cry, int(CRY_MERGE_S * RATE_HZ))):
        overlapping = [
            (a, b) for a, b in low_runs if a < cry_stop + anchor and b > cry_start - anchor
        ]
        found = None
        if overlapping:
            low_start = min(a for a, _ in overlapping)
            start = cry_start if cry_start >= low_start - anchor else low_start
            start = max(start, low_start - anchor)
            if start > cry_start and not _clearly_in_step(t, cry_start, start, ATTUNED_MARGIN):
                start = cry_start  # the crying began without the parent attuned: the onset
            # the mismatch lasts as long as the distress: the repair is where it ends
            if cry_stop - start >= MIN_LOW_S * RATE_HZ:
                cry_s = _seconds(int(t.cry[start:cry_stop].sum()))
                found = _mismatch(t, start, cry_stop, "cry", cry_s, {"cry_s": round(cry_s, 2)})
        if found is None:
            found = _long_cry_mismatch(t, cry_start, cry_stop)
        if found is not None:
            suggestions.append(found)
    return suggestions


def _clearly_in_step(t: _Timeline, start: int, stop: int,
                     margin_needed: float = 0.1) -> bool:
    """Synchrony at least ``margin_needed`` above chance on average over the stretch."""
    valid = np.isfinite(t.sync[start:stop]) & np.isfinite(t.chance[start:stop])
    if not valid.any():
        return False
    margin = _mean(t.sync[start:stop][valid]) - _mean(t.chance[start:stop][valid])
    return bool(margin >= margin_needed)


def _long_cry_mismatch(t: _Timeline, start: int, stop: int) -> Suggestion | None:
    if stop - start < LONG_CRY_S * RATE_HZ or t.unreliable[start:stop].mean() > 0.5:
        return None
    valid = np.isfinite(t.sync[start:stop]) & np.isfinite(t.chance[start:stop])
    if valid.sum() < MIN_LOW_S * RATE_HZ:
        return None
    if _clearly_in_step(t, start, stop, IN_STEP_MARGIN):
        return None
    sync = _mean(t.sync[start:stop][valid])
    chance = _mean(t.chance[start:stop][valid])
    seconds = _seconds(stop - start)
    cry_s = _seconds(int(t.cry[start:stop].sum()))
    confidence = float(np.clip(0.3 + 0.2 * min(1.0, cry_s / 6.0)
                               + 0.2 * min(1.0, (IN_STEP_MARGIN - (sync - chance)) / 0.2),
                               0.05, 0.8))
    evidence: dict[str, float | str] = {
        "synchrony": round(sync, 3),
        "chance": round(chance, 3),
        "below_chance_share": round(float(_low_sync(t)[start:stop][valid].mean()), 3),
        "reason": "cry",
        "cry_s": round(cry_s, 2),
        "movement": "not clearly in step",
    }
    return Suggestion(
        "MISMATCH", _ms(start), _ms(stop), confidence, evidence,
        f"The baby may have been crying for {seconds:.1f} s while parent and child movements "
        f"were no more in step than chance ({sync:.2f} against {chance:.2f}); this may be "
        "a mismatch.",
    )  # fmt: skip


def _one_sided_mismatches(
    t: _Timeline, parent_level: float, child_level: float, taken: list[Suggestion]
) -> list[Suggestion]:
    suggestions: list[Suggestion] = []
    parent_only, child_only = _one_sided(t, parent_level, child_level)
    for mask, mover, still in ((parent_only, "parent", "child"), (child_only, "child", "parent")):
        for start, stop in runs(close_gaps(mask, int(RATE_HZ // 2))):
            if stop - start < MIN_ONE_SIDED_S * RATE_HZ:
                continue
            if any(
                s.end_ms is not None and s.start_ms < _ms(stop) and s.end_ms > _ms(start)
                for s in taken + suggestions
            ):
                continue
            if any(
                s.end_ms is not None and s.evidence.get("reason") == "cry"
                and s.end_ms <= _ms(start) < s.end_ms + AFTER_CRY_S * 1000
                for s in taken
            ):  # fmt: skip
                continue  # a baby calming down after crying
            if _answered_in(t, start, stop) >= 2:
                continue  # the parent answers the baby: not out of touch
            seconds = _seconds(stop - start)
            found = _mismatch(
                t, start, stop, "one-sided activity", seconds,
                {"one_sided_s": round(seconds, 2), "moving": mover, "still": still},
            )  # fmt: skip
            if found is not None:
                suggestions.append(found)
    return suggestions


def _answered_in(t: _Timeline, start: int, stop: int) -> int:
    if t.responses is None:
        return 0
    r = t.responses
    inside = (r.initiatives >= start) & (r.initiatives < stop)
    return int((inside & r.answered).sum())


def _calm_for(values: npt.NDArray[np.float32], level: float, start: int, stop: int) -> bool:
    """Whether the 1 s mean motion stays below the calm level for ``CALM_S`` somewhere."""
    if level <= 0 or stop <= start:
        return False
    smoothed = smooth(values, int(RATE_HZ))[start:stop]
    with np.errstate(invalid="ignore"):
        calm = smoothed < CALM_SHARE * level
    return any(b - a >= CALM_S * RATE_HZ for a, b in runs(calm))


def _distress_end(t: _Timeline, mismatch: Suggestion) -> int | None:
    """Where the crying of a cry mismatch stops for good (no crying in the next 2 s)."""
    assert mismatch.end_ms is not None
    calm = int(2 * RATE_HZ)
    end = mismatch.end_ms // STEP_MS
    last = min(len(t.cry), end + int(REPAIR_SEARCH_S * RATE_HZ))
    for _start, stop in runs(close_gaps(t.cry, int(CRY_MERGE_S * RATE_HZ))):
        if stop < end - int(RATE_HZ) or stop > last:
            continue
        if not t.cry[stop : stop + calm].any():
            return stop
    return None


def _repair_evidence(t: _Timeline, anchor: int) -> list[str]:
    """Which signs of a repair show around the end of distress at ``anchor``."""
    steps = len(t.sync)
    before = max(0, anchor - int(REPAIR_BEFORE_S * RATE_HZ))
    after = min(steps, anchor + int(REPAIR_AFTER_S * RATE_HZ))
    valid = np.isfinite(t.sync) & np.isfinite(t.chance)
    fired: list[str] = []
    if (valid & (t.sync >= t.chance))[before:after].any():
        fired.append("in step")
    parent_calm = _calm_for(t.parent, t.parent_level, anchor, after)
    child_calm = _calm_for(t.child, t.child_level, anchor, after)
    if parent_calm and child_calm:
        fired.append("both calm")
    elif child_calm:
        fired.append("baby calm")
    until = min(steps, anchor + 2 * int(RATE_HZ))
    turning = (t.parent_starts >= before) & (t.parent_starts < until)
    if turning.any():
        fired.append("parent turns back")
    if _answered_in(t, max(0, anchor - 2 * int(RATE_HZ)), after):
        fired.append("baby answered")
    return fired


def _repair(t: _Timeline, mismatch: Suggestion, index: int) -> Suggestion | None:
    """A repair where the distress ends with signs of re-engaging, else where movement returns.

    A coder marks the repair where the crying stops and the parent turns back
    to the baby; the movement evidence around that moment is one or more of:
    back in step, both (or the baby) calm, the parent starting to move toward
    the baby, the baby's initiative answered. Without a cry, the first return
    above chance (or to both settling) after the mismatch is the repair.
    """
    assert mismatch.end_ms is not None
    if mismatch.evidence.get("reason") == "cry":
        anchor = _distress_end(t, mismatch)
        if anchor is not None:
            fired = _repair_evidence(t, anchor)
            if fired:
                return _repair_at(t, mismatch, index, anchor, fired, cried=True)
    return _repair_by_movement(t, mismatch, index)


def _repair_at(t: _Timeline, mismatch: Suggestion, index: int, onset: int, fired: list[str],
               cried: bool) -> Suggestion:
    steps = len(t.sync)
    after = slice(onset, min(steps, onset + int(REPAIR_ANCHOR_S * RATE_HZ)))
    sync = _mean(t.sync[after])
    chance = _mean(t.chance[after])
    margin = max(0.0, sync - chance) if math.isfinite(sync - chance) else 0.0
    confidence = float(np.clip(0.35 + 0.1 * len(fired) + 0.2 * min(1.0, margin / 0.2)
                               + 0.1 * cried, 0.05, 0.95))
    seconds = (onset * STEP_MS - mismatch.start_ms) / 1000.0
    evidence: dict[str, float | str] = {
        "after_mismatch_s": round(seconds, 2),
        "evidence": ", ".join(fired),
        "movement": "in step" if "in step" in fired else (
            "both still" if "both calm" in fired else "changed"),
        "distress_ended": "yes" if cried else "n/a",
    }
    if math.isfinite(sync) and math.isfinite(chance):
        evidence |= {"synchrony": round(sync, 3), "chance": round(chance, 3)}
    stopped = "The crying stopped here" if cried else "Here"
    return Suggestion(
        "REPAIR", _ms(onset), None, confidence, evidence,
        f"{stopped} and {_said(fired)}, {seconds:.1f} s after a possible mismatch began: "
        "this may be a repair.",
        repairs=index,
    )  # fmt: skip


def _said(fired: list[str]) -> str:
    words = {
        "in step": "movements came back in step",
        "both calm": "parent and baby both calmed",
        "baby calm": "the baby calmed",
        "parent turns back": "the parent moved, perhaps turning back to the baby",
        "baby answered": "the parent answered the baby",
        "settled": "both settled",
    }
    said = [words.get(f, f) for f in fired]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def _repair_by_movement(t: _Timeline, mismatch: Suggestion, index: int) -> Suggestion | None:
    """The first return above chance (or to both settling) after the mismatch, distress over.

    When that return comes within ``REPAIR_ANCHOR_S`` of the end of the
    mismatch, the repair is placed at that end: a 4 s window with 2 s of lag
    only rises above chance up to 4 s later.
    """
    assert mismatch.end_ms is not None
    end = mismatch.end_ms // STEP_MS
    steps = len(t.sync)
    anchor = int(REPAIR_ANCHOR_S * RATE_HZ)
    first = max(mismatch.start_ms // STEP_MS + 1, end - int(1.5 * RATE_HZ))
    last = min(steps, end + int(REPAIR_SEARCH_S * RATE_HZ))
    valid = np.isfinite(t.sync) & np.isfinite(t.chance)
    above = valid & (t.sync >= t.chance)
    settled = t.both_still & ~t.unreliable
    calm = int(2 * RATE_HZ)
    for i in range(first, last):
        if not (above[i] or settled[i]) or t.cry[i : i + calm].any():
            continue
        onset = end if i - end <= anchor else i
        cried = bool(t.cry[max(0, end - int(RATE_HZ)) : end].any())
        fired = ["in step" if above[onset : onset + anchor].any() else "settled"]
        return _repair_at(t, mismatch, index, onset, fired, cried)
    return None


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    p = min(max(p, 0.0), 1.0)
    return float(sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def _answer_chains(t: _Timeline) -> npt.NDArray[np.bool_]:
    """Stretches where the parent answered most of a run of the baby's initiatives.

    Initiatives at most ``CHAIN_GAP_S`` apart form a run; a run with at least
    three answers is responsive (from its first initiative to its last answer)
    when it was answered more often than 95 % of the time-shifted versions and
    that many answers would come about by chance (a binomial tail at the
    clip's shifted answer rate) with a probability of at most ``CHAIN_P``.
    """
    steps = len(t.sync)
    mask = np.zeros(steps, dtype=bool)
    r = t.responses
    if r is None or len(r.initiatives) == 0 or not math.isfinite(r.chance_high):
        return mask
    gap = int(CHAIN_GAP_S * RATE_HZ)
    groups: list[list[int]] = [[0]]
    for k in range(1, len(r.initiatives)):
        if r.initiatives[k] - r.initiatives[k - 1] <= gap:
            groups[-1].append(k)
        else:
            groups.append([k])
    for group in groups:
        answered = [k for k in group if r.answers[k] >= 0]
        if len(answered) < CHAIN_MIN_ANSWERED or len(answered) / len(group) < r.chance_high:
            continue
        if _binomial_tail(len(answered), len(group), r.chance) > CHAIN_P:
            continue
        first = int(r.initiatives[group[0]])
        last = int(max(r.answers[k] for k in answered)) + int(RATE_HZ)
        mask[first : min(steps, last)] = True
    return mask


def _attentive(t: _Timeline, taken: list[Suggestion]) -> list[Suggestion]:
    """In step above chance, or answering the baby's initiatives, for at least 3 s, no crying."""
    valid = np.isfinite(t.sync) & np.isfinite(t.chance)
    in_step = valid & (t.sync >= t.chance)
    answering = _answer_chains(t)
    above = (in_step | answering) & ~t.cry
    out: list[Suggestion] = []
    for start, stop in runs(close_gaps(above, int(RATE_HZ // 2))):
        if stop - start < MIN_ATTENTIVE_S * RATE_HZ:
            continue
        if any(
            s.code == "MISMATCH" and s.end_ms is not None
            and s.start_ms < _ms(stop) and s.end_ms > _ms(start)
            for s in taken
        ):  # fmt: skip
            continue
        sync = _mean(t.sync[start:stop])
        chance = _mean(t.chance[start:stop])
        seconds = _seconds(stop - start)
        calm = "with calm sound" if t.has_audio else "(no sound to check)"
        answers = _answered_in(t, start, stop)
        step_share = float(in_step[start:stop].mean())
        margin = (sync - chance) if math.isfinite(sync - chance) else 0.0
        confidence = float(
            np.clip(
                0.2 + 0.4 * max(min(1.0, margin / 0.2), min(1.0, answers / 5.0))
                + 0.3 * min(1.0, seconds / 8.0) + (0.1 if t.has_audio else 0.0),
                0.05,
                0.95,
            )
        )
        lag = float(np.nanmedian(t.lag_s[start:stop])) if np.isfinite(t.lag_s[start:stop]).any() \
            else math.nan
        evidence: dict[str, float | str] = {
            "audio": "calm" if t.has_audio else "none",
            "in_step_share": round(step_share, 2),
        }
        if math.isfinite(sync) and math.isfinite(chance):
            evidence |= {"synchrony": round(sync, 3), "chance": round(chance, 3)}
        if math.isfinite(lag):
            evidence["lag_s"] = round(lag, 2)
        if t.responses is not None:
            inside = (t.responses.initiatives >= start) & (t.responses.initiatives < stop)
            evidence |= {"initiatives": int(inside.sum()), "answered": answers,
                         "answered_by_chance": round(t.responses.chance, 2)}
        if step_share >= 0.5 and math.isfinite(sync) and math.isfinite(chance):
            why = (f"Parent and child movements were in step for {seconds:.1f} s "
                   f"(synchrony {sync:.2f} above a chance level of {chance:.2f}) {calm}")
        else:
            why = (f"The parent answered {answers} of the baby's movements or sounds within "
                   f"0.3-1.5 s over {seconds:.1f} s (by chance about "
                   f"{100 * (t.responses.chance if t.responses else 0):.0f} % would be) {calm}")
        out.append(
            Suggestion("ATTENTIVE", _ms(start), _ms(stop), confidence, evidence,
                       f"{why}; this may be an attuned moment.")
        )  # fmt: skip
    return out


def _turn_taking(sound: AudioResult) -> list[Suggestion]:
    out: list[Suggestion] = []
    for episode in sound.turn_taking:
        seconds = (episode.end_ms - episode.start_ms) / 1000.0
        out.append(
            Suggestion(
                "TURN_TAKING",
                episode.start_ms,
                episode.end_ms,
                float(np.clip(0.3 + 0.12 * episode.turns, 0.05, 0.9)),
                {"turns": float(episode.turns), "duration_s": round(seconds, 2)},
                f"Parent and baby voices seem to take turns here ({episode.turns} changes of "
                f"speaker in {seconds:.1f} s).",
            )
        )
    return out


def _ordered(mismatches: list[Suggestion], others: list[Suggestion],
             repairs: list[Suggestion]) -> list[Suggestion]:
    """All suggestions by start time, with each REPAIR pointing at its MISMATCH's new index."""
    items = [(s, None) for s in mismatches + others] + [(r, r.repairs) for r in repairs]
    items.sort(key=lambda pair: (pair[0].start_ms, pair[0].code))
    position = {id(s): i for i, (s, _) in enumerate(items)}
    out: list[Suggestion] = []
    for s, target in items:
        if target is None:
            out.append(s)
        else:
            out.append(
                Suggestion(s.code, s.start_ms, s.end_ms, s.confidence, s.evidence,
                           s.explanation, repairs=position[id(mismatches[target])])
            )  # fmt: skip
    return out


def _series(
    steps: int, motion: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]],
    unreliable: npt.NDArray[np.bool_], sync: SynchronyResult, sound: AudioResult | None,
) -> dict[str, Series]:
    nan = np.full(steps, np.nan, dtype=np.float32)
    series = [
        make_series("motion_parent", STEP_MS, motion[0]),
        make_series("motion_child", STEP_MS, motion[1]),
        make_series("unreliable", STEP_MS, unreliable.astype(np.float32)),
        make_series("synchrony", sync.step_ms, sync.values),
        make_series("synchrony_chance", sync.step_ms, sync.chance),
        make_series("audio_level", STEP_MS, sound.level_db if sound else nan),
        make_series("cry", STEP_MS, sound.cry if sound else nan),
        make_series("voice", STEP_MS, sound.voice if sound else nan),
        make_series("voice_adult", STEP_MS, sound.adult_voice if sound else nan),
        make_series("voice_infant", STEP_MS, sound.infant_voice if sound else nan),
    ]
    return {s.name: s for s in series}


def analyse(
    frames: npt.ArrayLike,
    fps: float,
    audio: npt.ArrayLike | None,
    sample_rate: int,
    regions: Regions | None = None,
) -> Analysis:
    """Series, suggestions and notes for one clip; never raises on poor input.

    ``frames``: (T, H, W) uint8 grayscale at ``fps`` (normally 10, long side 160 px);
    ``audio``: mono float32 in [-1, 1] at ``sample_rate`` or None; ``regions``:
    where parent and child are, by default the two halves of the frame (parent
    left or top).
    """
    notes: list[Note] = []
    video = _as_gray(frames)
    fps = float(fps) if fps and math.isfinite(fps) and fps > 0 else RATE_HZ
    sound_in = None if audio is None else np.asarray(audio, dtype=np.float32).reshape(-1)
    sample_rate = int(sample_rate) if sample_rate and sample_rate > 0 else 16000
    video_s = len(video) / fps
    audio_s = 0.0 if sound_in is None else len(sound_in) / sample_rate
    duration_s = max(video_s, audio_s)
    steps = math.ceil(round(duration_s * RATE_HZ, 6))
    source = "drawn"
    if regions is None:
        proposed = propose_regions(video) if len(video) else None
        if proposed is not None:
            regions, source = proposed, "motion"
            notes.append(_regions_note(proposed))
        else:
            regions, source = default_regions(video.shape[1], video.shape[2]), "halves"

    motion: MotionResult = motion_energy(video, regions)
    parent = _resample(motion.parent, fps, steps)
    child = _resample(motion.child, fps, steps)
    unreliable = _resample(motion.unreliable.astype(np.float32), fps, steps) > 0.5
    if len(video) == 0:
        unreliable[:] = False

    sound: AudioResult | None = None
    if sound_in is None:
        notes.append(Note("no_audio", "The clip has no sound: crying and turn-taking were not "
                          "analysed."))
    elif len(sound_in) == 0:
        notes.append(Note("empty_audio", "The sound track is empty: crying and turn-taking were "
                          "not analysed."))
    else:
        sound = analyse_audio(np.nan_to_num(sound_in), sample_rate, steps)
        if sound.silent:
            notes.append(Note("silent_audio", "The sound is silent: crying and turn-taking could "
                              "not be detected."))

    motion_ok = True
    if len(video) == 0:
        notes.append(Note("no_video", "The clip has no video frames: movement was not analysed."))
        motion_ok = False
    elif duration_s < MIN_CLIP_S:
        notes.append(Note(
            "too_short",
            f"The clip is only {duration_s:.1f} s long: at least {MIN_CLIP_S:.0f} s are needed "
            "to judge whether movements are in step.",
            {"seconds": round(duration_s, 1), "needed": MIN_CLIP_S},
        ))
        motion_ok = False
    elif motion.mean_luma < DARK_LUMA:
        notes.append(Note("too_dark", "The video is too dark to measure movement reliably: "
                          "no movement suggestions were made."))
        motion_ok = False

    parent_level = float(np.nanpercentile(parent, 90)) if np.isfinite(parent).any() else 0.0
    child_level = float(np.nanpercentile(child, 90)) if np.isfinite(child).any() else 0.0
    if motion_ok and parent_level < STILL_MOTION and child_level < STILL_MOTION:
        notes.append(Note("no_motion", "Nobody seemed to move in the clip, so there was no "
                          "movement to compare."))
        motion_ok = False
    elif motion_ok and min(parent_level, child_level) < STILL_MOTION:
        moving = "parent" if parent_level >= child_level else "child"
        notes.append(Note(
            "one_side",
            f"Only the {moving}'s side of the frame showed movement: the other person may be out "
            "of frame or outside their region, so movements could not be compared.",
            {"moving": moving},
        ))
        motion_ok = False
    share = float(unreliable.mean()) if steps else 0.0
    if motion_ok and share > 0:
        notes.append(Note(
            "camera_moved",
            f"The camera moved during {share * steps / RATE_HZ:.1f} s of the clip; those moments "
            "were left out.",
            {"seconds": round(share * steps / RATE_HZ, 1)},
        ))

    masked_parent = np.where(unreliable, np.nan, parent).astype(np.float32)
    masked_child = np.where(unreliable, np.nan, child).astype(np.float32)
    if motion_ok:
        still = (
            max(STILL_MOTION / 2, STILL_SHARE * parent_level),
            max(STILL_MOTION / 2, STILL_SHARE * child_level),
        )
        sync = windowed_synchrony(masked_parent, masked_child, RATE_HZ, still=still)
        if not sync.has_chance:
            notes.append(Note(
                "too_short_for_chance",
                "The clip is too short to estimate chance-level synchrony (about 17 s are "
                "needed): no movement suggestions were made.",
            ))
    else:
        empty = np.full(math.ceil(steps / 5), np.nan, dtype=np.float32)
        sync = SynchronyResult(500, empty, empty.copy(), empty.copy(), np.zeros(len(empty), bool))

    window_step = max(1, sync.step_ms // STEP_MS)
    cry_mask = np.zeros(steps, dtype=bool)
    if sound is not None:
        for a, b in sound.cry_events:
            cry_mask[a // STEP_MS : b // STEP_MS] = True
    responses: Responsiveness | None = None
    parent_starts = np.zeros(0, dtype=np.intp)
    if motion_ok:
        parent_starts = movement_onsets(masked_parent, parent_level, RATE_HZ)
        initiatives = movement_onsets(masked_child, child_level, RATE_HZ)
        responses = responsiveness(initiatives, parent_starts, steps, RATE_HZ)
        vocal: Responsiveness | None = None
        if sound is not None and not sound.silent:
            # the baby's sounds answered by the parent's voice (a phrase, not each syllable)
            babbles = mask_onsets((sound.infant_voice >= 0.3) | (sound.cry >= 0.4))
            phrases = mask_onsets(close_gaps(sound.adult_voice >= 0.3, int(RATE_HZ // 2)))
            vocal = responsiveness(babbles, phrases, steps, RATE_HZ)
        if len(initiatives) or (vocal is not None and len(vocal.initiatives)):
            notes.append(_responsiveness_note(responses, vocal))
    timeline = _Timeline(
        parent=masked_parent,
        child=masked_child,
        unreliable=unreliable,
        sync=_on_steps(sync.values, window_step, steps),
        chance=_on_steps(sync.chance, window_step, steps),
        lag_s=_on_steps(sync.lag_s, window_step, steps),
        both_still=_on_steps(sync.both_still.astype(np.float32), window_step, steps) > 0.5,
        cry=cry_mask,
        has_audio=sound is not None and not sound.silent,
        parent_level=parent_level,
        child_level=child_level,
        responses=responses,
        parent_starts=np.asarray(parent_starts, dtype=np.intp),
    )

    mismatches: list[Suggestion] = []
    repairs: list[Suggestion] = []
    others: list[Suggestion] = []
    if motion_ok and sync.has_chance:
        mismatches = _cry_mismatches(timeline)
        mismatches += _one_sided_mismatches(timeline, parent_level, child_level, mismatches)
        mismatches.sort(key=lambda s: s.start_ms)
        for index, mismatch in enumerate(mismatches):
            repair = _repair(timeline, mismatch, index)
            if repair is not None:
                repairs.append(repair)
        others += _attentive(timeline, mismatches)
    if sound is not None and not sound.silent:
        others += _turn_taking(sound)
    if motion_ok and sync.has_chance and not mismatches and not others:
        notes.append(Note("nothing_stood_out", "No stretch stood out: movements were neither "
                          "clearly in nor out of step."))

    return Analysis(
        duration_ms=round(duration_s * 1000),
        series=_series(steps, (parent, child), unreliable, sync, sound),
        suggestions=_ordered(mismatches, others, repairs),
        notes=notes,
        regions=regions,
        regions_source=source,
    )


def _regions_note(regions: Regions) -> Note:
    """The boxes proposed from motion, so an app can draw them for a person to correct."""
    values: dict[str, float | str] = {}
    for who, box in (("parent", regions.parent), ("child", regions.child)):
        for name, value in zip(("x", "y", "w", "h"), box, strict=True):
            values[f"{who}_{name}"] = round(float(value), 3)
    return Note(
        "regions_from_motion",
        "No parent and child boxes were drawn, so they were placed where the movement was "
        "(the larger one taken as the parent); draw boxes if they are wrong.",
        values,
    )


def _responsiveness_note(r: Responsiveness, vocal: Responsiveness | None) -> Note:
    """How many of the baby's initiatives the parent answered, against chance."""
    count = len(r.initiatives)
    answered = int(r.answered.sum())
    chance = r.chance if math.isfinite(r.chance) else 0.0
    values: dict[str, float | str] = {
        "initiatives": count, "answered": answered,
        "answered_by_chance": round(chance * count, 1),
        "chance_share": round(chance, 3),
        "chance_share_95": round(r.chance_high, 3) if math.isfinite(r.chance_high) else "",
    }
    text = (f"The parent answered {answered} of the baby's {count} movements with a movement "
            f"within 0.3-1.5 s; shifted in time, about {chance * count:.0f} would have been "
            "answered by chance.")
    if vocal is not None and len(vocal.initiatives):
        sounds = len(vocal.initiatives)
        heard = int(vocal.answered.sum())
        by_chance = (vocal.chance if math.isfinite(vocal.chance) else 0.0) * sounds
        values |= {"sounds": sounds, "sounds_answered": heard,
                   "sounds_answered_by_chance": round(by_chance, 1)}
        text += (f" The parent's voice answered {heard} of the baby's {sounds} sounds "
                 f"(by chance about {by_chance:.0f}).")
    return Note("responsiveness", text, values)
