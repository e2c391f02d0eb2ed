"""Time series for the coding timeline, and their compact JSON form.

The timeline only draws these curves, so 8 bits per sample are plenty: each
series is stored as uint8 levels between its own minimum and maximum (254
levels, 255 marks a missing sample such as a camera-shake frame or a
synchrony window that could not be computed). A 10-minute clip with ten
series at 10 Hz is about 60 KB of bytes, ~80 KB as base64 in JSON.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT_VERSION = 1
MISSING_LEVEL = 255
TOP_LEVEL = 254


@dataclass(frozen=True)
class Series:
    """Samples of one signal at a fixed rate: sample ``i`` is at ``start_ms + i * step_ms``.

    NaN means "not measured here" (unreliable or out of range).
    """

    name: str
    step_ms: int
    values: npt.NDArray[np.float32] = field(repr=False)
    start_ms: int = 0

    @property
    def rate_hz(self) -> float:
        return 1000.0 / self.step_ms

    def times_ms(self) -> npt.NDArray[np.float64]:
        return self.start_ms + np.arange(len(self.values), dtype=np.float64) * self.step_ms


def make_series(name: str, step_ms: int, values: npt.ArrayLike, start_ms: int = 0) -> Series:
    """A series with its values as a 1-D float32 array."""
    array = np.asarray(values, dtype=np.float32).reshape(-1)
    return Series(name=name, step_ms=int(step_ms), values=array, start_ms=int(start_ms))


def _encode_values(values: npt.NDArray[np.float32]) -> dict[str, Any]:
    finite = np.isfinite(values)
    if not finite.any():
        lo = hi = 0.0
    else:
        lo = float(values[finite].min())
        hi = float(values[finite].max())
    levels = np.full(values.shape, MISSING_LEVEL, dtype=np.uint8)
    if hi > lo:
        scaled = (values[finite].astype(np.float64) - lo) / (hi - lo) * TOP_LEVEL
        levels[finite] = np.clip(np.rint(scaled), 0, TOP_LEVEL).astype(np.uint8)
    else:
        levels[finite] = 0
    return {
        "min": lo,
        "max": hi,
        "data": base64.b64encode(levels.tobytes()).decode("ascii"),
    }


def _decode_values(entry: Mapping[str, Any]) -> npt.NDArray[np.float32]:
    levels = np.frombuffer(base64.b64decode(entry["data"]), dtype=np.uint8)
    lo = float(entry["min"])
    hi = float(entry["max"])
    values = lo + levels.astype(np.float64) * ((hi - lo) / TOP_LEVEL)
    values[levels == MISSING_LEVEL] = math.nan
    return values.astype(np.float32)


def to_json(series: Mapping[str, Series]) -> dict[str, Any]:
    """A JSON-serialisable dict of the series, quantised to uint8 levels.

    The reconstruction error of each sample is at most half a level:
    ``(max - min) / 508``.
    """
    return {
        "version": FORMAT_VERSION,
        "series": {
            name: {"start_ms": s.start_ms, "step_ms": s.step_ms, **_encode_values(s.values)}
            for name, s in series.items()
        },
    }


def from_json(packed: Mapping[str, Any]) -> dict[str, Series]:
    """The series back from :func:`to_json`'s output (or its parsed JSON text)."""
    if packed.get("version") != FORMAT_VERSION:
        raise ValueError(f"unknown series format version: {packed.get('version')!r}")
    return {
        name: make_series(name, int(e["step_ms"]), _decode_values(e), int(e["start_ms"]))
        for name, e in packed["series"].items()
    }
