"""Motion Energy Analysis (MEA) of the parent and child regions, and camera shake.

MEA (Ramseyer & Tschacher) measures how much each person moves as the share of
pixels in their region that changed between consecutive frames by more than the
video noise. It needs no skeleton or face model, which suits small, dim,
hand-held home recordings of a parent with a baby.

Assumptions and how they are handled:

- Lighting drifts and flickers (lamps, auto exposure): each frame is scaled to
  the clip's median brightness before differencing, so a global gain change is
  not counted as motion.
- Noise (sensor, compression) differs per clip: the change threshold is set from
  the cells of an 8x8-pixel grid that move least in each frame, i.e. from the
  background, not from a fixed constant.
- The camera is mostly still: when most of the textured background cells
  (those that change least over the whole clip) change at once, the camera moved. Those
  frames are marked unreliable and carry no motion values (NaN).
- People stay roughly in their region: by default the parent is on the left
  (landscape) or at the top (portrait) half of the frame and the child in the
  other half; users can set boxes per clip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Box = tuple[float, float, float, float]
"""A region as fractions of the frame: ``(x, y, width, height)``, each in 0..1."""

CHUNK_FRAMES = 256
NOISE_SAMPLES = 200
"""Frame steps, spread over the clip, from which the noise level is measured."""
MIN_THRESHOLD = 6.0
"""Smallest luma change (0..255) counted as motion, whatever the measured noise."""
NOISE_FACTOR = 4.0
"""Threshold in units of the background's mean absolute frame difference (~3.5 sigma,
measured before the 3x3 blur, so on the safe side)."""
CELL_CHANGED = 0.2
"""A grid cell counts as changed when this share of its pixels changed."""
BACKGROUND_SHARE = 0.5
"""Share of the textured grid cells, least moving over the clip, taken as background."""
TEXTURE_MIN = 6.0
"""Mean absolute gradient (luma per pixel) for a cell to show a camera shift."""
SHAKE_BACKGROUND_CHANGED = 0.4
"""Camera shake: at least this share of background cells changed in one frame step."""


@dataclass(frozen=True)
class Regions:
    """Where the parent and the child are in the frame."""

    parent: Box
    child: Box


@dataclass(frozen=True)
class MotionResult:
    """Per-frame motion at the frame rate; index ``t`` is the change from frame t-1 to t."""

    parent: npt.NDArray[np.float32]
    child: npt.NDArray[np.float32]
    unreliable: npt.NDArray[np.bool_]
    threshold: float
    mean_luma: float


def default_regions(height: int, width: int) -> Regions:
    """Two halves of the frame: left/right for landscape, top/bottom for portrait."""
    if height > width:
        return Regions(parent=(0.0, 0.0, 1.0, 0.5), child=(0.0, 0.5, 1.0, 0.5))
    return Regions(parent=(0.0, 0.0, 0.5, 1.0), child=(0.5, 0.0, 0.5, 1.0))


def box_pixels(box: Box, height: int, width: int) -> tuple[slice, slice]:
    """Row and column slices of a fractional box, at least one pixel each way."""
    x, y, w, h = (min(max(float(v), 0.0), 1.0) for v in box)
    x0 = min(round(x * width), width - 1)
    y0 = min(round(y * height), height - 1)
    x1 = max(x0 + 1, min(width, round((x + w) * width)))
    y1 = max(y0 + 1, min(height, round((y + h) * height)))
    return slice(y0, y1), slice(x0, x1)


def _cell_size(height: int, width: int) -> int:
    return max(2, min(8, min(height, width) // 6))


def _cell_means(values: npt.NDArray[np.float32], cell: int) -> npt.NDArray[np.float32]:
    n, h, w = values.shape
    hc, wc = h // cell, w // cell
    grid = values[:, : hc * cell, : wc * cell].reshape(n, hc, cell, wc, cell)
    return grid.mean(axis=(2, 4), dtype=np.float32)


def _frame_gains(frames: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Per-frame factors that bring each frame to the clip's median brightness.

    The median of every 4th pixel each way is as robust to a moving person as the
    full median and 16 times cheaper.
    """
    sample = frames[:, ::4, ::4].reshape(len(frames), -1)
    medians = np.maximum(np.median(sample, axis=1).astype(np.float32), 1.0)
    return (np.median(medians) / medians).astype(np.float32)


def _differences(
    frames: npt.NDArray[np.uint8], gains: npt.NDArray[np.float32], start: int, stop: int
) -> npt.NDArray[np.float32]:
    """Absolute brightness-normalised differences for frame steps ``start..stop`` (>= 1).

    A 3x3 box blur of the difference keeps blobs of real motion and suppresses
    isolated changed pixels from sensor noise and compression (the frames are
    stacked, so only the first and last row of a frame mix with a neighbour).
    """
    block = frames[start - 1 : stop].astype(np.float32) * gains[start - 1 : stop, None, None]
    diff = np.abs(block[1:] - block[:-1])
    n, h, w = diff.shape
    blurred = cv2.blur(diff.reshape(n * h, w), (3, 3)).reshape(n, h, w)
    return np.asarray(blurred, dtype=np.float32)


