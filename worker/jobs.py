"""The transcode job: an original in private storage becomes a streamable clip.

The job is safe to run twice and leaves nothing half-visible: every attempt
writes under its own prefix, and only when all files are stored does one
database commit point the clip at that prefix and mark it ready. Bad media
fails the clip with a readable reason and is never retried; storage or queue
hiccups are retried with backoff by RQ.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import get_current_job
from rq.timeouts import JobTimeoutException

from core import audit, metrics
from core.db.models import Clip, ClipStatus, Rendition, utcnow
from core.keys import clip_media_prefix
from core.media import SourceInfo, probe, validate
from core.media.errors import MediaError
from core.queue import transcode_timeout
from core.runtime import Runtime, get_runtime
from core.storage import TRANSIENT_ERRORS
from core.workdir import Workdir
from worker.suggest_job import after_transcode
from worker.transcode import TranscodeOutput, transcode

log = logging.getLogger(__name__)

#: Share of the progress bar that belongs to encoding; the rest is storing.
ENCODE_SHARE = 0.95
WORKER_ACTOR = audit.Actor(None, None, "system", on_behalf_of="transcode worker")
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment",
                 ".mp4": "video/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt",
                 ".mov": "video/quicktime"}


#: Failures of the infrastructure, not of the recording: worth another try.
RETRYABLE: tuple[type[BaseException], ...] = (
    *TRANSIENT_ERRORS, RedisConnectionError, RedisTimeoutError)


class ClipGone(Exception):
    """The clip was deleted or finished while the job was waiting."""


def transcode_clip(clip_id: str) -> str:
    """RQ entry point. Returns the clip's final status."""
    runtime = get_runtime()
    try:
        return _run(runtime, clip_id)
    except ClipGone:
        return "skipped"


def _run(runtime: Runtime, clip_id: str) -> str:
    attempt_prefix: str | None = None
    try:
        clip = _claim(runtime, clip_id)
        source = runtime.store.presigned_get(runtime.settings.s3_bucket_originals,
                                             clip.original_key, ttl_s=24 * 3600)
        with runtime.db() as db:
            audit.record(db, WORKER_ACTOR, action="read_original", object_type="clip",
                         object_id=clip.id, case_id=clip.case_id)
        info = probe(source)
        validate(info, max_duration_s=runtime.settings.max_duration_s,
                 max_pixels=runtime.settings.max_pixels)
        _store_source_info(runtime, clip_id, info)
        attempt_prefix = f"{clip_media_prefix(clip.case_id, clip.id)}{secrets.token_hex(6)}/"
        with Workdir(runtime) as work:
            started = time.monotonic()
            output = transcode(
                source, work, info,
                on_progress=_progress_reporter(runtime, clip_id),
                timeout_s=transcode_timeout(runtime.settings, info.duration_s),
                preset=runtime.settings.x264_preset,
            )
            store_files(runtime, work, output.files, attempt_prefix)
            _publish(runtime, clip_id, attempt_prefix, output)
            metrics.count(runtime.settings, runtime.redis,
                          transcode_seconds=time.monotonic() - started,
                          transcoded_media_seconds=info.duration_s or 0.0)
            after_transcode(runtime, clip_id, work, output.analysis)
        return "ready"
    except MediaError as exc:
        discard(runtime, attempt_prefix)
        if exc.retryable:  # the store did not answer; the recording may be fine
            _retry_or_fail(runtime, clip_id, exc)
            raise
        _fail(runtime, clip_id, exc.code, exc.message)
        return "failed"
    except JobTimeoutException:
        discard(runtime, attempt_prefix)
        _fail(runtime, clip_id, "timeout", "Processing took far longer than expected and "
              "was stopped.")
        return "failed"
    except RETRYABLE as exc:
        discard(runtime, attempt_prefix)
        _retry_or_fail(runtime, clip_id, exc)
        raise


def _claim(runtime: Runtime, clip_id: str) -> Clip:
    """Mark the clip processing, unless another run already finished it."""
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        if clip is None or clip.status in (ClipStatus.ready, ClipStatus.failed,
                                           ClipStatus.uploading):
            raise ClipGone(clip_id)
        clip.status = ClipStatus.processing
        clip.progress = 0.0
        clip.error = clip.error_code = None
        clip.attempts += 1
        clip.heartbeat_at = utcnow()
        job = get_current_job()
        if job is not None:
            clip.job_id = job.id
        return clip


def _store_source_info(runtime: Runtime, clip_id: str, info: SourceInfo) -> None:
    with runtime.db() as db:
        clip = _require(db.get(Clip, clip_id), clip_id)
        clip.duration_s = round(info.duration_s, 3)
        clip.has_audio = info.has_audio
        if clip.recorded_at is None:  # what the person said at upload wins
            clip.recorded_at = info.recorded_at
        clip.source_info = {
            "codec": info.video_codec, "pix_fmt": info.pix_fmt, "bit_depth": info.bit_depth,
            "hdr": info.hdr, "rotation": info.rotation, "vfr": info.vfr,
            "width": info.width, "height": info.height, "fps": round(info.fps, 3),
            "format": info.format_name,
        }


