"""Suggestions on short synthetic family clips, encoded and decoded by real ffmpeg."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synthetic import ClipSpec, Decoded, decode_for_analysis, plan_clip, write_clip

from worker.analysis import (
    Analysis,
    Suggestion,
    analyse,
    analyse_audio,
    evaluate,
    from_json,
    make_series,
    to_json,
)

SR = 16000
SECONDS = 24.0

ClipMaker = Callable[[ClipSpec], tuple[Decoded, list[tuple[str, int, int | None]]]]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    """Render, encode (H.264 + AAC) and decode a synthetic clip; cached per spec."""
    cache: dict[ClipSpec, tuple[Decoded, list[tuple[str, int, int | None]]]] = {}
    work = tmp_path_factory.mktemp("clips")

    def make(spec: ClipSpec) -> tuple[Decoded, list[tuple[str, int, int | None]]]:
        if spec not in cache:
            path = work / f"{spec.kind}-{spec.seed}-{spec.seconds:g}.mp4"
            truth = write_clip(spec, path)
            cache[spec] = (decode_for_analysis(path), truth)
        return cache[spec]

    return make


def run(decoded: Decoded) -> Analysis:
    return analyse(decoded.frames, decoded.fps, decoded.audio, decoded.sample_rate)


def codes(analysis: Analysis, *wanted: str) -> list[Suggestion]:
    return [s for s in analysis.suggestions if s.code in wanted]


def keys(analysis: Analysis) -> set[str]:
    """What the analysis's notes say, by key (the app words each in its own language)."""
    return {note.key for note in analysis.notes}


def test_decoded_clip_matches_the_input_contract(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("coupled", SECONDS, seed=3))
    assert decoded.frames.dtype == np.uint8
    assert decoded.frames.shape[1:] == (90, 160)
    assert abs(len(decoded.frames) - SECONDS * 10) <= 2
    assert decoded.audio is not None and decoded.audio.dtype == np.float32
    assert abs(len(decoded.audio) / SR - SECONDS) < 0.2


@pytest.mark.parametrize("seed", [21, 22])
def test_planted_mismatch_is_suggested_with_a_linked_repair(clip: ClipMaker, seed: int) -> None:
    decoded, truth = clip(ClipSpec("mismatch", SECONDS, seed=seed))
    analysis = run(decoded)
    (mismatch_truth, repair_truth) = truth
    mismatches = codes(analysis, "MISMATCH")
    assert len(mismatches) == 1, analysis.suggestions
    mismatch = mismatches[0]
    assert abs(mismatch.start_ms - mismatch_truth[1]) <= 1000
    assert mismatch.end_ms is not None and mismatch.end_ms > mismatch.start_ms
    assert 0.0 < mismatch.confidence <= 1.0
    assert mismatch.evidence["reason"] == "cry"
    assert float(mismatch.evidence["synchrony"]) < float(mismatch.evidence["chance"])
    assert "may" in mismatch.explanation

    repairs = codes(analysis, "REPAIR")
    assert len(repairs) == 1
    repair = repairs[0]
    assert repair.end_ms is None
    assert repair.repairs is not None
    assert analysis.suggestions[repair.repairs] is mismatch
    assert repair.start_ms > mismatch.start_ms
    assert abs(repair.start_ms - repair_truth[1]) <= 1000

    scores = evaluate(analysis.suggestions, truth, codes=("MISMATCH", "REPAIR"))
    assert all(s.f1 == 1.0 for s in scores.values())


def test_coupled_calm_clip_has_no_mismatch(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("coupled", SECONDS, seed=3))
    analysis = run(decoded)
    assert codes(analysis, "MISMATCH", "REPAIR") == []
    assert codes(analysis, "ATTENTIVE"), "sustained synchrony should be suggested as attentive"
    for name in ("motion_parent", "motion_child", "audio_level", "cry", "voice", "unreliable"):
        assert analysis.series[name].step_ms == 100
        assert len(analysis.series[name].values) == pytest.approx(SECONDS * 10, abs=2)
    for name in ("synchrony", "synchrony_chance"):
        assert analysis.series[name].step_ms == 500


