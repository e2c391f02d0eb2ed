"""Analysing a clip for suggestions, after its transcode or again on request.

Right after a transcode the analysis reads the small gray frames and mono
sound the same ffmpeg run wrote beside the renditions (no second decode).
Analysing again, with parent and child boxes a person drew, decodes the
clip's smallest stored rendition instead: the original is not touched.

Whatever goes wrong here never fails the clip: it stays ready to watch and
code by hand, and the analysis says why it has nothing to offer.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.db.models import Clip, ClipAnalysis, ClipStatus
from core.media import AnalysisTap, build_analysis_command, run_ffmpeg
from core.media.errors import MediaError
from core.media.hls import fetch_range
from core.queue import ANALYSE_CLIP, runs, transcode_timeout
from core.runtime import Runtime, get_runtime
from core.workdir import Workdir
from services.annotate import suggestions
from worker import analysis
from worker.transcode import analysis_tap

log = logging.getLogger(__name__)

#: Names the signal processing and rules; stored with each analysis so that
#: results of an older method can be told apart (and redone) later.
METHOD = "mea-sync-cry/2"
FAILED_REASON = ("The automatic analysis could not be completed; code this clip by hand. "
                 "Nothing about the clip itself is wrong.")


class Status:
    queued = "queued"
    running = "running"
    ready = "ready"
    failed = "failed"


def after_transcode(runtime: Runtime, clip_id: str, work: Path, tap: AnalysisTap | None) -> None:
    """Analyse what the transcode left in ``work``; never raises."""
    _mark(runtime, clip_id, Status.running)
    try:
        if tap is None:
            raise FileNotFoundError("the transcode wrote no analysis outputs")
        _analyse(runtime, clip_id, *load(work, tap), fps=tap.fps, sample_rate=tap.sample_rate)
    except Exception:
        log.exception("analysis of clip %s failed", clip_id)
        _mark(runtime, clip_id, Status.failed, error=FAILED_REASON)


@runs(ANALYSE_CLIP)
def analyse_clip(clip_id: str) -> str:
    """RQ entry point: analyse a ready clip again from its smallest rendition."""
    runtime = get_runtime()
    try:
        with runtime.db() as db:
            clip = db.get(Clip, clip_id)
            if clip is None or clip.status is not ClipStatus.ready or not clip.renditions:
                return "skipped"
            smallest = min(clip.renditions, key=lambda r: r.width * r.height)
            key, duration_s = smallest.playlist_key, clip.duration_s or 0.0
            tap = analysis_tap(smallest.width, smallest.height, bool(clip.has_audio))
        _mark(runtime, clip_id, Status.running)
        with Workdir(runtime, "analyse") as work:
            source = fetch_range(runtime.store, runtime.settings.s3_bucket_media, key, 0.0,
                                 duration_s + 1.0, work / "source.mp4")
            (work / tap.frames).parent.mkdir(parents=True, exist_ok=True)
            run_ffmpeg(build_analysis_command(str(source), work, tap), duration_s=duration_s,
                       on_progress=None,
                       timeout_s=transcode_timeout(runtime.settings, duration_s))
            _analyse(runtime, clip_id, *load(work, tap), fps=tap.fps,
                     sample_rate=tap.sample_rate)
        return "ready"
    except MediaError as exc:
        log.warning("analysis of clip %s failed: %s", clip_id, exc.message)
        _mark(runtime, clip_id, Status.failed, error=FAILED_REASON)
        return "failed"
    except Exception:
        log.exception("analysis of clip %s failed", clip_id)
        _mark(runtime, clip_id, Status.failed, error=FAILED_REASON)
        return "failed"


def load(work: Path, tap: AnalysisTap) -> tuple[npt.NDArray[np.uint8],
                                                npt.NDArray[np.float32] | None]:
    """The raw analysis outputs as arrays: (T, H, W) gray frames and mono samples."""
    raw = np.fromfile(work / tap.frames, dtype=np.uint8)
    size = tap.width * tap.height
    frames = raw[: len(raw) // size * size].reshape(-1, tap.height, tap.width)
    audio = None
    if tap.audio is not None and (work / tap.audio).is_file():
        pcm = np.fromfile(work / tap.audio, dtype="<i2")
        audio = (pcm.astype(np.float32) / 32768.0) if len(pcm) else None
    return frames, audio


def _analyse(runtime: Runtime, clip_id: str, frames: npt.NDArray[np.uint8],
             audio: npt.NDArray[np.float32] | None, *, fps: int, sample_rate: int) -> None:
    with runtime.db() as db:
        row = db.get(ClipAnalysis, clip_id)
        regions = _regions(row.regions if row else None)
    found = analysis.analyse(frames, fps, audio, sample_rate, regions=regions)
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        if clip is None:
            return
        stored = suggestions.store(db, clip, [_proposal(s) for s in found.suggestions])
        row = db.get(ClipAnalysis, clip_id) or ClipAnalysis(clip_id=clip_id)
        row.status, row.method, row.error = Status.ready, METHOD, None
        row.notes = [dataclasses.asdict(note) for note in found.notes]
        row.series = analysis.to_json(found.series)
        row.set_id = stored.id
        db.add(row)


def _proposal(found: analysis.Suggestion) -> suggestions.Proposal:
    return suggestions.Proposal(code=found.code, start_ms=found.start_ms, end_ms=found.end_ms,
                                confidence=found.confidence, explanation=found.explanation,
                                evidence=dict(found.evidence), repairs=found.repairs)


def _regions(stored: dict[str, Any] | None) -> analysis.Regions | None:
    if not stored:
        return None
    return analysis.Regions(parent=_box(stored["parent"]), child=_box(stored["child"]))


def _box(values: dict[str, float]) -> analysis.Box:
    return (float(values["x"]), float(values["y"]), float(values["w"]), float(values["h"]))


def _mark(runtime: Runtime, clip_id: str, status: str, *, error: str | None = None) -> None:
    try:
        with runtime.db() as db:
            if db.get(Clip, clip_id) is None:
                return
            row = db.get(ClipAnalysis, clip_id) or ClipAnalysis(clip_id=clip_id)
            row.status, row.error = status, error
            row.method = row.method or METHOD
            db.add(row)
    except Exception:  # the database is what failed; the clip's state is untouched
        log.exception("could not record the analysis state of clip %s", clip_id)
