"""Responsiveness as events: the baby starts something, does the parent answer?

Windowed correlation asks whether two movement curves look alike, which a
parent who answers a baby's gesture with a gesture of their own (another
shape, another direction) does not produce. Counting events does not need the
movements to look alike: every start of the baby's movement (an initiative)
is answered when the parent starts a movement 0.3-1.5 s later. How often
that happens by chance follows from the same clip: the parent's starts are
shifted in time (circularly, by at least 3 s) and counted again, as the
synchrony's surrogates do for correlation. The same counting serves the
baby's sounds and the parent's voice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.analysis.synchrony import smooth

ANSWER_S = (0.3, 1.5)
"""An answer starts this long after the initiative (0.3 s: a reaction, not a coincidence)."""
ON_SHARE = 0.5
"""A start reaches this share of the person's 90th-percentile motion (0.3 s means)..."""
RISE_SHARE = 0.4
"""...having risen by this share within the last ``RISE_S``..."""
RISE_S = 0.5
REFRACTORY_S = 1.0
"""...and at least this long after their previous start."""
SHIFTS = 40
MIN_SHIFT_S = 3.0


@dataclass(frozen=True)
class Responsiveness:
    """The baby's initiatives (10 Hz step indices) and which of them the parent answered."""

    initiatives: npt.NDArray[np.intp]
    answers: npt.NDArray[np.intp]
    """Per initiative, the step where the parent's answer starts, or -1."""
    chance: float
    """Mean share of initiatives answered when the parent's starts are shifted in time."""
    chance_high: float
    """95th percentile of that share over the shifts."""

    @property
    def answered(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.answers >= 0, dtype=bool)

    @property
    def share(self) -> float:
        return float(self.answered.mean()) if len(self.initiatives) else 0.0


def movement_onsets(motion: npt.NDArray[np.float32], level: float,
                    rate_hz: float) -> npt.NDArray[np.intp]:
    """Steps where someone starts a movement: a clear rise of their 0.3 s mean motion.

    A rise, not a start from stillness: people seldom come to a full stop
    between gestures, and a gesture that begins while the last one fades is
    still a new one.
    """
    if level <= 0 or len(motion) == 0:
        return np.zeros(0, dtype=np.intp)
    values = smooth(motion.astype(np.float32), 3)
    back = max(1, round(RISE_S * rate_hz))
    padded = np.concatenate([np.full(back, np.inf, dtype=np.float32),
                             np.where(np.isfinite(values), values, np.inf)])
    recent_low = np.lib.stride_tricks.sliding_window_view(padded, back)[: len(values)].min(axis=1)
    with np.errstate(invalid="ignore"):
        rising = (values >= ON_SHARE * level) & (values - recent_low >= RISE_SHARE * level)
    out: list[int] = []
    gap = round(REFRACTORY_S * rate_hz)
    for i in np.flatnonzero(rising):
        if not out or i - out[-1] >= gap:
            out.append(int(i))
    return np.asarray(out, dtype=np.intp)


def mask_onsets(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    """Steps where a true stretch (a voice) starts."""
    if len(mask) == 0:
        return np.zeros(0, dtype=np.intp)
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8)]))
    return np.flatnonzero(edges == 1).astype(np.intp)


def _answers(initiatives: npt.NDArray[np.intp], starts: npt.NDArray[np.intp],
             lo: int, hi: int) -> npt.NDArray[np.intp]:
    if len(starts) == 0:
        return np.full(len(initiatives), -1, dtype=np.intp)
    starts = np.sort(starts)
    first = np.searchsorted(starts, initiatives + lo, side="left")
    found = np.full(len(initiatives), -1, dtype=np.intp)
    inside = first < len(starts)
    candidate = starts[np.minimum(first, len(starts) - 1)]
    ok = inside & (candidate <= initiatives + hi)
    found[ok] = candidate[ok]
    return found


def responsiveness(initiatives: npt.NDArray[np.intp], parent_starts: npt.NDArray[np.intp],
                   steps: int, rate_hz: float) -> Responsiveness:
    """Which initiatives the parent answered, and how often shifted starts would have."""
    lo = round(ANSWER_S[0] * rate_hz)
    hi = round(ANSWER_S[1] * rate_hz)
    answers = _answers(initiatives, parent_starts, lo, hi)
    min_shift = round(MIN_SHIFT_S * rate_hz)
    shares: list[float] = []
    if len(initiatives) and steps > 2 * min_shift:
        for shift in np.unique(np.linspace(min_shift, steps - min_shift, SHIFTS).astype(int)):
            moved = (parent_starts + shift) % steps
            shares.append(float((_answers(initiatives, moved, lo, hi) >= 0).mean()))
    chance = float(np.mean(shares)) if shares else float("nan")
    high = float(np.percentile(shares, 95)) if shares else float("nan")
    return Responsiveness(initiatives, answers, chance, high)
