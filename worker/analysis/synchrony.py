"""Movement synchrony: windowed lagged cross-correlation against a chance level.

Windowed lagged cross-correlation (WLCC, Boker et al. 2002) follows how
strongly two motion signals go together over time, allowing one person to lead
the other by up to ``max_lag_s``. Its peak over lags is biased upwards (it is a
maximum over many noisy correlations), so its value alone says little. The
chance level therefore comes from the same clip: the child's signal is shifted
circularly by large offsets (pseudo-synchrony, Ramseyer & Tschacher 2010),
which keeps both signals' own rhythm and activity but breaks their timing, and
the high percentile of those surrogate peaks is what synchrony has to beat.

Samples that are NaN (camera shake) are left out of every sum; a window needs
three quarters of its samples to give a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_VALID_SHARE = 0.75
STILL_VARIANCE = 1e-9


@dataclass(frozen=True)
class SynchronyResult:
    """Per window centred at ``i * step_ms``: peak correlation, chance level, lag.

    ``both_still`` marks windows where neither person moved (their value is NaN).

    ``lag_s`` is positive when the child follows the parent. ``chance`` is NaN
    for all windows when the clip is too short for surrogates that are far
    enough from the real timing.
    """

    step_ms: int
    values: npt.NDArray[np.float32]
    chance: npt.NDArray[np.float32]
    lag_s: npt.NDArray[np.float32]
    both_still: npt.NDArray[np.bool_]

    @property
    def has_chance(self) -> bool:
        return bool(np.isfinite(self.chance).any())


def smooth(values: npt.NDArray[np.float32], samples: int) -> npt.NDArray[np.float32]:
    """Centred moving average that ignores NaN and keeps NaN where the input is NaN."""
    if samples <= 1 or len(values) == 0:
        return values.astype(np.float32)
    valid = np.isfinite(values)
    filled = np.where(valid, values, 0.0).astype(np.float64)
    kernel = np.ones(samples, dtype=np.float64)
    total = np.convolve(filled, kernel, mode="same")
    weight = np.convolve(valid.astype(np.float64), kernel, mode="same")
    out = np.full(len(values), np.nan, dtype=np.float32)
    np.divide(total, weight, out=out, where=valid & (weight > 0), casting="unsafe")
    return out


@dataclass(frozen=True)
class _Signals:
    """Parent (x) and child (y) motion with gaps zeroed, and where each is valid (1/0)."""

    x: npt.NDArray[np.float64]
    x_ok: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    y_ok: npt.NDArray[np.float64]

    @classmethod
    def of(cls, parent: npt.NDArray[np.float32], child: npt.NDArray[np.float32]) -> _Signals:
        x_ok = np.isfinite(parent).astype(np.float64)
        y_ok = np.isfinite(child).astype(np.float64)
        return cls(np.where(x_ok > 0, parent, 0.0).astype(np.float64), x_ok,
                   np.where(y_ok > 0, child, 0.0).astype(np.float64), y_ok)

    def shifted(self, samples: int) -> _Signals:
        """The child's signal turned round by ``samples``: a surrogate with no real timing."""
        return _Signals(self.x, self.x_ok, np.roll(self.y, samples), np.roll(self.y_ok, samples))


@dataclass(frozen=True)
class _Windows:
    """Where each analysis window starts and stops, and how many valid samples it needs."""

    starts: npt.NDArray[np.intp]
    stops: npt.NDArray[np.intp]
    min_count: float


def _window_sums(
    signals: _Signals, max_lag: int, windows: _Windows
) -> tuple[npt.NDArray[np.float64], ...]:
    """Sums n, Sx, Sy, Sxx, Syy, Sxy over each window for every lag: shape (lags, windows).

    Running sums make this O(lags x samples) instead of O(lags x windows x width).
    """
    x, x_ok = signals.x, signals.x_ok
    count = len(x)
    pad = np.zeros(max_lag, dtype=np.float64)
    lagged_y = np.lib.stride_tricks.sliding_window_view(
        np.concatenate([pad, signals.y, pad]), count
    )
    lagged_ok = np.lib.stride_tricks.sliding_window_view(
        np.concatenate([pad, signals.y_ok, pad]), count
    )
    weight = lagged_ok * x_ok
    wx = weight * x
    wy = weight * lagged_y
    terms = np.stack([weight, wx, wy, wx * x, wy * lagged_y, wx * lagged_y])
    running = np.concatenate(
        [np.zeros((*terms.shape[:2], 1)), np.cumsum(terms, axis=2)], axis=2
    )
    window = running[:, :, windows.stops] - running[:, :, windows.starts]
    return tuple(window)


