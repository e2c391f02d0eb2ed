"""The transcode job: an original in private storage becomes a streamable clip.

The job is safe to run twice and leaves nothing half-visible (the sequence of
:mod:`worker.publish`): every attempt writes under its own prefix, and only
when all files are stored does one database commit point the clip at that
prefix and mark it ready. Bad media fails the clip with a readable reason and
is never retried; storage or queue hiccups are retried with backoff by RQ.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from core import audit, metrics
from core.db.models import Clip, ClipStatus, Rendition
from core.keys import clip_media_prefix
from core.media import SourceInfo, probe, validate
from core.media.errors import MediaError
from core.queue import TRANSCODE_CLIP, runs, transcode_timeout
from core.runtime import Runtime
from core.workdir import Workdir
from worker import publish
from worker.analysis_job import after_transcode
from worker.transcode import TranscodeOutput, transcode

#: Share of the progress bar that belongs to encoding; the rest is storing.
ENCODE_SHARE = 0.95
WORKER_ACTOR = audit.Actor(None, None, "system", on_behalf_of="transcode worker")


def _back_in_queue(clip: Clip, exc: BaseException) -> None:
    """While RQ tries again, the clip says it waits, and why."""
    clip.status = ClipStatus.queued
    clip.progress = 0.0
    clip.error_code = "retrying"
    clip.error = f"Storage or queue unavailable, retrying ({exc.__class__.__name__})."


CLIPS = publish.Kind(
    model=Clip,
    waits=lambda clip: clip.status not in (ClipStatus.ready, ClipStatus.failed,
                                           ClipStatus.uploading),
    timed_out="Processing took far longer than expected and was stopped.",
    unavailable="The media store could not be reached, even after several tries. "
                "Try again later; the upload itself is safe.",
    retrying=_back_in_queue)


@runs(TRANSCODE_CLIP)
def transcode_clip(clip_id: str) -> str:
    """RQ entry point. Returns the clip's final status."""
    return publish.run(CLIPS, clip_id, _transcode)


def _transcode(attempt: publish.Attempt[Clip]) -> str:
    runtime = attempt.runtime
    with attempt.claim() as (_, clip):
        clip.status = ClipStatus.processing
        clip.progress = 0.0
        clip.error = clip.error_code = None
        clip.attempts += 1
        case_id, original_key = clip.case_id, clip.original_key
    source = runtime.store.presigned_get(runtime.settings.s3_bucket_originals, original_key,
                                         ttl_s=24 * 3600)
    with runtime.db() as db:
        audit.record(db, WORKER_ACTOR, action="read_original", object_type="clip",
                     object_id=attempt.row_id, case_id=case_id)
    try:
        info = probe(source)
        validate(info, max_duration_s=runtime.settings.max_duration_s,
                 max_pixels=runtime.settings.max_pixels)
        _store_source_info(attempt, info)
        prefix = attempt.fresh_prefix(clip_media_prefix(case_id, attempt.row_id), token_bytes=6)
        with Workdir(runtime) as work:
            started = time.monotonic()
            output = transcode(
                source, work, info,
                on_progress=attempt.reporter(ENCODE_SHARE),
                timeout_s=transcode_timeout(runtime.settings, info.duration_s),
                preset=runtime.settings.x264_preset,
            )
            attempt.store(work, output.files)
            before = attempt.publish(lambda db, clip: _renditions(db, clip, prefix, output))
            _discard_other_attempts(runtime, case_id, attempt.row_id, keep=prefix, also=before)
            metrics.count(runtime.settings, runtime.redis,
                          transcode_seconds=time.monotonic() - started,
                          transcoded_media_seconds=info.duration_s or 0.0)
            after_transcode(runtime, attempt.row_id, work, output.analysis)
        return "ready"
    except MediaError as exc:
        if exc.retryable:  # the store did not answer; the recording may be fine
            raise
        raise publish.Refused(exc.message, exc.code) from exc


def _store_source_info(attempt: publish.Attempt[Clip], info: SourceInfo) -> None:
    with attempt.runtime.db() as db:
        clip = attempt.row(db)
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


def _renditions(db: Session, clip: Clip, prefix: str, output: TranscodeOutput) -> None:
    """The clip's renditions become the ones just stored (in the publishing commit)."""
    clip.renditions.clear()
    db.flush()
    for r in output.renditions:
        clip.renditions.append(Rendition(
            name=r.spec.name, width=r.width, height=r.height, bandwidth=r.bandwidth,
            average_bandwidth=r.average_bandwidth, codecs=r.codecs,
            frame_rate=r.frame_rate, playlist_key=prefix + r.playlist.as_posix()))
    top = output.renditions[0]
    clip.width, clip.height, clip.fps = top.width, top.height, top.frame_rate


def _discard_other_attempts(runtime: Runtime, case_id: str, clip_id: str, keep: str,
                            also: str | None) -> None:
    """Once the new renditions are visible, older attempts' files go."""
    media_root = clip_media_prefix(case_id, clip_id)
    bucket = runtime.settings.s3_bucket_media
    attempts = {k[len(media_root):].split("/", 1)[0]
                for k in runtime.store.list_keys(bucket, media_root)}
    stale = {f"{media_root}{attempt}/" for attempt in attempts}
    for prefix in stale | ({also} if also else set()):
        if prefix != keep:
            runtime.store.delete_prefix(bucket, prefix)
