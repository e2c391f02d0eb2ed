"""Streaming a ready clip: HLS playlists, segments, poster and storyboard.

Opening a clip's playlist, poster or storyboard is a read of a recording and
is audit-logged; the segment fetches that follow are part of that same view.

Those fetches (a rendition's playlist, then two or more segment requests for
every few seconds of video) are most of a view's requests, so they are
answered from the view's own signed link without the database
(:func:`opened_view_file`): opening the view checked who
may watch, logged it and signed the links with where the presentation is and
which login opened it. A view once opened therefore plays to its end even if
access ends meanwhile, as with any signed media link; the link's lifetime
(:func:`segment_token_ttl`) bounds that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from core import audit, delivery, errors, signing
from core.access import NotFound, clip_for
from core.auth import token_digest
from core.db.models import ClipStatus, User
from core.openapi import file_answer
from core.storage import ObjectNotFound
from core.web import Bearer, Db, Rt, client_ip, optional_user, session_token
from services.ingest.clips import media_token

router = APIRouter(prefix="/api/clips", tags=["playback"])
T = TypeVar("T")

#: Files whose fetch counts as opening the recording (the rest are folded into it).
AUDITED = {"master.m3u8": "view_clip", "poster.jpg": "view_poster",
           "storyboard.vtt": "view_storyboard"}


def segment_token_ttl(runtime: Rt, duration_s: float | None) -> int:
    """Long enough to watch the whole presentation (twice, with pauses) once it is opened."""
    return max(runtime.settings.media_url_ttl_s, int(2 * (duration_s or 0)) + 900)


def login_mark(request: Request, bearer: str | None) -> str | None:
    """A short mark of the login a request carries (never the login itself), or None."""
    token, _ = session_token(request, bearer)
    return token_digest(token)[:16] if token else None


def view_claims(request: Request, bearer: str | None, prefix: str) -> dict[str, str]:
    """What the links of an opened view carry: where its files are and which
    login opened it, so its segment requests need no database."""
    mark = login_mark(request, bearer)
    return {"p": prefix, **({"s": mark} if mark else {})}


def opened_view_file(runtime: Rt, request: Request, bearer: str | None, kind: str,
                     object_id: str, path: str, token: str | None) -> Response | None:
    """A file of a view already opened (a rendition's playlist, a segment, the
    captions), or None when the request needs the full checks of :func:`viewer`.

    Answered here only with a genuine, unexpired link for this object that names
    the view's files, from no login or from the very login that opened the view;
    anything else (another person's login, an old link, a file whose opening is
    logged, such as the master playlist) goes the long way, where it is refused
    or logged.
    """
    if not token or path in AUDITED or not delivery.is_media_path(path):
        return None
    try:
        claims = signing.verify(runtime.secret_key, token, k=kind, id=object_id)
    except signing.InvalidToken:
        return None
    prefix, mark = claims.get("p"), login_mark(request, bearer)
    if not isinstance(prefix, str) or (mark is not None and claims.get("s") != mark):
        return None
    return serve_file(runtime, prefix, path, token, request, lambda: token)


@dataclass(frozen=True)
class Viewer:
    """Who is watching: whose access rules apply, who the access log names, and
    the token to sign the presentation's next URIs with."""

    access: User
    actor: audit.Actor
    token: str


def viewer(db: Db, runtime: Rt, request: Request, kind: str, object_id: str,
           token: str | None, user: User | None) -> Viewer:
    """The person behind a media request, as the access log must name them.

    A logged-in caller is always the one logged, and a signed link only works
    for the person it was issued to: someone else's link is refused (and that
    refusal logged under their own name), so a copied link never makes one
    person's viewing look like another's. A link with no login beside it (a
    player such as VLC that cannot send one) is logged as a use of that
    person's link, not as that person.
    """
    if not token:
        if user is None:
            raise errors.NotAuthenticated(f"Log in first, or use the signed link from the {kind}.",
                                          "not_authenticated",
                                          headers={"WWW-Authenticate": "Bearer"})
        return Viewer(user, audit.Actor.of(user), "")
    try:
        claims = signing.verify(runtime.secret_key, token, k=kind, id=object_id)
    except signing.InvalidToken as exc:
        raise errors.NotAllowed(f"This media link is not valid ({exc}). Open the {kind} again "
                                "to get a fresh link.", "bad_media_token") from None
    holder = db.get(User, claims["u"])
    if holder is None or not holder.active:
        raise NotFound(kind)
    if user is None:
        return Viewer(holder, audit.Actor.link_of(holder), token)
    if user.id != holder.id:
        audit.record(db, audit.Actor.of(user), action=f"view_{kind}", object_type=kind,
                     object_id=object_id, case_id=None, outcome="denied",
                     ip=client_ip(request), detail="media link issued to someone else")
        raise errors.NotAllowed(f"This media link was made for someone else. Open the {kind} "
                                "yourself to get your own link.", "media_link_not_yours")
    return Viewer(user, audit.Actor.of(user), token)