def _peak_correlation(
    signals: _Signals,
    max_lag: int,
    windows: _Windows,
    still: tuple[float, float],
    one_still: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Peak Pearson r over lags per window, and the index of that lag.

    A side whose mean motion in the window is below its ``still`` level did not
    move: with both still the window is NaN (nothing to compare); with one
    still it gets ``one_still`` (0 for the real signals: no shared movement;
    NaN for surrogates, so stillness does not drag the chance level down).
    """
    n, sx, sy, sxx, syy, sxy = _window_sums(signals, max_lag, windows)
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    cov = n * sxy - sx * sy
    enough = n >= windows.min_count
    safe_n = np.maximum(n, 1.0)
    x_still = (sx / safe_n < still[0]) | (var_x <= STILL_VARIANCE * n * n)
    y_still = (sy / safe_n < still[1]) | (var_y <= STILL_VARIANCE * n * n)
    r = np.zeros_like(cov)
    np.divide(cov, np.sqrt(np.abs(var_x * var_y)), out=r, where=enough & ~x_still & ~y_still)
    r = np.where(enough, np.clip(r, -1.0, 1.0), -np.inf)
    best = np.argmax(r, axis=0)
    peak = np.take_along_axis(r, best[None, :], axis=0)[0]
    columns = np.arange(r.shape[1])
    x_still_w = x_still[best, columns]
    y_still_w = y_still[best, columns]
    peak = np.where(x_still_w | y_still_w, one_still, peak)
    peak = np.where(x_still_w & y_still_w, np.nan, peak)
    return np.where(np.isfinite(peak), peak, np.nan), best


def _both_still(
    signals: _Signals, windows: _Windows, still: tuple[float, float]
) -> npt.NDArray[np.bool_]:
    n, sx, sy, *_ = _window_sums(signals, 0, windows)
    safe_n = np.maximum(n[0], 1.0)
    return np.asarray(
        (n[0] >= windows.min_count) & (sx[0] / safe_n < still[0]) & (sy[0] / safe_n < still[1]),
        dtype=bool,
    )


def windowed_synchrony(
    parent: npt.NDArray[np.float32],
    child: npt.NDArray[np.float32],
    rate_hz: float,
    window_s: float = 4.0,
    max_lag_s: float = 2.0,
    step_s: float = 0.5,
    surrogates: int = 30,
    percentile: float = 95.0,
    still: tuple[float, float] = (0.0, 0.0),
) -> SynchronyResult:
    """WLCC peak per window, with a per-window chance level from circular shifts.

    The chance level of a window is the ``percentile`` of the peaks that the
    same parent window reaches against the shifted child signals; it is then
    averaged over five neighbouring windows to steady it, and windows without
    one (someone still) take the clip's median chance level. ``still`` is the
    mean motion per window below which the parent or the child counts as still. Shifts run evenly
    between ``window + 2 * max_lag`` and the clip length minus that, so no
    surrogate keeps the real timing.
    """
    count = len(parent)
    width = max(2, round(window_s * rate_hz))
    max_lag = max(0, round(max_lag_s * rate_hz))
    step = max(1, round(step_s * rate_hz))
    step_ms = round(step * 1000.0 / rate_hz)
    centres = np.arange(0, count, step, dtype=np.intp)
    empty = np.full(len(centres), np.nan, dtype=np.float32)
    if count < width:
        return SynchronyResult(
            step_ms, empty, empty.copy(), empty.copy(), np.zeros(len(centres), dtype=bool)
        )
    starts = np.clip(centres - width // 2, 0, count)
    windows = _Windows(starts, np.clip(starts + width, 0, count), MIN_VALID_SHARE * width)
    signals = _Signals.of(parent, child)

    peak, best = _peak_correlation(signals, max_lag, windows, still, 0.0)
    lag_s = np.where(np.isfinite(peak), (best - max_lag) / rate_hz, np.nan)

    min_shift = width + 2 * max_lag
    chance = empty.copy()
    if count - 2 * min_shift >= 2:
        shifts = np.unique(
            np.linspace(min_shift, count - min_shift, surrogates).round().astype(int)
        )
        surrogate_peaks = np.stack(
            [
                _peak_correlation(signals.shifted(s), max_lag, windows, still, np.nan)[0]
                for s in shifts
            ]
        )
        usable = np.isfinite(surrogate_peaks).sum(axis=0) >= max(3, len(shifts) // 3)
        level = np.nanpercentile(
            np.where(usable[None, :], surrogate_peaks, 0.0), percentile, axis=0
        )
        level[~usable] = np.nan
        chance = smooth(level.astype(np.float32), 5)
        if np.isfinite(chance).any():
            chance = np.where(np.isfinite(chance), chance, np.nanmedian(chance)).astype(
                np.float32
            )
            chance[~np.isfinite(peak)] = np.nan
    return SynchronyResult(
        step_ms,
        peak.astype(np.float32),
        chance.astype(np.float32),
        lag_s.astype(np.float32),
        _both_still(signals, windows, still),
    )