def _require(clip: Clip | None, clip_id: str) -> Clip:
    if clip is None:
        raise ClipGone(clip_id)
    return clip


def _progress_reporter(runtime: Runtime, clip_id: str) -> Callable[[float], None]:
    """Write progress (and a heartbeat for the sweeper)."""

    def write(fraction: float) -> None:
        with runtime.db() as db:
            clip = _require(db.get(Clip, clip_id), clip_id)
            clip.progress = round(min(max(fraction, 0.0), 1.0) * ENCODE_SHARE, 4)
            clip.heartbeat_at = utcnow()

    return throttled(write)


def throttled(write: Callable[[float], None], every_s: float = 1.0) -> Callable[[float], None]:
    """``write`` at most once every ``every_s`` seconds, and always for the end (1.0):
    progress is polled by people, not by machines, so more writes only load the database."""
    last = 0.0

    def report(fraction: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < every_s and fraction < 1.0:
            return
        last = now
        write(fraction)

    return report


def store_files(runtime: Runtime, work: Path, files: list[Path], prefix: str) -> None:
    """Store every output file; playlists last, so nothing references a missing file."""
    bucket = runtime.settings.s3_bucket_media
    playlists = [f for f in files if f.suffix == ".m3u8"]
    media = [f for f in files if f.suffix != ".m3u8"]

    def put(rel: Path) -> None:
        runtime.store.put_file(bucket, prefix + rel.as_posix(), work / rel,
                               CONTENT_TYPES.get(rel.suffix, "application/octet-stream"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, media))
        list(pool.map(put, playlists))


def _publish(runtime: Runtime, clip_id: str, prefix: str, output: TranscodeOutput) -> None:
    """One commit makes the new renditions visible; older attempts are then removed."""
    with runtime.db() as db:
        clip = _require(db.get(Clip, clip_id), clip_id)
        old_prefix = clip.media_prefix
        clip.renditions.clear()
        db.flush()
        for r in output.renditions:
            clip.renditions.append(Rendition(
                name=r.spec.name, width=r.width, height=r.height, bandwidth=r.bandwidth,
                average_bandwidth=r.average_bandwidth, codecs=r.codecs,
                frame_rate=r.frame_rate, playlist_key=prefix + r.playlist.as_posix()))
        top = output.renditions[0]
        clip.width, clip.height, clip.fps = top.width, top.height, top.frame_rate
        clip.media_prefix = prefix
        clip.status = ClipStatus.ready
        clip.progress = 1.0
        clip.error = clip.error_code = None
        case_id = clip.case_id
    _discard_other_attempts(runtime, case_id, clip_id, keep=prefix, also=old_prefix)


def _discard_other_attempts(runtime: Runtime, case_id: str, clip_id: str, keep: str,
                            also: str | None) -> None:
    media_root = clip_media_prefix(case_id, clip_id)
    bucket = runtime.settings.s3_bucket_media
    attempts = {k[len(media_root):].split("/", 1)[0]
                for k in runtime.store.list_keys(bucket, media_root)}
    stale = {f"{media_root}{attempt}/" for attempt in attempts}
    for prefix in stale | ({also} if also else set()):
        if prefix != keep:
            runtime.store.delete_prefix(bucket, prefix)


def discard(runtime: Runtime, prefix: str | None) -> None:
    """Remove what a failed attempt stored; best effort (the next attempt sweeps too)."""
    if prefix is None:
        return
    try:
        runtime.store.delete_prefix(runtime.settings.s3_bucket_media, prefix)
    except Exception:  # storage may be the thing that failed
        log.warning("could not remove partial output under %s", prefix, exc_info=True)


def _fail(runtime: Runtime, clip_id: str, code: str, message: str) -> None:
    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        if clip is None:
            return
        clip.status = ClipStatus.failed
        clip.error_code = code
        clip.error = message
        clip.heartbeat_at = None
    log.info("clip %s failed: %s (%s)", clip_id, message, code)


def _retry_or_fail(runtime: Runtime, clip_id: str, exc: BaseException) -> None:
    """A hiccup: put the clip back in the queue state while RQ retries, or give up."""
    job = get_current_job()
    retries_left = job.retries_left if job is not None else 0
    if retries_left:
        with runtime.db() as db:
            clip = db.get(Clip, clip_id)
            if clip is not None:
                clip.status = ClipStatus.queued
                clip.progress = 0.0
                clip.error_code = "retrying"
                clip.error = f"Storage or queue unavailable, retrying ({exc.__class__.__name__})."
        return
    _fail(runtime, clip_id, "storage_unavailable",
          "The media store could not be reached, even after several tries. "
          "Try again later; the upload itself is safe.")