def _empty(n: int, mean_luma: float) -> MotionResult:
    zeros = np.zeros(n, dtype=np.float32)
    return MotionResult(zeros, zeros.copy(), np.zeros(n, dtype=bool), MIN_THRESHOLD, mean_luma)


def motion_energy(frames: npt.NDArray[np.uint8], regions: Regions) -> MotionResult:
    """Share of changed pixels per region and frame, with camera-shake frames marked.

    The noise level comes from a sample of frame steps; the changes are then
    computed in chunks, so a long clip never needs a float copy of all frames.
    """
    count, height, width = frames.shape
    mean_luma = float(frames.mean()) if frames.size else 0.0
    if count < 2 or height < 2 or width < 2:
        return _empty(count, mean_luma)
    gains = _frame_gains(frames)
    cell = _cell_size(height, width)

    sampled = np.unique(np.linspace(1, count - 1, min(count - 1, NOISE_SAMPLES)).astype(int))
    means = _cell_means(
        np.abs(
            frames[sampled].astype(np.float32) * gains[sampled, None, None]
            - frames[sampled - 1].astype(np.float32) * gains[sampled - 1, None, None]
        ),
        cell,
    )
    cell_noise = np.percentile(means.reshape(len(means), -1), 20, axis=1)
    threshold = max(MIN_THRESHOLD, NOISE_FACTOR * float(np.median(cell_noise)))

    parent_rows, parent_cols = box_pixels(regions.parent, height, width)
    child_rows, child_cols = box_pixels(regions.child, height, width)
    parent = np.empty(count - 1, dtype=np.float32)
    child = np.empty(count - 1, dtype=np.float32)
    cells_changed: list[npt.NDArray[np.bool_]] = []
    for start in range(1, count, CHUNK_FRAMES):
        stop = min(count, start + CHUNK_FRAMES)
        changed = (_differences(frames, gains, start, stop) > threshold).astype(np.float32)
        parent[start - 1 : stop - 1] = changed[:, parent_rows, parent_cols].mean(axis=(1, 2))
        child[start - 1 : stop - 1] = changed[:, child_rows, child_cols].mean(axis=(1, 2))
        cells_changed.append(_cell_means(changed, cell) > CELL_CHANGED)

    shaken = _camera_shake(np.concatenate(cells_changed), _cell_texture(frames, cell))
    unreliable = np.concatenate([shaken[:1], shaken])
    unreliable[1:] |= unreliable[:-1].copy()
    unreliable[:-1] |= unreliable[1:].copy()
    parent_t = np.concatenate([parent[:1], parent])
    child_t = np.concatenate([child[:1], child])
    parent_t[unreliable] = np.nan
    child_t[unreliable] = np.nan
    return MotionResult(parent_t, child_t, unreliable, threshold, mean_luma)


def _cell_texture(frames: npt.NDArray[np.uint8], cell: int) -> npt.NDArray[np.float32]:
    """Mean absolute brightness gradient per grid cell of the clip's median frame."""
    step = max(1, len(frames) // 50)
    median = np.median(frames[::step], axis=0).astype(np.float32)
    gradient = np.zeros_like(median)
    gradient[:, :-1] += np.abs(np.diff(median, axis=1))
    gradient[:-1, :] += np.abs(np.diff(median, axis=0))
    return _cell_means(gradient[None], cell)[0]


def _camera_shake(
    cells_changed: npt.NDArray[np.bool_], texture: npt.NDArray[np.float32]
) -> npt.NDArray[np.bool_]:
    """Frame steps in which most of the background changed at once.

    The background is the half of the textured grid cells (a flat wall cannot
    show a shift) that changed least often over the clip: people move within
    their own cells, so those cells only change together when the whole image
    moved. Without texture there is no shake to see, which is mostly harmless:
    a shaking flat scene adds little false motion either.
    """
    steps = len(cells_changed)
    flat = cells_changed.reshape(steps, -1)
    textured = np.flatnonzero(texture.reshape(-1) >= TEXTURE_MIN)
    if len(textured) < 4:
        return np.zeros(steps, dtype=bool)
    how_often = flat[:, textured].mean(axis=0)
    n_background = max(4, round(BACKGROUND_SHARE * len(textured)))
    background = textured[np.argsort(how_often, kind="stable")[:n_background]]
    share = flat[:, background].mean(axis=1)
    return np.asarray(share >= SHAKE_BACKGROUND_CHANGED, dtype=bool)
