"""Synthetic parent-and-baby clips with planted ground truth, through real ffmpeg.

Two textured figures on a patterned background: the parent (bigger, one side)
and the child (smaller, other side). Their positions follow smooth random
processes. While *coupled* the child follows the parent with a lag of
0.2-1 s (plus a little of its own motion); while *independent* it follows its
own process with its own rhythm and amplitude, so both still move.

Planted events (ground truth, times in ms):

- MISMATCH (start, end): 3-8 s of independent motion while the baby cries
  (~450 Hz fundamental, harmonics, ~5 Hz vibrato, in bouts with inhalation gaps).
- REPAIR (start, None): where coupling resumes and the crying stops.

Distractors that must not be suggested: independent motion without crying,
a short cry while the two stay coupled, camera shake (the whole frame jumps a
few pixels for 1-2 s), lighting flicker, sensor noise, adult speech (voiced
pulses at 120-200 Hz in ~4 Hz syllables) and infant coos in calm parts.

Null clips (no events): ``coupled``, ``independent``, ``static``, ``dark``,
``no_audio``; plus ``single`` (one figure), ``shake`` (coupled with
frequent shakes) and ``mismatch`` (one mismatch at 40 % of the clip) for
tests. Everything is deterministic by seed.

The video is rendered at 25 fps, encoded to H.264 yuv420p + AAC in .mp4, and
:func:`decode_for_analysis` decodes it back to what the analysis receives.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16000
ANALYSIS_FPS = 10.0
ANALYSIS_LONG_SIDE = 160
KINDS = (
    "family", "coupled", "independent", "static", "dark", "no_audio", "single", "shake",
    "mismatch", "calm_repair", "soothe", "responsive", "layout", "speech_weak", "parent_led",
)
LAYOUTS = ("halves", "swapped", "stacked", "one_half", "anywhere")
"""Where the figures stand: parent left and child right (the default regions' halves), the
other way round, one above the other in a landscape frame, both in the left half, or
anywhere (places, sizes and brightness of both figures drawn per clip)."""
STYLES = ("parent_leads", "child_leads", "responds")
"""How coupled movement looks: the child follows the parent's path, the parent follows the
child's, or the parent answers each of the baby's gestures 0.3-0.9 s later with one of
their own (not a copy of the baby's path)."""

Truth = tuple[str, int, int | None]
"""(code, start_ms, end_ms); end_ms is None for a moment (REPAIR)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Look:
    """How a clip is filmed and sounds, drawn per family clip (fixed for the test kinds)."""

    layout: str = "halves"
    brightness: float = 1.0
    crf: int = 23
    phone_voice: bool = False
    """A man's voice at 100-130 Hz through a phone microphone that cuts below ~300 Hz."""
    coo_s: tuple[float, float] = (0.2, 0.35)


@dataclass(frozen=True)
class ClipSpec:
    kind: str = "family"
    seconds: float = 60.0
    seed: int = 0
    width: int = 320
    height: int = 180
    fps: int = 25
    look: Look | None = None
    """None: the kind's own look (family clips draw theirs from the seed)."""


@dataclass
class ClipPlan:
    """What happens when, on the video frame clock, plus the ground truth."""

    spec: ClipSpec
    coupled: FloatArray
    crying: list[tuple[float, float]]
    shakes: list[tuple[float, float]]
    calm: list[tuple[float, float]]
    truth: list[Truth] = field(default_factory=list)
    look: Look = field(default_factory=Look)
    style: npt.NDArray[np.int_] | None = None
    """Per frame, the index in STYLES of how coupled movement looks (default: parent leads)."""
    child_gain: FloatArray | None = None
    """Per frame, how much the child moves (1 normally; ~0.1 once the baby has calmed)."""
    parent_gain: FloatArray | None = None
    turned_away: FloatArray | None = None
    """Per frame, 1 while the parent has turned away from the child (0..1 ramps)."""
    endings: list[str] = field(default_factory=list)
    """How each planted mismatch ends (see :func:`plan_clip`)."""


@dataclass(frozen=True)
class Decoded:
    frames: npt.NDArray[np.uint8]
    fps: float
    audio: npt.NDArray[np.float32] | None
    sample_rate: int


def _smooth_noise(rng: np.random.Generator, n: int, sigma: float) -> FloatArray:
    """Gaussian-filtered white noise with unit standard deviation."""
    radius = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / max(sigma, 1e-6)) ** 2)
    noise = rng.standard_normal(n + 2 * radius)
    out = np.convolve(noise, kernel / kernel.sum(), mode="valid")[:n]
    return out / (out.std() + 1e-9)


