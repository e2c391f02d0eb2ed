"""Sound: loudness, crying, voice activity and parent-infant vocal turns.

The method is deliberately simple and explainable, not a trained classifier:

- Loudness per 10 ms hop, compared with an adaptive floor (the running 10th
  percentile over 20 s), so the room's background noise and the recording
  gain do not matter.
- Pitch per 10 ms hop from Praat's autocorrelation method (Boersma 1993,
  through parselmouth), the usual tool in infant-cry acoustics. It handles
  octave errors itself: of up to 15 candidates per frame it follows the path
  with the least cost for octave jumps and voicing changes, so a man's voice
  whose fundamental a phone microphone cut is not read at twice its pitch the
  way the shortest strong autocorrelation lag was. (A spectral octave check
  on top of it was measured with bench/cry_eval.py and changed nothing, so
  it is not here.)
- Infant crying: loud (well above the floor), voiced at 250-800 Hz, for at
  least 0.8 s, bouts with gasps of up to 0.5 s between them counting as one
  (coos last 0.2-0.7 s and stand alone; a cry's expiratory bouts repeat).
  Adult speech sits at 80-250 Hz; infant-directed speech that rises above
  250 Hz for long stretches can still be mistaken for crying, and so can a
  vowel whose energy lies in one harmonic above 250 Hz (a pure tone has no
  lower pitch to find), held for 0.8 s or more.
- Vocal turns: adult = voiced at 80-250 Hz, infant = voiced at 250-800 Hz
  outside crying; a turn is one speaker starting within 1.5 s of the other
  stopping.

Series are at 10 Hz (100 ms), like the motion series.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import parselmouth

STEP_MS = 100
HOP_S = 0.010
FRAME_S = 0.040
FLOOR_WINDOW_S = 20.0
FLOOR_PERCENTILE = 10.0
ABSOLUTE_FLOOR_DB = -70.0
SILENT_DB = -60.0
VOICE_ABOVE_FLOOR_DB = 8.0
CRY_ABOVE_FLOOR_DB = 14.0
LOUD_DB = -24.0
PITCH_FLOOR_HZ = 75.0
CRY_MIN_S = 0.8
"""Infant coos last 0.2-0.7 s; a cry's expiratory bouts last about 1 s and repeat."""
CRY_GAP_S = 0.5
"""Bouts of crying with gasps of up to this long between them are one cry."""
TURN_GAP_S = 1.5
ADULT_HZ = (80.0, 250.0)
INFANT_HZ = (250.0, 800.0)
VOICE_HZ = (80.0, 1000.0)


@dataclass(frozen=True)
class VocalTurns:
    """A stretch where parent and infant vocalisations alternated."""

    start_ms: int
    end_ms: int
    turns: int


@dataclass(frozen=True)
class AudioResult:
    """10 Hz series and the events found in them (times in ms)."""

    level_db: npt.NDArray[np.float32]
    cry: npt.NDArray[np.float32]
    voice: npt.NDArray[np.float32]
    adult_voice: npt.NDArray[np.float32]
    infant_voice: npt.NDArray[np.float32]
    cry_events: list[tuple[int, int]]
    turn_taking: list[VocalTurns]
    silent: bool


def _hop_frames(audio: npt.NDArray[np.float32], sample_rate: int) -> npt.NDArray[np.float32]:
    frame = max(8, round(FRAME_S * sample_rate))
    hop = max(1, round(HOP_S * sample_rate))
    if len(audio) < frame:
        audio = np.concatenate([audio, np.zeros(frame - len(audio), dtype=np.float32)])
    return np.lib.stride_tricks.sliding_window_view(audio, frame)[::hop]


def frame_levels(audio: npt.NDArray[np.float32], sample_rate: int) -> npt.NDArray[np.float64]:
    """Level (dBFS) of each 40 ms frame, one per 10 ms hop."""
    frames = _hop_frames(audio, sample_rate)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / frames.shape[1]
    return np.asarray(10.0 * np.log10(power + 1e-10), dtype=np.float64)


