"""The life of a clip on the ingest side: where its bytes go, how it is shown,
and the hand-over to the transcode queue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast
from urllib.parse import quote

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from core import metrics, signing
from core.db.models import Case, Clip, ClipStatus, Upload, UploadState, User
from core.keys import original_key
from core.queue import enqueue_transcode
from core.runtime import Runtime
from services.ingest.schemas import Activity, ClipOut

log = logging.getLogger(__name__)


def new_clip(db: Session, case: Case, user: User, filename: str) -> Clip:
    clip = Clip(case_id=case.id, uploaded_by=user.id, filename=filename[:255],
                status=ClipStatus.uploading, original_key="")
    db.add(clip)
    db.flush()
    clip.original_key = original_key(case.id, clip.id)
    return clip


def queue_clip(runtime: Runtime, db: Session, clip: Clip, size_bytes: int) -> None:
    """The original is complete in storage: queue its transcode (committed first,
    so the worker always finds the row)."""
    clip.size_bytes = size_bytes
    clip.status = ClipStatus.queued
    clip.progress = 0.0
    clip.attempts = 0
    db.commit()
    metrics.count(runtime.settings, runtime.redis, upload_bytes=size_bytes)
    try:
        clip.job_id = enqueue_transcode(runtime.settings, runtime.redis, clip.id, 0)
    except (RedisConnectionError, RedisTimeoutError):
        # The recording is stored and the clip says "queued": the sweeper hands
        # it to the queue once Redis is back. Answering 503 instead would make
        # the person upload the same recording again.
        log.warning("queue unavailable; clip %s waits for the sweeper", clip.id)
        return
    db.commit()


def media_token(runtime: Runtime, clip: Clip, user: User, ttl_s: int | None = None,
                view: dict[str, str] | None = None) -> str:
    """A signed link to the clip's media for ``user``; ``view`` adds what the
    segment requests of an opened view are answered from (``services.review.playback``)."""
    ttl = ttl_s if ttl_s is not None else runtime.settings.media_url_ttl_s
    return signing.sign(runtime.secret_key,
                        {"k": "clip", "id": clip.id, "u": user.id, **(view or {})}, ttl)


def upload_progress(clip: Clip) -> float | None:
    """How far a resumable upload of the clip has come (0..1), for anyone
    watching the case from another device; None when no upload is running."""
    db = object_session(clip)
    return uploads_progress(db, [clip]).get(clip.id) if db is not None else None


def uploads_progress(db: Session, clips: Sequence[Clip]) -> dict[str, float | None]:
    """:func:`upload_progress` of each clip still uploading, read in one query
    however many a case has: a clip's newest upload that is still receiving."""
    ids = [clip.id for clip in clips if clip.status is ClipStatus.uploading]
    if not ids:
        return {}
    newest: dict[str, Upload] = {}
    for upload in db.scalars(select(Upload).where(Upload.clip_id.in_(ids),
                                                  Upload.state == UploadState.receiving)
                             .order_by(Upload.created_at)):
        newest[upload.clip_id] = upload
    return {clip_id: round(upload.offset / upload.length, 4) if upload.length else None
            for clip_id, upload in newest.items()}


def clip_view(runtime: Runtime, clip: Clip, user: User, base_url: str) -> ClipOut:
    """The clip as its viewer sees it, with fresh signed media URLs when ready."""
    return _view(runtime, clip, user, base_url, upload_progress(clip))


def clips_view(runtime: Runtime, db: Session, clips: Sequence[Clip], user: User,
               base_url: str) -> list[ClipOut]:
    """:func:`clip_view` of many clips, with their uploads read in one query."""
    progress = uploads_progress(db, clips)
    return [_view(runtime, clip, user, base_url, progress.get(clip.id)) for clip in clips]


def _view(runtime: Runtime, clip: Clip, user: User, base_url: str,
          progress: float | None) -> ClipOut:
    """The clip as shown, its upload's progress read by the caller (one clip or many)."""
    urls: dict[str, str | None] = {"hls_url": None, "poster_url": None, "storyboard_url": None}
    if clip.status is ClipStatus.ready:
        token = quote(media_token(runtime, clip, user))
        media = f"{base_url.rstrip('/')}/api/clips/{clip.id}/media"
        urls = {
            "hls_url": f"{media}/master.m3u8?t={token}",
            "poster_url": f"{media}/poster.jpg?t={token}",
            "storyboard_url": f"{media}/storyboard.vtt?t={token}",
        }
    return ClipOut(
        id=clip.id, case_id=clip.case_id, filename=clip.filename,
        activity=cast(Activity | None, clip.activity),  # checked at upload
        recorded_at=clip.recorded_at, visit_id=clip.visit_id,
        status=clip.status, upload_progress=progress,
        progress=round(clip.progress, 4), error=clip.error, error_code=clip.error_code,
        size_bytes=clip.size_bytes, duration_s=clip.duration_s, width=clip.width,
        height=clip.height, fps=clip.fps, created_at=clip.created_at,
        updated_at=clip.updated_at, **urls,
    )