def test_clip_without_sound_says_so(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("no_audio", 20.0, seed=4))
    assert decoded.audio is None
    analysis = run(decoded)
    assert codes(analysis, "MISMATCH", "REPAIR", "TURN_TAKING") == []
    assert "no_audio" in keys(analysis)
    assert np.isnan(analysis.series["cry"].values).all()


def test_one_second_clip(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("family", 1.0, seed=5))
    analysis = run(decoded)
    assert analysis.suggestions == []
    assert analysis.duration_ms == pytest.approx(1000, abs=150)
    assert [n.values["seconds"] for n in analysis.notes if n.key == "too_short"] == [1.0]


def test_dark_clip(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("dark", 20.0, seed=6))
    assert decoded.frames.mean() < 15
    analysis = run(decoded)
    assert codes(analysis, "MISMATCH", "REPAIR", "ATTENTIVE") == []
    assert "too_dark" in keys(analysis)


def test_black_frames_without_any_input_problems() -> None:
    frames = np.zeros((50, 90, 160), dtype=np.uint8)
    analysis = analyse(frames, 10.0, np.zeros(5 * SR, dtype=np.float32), SR)
    assert codes(analysis, "MISMATCH", "REPAIR", "ATTENTIVE") == []
    assert {"too_dark", "silent_audio"} <= keys(analysis)


def test_static_clip(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("static", 20.0, seed=7))
    analysis = run(decoded)
    assert codes(analysis, "MISMATCH", "REPAIR", "ATTENTIVE") == []
    assert "no_motion" in keys(analysis)


def test_single_moving_figure(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("single", 20.0, seed=8))
    analysis = run(decoded)
    assert codes(analysis, "MISMATCH", "REPAIR", "ATTENTIVE") == []
    assert [n.values for n in analysis.notes if n.key == "one_side"] == [{"moving": "parent"}]


def test_camera_shake_is_unreliable_and_not_a_mismatch(clip: ClipMaker) -> None:
    spec = ClipSpec("shake", SECONDS, seed=9)
    decoded, _ = clip(spec)
    analysis = run(decoded)
    unreliable = analysis.series["unreliable"].values > 0.5
    shakes = plan_clip(spec).shakes
    assert shakes
    for start, stop in shakes:
        inside = unreliable[int(start * 10) + 1 : int(stop * 10) - 1]
        assert inside.mean() > 0.7, (start, stop)
    shaken = np.zeros(len(unreliable), dtype=bool)
    for start, stop in shakes:
        shaken[max(0, int(start * 10) - 3) : int(stop * 10) + 3] = True
    assert unreliable[~shaken].mean() < 0.05
    assert np.isnan(analysis.series["motion_parent"].values[unreliable]).all()
    assert codes(analysis, "MISMATCH", "REPAIR") == []
    assert "camera_moved" in keys(analysis)


def test_empty_inputs_give_notes_not_errors() -> None:
    for frames in (np.zeros((0, 90, 160), np.uint8), np.zeros((1, 90, 160), np.uint8)):
        analysis = analyse(frames, 10.0, None, SR)
        assert analysis.suggestions == []
        assert analysis.notes
    analysis = analyse(np.zeros((0, 90, 160), np.uint8), 10.0, np.zeros(0, np.float32), SR)
    assert analysis.duration_ms == 0
    assert "no_video" in keys(analysis)


