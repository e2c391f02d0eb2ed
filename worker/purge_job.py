"""The retention purge: once a closed case's grace period has ended, every
recording of it leaves object storage, and the database says so.

Everything a case stores lives under ``cases/{case_id}/`` in both buckets
(clips, playlists), so the purge removes by prefix and then lists again: the
case is marked purged only when nothing is left. Until then ``purged_at``
stays empty, RQ retries the job, and after the retries the sweeper queues the
case again. A transcode or render still writing under the prefix is waited
for rather than raced, so nothing reappears after the purge.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit
from core.db.models import (
    AnnotationSet,
    Case,
    Clip,
    ClipAnalysis,
    ClipStatus,
    Comment,
    Playlist,
    PlaylistStatus,
    Upload,
    UploadState,
    utcnow,
)
from core.keys import case_prefix
from core.queue import PURGE_CASE, runs
from core.runtime import Runtime, get_runtime
from services.cases import revoke_shares
from services.ingest.resumable import discard_bytes

log = logging.getLogger(__name__)

PURGE_ACTOR = audit.Actor(None, None, "system", on_behalf_of="retention purge")


class PurgeDeferred(RuntimeError):
    """A job is still writing media of the case; purging now would race it."""


class PurgeIncomplete(RuntimeError):
    """Objects were still there after the deletion; the job is retried."""


@dataclass
class Removed:
    """What the purge found and deleted, per bucket, for the audit record."""

    objects: dict[str, int] = field(default_factory=dict)
    prefixes: dict[str, list[str]] = field(default_factory=dict)
    uploads_aborted: int = 0


@runs(PURGE_CASE)
def purge_case(case_id: str) -> str:
    """RQ entry point. Returns ``purged``, or why nothing was done: ``missing``,
    ``already_purged`` or ``not_due`` (a second delivery of the job is harmless)."""
    runtime = get_runtime()
    removed = Removed()
    with runtime.db() as db:
        skip = _skip_reason(db.get(Case, case_id))
        if skip:
            return skip
        _require_idle(runtime, db, case_id)
        removed.uploads_aborted = _abort_uploads(runtime, db, case_id)
    _remove_objects(runtime, case_id, removed)
    _verify_empty(runtime, case_id)
    if not _mark_purged(runtime, case_id, removed):
        return "already_purged"
    log.info("purged case %s: %s", case_id, removed.objects)
    return "purged"


def _skip_reason(case: Case | None) -> str | None:
    if case is None:
        return "missing"
    if case.purged_at is not None:
        return "already_purged"
    if case.purge_after is None or case.purge_after > utcnow():
        return "not_due"
    return None


def _require_idle(runtime: Runtime, db: Session, case_id: str) -> None:
    """Clips waiting for or in a transcode always finish or fail (the sweeper sees
    to that); a render counts as busy while its heartbeat is fresh."""
    cutoff = utcnow() - timedelta(seconds=runtime.settings.stale_after_s)
    clips = db.scalar(select(func.count()).select_from(Clip).where(
        Clip.case_id == case_id, Clip.status.in_([ClipStatus.queued, ClipStatus.processing])))
    renders = db.scalar(select(func.count()).select_from(Playlist).where(
        Playlist.case_id == case_id, Playlist.status == PlaylistStatus.rendering,
        func.coalesce(Playlist.heartbeat_at, Playlist.updated_at) >= cutoff))
    if clips or renders:
        raise PurgeDeferred(f"case {case_id}: {clips} clip(s) being transcoded and {renders} "
                            "playlist(s) rendering; the purge waits for them")


def _receiving_uploads(db: Session, case_id: str) -> Sequence[Upload]:
    return db.scalars(select(Upload).join(Clip, Upload.clip_id == Clip.id).where(
        Clip.case_id == case_id, Upload.state == UploadState.receiving)).all()


def _abort_uploads(runtime: Runtime, db: Session, case_id: str) -> int:
    """Unfinished resumable uploads hold S3 parts that no object listing shows."""
    uploads = _receiving_uploads(db, case_id)
    for upload in uploads:
        discard_bytes(runtime, upload)
    return len(uploads)


def _buckets(runtime: Runtime) -> tuple[str, str]:
    return runtime.settings.s3_bucket_originals, runtime.settings.s3_bucket_media


def _group(prefix: str, key: str) -> str:
    """``cases/c/clips/x/media/…`` -> ``cases/c/clips/x/``: one entry per clip or
    playlist, so the audit record says what went without listing every segment."""
    parts = key[len(prefix):].split("/")
    return f"{prefix}{parts[0]}/{parts[1]}/" if len(parts) > 2 else key


def _remove_objects(runtime: Runtime, case_id: str, removed: Removed) -> None:
    prefix = case_prefix(case_id)
    for bucket in _buckets(runtime):
        keys = runtime.store.list_keys(bucket, prefix)
        removed.prefixes[bucket] = sorted({_group(prefix, key) for key in keys})
        removed.objects[bucket] = runtime.store.delete_prefix(bucket, prefix)


def _verify_empty(runtime: Runtime, case_id: str) -> None:
    prefix = case_prefix(case_id)
    left = {bucket: len(runtime.store.list_keys(bucket, prefix)) for bucket in _buckets(runtime)}
    left = {bucket: count for bucket, count in left.items() if count}
    if left:
        raise PurgeIncomplete(f"objects remain under {prefix} after deleting them: {left}")


def _mark_purged(runtime: Runtime, case_id: str, removed: Removed) -> bool:
    """One transaction: the rows stop pointing at media, family links end, and
    the audit record names what was removed. False if another run got there first."""
    keep = runtime.settings.retention_keep_annotations
    with runtime.db() as db:
        case = db.get(Case, case_id, with_for_update=True)
        if case is None or case.purged_at is not None:
            return False
        now = utcnow()
        clips = _purge_clips(db, case_id)
        _expire_uploads(db, case_id)
        playlists = _purge_playlists(db, case_id)
        shares = revoke_shares(db, case_id, now)
        sets_deleted = 0 if keep else _delete_text(db, case_id)
        case.purged_at = now
        detail = {"prefix": case_prefix(case_id), "objects": removed.objects,
                  "prefixes": removed.prefixes, "uploads_aborted": removed.uploads_aborted,
                  "clips": clips, "playlists": playlists, "shares_revoked": shares,
                  "annotations": "kept" if keep else "deleted",
                  "annotation_sets_deleted": sets_deleted}
        audit.record(db, PURGE_ACTOR, action="purge_case", object_type="case",
                     object_id=case_id, case_id=case_id, detail=json.dumps(detail))
    return True


def _purge_clips(db: Session, case_id: str) -> int:
    """The clips stay as purged records; what was measured in their pictures and
    sound (the analysis' series) goes with the media."""
    clips = db.scalars(select(Clip).where(Clip.case_id == case_id)).all()
    db.execute(delete(ClipAnalysis).where(ClipAnalysis.clip_id.in_([c.id for c in clips])))
    for clip in clips:
        clip.status = ClipStatus.purged
        clip.media_prefix = None
        clip.renditions.clear()
        clip.progress = 0.0
        clip.error = clip.error_code = None
        clip.heartbeat_at = None
    return len(clips)


def _expire_uploads(db: Session, case_id: str) -> None:
    """Their parts were aborted: a client that comes back is told to start again."""
    for upload in _receiving_uploads(db, case_id):
        upload.state = UploadState.expired


def _purge_playlists(db: Session, case_id: str) -> int:
    playlists = db.scalars(select(Playlist).where(Playlist.case_id == case_id)).all()
    for playlist in playlists:
        playlist.status = PlaylistStatus.purged
        playlist.media_prefix = None
    return len(playlists)


def _delete_text(db: Session, case_id: str) -> int:
    """Annotation sets of the case's clips, with (through the database's cascades)
    their annotations, ratings, history and review steps, and the comments on
    the clips. Returns how many sets went."""
    clip_ids = select(Clip.id).where(Clip.case_id == case_id)
    set_ids = db.scalars(select(AnnotationSet.id)
                         .where(AnnotationSet.clip_id.in_(clip_ids))).all()
    db.execute(delete(Comment).where(Comment.clip_id.in_(clip_ids)))
    db.execute(delete(AnnotationSet).where(AnnotationSet.id.in_(set_ids)))
    return len(set_ids)