def _ramp(mask: FloatArray, samples: int) -> FloatArray:
    if samples <= 1:
        return mask
    kernel = np.ones(samples) / samples
    return np.convolve(np.pad(mask, samples, mode="edge"), kernel, mode="same")[samples:-samples]


def draw_look(rng: np.random.Generator) -> Look:
    """A family clip's filming and sound: layout, dim or heavily compressed video, voice."""
    layout = LAYOUTS[int(rng.choice(4, p=[0.4, 0.2, 0.2, 0.2]))]
    quality = rng.uniform()
    brightness = float(rng.uniform(0.3, 0.45)) if quality < 0.25 else 1.0
    crf = int(rng.integers(34, 39)) if 0.2 < quality < 0.45 else 23
    phone_voice = bool(rng.uniform() < 0.5)
    coo_s = (0.45, 0.7) if rng.uniform() < 0.5 else (0.2, 0.35)
    return Look(layout, brightness, crf, phone_voice, coo_s)


def _anywhere(seed: int, kind: str) -> bool:
    """A quarter of the family clips place their figures anywhere (own stream, so the
    other draws of a seed stay what they were)."""
    return bool(np.random.default_rng([seed, 29, KINDS.index(kind)]).uniform() < 0.25)


KIND_LOOKS = {
    "layout": Look(layout="one_half"),
    "speech_weak": Look(phone_voice=True, coo_s=(0.5, 0.65)),
}


