"""Streaming a ready clip: HLS playlists, segments, poster and storyboard.

Opening a clip's playlist, poster or storyboard is a read of a recording and
is audit-logged; the segment fetches that follow are part of that same view.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from core import audit, delivery, signing
from core.access import NotFound, clip_for
from core.db.models import Clip, ClipStatus, User
from core.storage import ObjectNotFound
from core.web import ApiError, Db, Rt, client_ip, optional_user
from services.ingest.clips import media_token

router = APIRouter(prefix="/api/clips", tags=["playback"])

#: Files whose fetch counts as opening the recording (the rest are folded into it).
AUDITED = {"master.m3u8": "view_clip", "poster.jpg": "view_poster",
           "storyboard.vtt": "view_storyboard"}


def _segment_token_ttl(runtime: Rt, clip: Clip) -> int:
    """Long enough to watch the whole clip (twice, with pauses) once it is opened."""
    return max(runtime.settings.media_url_ttl_s, int(2 * (clip.duration_s or 0)) + 900)


def _viewer(db: Db, runtime: Rt, clip_id: str, token: str | None,
            user: User | None) -> tuple[User, str]:
    """Who is watching, and the token to sign the next URIs with."""
    if token:
        try:
            claims = signing.verify(runtime.secret_key, token, k="clip", id=clip_id)
        except signing.InvalidToken as exc:
            raise ApiError(403, f"This media link is not valid ({exc}). Open the clip again "
                           "to get a fresh link.", "bad_media_token") from None
        holder = db.get(User, claims["u"])
        if holder is None or not holder.active:
            raise NotFound("clip")
        return holder, token
    if user is None:
        raise ApiError(401, "Log in first, or use the signed link from the clip.",
                       "not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    return user, ""


@router.get("/{clip_id}/media/{path:path}", include_in_schema=True)
def clip_media(
    clip_id: str,
    path: str,
    request: Request,
    db: Db,
    runtime: Rt,
    user: Annotated[User | None, Depends(optional_user)],
    t: Annotated[str | None, Query(description="Signed media token from the clip")] = None,
) -> Response:
    """A file of the clip's HLS presentation (master.m3u8 first)."""
    viewer, token = _viewer(db, runtime, clip_id, t, user)
    action = AUDITED.get(path)
    actor = audit.Actor.of(viewer)
    try:
        clip = clip_for(db, viewer, clip_id)
    except NotFound:
        if action:
            audit.record(db, actor, action=action, object_type="clip", object_id=clip_id,
                         case_id=None, outcome="denied", ip=client_ip(request))
        raise
    if clip.status is not ClipStatus.ready or not clip.media_prefix:
        raise ApiError(409, f"The clip is not ready to play (status: {clip.status.value}).",
                       "clip_not_ready")
    if not delivery.is_media_path(path):
        raise NotFound("media file")
    if action:
        audit.record(db, actor, action=action, object_type="clip", object_id=clip.id,
                     case_id=clip.case_id, ip=client_ip(request))
    return _serve(runtime, clip, viewer, path, token, request)


def _serve(runtime: Rt, clip: Clip, viewer: User, path: str, token: str,
           request: Request) -> Response:
    bucket = runtime.settings.s3_bucket_media
    key = f"{clip.media_prefix}{path}"
    try:
        if path.endswith((".m3u8", ".vtt")):
            text = runtime.store.get_bytes(bucket, key).decode()
            if path == "master.m3u8" or not token:
                token = media_token(runtime, clip, viewer, _segment_token_ttl(runtime, clip))
            signed = (delivery.sign_playlist(text, token) if path.endswith(".m3u8")
                      else delivery.sign_vtt_images(text, token))
            return Response(signed, media_type=delivery.content_type(path),
                            headers={"Cache-Control": "private, no-store"})
        return delivery.stream_object(runtime.store, bucket, key, request,
                                      delivery.content_type(path), cache_seconds=3600)
    except ObjectNotFound:
        raise NotFound("media file") from None
