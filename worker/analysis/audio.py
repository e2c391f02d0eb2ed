"""Sound: loudness, crying, voice activity and parent-infant vocal turns.

The method is deliberately simple and explainable, not a trained classifier:

- Loudness per 10 ms hop, compared with an adaptive floor (the running 10th
  percentile over 20 s), so the room's background noise and the recording
  gain do not matter.
- Pitch per 10 ms hop from Praat's autocorrelation method (Boersma 1993,
  through parselmouth), which follows a path through its candidates with a
  cost for octave jumps. Where it reports an infant's pitch, the spectrum is
  checked: when half or a third of that pitch explains the harmonic peaks
  clearly better (a man's voice whose fundamental a phone microphone cut),
  the lower pitch is taken.
- Infant crying: loud (well above the floor), voiced at 250-800 Hz with a
  pitch that explains most of the harmonic peaks, for at least 0.8 s (coos are
  shorter and softer; a cry's bouts last about a second and repeat). Adult
  speech sits at 80-250 Hz; infant-directed speech that rises above 250 Hz for
  long stretches can still be mistaken for crying, and so can a voice whose
  energy lies in a single harmonic (a pure tone has no octave to check).
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
PEAK_RANGE_DB = 40.0
"""Spectral peaks within this range of a hop's strongest peak are matched to the pitch."""
HARMONIC_TOLERANCE = 0.15
"""A peak is a harmonic when it lies within this share of the pitch of a multiple."""
OCTAVE_GAIN = 0.25
"""A half or a third of the pitch replaces it when it explains this much more peak power."""
MIN_EXPLAINED = 0.6
"""A cry is a clean harmonic sound: its pitch explains this share of the peak power."""
CRY_MIN_S = 0.8
"""Infant coos last 0.2-0.7 s; a cry's expiratory bouts last about 1 s and repeat."""
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


def harmonic_check(
    audio: npt.NDArray[np.float32], sample_rate: int, pitch: npt.NDArray[np.float64],
    hops: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Octave-corrected pitch, and the share of spectral peak power the pitch explains.

    A phone microphone cuts a man's 100-130 Hz fundamental; what is left (240,
    360, 480 Hz ...) can make any autocorrelation tracker report twice the pitch,
    in an infant's range. The spectrum shows the error: peaks at 1.5x and 2.5x
    the reported pitch are harmonics of half of it. For each hop in ``hops``
    the strongest peaks of a 64 ms spectrum (100-4000 Hz) are matched to
    multiples of the pitch and of a half and a third of it; when a divided
    pitch explains the peaks clearly better, it replaces the reported one.
    """
    corrected = pitch.copy()
    explained = np.full(len(pitch), np.nan)
    selected = np.flatnonzero(hops[: len(pitch)] & np.isfinite(pitch))
    if len(selected) == 0:
        return corrected, explained
    size = 1024 if sample_rate <= 16000 else 2048
    hop = round(HOP_S * sample_rate)
    centre = round(FRAME_S / 2 * sample_rate)
    padded = np.concatenate([np.zeros(size // 2, np.float32), audio,
                             np.zeros(size // 2, np.float32)])
    starts = selected * hop + centre
    frames = np.lib.stride_tricks.sliding_window_view(padded, size)[starts]
    power = np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
    band = (freqs >= 100.0) & (freqs <= 4000.0)
    power, freqs = power[:, band], freqs[band]
    is_peak = np.zeros_like(power, dtype=bool)
    is_peak[:, 1:-1] = (power[:, 1:-1] > power[:, :-2]) & (power[:, 1:-1] >= power[:, 2:])
    is_peak &= power >= power.max(axis=1, keepdims=True) * 10 ** (-PEAK_RANGE_DB / 10)
    for row, hop_index in enumerate(selected):
        peaks = np.flatnonzero(is_peak[row])
        if len(peaks) == 0:
            continue
        weight = power[row, peaks] / power[row, peaks].sum()
        where = freqs[peaks]
        f0 = float(pitch[hop_index])
        fits = []
        for divisor in (1, 2, 3):
            ratio = where / (f0 / divisor)
            near = (np.abs(ratio - np.round(ratio)) <= HARMONIC_TOLERANCE) & (ratio >= 0.5)
            fits.append(float(weight[near].sum()))
        best = 0
        for divisor in (2, 3):
            if f0 / divisor >= PITCH_FLOOR_HZ and fits[divisor - 1] - fits[best] > OCTAVE_GAIN:
                best = divisor - 1
        corrected[hop_index] = f0 / (best + 1)
        explained[hop_index] = fits[best]
    return corrected, explained


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
    _strength, tracked = frame_pitch(samples, sample_rate)
    tracked = tracked[: len(level)]
    if len(tracked) < len(level):
        tracked = np.concatenate([tracked, np.full(len(level) - len(tracked), np.nan)])
    high = audible & np.isfinite(tracked) & (tracked >= ADULT_HZ[1] * 0.9)
    pitch, explained = harmonic_check(samples, sample_rate, tracked, high)
    voiced = audible & np.isfinite(pitch)
    f0 = np.where(voiced, pitch, 0.0)
    loud = ((level > floor_hop + CRY_ABOVE_FLOOR_DB) | (level > LOUD_DB)) & (level > SILENT_DB)
    voice_hop = voiced & (f0 >= VOICE_HZ[0]) & (f0 <= VOICE_HZ[1])
    adult_hop = voiced & (f0 >= ADULT_HZ[0]) & (f0 < ADULT_HZ[1])
    clean = np.nan_to_num(explained, nan=0.0) >= MIN_EXPLAINED
    infant_hop = voiced & (f0 >= INFANT_HZ[0]) & (f0 <= INFANT_HZ[1]) & clean
    cry_hop = loud & infant_hop

    power = _to_steps(10.0 ** (level / 10.0), steps, hops_per_step)
    level_db = 10.0 * np.log10(power + 1e-10)
    cry = np.clip(_moving_mean(_to_steps(cry_hop.astype(np.float64), steps, hops_per_step), 3),
                  0.0, 1.0)
    voice = _to_steps(voice_hop.astype(np.float64), steps, hops_per_step)
    adult = _to_steps(adult_hop.astype(np.float64), steps, hops_per_step)
    infant = _to_steps(infant_hop.astype(np.float64), steps, hops_per_step)

    min_cry = round(CRY_MIN_S * 10)
    crying = _segments(cry >= 0.4, max_gap=3, min_len=min_cry)
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
