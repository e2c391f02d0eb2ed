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
- People stay roughly in their region: boxes a person drew, else two boxes
  proposed from where the motion is over the clip (:func:`propose_regions`),
  else the parent on the left (landscape) or at the top (portrait) half of
  the frame and the child in the other half.
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
    means: npt.NDArray[np.float32] = grid.mean(axis=(2, 4), dtype=np.float32)
    return means


def _frame_gains(frames: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Per-frame factors that bring each frame to the clip's median brightness.

    The median of every 4th pixel each way is as robust to a moving person as the
    full median and 16 times cheaper.
    """
    sample = frames[:, ::4, ::4].reshape(len(frames), -1)
    medians = np.maximum(np.median(sample, axis=1).astype(np.float32), 1.0)
    gains: npt.NDArray[np.float32] = (np.median(medians) / medians).astype(np.float32)
    return gains


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
    cells: npt.NDArray[np.float32] = _cell_means(gradient[None], cell)[0]
    return cells


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


PROPOSAL_STEPS = 300
"""Frame steps, spread over the clip, from which the regions are proposed."""
PROPOSAL_CELL = 4
"""Grid cell (pixels at 160 px) of the motion map the regions are proposed from."""
PROPOSAL_MIN_SHARE = 0.15
"""The quieter of the two motion clusters must hold this share of the motion."""
PROPOSAL_PAD = 0.04
ONE_BODY_CORRELATION = 0.8
"""Two patches whose motion goes up and down together this closely are one person."""
PROPOSAL_MAX_AREA = 0.6
"""A proposed box covering more of the picture than this is no person's place."""
PROPOSAL_MIN_ACTIVITY = 0.05
"""Some cell must change in this share of frame steps, or nobody moved enough to place."""
"""Margin added around each cluster, as a share of the frame."""


def propose_regions(frames: npt.NDArray[np.uint8]) -> Regions | None:
    """Two boxes around where motion happens over the clip, or None when it is unclear.

    People are where the picture changes: a map of how often each 4x4-pixel cell
    changed (frame steps where most of the picture changed are left out: the
    camera moved) is split into two clusters by weighted k-means on the cells'
    positions, and each cluster's box holds the central 96 % of its motion. The
    bigger box is the parent's (an adult takes more of the picture than a baby);
    when the two are about as big, the one further left or up is, as in the
    default layout. None when the motion does not form two clear places: then
    the default halves are used.
    """
    count, height, width = frames.shape
    if count < 20 or height < 4 * PROPOSAL_CELL or width < 4 * PROPOSAL_CELL:
        return None
    gains = _frame_gains(frames)
    steps = np.unique(np.linspace(1, count - 1, min(count - 1, PROPOSAL_STEPS)).astype(int))
    diff = np.abs(frames[steps].astype(np.float32) * gains[steps, None, None]
                  - frames[steps - 1].astype(np.float32) * gains[steps - 1, None, None])
    cells = _cell_means(diff, PROPOSAL_CELL)
    noise = np.percentile(cells.reshape(len(cells), -1), 20, axis=1)
    threshold = np.maximum(MIN_THRESHOLD / 2, NOISE_FACTOR * np.median(noise))
    changed = cells > threshold
    shaken = changed.reshape(len(changed), -1).mean(axis=1) > 0.5
    if shaken.all():
        return None
    activity = changed[~shaken].mean(axis=0).astype(np.float64)
    activity = np.maximum(activity - np.percentile(activity, 50), 0.0)
    if activity.sum() <= 0:
        return None
    if activity.max() < PROPOSAL_MIN_ACTIVITY:
        return None
    moving = _without_specks(activity > 0.1 * activity.max(), activity)
    rows, cols = np.nonzero(moving)
    weight = activity[rows, cols]
    if len(rows) < 4:
        return None
    points = np.stack([(cols + 0.5) / activity.shape[1], (rows + 0.5) / activity.shape[0]],
                      axis=1)
    labels = _by_blobs(activity, rows, cols)
    if labels is None:
        first_split = _two_means(points, weight)
        if first_split is None:
            return None
        labels = _two_gaussians(points, weight, first_split)
    if _one_body(changed[~shaken], rows, cols, labels):
        return None
    boxes: list[tuple[Box, float, float]] = []
    for label in (0, 1):
        mine = labels == label
        share = float(weight[mine].sum() / weight.sum())
        if share < PROPOSAL_MIN_SHARE:
            return None
        x0, x1 = _weighted_range(points[mine, 0], weight[mine])
        y0, y1 = _weighted_range(points[mine, 1], weight[mine])
        x0, y0 = max(0.0, x0 - PROPOSAL_PAD), max(0.0, y0 - PROPOSAL_PAD)
        x1, y1 = min(1.0, x1 + PROPOSAL_PAD), min(1.0, y1 + PROPOSAL_PAD)
        area = float(np.count_nonzero(mine)) / (activity.shape[0] * activity.shape[1])
        if (x1 - x0) * (y1 - y0) > PROPOSAL_MAX_AREA:
            return None  # motion all over the picture is not a person
        boxes.append(((x0, y0, x1 - x0, y1 - y0), area, x0 + y0))
    first, second = boxes
    if abs(first[1] - second[1]) < 0.15 * max(first[1], second[1]):
        parent, child = sorted(boxes, key=lambda b: b[2])
    else:
        parent, child = sorted(boxes, key=lambda b: -b[1])
    return Regions(parent=parent[0], child=child[0])


def _weighted_range(values: npt.NDArray[np.float64],
                    weight: npt.NDArray[np.float64]) -> tuple[float, float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weight[order]) / weight.sum()
    low = values[order][min(len(order) - 1, int(np.searchsorted(cumulative, 0.02)))]
    high = values[order][min(len(order) - 1, int(np.searchsorted(cumulative, 0.98)))]
    half_cell = 0.5 / 40
    return float(low) - half_cell, float(high) + half_cell


def _one_body(changed: npt.NDArray[np.bool_], rows: npt.NDArray[np.intp],
              cols: npt.NDArray[np.intp], labels: npt.NDArray[np.intp]) -> bool:
    """Whether the two clusters move as one: the two sides of one moving person.

    Parts of one body change in the same frame steps; a parent and a baby, even
    moving together, do not move at exactly the same moments.
    """
    series = [changed[:, rows[labels == k], cols[labels == k]].mean(axis=1) for k in (0, 1)]
    if min(float(np.std(x)) for x in series) == 0.0:
        return False
    return float(np.corrcoef(series[0], series[1])[0, 1]) >= ONE_BODY_CORRELATION


def _without_specks(moving: npt.NDArray[np.bool_],
                    activity: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Moving cells without the small scattered patches that noise and flicker leave."""
    count, blob_of = cv2.connectedComponents(moving.astype(np.uint8), connectivity=8)
    mass = np.bincount(blob_of.ravel(), weights=activity.ravel(), minlength=count)
    mass[0] = 0.0
    keep = mass >= 0.03 * mass.sum()
    return np.asarray(keep[blob_of] & moving, dtype=bool)


def _by_blobs(activity: npt.NDArray[np.float64], rows: npt.NDArray[np.intp],
              cols: npt.NDArray[np.intp]) -> npt.NDArray[np.intp] | None:
    """Two people as the two main patches of motion, each moving cell given to the nearer.

    Two people apart leave a stiller gap between their patches. Raising the
    level at which a cell counts as moving until the map falls apart into two
    patches that each hold a good share of the motion finds that gap even when
    the people nearly touch; None when no level separates them.
    """
    top = float(activity.max())
    for level in (0.1, 0.2, 0.3, 0.4, 0.5):
        count, blob_of = cv2.connectedComponents(
            (activity > level * top).astype(np.uint8), connectivity=8)
        if count < 3:
            continue
        mass = np.bincount(blob_of.ravel(), weights=activity.ravel(), minlength=count)[1:]
        order = np.argsort(mass)[::-1]
        if mass[order[1]] < PROPOSAL_MIN_SHARE * (mass[order[0]] + mass[order[1]]):
            continue
        seeds = [np.argwhere(blob_of == order[k] + 1) for k in (0, 1)]
        cells = np.stack([rows, cols], axis=1)
        nearest = [np.min(np.abs(cells[:, None, :] - seed[None]).sum(axis=2), axis=1)
                   for seed in seeds]
        return np.asarray(nearest[1] < nearest[0], dtype=np.intp)
    return None


def _two_gaussians(points: npt.NDArray[np.float64], weight: npt.NDArray[np.float64],
                   labels: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Refine a 2-means split with a weighted two-Gaussian mixture (EM, full covariance).

    k-means cuts space halfway between the centres, so a tall adult next to a
    small baby loses cells to the baby; a mixture lets each cluster take its own
    shape and size.
    """
    n = len(points)
    resp = np.stack([labels == 0, labels == 1], axis=1).astype(np.float64)
    for _ in range(30):
        w = resp * weight[:, None]
        mass = w.sum(axis=0)
        if (mass <= 0).any():
            return labels
        density = np.zeros((n, 2))
        for k in (0, 1):
            mean = (w[:, k, None] * points).sum(axis=0) / mass[k]
            centred = points - mean
            cov = (w[:, k, None, None] * centred[:, :, None] * centred[:, None, :]).sum(axis=0)
            cov = cov / mass[k] + np.eye(2) * 1e-4
            inverse = np.linalg.inv(cov)
            d2 = np.einsum("ni,ij,nj->n", centred, inverse, centred)
            density[:, k] = mass[k] / np.sqrt(np.linalg.det(cov)) * np.exp(-0.5 * d2)
        total = density.sum(axis=1, keepdims=True)
        new = np.divide(density, total, out=np.full_like(density, 0.5), where=total > 0)
        if np.allclose(new, resp, atol=1e-4):
            break
        resp = new
    states: npt.NDArray[np.intp] = np.argmax(resp, axis=1).astype(np.intp)
    return states


def _two_means(points: npt.NDArray[np.float64],
               weight: npt.NDArray[np.float64]) -> npt.NDArray[np.intp] | None:
    """Weighted 2-means on positions, started from the two most distant heavy cells."""
    heavy = weight >= np.percentile(weight, 50)
    candidates = points[heavy]
    distance = np.linalg.norm(candidates[:, None, :] - candidates[None, :, :], axis=2)
    i, j = np.unravel_index(int(np.argmax(distance)), distance.shape)
    centres = np.stack([candidates[i], candidates[j]])
    labels = np.zeros(len(points), dtype=np.intp)
    for _ in range(20):
        labels = np.argmin(np.linalg.norm(points[:, None, :] - centres[None], axis=2), axis=1)
        if (labels == 0).all() or (labels == 1).all():
            return None
        moved = np.stack([np.average(points[labels == k], axis=0, weights=weight[labels == k])
                          for k in (0, 1)])
        if np.allclose(moved, centres):
            break
        centres = moved
    if np.linalg.norm(centres[0] - centres[1]) < 0.12:
        return None
    return labels