def frame_pitch(
    audio: npt.NDArray[np.float32], sample_rate: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Voicing strength (0..1) and pitch (Hz, NaN if unvoiced) per 10 ms hop.

    Praat's autocorrelation pitch (Boersma 1993, through parselmouth), the usual
    tool in infant-cry acoustics: it keeps up to 15 candidates per frame and
    chooses a path through them with costs for octave jumps and voicing changes,
    so a track does not flip to twice its pitch for a frame or two. The range
    75-1000 Hz covers a man's voice and an infant's cry in one pass.
    """
    count = len(_hop_frames(audio, sample_rate))
    strength_all = np.zeros(count)
    pitch_all = np.full(count, np.nan)
    window_s = 3.0 / PITCH_FLOOR_HZ
    if len(audio) < window_s * sample_rate + 2:
        return strength_all, pitch_all
    sound = parselmouth.Sound(np.asarray(audio, dtype=np.float64), sampling_frequency=sample_rate)
    pitch = sound.to_pitch_ac(
        time_step=HOP_S, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=VOICE_HZ[1],
        silence_threshold=0.01, voicing_threshold=0.45, octave_cost=0.01,
        octave_jump_cost=0.35, voiced_unvoiced_cost=0.14,
    )  # fmt: skip
    chosen = pitch.selected_array
    centres = np.arange(count) * HOP_S + FRAME_S / 2
    index = np.round((centres - pitch.x1) / pitch.dt).astype(int)
    inside = (index >= 0) & (index < pitch.nx)
    frequency = np.where(inside, chosen["frequency"][np.clip(index, 0, pitch.nx - 1)], 0.0)
    strength = np.where(inside, chosen["strength"][np.clip(index, 0, pitch.nx - 1)], 0.0)
    strength_all[:] = np.clip(strength, 0.0, 1.0)
    pitch_all[:] = np.where(frequency > 0, frequency, np.nan)
    return strength_all, pitch_all


def _to_steps(per_hop: npt.NDArray[np.float64], steps: int, hops_per_step: int) -> npt.NDArray[
    np.float64
]:
    padded = np.full(steps * hops_per_step, np.nan)
    n = min(len(per_hop), len(padded))
    padded[:n] = per_hop[:n]
    grouped = padded.reshape(steps, hops_per_step)
    valid = np.isfinite(grouped)
    total = np.where(valid, grouped, 0.0).sum(axis=1)
    count = valid.sum(axis=1)
    out = np.zeros(steps)
    np.divide(total, count, out=out, where=count > 0)
    return out


def _running_floor(level_db: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    half = max(1, window // 2)
    padded = np.pad(level_db, half, mode="reflect") if len(level_db) > half else np.pad(
        level_db, half, mode="edge"
    )
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.maximum(np.percentile(windows, FLOOR_PERCENTILE, axis=1), ABSOLUTE_FLOOR_DB)


def _moving_mean(values: npt.NDArray[np.float64], samples: int) -> npt.NDArray[np.float64]:
    if samples <= 1 or len(values) == 0:
        return values
    kernel = np.ones(samples) / samples
    return np.convolve(values, kernel, mode="same")


def runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` where ``mask`` is true."""
    if len(mask) == 0:
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def close_gaps(mask: npt.NDArray[np.bool_], max_gap: int) -> npt.NDArray[np.bool_]:
    """Fill false stretches of at most ``max_gap`` samples between true ones."""
    out = mask.copy()
    spans = runs(mask)
    for (_, stop), (start, _) in itertools.pairwise(spans):
        if start - stop <= max_gap:
            out[stop:start] = True
    return out


def _segments(mask: npt.NDArray[np.bool_], max_gap: int, min_len: int) -> list[tuple[int, int]]:
    return [(a, b) for a, b in runs(close_gaps(mask, max_gap)) if b - a >= min_len]


def _turn_taking(
    adult: list[tuple[int, int]], infant: list[tuple[int, int]], max_gap: int
) -> list[VocalTurns]:
    """Chains of alternating adult/infant segments with at least two changes of speaker."""
    spoken = sorted([(a, b, "adult") for a, b in adult] + [(a, b, "infant") for a, b in infant])
    episodes: list[VocalTurns] = []
    chain: list[tuple[int, int, str]] = []
    turns = 0

    def finish() -> None:
        if turns >= 2:
            episodes.append(
                VocalTurns(chain[0][0] * STEP_MS, max(c[1] for c in chain) * STEP_MS, turns)
            )

    for segment in spoken:
        if chain and segment[0] - max(c[1] for c in chain) <= max_gap:
            if segment[2] != chain[-1][2]:
                turns += 1
            chain.append(segment)
            continue
        finish()
        chain, turns = [segment], 0
    if chain:
        finish()
    return episodes


def analyse_audio(audio: npt.NDArray[np.float32], sample_rate: int, steps: int) -> AudioResult:
    """All sound series for ``steps`` 100 ms steps, and the cry and turn-taking events."""
    hops_per_step = round(STEP_MS / 1000.0 / HOP_S)
    samples = np.asarray(audio, dtype=np.float32)
    level = frame_levels(samples, sample_rate)
    floor_hop = np.repeat(
        _running_floor(_to_steps(level, steps, hops_per_step), int(FLOOR_WINDOW_S * 10)),
        hops_per_step,
    )[: len(level)]
    if len(floor_hop) < len(level):
        last = floor_hop[-1] if len(floor_hop) else ABSOLUTE_FLOOR_DB
        floor_hop = np.concatenate([floor_hop, np.full(len(level) - len(floor_hop), last)])
    audible = (level > floor_hop + VOICE_ABOVE_FLOOR_DB) & (level > SILENT_DB)
    _strength, pitch = frame_pitch(samples, sample_rate)
    pitch = pitch[: len(level)]
    if len(pitch) < len(level):
        pitch = np.concatenate([pitch, np.full(len(level) - len(pitch), np.nan)])
    voiced = audible & np.isfinite(pitch)
    f0 = np.where(voiced, pitch, 0.0)
    loud = ((level > floor_hop + CRY_ABOVE_FLOOR_DB) | (level > LOUD_DB)) & (level > SILENT_DB)
    voice_hop = voiced & (f0 >= VOICE_HZ[0]) & (f0 <= VOICE_HZ[1])
    adult_hop = voiced & (f0 >= ADULT_HZ[0]) & (f0 < ADULT_HZ[1])
    infant_hop = voiced & (f0 >= INFANT_HZ[0]) & (f0 <= INFANT_HZ[1])
    cry_hop = loud & infant_hop

    power = _to_steps(10.0 ** (level / 10.0), steps, hops_per_step)
    level_db = 10.0 * np.log10(power + 1e-10)
    cry = np.clip(_moving_mean(_to_steps(cry_hop.astype(np.float64), steps, hops_per_step), 3),
                  0.0, 1.0)
    voice = _to_steps(voice_hop.astype(np.float64), steps, hops_per_step)
    adult = _to_steps(adult_hop.astype(np.float64), steps, hops_per_step)
    infant = _to_steps(infant_hop.astype(np.float64), steps, hops_per_step)

    min_cry = round(CRY_MIN_S * 10)
    crying = _segments(cry >= 0.4, max_gap=round(CRY_GAP_S * 10), min_len=min_cry)
    cry_mask = np.zeros(steps, dtype=bool)
    for a, b in crying:
        cry_mask[a:b] = True
    adult_segments = _segments(adult >= 0.3, max_gap=2, min_len=2)
    infant_segments = _segments((infant >= 0.3) & ~cry_mask, max_gap=2, min_len=2)
    turns = _turn_taking(adult_segments, infant_segments, int(TURN_GAP_S * 10))

    silent = bool(len(audio) == 0 or float(np.max(np.abs(audio))) < 10 ** (SILENT_DB / 20))
    return AudioResult(
        level_db=np.maximum(level_db, -100.0).astype(np.float32),
        cry=cry.astype(np.float32),
        voice=voice.astype(np.float32),
        adult_voice=adult.astype(np.float32),
        infant_voice=infant.astype(np.float32),
        cry_events=[(a * STEP_MS, b * STEP_MS) for a, b in crying],
        turn_taking=turns,
        silent=silent,
    )