def plan_clip(spec: ClipSpec) -> ClipPlan:
    """Draw the clip's timeline: coupled/independent stretches, cries, shakes, truth.

    A planted mismatch ends in one of four ways: coupling returns as the cry
    stops (``classic``); the baby calms and barely moves while the parent turns
    back to them (``calm``); the parent starts soothing 1-2.5 s before the cry
    stops (``soothe``); or coupling returns with the parent following the child
    (``parent_follows``). The repair is where the crying stops.
    """
    rng = np.random.default_rng([spec.seed, KINDS.index(spec.kind)])
    # the look, the endings and the styles come from their own stream, so a seed's
    # timeline of cries and coupling stays what it was before they existed
    extra = np.random.default_rng([spec.seed, 23, KINDS.index(spec.kind)])
    seconds = spec.seconds
    n = round(seconds * spec.fps)
    coupled = np.ones(n)
    style = np.zeros(n, dtype=int)
    child_gain = np.ones(n)
    parent_gain = np.ones(n)
    away = np.zeros(n)
    crying: list[tuple[float, float]] = []
    shakes: list[tuple[float, float]] = []
    calm: list[tuple[float, float]] = []
    truth: list[Truth] = []
    endings: list[str] = []
    look = spec.look or KIND_LOOKS.get(spec.kind, Look())

    def frames_of(a: float, b: float) -> slice:
        return slice(round(a * spec.fps), round(b * spec.fps))

    def episode(t: float, length: float, ending: str) -> float:
        """A planted mismatch from ``t``; returns when the calm after it ends."""
        end = t + length
        endings.append(ending)
        crying.append((t, end))
        truth.append(("MISMATCH", round(t * 1000), round(end * 1000)))
        truth.append(("REPAIR", round(end * 1000), None))
        back = end
        if ending == "soothe":
            back = end - float(extra.uniform(1.0, max(1.0, min(2.5, length - 1.5))))
        coupled[frames_of(t, back)] = 0.0
        rest = float(rng.uniform(6.0, 10.0))
        if ending == "calm":
            away[frames_of(t + 0.5, end)] = 1.0
            child_gain[frames_of(end, end + rest)] = float(extra.uniform(0.05, 0.15))
            parent_gain[frames_of(end + 0.8, end + rest)] = float(extra.uniform(0.3, 0.6))
        if ending == "parent_follows":
            style[frames_of(end, end + rest)] = STYLES.index("child_leads")
        calm.append((end + 1.0, end + rest))
        return end + rest

    if spec.kind == "family":
        look = spec.look or draw_look(extra)
        if spec.look is None and _anywhere(spec.seed, spec.kind):
            look = Look("anywhere", look.brightness, look.crf, look.phone_voice, look.coo_s)
        t = float(rng.uniform(5.0, 9.0))
        calm.append((0.0, t))
        while t < seconds - 12.0:
            choice = rng.uniform()
            if choice < 0.5:
                length = float(rng.uniform(3.0, 8.0))
                ending = ("classic", "calm", "soothe", "parent_follows")[int(extra.integers(4))]
                t = episode(t, length, ending)
            elif choice < 0.7:
                length = float(rng.uniform(4.0, 7.0))
                coupled[frames_of(t, t + length)] = 0.0
                calm.append((t, t + length))
                t += length + float(rng.uniform(4.0, 7.0))
                calm.append((t - 3.0, t))
            elif choice < 0.85:
                length = float(rng.uniform(1.0, 1.6))
                crying.append((t + 1.0, t + 1.0 + length))
                t += length + float(rng.uniform(5.0, 8.0))
            else:
                length = float(rng.uniform(1.0, 2.0))
                shakes.append((t + 1.0, t + 1.0 + length))
                calm.append((t, t + 1.0))
                t += length + float(rng.uniform(5.0, 8.0))
        calm.append((t, seconds))
        # coupled stretches take turns in how they look
        stretch = 0.0
        while stretch < seconds:
            length = float(extra.uniform(6.0, 15.0))
            picked = style[frames_of(stretch, stretch + length)]
            picked[picked == 0] = int(extra.choice(len(STYLES), p=[0.5, 0.2, 0.3]))
            stretch += length
    elif spec.kind == "independent":
        coupled[:] = 0.0
        calm.append((0.0, seconds))
    elif spec.kind in ("mismatch", "calm_repair", "soothe", "parent_led", "layout"):
        start = round(0.4 * seconds, 1)
        length = min(5.0, 0.25 * seconds)
        calm.append((0.0, start))
        ending = {"calm_repair": "calm", "soothe": "soothe",
                  "parent_led": "parent_follows"}.get(spec.kind, "classic")
        episode(start, length, ending)
        calm[-1] = (calm[-1][0], seconds)
    elif spec.kind == "responsive":
        style[:] = STYLES.index("responds")
        calm.append((0.0, seconds))
    elif spec.kind == "shake":
        calm.append((0.0, seconds))
        t = 4.0
        while t < seconds - 4.0:
            length = float(rng.uniform(1.0, 2.0))
            shakes.append((t, t + length))
            t += length + float(rng.uniform(4.0, 7.0))
    else:
        calm.append((0.0, seconds))
        if spec.kind in ("coupled", "speech_weak"):
            t = float(rng.uniform(10.0, 20.0))
            while t < seconds - 5.0:
                length = float(rng.uniform(1.0, 2.0))
                shakes.append((t, t + length))
                t += length + float(rng.uniform(15.0, 25.0))
    ramp = max(1, spec.fps // 3)
    return ClipPlan(
        spec, _ramp(coupled, ramp), crying, shakes, calm, truth, look, style,
        _ramp(child_gain, spec.fps // 2), _ramp(parent_gain, spec.fps // 2),
        _ramp(away, round(0.6 * spec.fps)), endings,
    )


def _delayed(values: FloatArray, lag: int) -> FloatArray:
    return np.concatenate([np.repeat(values[:1], lag, axis=0), values[: len(values) - lag]])


def _gestures(
    rng: np.random.Generator, n: int, fps: int, speed: float, scale: float
) -> tuple[FloatArray, FloatArray]:
    """A baby's gestures and the parent's answers, as (n, 2) velocities each.

    The baby makes a movement of 0.4-1.0 s every 1.2-3.5 s; the parent answers
    nine in ten of them 0.3-0.9 s later with a movement of their own: another
    direction, another length, so the two paths do not look alike.
    """
    baby = np.zeros((n, 2))
    parent = np.zeros((n, 2))

    def burst(into: FloatArray, at: float, length: float) -> None:
        i, m = round(at * fps), max(2, round(length * fps))
        if i >= n:
            return
        shape = np.sin(np.pi * np.arange(m) / m) ** 2
        angle = float(rng.uniform(0, 2 * np.pi))
        wobble = 0.4 * np.sin(2 * np.pi * float(rng.uniform(1.0, 3.0)) * np.arange(m) / fps)
        v = np.stack([np.cos(angle + wobble), np.sin(angle + wobble)], axis=1) * shape[:, None]
        sign = 1.0 if rng.uniform() < 0.5 else -1.0
        take = min(m, n - i)
        into[i : i + take] += sign * v[:take] * speed * scale * float(rng.uniform(0.7, 1.3))

    t = float(rng.uniform(0.3, 1.5))
    seconds = n / fps
    while t < seconds:
        length = float(rng.uniform(0.4, 1.0))
        burst(baby, t, length)
        if rng.uniform() < 0.9:
            burst(parent, t + float(rng.uniform(0.3, 0.9)), float(rng.uniform(0.4, 1.1)))
        t += length + float(rng.uniform(1.2, 3.5))
    return parent, baby


def _positions(plan: ClipPlan, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Parent and child (x, y) offsets in pixels per frame, shape (n, 2) each.

    People move in bursts with still moments in between: velocity is smooth
    noise gated by a slow activity envelope that is zero about 40 % of the
    time; positions are its leaky integral, softly limited to stay in frame.
    Coupled, one follows the other's path, delayed and scaled (``STYLES``), or
    the parent answers the baby's gestures; uncoupled, the child moves on its own.
    """
    spec = plan.spec
    n = len(plan.coupled)
    fps = spec.fps
    scale = spec.width / 320.0
    if spec.kind == "static":
        return np.zeros((n, 2)), np.zeros((n, 2))

    def velocity(speed: float) -> FloatArray:
        activity = np.clip(1.2 * _smooth_noise(rng, n, 0.8 * fps) + 0.3, 0.0, 1.0)
        noise = np.stack([_smooth_noise(rng, n, 0.12 * fps) for _ in range(2)], axis=1)
        return noise * activity[:, None] * speed * scale

    def integrate(v: FloatArray) -> FloatArray:
        pos = np.zeros_like(v)
        for i in range(1, len(v)):
            pos[i] = 0.95 * pos[i - 1] + v[i]
        limit = 16.0 * scale
        return limit * np.tanh(pos / limit)

    parent = integrate(velocity(1.4))
    own = integrate(velocity(1.3))
    jitter = integrate(velocity(0.2))
    lag = round(float(rng.uniform(0.2, 1.0)) * fps)
    gain = float(rng.uniform(0.7, 1.0))
    follow = _delayed(parent, lag) * gain
    weight = plan.coupled[:, None]
    child = weight * follow + (1.0 - weight) * own + jitter
    style = plan.style if plan.style is not None else np.zeros(n, dtype=int)
    if (style != 0).any():
        answer, gesture = _gestures(rng, n, fps, 2.2, scale)
        styles = [
            (parent, child),
            (_delayed(own, lag) * gain + jitter, own),
            (integrate(answer) + jitter, integrate(gesture)),
        ]
        share = np.stack([_ramp((style == k).astype(float), max(1, fps // 3))
                          for k in range(len(STYLES))], axis=1)
        coupled_parent = sum(share[:, k, None] * styles[k][0] for k in range(len(STYLES)))
        coupled_child = sum(share[:, k, None] * styles[k][1] for k in range(len(STYLES)))
        parent = weight * coupled_parent + (1.0 - weight) * parent
        child = weight * coupled_child + (1.0 - weight) * (own + jitter)
    if plan.child_gain is not None:
        child = child * plan.child_gain[:, None]
    if plan.parent_gain is not None:
        parent = parent * plan.parent_gain[:, None]
    if plan.turned_away is not None:
        # turning away from the child: leaning back and off to the side, and back again
        parent = parent + plan.turned_away[:, None] * np.array([-9.0, 4.0]) * scale
    return parent, child


def _texture(rng: np.random.Generator, h: int, w: int, sigma: float) -> FloatArray:
    noise = rng.standard_normal((h, w))
    radius = max(1, int(2 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    noise = np.apply_along_axis(np.convolve, 0, noise, kernel, mode="same")
    noise = np.apply_along_axis(np.convolve, 1, noise, kernel, mode="same")
    return noise / (noise.std() + 1e-9)


def _sprite(rng: np.random.Generator, h: int, w: int, base: float) -> tuple[FloatArray, FloatArray]:
    """A textured, soft-edged ellipse: (luma, alpha)."""
    yy, xx = np.mgrid[0:h, 0:w]
    r = ((yy - h / 2) / (h / 2)) ** 2 + ((xx - w / 2) / (w / 2)) ** 2
    alpha = np.clip((1.0 - r) * 6.0, 0.0, 1.0)
    luma = base + 30.0 * _texture(rng, h, w, 5.0)
    return luma, alpha


def render_frames(plan: ClipPlan) -> Iterator[npt.NDArray[np.uint8]]:
    """The clip's grayscale frames at the spec's size and rate."""
    spec = plan.spec
    rng = np.random.default_rng([spec.seed, 7, KINDS.index(spec.kind)])
    n = len(plan.coupled)
    w, h = spec.width, spec.height
    margin = 8
    background = 110.0 + 28.0 * _texture(rng, h + 2 * margin, w + 2 * margin, 2.0)
    stripes = 12.0 * np.sign(np.sin(np.arange(w + 2 * margin) / 6.0))
    background += stripes[None, :]
    parent_pos, child_pos = _positions(plan, rng)
    # (parent centre x, y, height, width), then the child's, as shares of the frame
    places = {
        "halves": ((0.25, 0.5, 0.62, 0.24), (0.72, 0.58, 0.36, 0.17)),
        "swapped": ((0.74, 0.5, 0.62, 0.24), (0.28, 0.58, 0.36, 0.17)),
        "stacked": ((0.45, 0.27, 0.42, 0.2), (0.56, 0.76, 0.3, 0.16)),
        "one_half": ((0.14, 0.48, 0.55, 0.19), (0.37, 0.64, 0.32, 0.14)),
    }
    bases = (70.0, 165.0)
    if plan.look.layout == "anywhere":
        places["anywhere"], bases = _places_anywhere(
            np.random.default_rng([spec.seed, 31, KINDS.index(spec.kind)]))
    (pxc, pyc, phs, pws), (cxc, cyc, chs, cws) = places[plan.look.layout]
    ph, pw = int(h * phs), int(w * pws)
    ch, cw = int(h * chs), int(w * cws)
    parent_sprite = _sprite(rng, ph, pw, bases[0])
    child_sprite = _sprite(rng, ch, cw, bases[1])
    parent_home = (int(w * pxc) - pw // 2, int(h * pyc) - ph // 2)
    child_home = (int(w * cxc) - cw // 2, int(h * cyc) - ch // 2)
    shake = np.zeros((n, 2), dtype=int)
    for a, b in plan.shakes:
        span = slice(int(a * spec.fps), int(b * spec.fps))
        count = len(range(n)[span])
        shake[span] = rng.integers(-4, 5, size=(count, 2))
    t = np.arange(n) / spec.fps
    flicker = (
        1.0
        + 0.05 * np.sin(2 * np.pi * float(rng.uniform(0.3, 1.0)) * t)
        + 0.015 * rng.standard_normal(n)
    )
    brightness = 0.07 if spec.kind == "dark" else plan.look.brightness
    layers = [(_layer(parent_sprite, parent_home, h, w), parent_pos)]
    if spec.kind != "single":
        layers.append((_layer(child_sprite, child_home, h, w), child_pos))
    for i in range(n):
        dx, dy = shake[i]
        canvas = background[margin + dy : margin + dy + h, margin + dx : margin + dx + w].copy()
        for (premultiplied, alpha), pos in layers:
            move = np.float32([[1, 0, pos[i, 0] + dx], [0, 1, pos[i, 1] + dy]])
            a = cv2.warpAffine(alpha, move, (w, h), flags=cv2.INTER_LINEAR)
            lum = cv2.warpAffine(premultiplied, move, (w, h), flags=cv2.INTER_LINEAR)
            canvas = canvas * (1.0 - a) + lum
        canvas = canvas * flicker[i] * brightness + rng.normal(0.0, 2.5, size=(h, w))
        yield np.clip(canvas, 0, 255).astype(np.uint8)


Place = tuple[float, float, float, float]


def _places_anywhere(rng: np.random.Generator) -> tuple[tuple[Place, Place], tuple[float, float]]:
    """Parent and child (centre x, y, height, width) anywhere in the frame, apart, with
    their own sizes and brightness."""
    ph, pw = float(rng.uniform(0.4, 0.65)), float(rng.uniform(0.15, 0.25))
    ch, cw = float(rng.uniform(0.25, 0.38)), float(rng.uniform(0.12, 0.18))
    px = float(rng.uniform(0.1 + pw / 2, 0.9 - pw / 2))
    py = float(rng.uniform(0.05 + ph / 2, 0.95 - ph / 2))
    side = 1.0 if px < 0.5 else -1.0
    cx = float(np.clip(px + side * rng.uniform(0.22, 0.4), 0.05 + cw / 2, 0.95 - cw / 2))
    cy = float(np.clip(py + rng.uniform(-0.1, 0.25), 0.05 + ch / 2, 0.95 - ch / 2))
    bases = (float(rng.uniform(50.0, 180.0)), float(rng.uniform(60.0, 200.0)))
    return ((px, py, ph, pw), (cx, cy, ch, cw)), bases


def _layer(
    sprite: tuple[FloatArray, FloatArray], home: tuple[int, int], h: int, w: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """A figure on an empty full-size layer: (luma premultiplied by alpha, alpha).

    Moving the layer with a sub-pixel warp keeps slow motion smooth instead of
    jumping a whole pixel now and then.
    """
    luma, alpha = sprite
    x0, y0 = home
    premultiplied = np.zeros((h, w), dtype=np.float32)
    cover = np.zeros((h, w), dtype=np.float32)
    premultiplied[y0 : y0 + luma.shape[0], x0 : x0 + luma.shape[1]] = luma * alpha
    cover[y0 : y0 + luma.shape[0], x0 : x0 + luma.shape[1]] = alpha
    return premultiplied, cover


def _cry(rng: np.random.Generator, seconds: float) -> FloatArray:
    """Cry bouts filling ``seconds``: ~450 Hz, harmonics, 5 Hz vibrato, inhalation gaps."""
    n = round(seconds * SAMPLE_RATE)
    out = np.zeros(n)
    t0 = 0.0
    while t0 < seconds - 0.3:
        bout = min(float(rng.uniform(0.8, 1.6)), seconds - t0)
        m = int(bout * SAMPLE_RATE)
        t = np.arange(m) / SAMPLE_RATE
        f0 = float(rng.uniform(380.0, 520.0)) * (1.0 + 0.08 * np.sin(np.pi * t / bout))
        f0 = f0 + 25.0 * np.sin(2 * np.pi * float(rng.uniform(4.5, 5.5)) * t)
        phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
        tone = sum(np.sin(k * phase) / k**1.2 for k in range(1, 9))
        env = np.minimum(1.0, np.minimum(t / 0.05, (bout - t) / 0.08))
        start = int(t0 * SAMPLE_RATE)
        out[start : start + m] += 0.25 * tone * env * float(rng.uniform(0.7, 1.0))
        t0 += bout + float(rng.uniform(0.15, 0.35))
    return out


def _voiced(rng: np.random.Generator, f0: FloatArray, formants: tuple[float, float]) -> FloatArray:
    """Harmonics of ``f0`` shaped by two formant peaks: a vowel-like voiced sound."""
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    out = np.zeros(len(f0))
    for k in range(1, 30):
        freq = k * f0
        gain = np.exp(-(((freq - formants[0]) / 250.0) ** 2)) + 0.6 * np.exp(
            -(((freq - formants[1]) / 350.0) ** 2)
        ) + 0.3 / k
        out += gain * np.sin(k * phase + float(rng.uniform(0, 2 * np.pi)))
    return out / (np.abs(out).max() + 1e-9)


def _speech_and_coos(
    rng: np.random.Generator, a: float, b: float, total: int, look: Look
) -> FloatArray:
    """Adult phrases of ~4 Hz syllables, sometimes answered by an infant coo.

    A woman's voice at 120-200 Hz, or with ``look.phone_voice`` a man's at
    100-130 Hz (with sustained vowels); coos last ``look.coo_s``.
    """
    out = np.zeros(total)
    b = min(b, total / SAMPLE_RATE)
    t = a + float(rng.uniform(0.2, 1.0))
    base = float(rng.uniform(100.0, 130.0) if look.phone_voice else rng.uniform(120.0, 170.0))
    low, high = (85.0, 160.0) if look.phone_voice else (110.0, 210.0)
    while t < b - 1.0:
        phrase = min(float(rng.uniform(1.0, 2.5)), b - t)
        s = t
        while s < t + phrase - 0.12:
            syl = float(rng.uniform(0.15, 0.25))
            if look.phone_voice and rng.uniform() < 0.25:
                syl = float(rng.uniform(0.4, 0.8))  # a drawn-out vowel: "ohhh", "jaaa"
            m = int(syl * SAMPLE_RATE)
            tt = np.arange(m) / SAMPLE_RATE
            f0 = base * (1.0 + 0.15 * (1.0 - (s - t) / phrase)) * (1 + 0.05 * np.sin(9 * tt))
            f0 = np.clip(f0, low, high)
            formants = (float(rng.uniform(400, 800)), float(rng.uniform(1100, 2200)))
            env = np.sin(np.pi * tt / syl) ** 1.5
            i = int(s * SAMPLE_RATE)
            room = len(out[i : i + m])
            out[i : i + m] += (0.12 * env * _voiced(rng, f0, formants))[:room]
            s += syl + float(rng.uniform(0.03, 0.09))
        t += phrase
        if rng.uniform() < 0.5 and t + 1.2 < b:
            t += float(rng.uniform(0.3, 0.8))
            coo = float(rng.uniform(*look.coo_s))
            m = int(coo * SAMPLE_RATE)
            tt = np.arange(m) / SAMPLE_RATE
            f0 = float(rng.uniform(300.0, 480.0)) * (1.0 + 0.1 * np.sin(np.pi * tt / coo))
            i = int(t * SAMPLE_RATE)
            env = np.sin(np.pi * tt / coo)
            room = len(out[i : i + m])
            loudness = float(rng.uniform(0.06, 0.14))
            out[i : i + m] += (loudness * env * _voiced(rng, f0, (900.0, 2500.0)))[:room]
            t += coo
        t += float(rng.uniform(0.6, 2.5))
    return out


def render_audio(plan: ClipPlan) -> npt.NDArray[np.float32] | None:
    """Mono audio at 16 kHz, or None for clips without a sound track."""
    spec = plan.spec
    if spec.kind == "no_audio":
        return None
    rng = np.random.default_rng([spec.seed, 11, KINDS.index(spec.kind)])
    total = round(spec.seconds * SAMPLE_RATE)
    audio = 0.004 * _smooth_noise(rng, total, 1.5)
    audio += 0.001 * np.sin(2 * np.pi * 50.0 * np.arange(total) / SAMPLE_RATE)
    if spec.kind != "static":
        for a, b in plan.calm:
            if b - a > 1.5:
                audio += _speech_and_coos(rng, a, b, total, plan.look)
    for a, b in plan.crying:
        start = round(a * SAMPLE_RATE)
        if start >= total:
            continue
        cry = _cry(rng, b - a)
        audio[start : start + len(cry)] += cry[: total - start]
    if plan.look.phone_voice:
        audio = _phone(audio)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def _phone(audio: FloatArray) -> FloatArray:
    """A phone microphone: little below 300 Hz (a man's fundamental is gone), nothing
    above 3.4 kHz."""
    spectrum = np.fft.rfft(audio)
    f = np.fft.rfftfreq(len(audio), 1.0 / SAMPLE_RATE)
    response = 1.0 / np.sqrt(1.0 + (300.0 / np.maximum(f, 1e-3)) ** 8)
    response /= np.sqrt(1.0 + (f / 3400.0) ** 8)
    return np.fft.irfft(spectrum * response, n=len(audio)) * 1.6


def write_clip(spec: ClipSpec, path: Path) -> list[Truth]:
    """Render ``spec`` into an H.264 + AAC .mp4 at ``path``; returns the ground truth."""
    plan = plan_clip(spec)
    audio = render_audio(plan)
    with tempfile.TemporaryDirectory(prefix="attune-synth-") as tmp:
        argv = ["ffmpeg", "-v", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{spec.width}x{spec.height}",
                "-r", str(spec.fps), "-i", "pipe:0"]  # fmt: skip
        if audio is not None:
            raw = Path(tmp) / "audio.f32"
            raw.write_bytes(audio.astype("<f4").tobytes())
            argv += ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", str(raw),
                     "-c:a", "aac", "-b:a", "96k", "-ar", "48000"]  # fmt: skip
        # one encoder thread and bit-exact output: the same seed gives the same file
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(plan.look.crf),
                 "-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                 "-flags:a", "+bitexact", "-pix_fmt", "yuv420p",
                 "-movflags", "+faststart", "-shortest", str(path)]  # fmt: skip
        process = subprocess.Popen(argv, stdin=subprocess.PIPE)
        assert process.stdin is not None
        try:
            for frame in render_frames(plan):
                process.stdin.write(frame.tobytes())
        finally:
            process.stdin.close()
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed to encode {path}")
    return plan.truth


def analysis_size(width: int, height: int) -> tuple[int, int]:
    """Width and height with the longer side at 160 px, both even."""
    long_side = max(width, height)
    short = max(2, round(min(width, height) * ANALYSIS_LONG_SIDE / long_side / 2) * 2)
    return (ANALYSIS_LONG_SIDE, short) if width >= height else (short, ANALYSIS_LONG_SIDE)


def decode_for_analysis(path: Path) -> Decoded:
    """Decode a media file into the analysis input: 10 fps gray frames, 16 kHz mono audio."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    streams = json.loads(probe.stdout)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    width, height = analysis_size(int(video["width"]), int(video["height"]))
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-an",
         "-vf", f"fps={ANALYSIS_FPS:g},scale={width}:{height},format=gray",
         "-f", "rawvideo", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width)
    audio: npt.NDArray[np.float32] | None = None
    if any(s["codec_type"] == "audio" for s in streams):
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1",
             "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        audio = (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)
    return Decoded(frames=frames, fps=ANALYSIS_FPS, audio=audio, sample_rate=SAMPLE_RATE)