#: What a media route answers: a file of the HLS presentation, whole or a byte range.
MEDIA_ANSWERS = {
    **file_answer(*delivery.CONTENT_TYPES.values(), description="The file."),
    **file_answer(*delivery.CONTENT_TYPES.values(), status=206,
                  description="The byte range asked for (``Range``)."),
}


@router.get("/{clip_id}/media/{path:path}", response_class=Response, responses=MEDIA_ANSWERS)
def clip_media(
    clip_id: str,
    path: str,
    request: Request,
    db: Db,
    runtime: Rt,
    bearer: Bearer,
    t: Annotated[str | None, Query(description="Signed media token from the clip")] = None,
) -> Response:
    """A file of the clip's HLS presentation (master.m3u8 first)."""
    opened = opened_view_file(runtime, request, bearer, "clip", clip_id, path, t)
    if opened is not None:
        return opened
    user = optional_user(request, db, runtime, bearer)
    watcher = viewer(db, runtime, request, "clip", clip_id, t, user)
    action = AUDITED.get(path)
    clip = audited_find(db, watcher, action, "clip", clip_id, request,
                        lambda: clip_for(db, watcher.access, clip_id))
    if clip.status is ClipStatus.purged:
        raise errors.Gone("This recording was removed when its case's retention period "
                          "ended; it can no longer be played.", "clip_purged")
    if clip.status is not ClipStatus.ready or not clip.media_prefix:
        raise errors.Conflict(f"The clip is not ready to play (status: {clip.status.value}).",
                              "clip_not_ready")
    if action:
        audit.record(db, watcher.actor, action=action, object_type="clip",
                     object_id=clip.id, case_id=clip.case_id, ip=client_ip(request))
    return serve_file(runtime, clip.media_prefix, path, watcher.token, request,
                      lambda: media_token(runtime, clip, watcher.access,
                                          segment_token_ttl(runtime, clip.duration_s),
                                          view_claims(request, bearer, clip.media_prefix or "")))


def audited_find(db: Db, watcher: Viewer, action: str | None, object_type: str,
                 object_id: str, request: Request, find: Callable[[], T]) -> T:
    """``find()``, logging a refused opening (an ``action``) before answering 404."""
    try:
        return find()
    except NotFound:
        if action:
            audit.record(db, watcher.actor, action=action, object_type=object_type,
                         object_id=object_id, case_id=None, outcome="denied",
                         ip=client_ip(request))
        raise


def serve_file(runtime: Rt, prefix: str, path: str, token: str, request: Request,
               fresh_token: Callable[[], str], store_links: bool = True) -> Response:
    """A file of a stored HLS presentation (a clip's or a playlist's).

    Playlists and WebVTT are rewritten so every URI in them carries a media
    token: a fresh one when the master playlist is opened (it is the start of
    a view), otherwise the one the request came with. Behind nginx a playlist's
    segments are listed as store links for as long as that token works, unless
    ``store_links`` is off: then every file is asked of the API, which checks
    the link each time (a family's link, which stops a playback when revoked).
    """
    if not delivery.is_media_path(path):
        raise NotFound("media file")
    bucket, proxy = runtime.settings.s3_bucket_media, runtime.settings.store_proxy
    key = f"{prefix}{path}"
    try:
        if path.endswith((".m3u8", ".vtt")):
            text = delivery.published_text(runtime.store, bucket, key)
            if path == "master.m3u8" or not token:
                token = fresh_token()
            direct = (delivery.direct_links(runtime.store, bucket, prefix, path, proxy,
                                            signing.seconds_left(token))
                      if proxy and store_links else None)
            signed = (delivery.sign_playlist(text, token, direct) if path.endswith(".m3u8")
                      else delivery.sign_vtt_images(text, token))
            return Response(signed, media_type=delivery.content_type(path),
                            headers={"Cache-Control": "private, no-store"})
        return delivery.stream_object(runtime.store, bucket, key, request,
                                      delivery.content_type(path), cache_seconds=3600,
                                      accel=proxy)
    except ObjectNotFound:
        raise NotFound("media file") from None
