"""Each choice in the cry detector, measured: false cries on a man's phone voice and on long
coos, and cries found across several ways of making a cry.

Sound only (no video, no ffmpeg): 16 kHz mono made here, at 10 s per clip.

- men: a man talking at 100-130 Hz (syllables and drawn-out vowels with
  narrow formants at 330-650 and 1300-1800 Hz, so one or two harmonics
  dominate) through a phone microphone (4th-order high-pass at 300 Hz,
  low-pass at 3.4 kHz), which removes the fundamental;
- coos: single infant coos of 0.45-0.7 s at 300-480 Hz between adult speech;
- cries, five kinds: harmonic with vibrato (as bench/synthetic.py), breathy
  (a third of the energy noise), low (300-360 Hz), high (600-750 Hz), and
  short bouts (0.5-0.7 s with 0.3-0.5 s gasps); each also through the phone.

Variants: the detector as it is (Praat's pitch, a cry at least 0.8 s long,
bouts with gasps of up to 0.5 s joined); joining only gasps up to 0.3 s;
0.5 s as the shortest cry; both (the earlier rules with Praat's pitch); and
the detector this replaced (autocorrelation, shortest lag within 90 % of the
best, 0.5 s, 0.3 s; read from the repository's history, skipped when that is
not there). "infant pitch" is the share of the man's 100 ms steps voiced at
an infant's pitch.

    .venv/bin/python bench/cry_eval.py [--clips 12]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt

from worker.analysis import audio

SR = 16000
SECONDS = 10.0
PREVIOUS = "eaeaa8a"
"""The last commit with the earlier autocorrelation tracker."""
Audio = npt.NDArray[np.float64]


def phone(x: Audio) -> Audio:
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / SR)
    response = 1.0 / np.sqrt(1.0 + (300.0 / np.maximum(f, 1e-3)) ** 8)
    response /= np.sqrt(1.0 + (f / 3400.0) ** 8)
    return np.fft.irfft(spectrum * response, n=len(x))


def voice(rng: np.random.Generator, f0: Audio, formants: tuple[float, float],
          width: float = 180.0, floor: float = 0.12) -> Audio:
    phase = 2 * np.pi * np.cumsum(f0) / SR
    out = np.zeros(len(f0))
    for k in range(1, 36):
        freq = k * f0
        gain = (np.exp(-(((freq - formants[0]) / width) ** 2))
                + 0.6 * np.exp(-(((freq - formants[1]) / (1.3 * width)) ** 2)) + floor) / k**0.5
        out += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    return out / (np.abs(out).max() + 1e-9)


def man(rng: np.random.Generator) -> Audio:
    n = int(SECONDS * SR)
    t = np.arange(n) / SR
    base = rng.uniform(100.0, 130.0)
    f0 = base * (1.0 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t))
    out = np.zeros(n)
    at = 0.2
    while at < SECONDS - 1.0:
        length = float(rng.uniform(0.15, 0.3) if rng.uniform() < 0.75 else rng.uniform(0.4, 0.9))
        i, m = int(at * SR), int(length * SR)
        formants = (float(rng.uniform(330, 650)), float(rng.uniform(1300, 1800)))
        env = np.sin(np.pi * np.arange(m) / m) ** 0.6
        out[i : i + m] += 0.3 * env * voice(rng, f0[i : i + m], formants, 60.0, 0.05)
        at += length + float(rng.uniform(0.04, 0.3))
    return phone(out)


def coos(rng: np.random.Generator) -> Audio:
    n = int(SECONDS * SR)
    out = np.zeros(n)
    at = 0.5
    while at < SECONDS - 1.5:
        length = float(rng.uniform(0.45, 0.7))
        i, m = int(at * SR), int(length * SR)
        tt = np.arange(m) / SR
        f0 = rng.uniform(300.0, 480.0) * (1.0 + 0.1 * np.sin(np.pi * tt / length))
        env = np.sin(np.pi * tt / length)
        out[i : i + m] += float(rng.uniform(0.1, 0.25)) * env * voice(rng, f0, (900.0, 2500.0))
        at += length + float(rng.uniform(1.5, 3.0))
    return out


CRY_KINDS = ("vibrato", "breathy", "low", "high", "short_bouts")


def cry(rng: np.random.Generator, kind: str, seconds: float) -> Audio:
    n = int(seconds * SR)
    out = np.zeros(n)
    at = 0.0
    lo, hi = {"low": (300.0, 360.0), "high": (600.0, 750.0)}.get(kind, (380.0, 520.0))
    while at < seconds - 0.3:
        bout = float(rng.uniform(0.5, 0.7) if kind == "short_bouts" else rng.uniform(0.8, 1.6))
        bout = min(bout, seconds - at)
        m = int(bout * SR)
        t = np.arange(m) / SR
        f0 = rng.uniform(lo, hi) * (1.0 + 0.08 * np.sin(np.pi * t / bout))
        if kind != "low":
            f0 = f0 + 0.05 * f0 * np.sin(2 * np.pi * rng.uniform(4.5, 5.5) * t)
        tone = voice(rng, f0, (float(rng.uniform(1000, 1400)), float(rng.uniform(2800, 3400))),
                     400.0)
        if kind == "breathy":
            noise = rng.standard_normal(m)
            tone = 0.8 * tone + 0.35 * noise / np.abs(noise).max() * 3
        env = np.minimum(1.0, np.minimum(t / 0.05, (bout - t) / 0.08))
        i = int(at * SR)
        out[i : i + m] += 0.3 * tone * env
        gap = rng.uniform(0.3, 0.5) if kind == "short_bouts" else rng.uniform(0.15, 0.35)
        at += bout + float(gap)
    return out


def room(rng: np.random.Generator, n: int) -> Audio:
    return 0.003 * rng.standard_normal(n)


@contextmanager
def variant(name: str) -> Iterator[Callable[[npt.NDArray[np.float32]], list[tuple[int, int]]]]:
    saved = {k: getattr(audio, k) for k in ("CRY_MIN_S", "CRY_GAP_S")}
    if name.startswith("shortest cry 0.5 s"):
        audio.CRY_MIN_S = 0.5
    if name.endswith("gasps up to 0.3 s"):
        audio.CRY_GAP_S = 0.3
    module: ModuleType = audio
    if name == "previous tracker":
        module = previous_module()

    def detect(x: npt.NDArray[np.float32]) -> list[tuple[int, int]]:
        return list(module.analyse_audio(x, SR, round(len(x) / SR * 10)).cry_events)

    def infant_share(x: npt.NDArray[np.float32]) -> float:
        return float(module.analyse_audio(x, SR, round(len(x) / SR * 10)).infant_voice.mean())

    global share
    share = infant_share
    try:
        yield detect
    finally:
        for k, v in saved.items():
            setattr(audio, k, v)


_previous: ModuleType | None = None
share: Callable[[npt.NDArray[np.float32]], float]
"""Share of a clip's 100 ms steps voiced at an infant's pitch, for the current variant."""


def previous_module() -> ModuleType:
    global _previous
    if _previous is None:
        root = Path(__file__).resolve().parents[1]
        text = subprocess.run(["git", "-C", str(root), "show",
                               f"{PREVIOUS}:worker/analysis/audio.py"],
                              check=True, capture_output=True, text=True).stdout
        path = Path(tempfile.mkdtemp()) / "previous_audio.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location("previous_audio", path)
        assert spec is not None and spec.loader is not None
        _previous = importlib.util.module_from_spec(spec)
        sys.modules["previous_audio"] = _previous
        spec.loader.exec_module(_previous)
    return _previous


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=12, help="clips per kind of sound")
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    n = int(SECONDS * SR)
    men = [(man(rng) + room(rng, n)).astype(np.float32) for _ in range(args.clips)]
    cooing = [(coos(rng) + room(rng, n)).astype(np.float32) for _ in range(args.clips)]
    crying: dict[str, list[tuple[npt.NDArray[np.float32], float, float]]] = {}
    for kind in CRY_KINDS:
        crying[kind] = []
        for j in range(args.clips):
            start, length = float(rng.uniform(2.0, 4.0)), float(rng.uniform(2.0, 4.5))
            x = room(rng, n)
            piece = cry(rng, kind, length)
            x[int(start * SR) : int(start * SR) + len(piece)] += piece
            if j % 2:
                x = phone(x)
            crying[kind].append((x.astype(np.float32), start, start + length))
    variants = ["as it is", "gasps up to 0.3 s", "shortest cry 0.5 s",
                "shortest cry 0.5 s, gasps up to 0.3 s", "previous tracker"]
    minutes = args.clips * SECONDS / 60
    print(f"{args.clips} clips of {SECONDS:.0f} s per kind; cries found = onset within 0.5 s")
    print(f"{'variant':<38} {'men: false/min':>14} {'infant pitch':>12} {'coos: false/min':>15}  "
          + "  ".join(f"{k:>11}" for k in CRY_KINDS))
    for name in variants:
        try:
            with variant(name) as detect:
                false_men = sum(len(detect(x)) for x in men) / minutes
                infant = float(np.mean([share(x) for x in men]))
                false_coos = sum(len(detect(x)) for x in cooing) / minutes
                found = []
                for kind in CRY_KINDS:
                    hits = sum(any(abs(a / 1000 - s) <= 0.5 for a, _ in detect(x))
                               for x, s, _ in crying[kind])
                    found.append(f"{hits:>4}/{len(crying[kind]):<6}")
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            print(f"{name:<38} skipped ({exc})", file=sys.stderr)
            continue
        print(f"{name:<38} {false_men:>14.1f} {infant:>12.1%} {false_coos:>15.1f}  " + "  ".join(
            f"{f:>11}" for f in found))


if __name__ == "__main__":
    main()