def _cry(seconds: float, f0: float = 450.0) -> npt.NDArray[np.float64]:
    t = np.arange(int(seconds * SR)) / SR
    pitch = f0 + 25.0 * np.sin(2 * np.pi * 5.0 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    envelope = np.minimum(1.0, np.minimum(t / 0.05, (seconds - t) / 0.08))
    return 0.25 * envelope * sum(np.sin(k * phase) / k for k in range(1, 8))


def _speech(seconds: float) -> npt.NDArray[np.float64]:
    """Voiced 120-220 Hz with a ~4 Hz syllable rhythm and pauses between phrases."""
    t = np.arange(int(seconds * SR)) / SR
    pitch = 170.0 + 50.0 * np.sin(2 * np.pi * 0.4 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    voiced = sum(
        np.sin(k * phase) * np.exp(-(((k * pitch) - 600.0) / 500.0) ** 2) for k in range(1, 25)
    )
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0.0, None) ** 1.5
    phrases = (np.sin(2 * np.pi * 0.25 * t) > -0.3).astype(float)
    return 0.2 * voiced * syllables * phrases


def _background(seconds: float) -> npt.NDArray[np.float64]:
    return 0.003 * np.random.default_rng(1).standard_normal(int(seconds * SR))


def test_synthesised_cry_is_detected() -> None:
    audio = _background(10.0)
    audio[int(4 * SR) : int(4 * SR) + int(0.8 * SR)] += _cry(0.8)
    sound = analyse_audio(audio.astype(np.float32), SR, 100)
    assert len(sound.cry_events) == 1
    start, stop = sound.cry_events[0]
    assert abs(start - 4000) <= 200
    assert abs(stop - 4800) <= 200
    assert sound.cry[42:46].min() > 0.5
    assert sound.cry[:35].max() < 0.2


def test_adult_speech_is_voice_not_crying() -> None:
    audio = (_background(10.0) + _speech(10.0)).astype(np.float32)
    sound = analyse_audio(audio, SR, 100)
    assert sound.cry_events == []
    assert float(sound.cry.max()) < 0.4
    assert float(sound.voice.mean()) > 0.2
    assert float(sound.adult_voice.sum()) > 5 * float(sound.infant_voice.sum())


def test_short_coo_is_not_crying() -> None:
    audio = _background(6.0)
    audio[2 * SR : 2 * SR + int(0.3 * SR)] += 0.4 * _cry(0.3, f0=380.0)
    sound = analyse_audio(audio.astype(np.float32), SR, 60)
    assert sound.cry_events == []


def test_series_round_trip_through_json() -> None:
    rng = np.random.default_rng(0)
    level = (-60 + 40 * rng.random(6000)).astype(np.float32)
    synchrony = rng.random(1200).astype(np.float32)
    synchrony[100:110] = np.nan
    series = {
        "audio_level": make_series("audio_level", 100, level),
        "synchrony": make_series("synchrony", 500, synchrony),
        "unreliable": make_series("unreliable", 100, np.zeros(6000)),
        "empty": make_series("empty", 100, []),
    }
    text = json.dumps(to_json(series))
    back = from_json(json.loads(text))
    assert set(back) == set(series)
    for name, original in series.items():
        restored = back[name]
        assert restored.step_ms == original.step_ms and restored.start_ms == 0
        assert restored.values.dtype == np.float32
        assert np.array_equal(np.isnan(restored.values), np.isnan(original.values))
        finite = np.isfinite(original.values)
        if finite.any():
            span = float(np.ptp(original.values[finite])) or 1.0
            error = np.abs(restored.values[finite] - original.values[finite]).max()
            assert error <= span / 508 + 1e-6


def test_ten_minute_analysis_series_stay_small(clip: ClipMaker) -> None:
    decoded, _ = clip(ClipSpec("coupled", SECONDS, seed=3))
    reps = int(np.ceil(600 / SECONDS))
    assert decoded.audio is not None
    analysis = analyse(np.tile(decoded.frames, (reps, 1, 1))[:6000], 10.0,
                       np.tile(decoded.audio, reps)[: 600 * SR], SR)  # fmt: skip
    assert analysis.duration_ms == pytest.approx(600_000, abs=100)
    size = len(json.dumps(to_json(analysis.series)))
    assert size < 200_000


def test_evaluate_matches_onsets_one_to_one() -> None:
    found = [
        Suggestion("MISMATCH", 1000, 4000, 0.8, {}, ""),
        Suggestion("MISMATCH", 1400, 4000, 0.8, {}, ""),
        Suggestion("REPAIR", 9000, None, 0.8, {}, ""),
    ]
    truth: list[tuple[str, int, int | None]] = [
        ("MISMATCH", 1300, 4500),
        ("REPAIR", 4500, None),
    ]
    scores = evaluate(found, truth)
    assert scores["MISMATCH"].true_positives == 1
    assert scores["MISMATCH"].false_positives == 1
    assert scores["MISMATCH"].onset_errors_ms == (100,)
    assert scores["REPAIR"].true_positives == 0
    assert scores["REPAIR"].false_negatives == 1
    assert scores["REPAIR"].false_positives == 1
    assert scores["MISMATCH"].f1 == pytest.approx(2 / 3)
