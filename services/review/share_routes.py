"""Sharing a rendered playlist with the family: professionals make, list and
revoke links; the family opens a link (with its access code, if any) and
watches. Revocation and expiry hold at once, down to each media request, and
every request for a link is in the access log, refusals included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, Query, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from core import audit, signing
from core.access import case_for, through_parent
from core.db.models import Share, utcnow
from core.runtime import Runtime
from core.web import CurrentUser, Db, Rt, client_ip
from services.review import playback, playlists, share_page, shares

router = APIRouter(tags=["sharing"])

GRANT_COOKIE = "attune_share"
GRANT_TTL_S = 12 * 3600
_PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


class ShareIn(BaseModel):
    days: int = Field(default=shares.DEFAULT_DAYS, ge=1, le=shares.MAX_DAYS,
                      description="Days until the link stops working.")
    access_code: bool = Field(default=False, description="Also ask for a 6-digit code.")


class ShareOut(BaseModel):
    id: str
    playlist_id: str
    state: str
    has_access_code: bool
    expires_at: datetime
    revoked_at: datetime | None
    views: int
    last_viewed_at: datetime | None
    created_at: datetime


class ShareCreated(ShareOut):
    #: Shown this once: give the link (and, separately, the code) to the family.
    url: str
    access_code: str | None


def _out(row: Share) -> ShareOut:
    return ShareOut(id=row.id, playlist_id=row.playlist_id, state=shares.state_of(row).value,
                    has_access_code=row.code_hash is not None, expires_at=row.expires_at,
                    revoked_at=row.revoked_at, views=row.views,
                    last_viewed_at=row.last_viewed_at, created_at=row.created_at)


# -- the professional's side ---------------------------------------------------------

@router.post("/api/playlists/{playlist_id}/shares", response_model=ShareCreated,
             status_code=status.HTTP_201_CREATED)
def create_share(playlist_id: str, body: ShareIn, request: Request, user: CurrentUser,
                 db: Db) -> ShareCreated:
    """A view-only link for the family (needs the family's consent to feedback)."""
    row = playlists.playlist_for(db, user, playlist_id)
    playlists.require_editor(db, user, row)
    made = shares.create(db, user, row, case_for(db, user, row.case_id), days=body.days,
                         with_code=body.access_code)
    audit.record(db, audit.Actor.of(user), action="create_share", object_type="playlist",
                 object_id=row.id, case_id=row.case_id, ip=client_ip(request),
                 detail=f"share {made.row.id}, {body.days} days"
                        + (", with access code" if made.code else ""))
    return ShareCreated(**_out(made.row).model_dump(), access_code=made.code,
                        url=f"{str(request.base_url).rstrip('/')}/s/{made.token}")


@router.get("/api/playlists/{playlist_id}/shares", response_model=list[ShareOut])
def list_shares(playlist_id: str, user: CurrentUser, db: Db) -> list[ShareOut]:
    return [_out(s) for s in shares.shares_of(db, playlists.playlist_for(db, user, playlist_id))]


@router.delete("/api/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_share(share_id: str, request: Request, user: CurrentUser, db: Db) -> Response:
    """Stop the link at once, also for a family that is watching right now."""
    row = through_parent("share", db.get(Share, share_id),
                         lambda s: playlists.playlist_for(db, user, s.playlist_id))
    playlists.require_owner_or_supervisor(db, user, row.playlist)
    shares.revoke(row)
    audit.record(db, audit.Actor.of(user), action="revoke_share", object_type="playlist",
                 object_id=row.playlist_id, case_id=row.playlist.case_id,
                 ip=client_ip(request), detail=f"share {row.id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the family's side ---------------------------------------------------------------

def _media_token(runtime: Runtime, row: Share) -> str:
    left = int((row.expires_at - utcnow()).total_seconds())
    ttl = max(60, min(playback.segment_token_ttl(runtime, row.playlist.duration_s), left))
    return signing.sign(runtime.secret_key, {"k": "share", "id": row.id}, ttl)


def _hls_url(runtime: Runtime, request: Request, row: Share) -> str:
    return (f"{str(request.base_url).rstrip('/')}/api/shared/media/{row.id}/master.m3u8"
            f"?t={quote(_media_token(runtime, row))}")


def _granted(runtime: Runtime, request: Request, row: Share) -> bool:
    """The browser already gave this link's code (a signed cookie says so)."""
    cookie = request.cookies.get(GRANT_COOKIE)
    if not cookie:
        return False
    try:
        signing.verify(runtime.secret_key, cookie, k="share-grant", id=row.id)
    except signing.InvalidToken:
        return False
    return True


def _refusal_page(refusal: shares.Refusal) -> HTMLResponse:
    if refusal.code in ("access_code_required", "access_code_wrong"):
        html = share_page.code_page(refusal.title_nl, refusal.text_nl, refusal.text_en,
                                    error=refusal.code == "access_code_wrong")
    else:
        html = share_page.message_page(refusal.title_nl, refusal.text_nl, refusal.text_en)
    return HTMLResponse(html, status_code=refusal.status, headers=_PRIVATE)


def _player(runtime: Runtime, request: Request, row: Share) -> HTMLResponse:
    chapters = [(float(e["start_s"]), str(e.get("title", ""))) for e in row.playlist.timeline or []]
    return HTMLResponse(share_page.player_page(row.playlist.title,
                                               _hls_url(runtime, request, row), chapters),
                        headers=_PRIVATE)


def _admit(db: Db, request: Request, token: str,
           check: Callable[[Share], None] | None = None) -> Share:
    """The share a family's request names, if it may watch (else a Refusal).

    Every such request is audit-logged as ``open_share``, refusals included
    (unknown, expired, revoked or locked link, missing or wrong code), with the
    reason; each code compared is logged besides (``share_code``, see
    :func:`shares.check_code`)."""
    ip = client_ip(request)
    row = shares.named(db, token)
    try:
        if row is None:
            raise shares.NOT_FOUND
        shares.usable(row)
        if check is not None:
            check(row)
    except shares.Refusal as refusal:
        _record_open(db, row, ip, refusal)
        raise
    _record_open(db, row, ip, None)
    return row


def _code_checker(db: Db, request: Request, code: str | None) -> Callable[[Share], None]:
    return lambda row: shares.check_code(db, row, code, client_ip(request))


def _record_open(db: Db, row: Share | None, ip: str | None,
                 refusal: shares.Refusal | None) -> None:
    outcome = "denied" if refusal else "success"
    reason = refusal.code if refusal else "opened"
    if row is None:  # no such link: nobody to name but the address it came from
        audit.record(db, audit.Actor(None, None, "family"), action="open_share",
                     object_type="share", object_id=None, case_id=None, outcome=outcome,
                     ip=ip, detail=reason)
        return
    audit.record(db, shares.family_actor(row), action="open_share", object_type="share",
                 object_id=row.id, case_id=row.playlist.case_id, outcome=outcome, ip=ip,
                 detail=f"{reason}; playlist {row.playlist_id}")


@router.get("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
def open_link(token: str, request: Request, db: Db, runtime: Rt) -> Response:
    """The family's page. A link that no longer works gets its friendly page
    (with the right status) at once; a working one opens the web app's player,
    which plays in every browser (hls.js) and asks for the code itself. Without
    a built web app, a plain page with a ``<video>`` does (browsers with HLS)."""
    app_page = runtime.settings.web_dir / "index.html"

    def granted(row: Share) -> None:
        if row.code_hash is not None and not _granted(runtime, request, row):
            raise shares.CODE_NEEDED

    try:
        row = _admit(db, request, token, None if app_page.is_file() else granted)
    except shares.Refusal as refusal:
        return _refusal_page(refusal)
    if app_page.is_file():
        return FileResponse(app_page, media_type="text/html", headers=_PRIVATE)
    return _player(runtime, request, row)


@router.post("/s/{token}", include_in_schema=False, response_model=None)
def enter_code(token: str, request: Request, db: Db, runtime: Rt,
               code: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        row = _admit(db, request, token, _code_checker(db, request, code))
    except shares.Refusal as refusal:
        return _refusal_page(refusal)
    response = RedirectResponse(f"/s/{token}", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(GRANT_COOKIE,
                        signing.sign(runtime.secret_key, {"k": "share-grant", "id": row.id},
                                     GRANT_TTL_S),
                        max_age=GRANT_TTL_S, path=f"/s/{token}", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


class SharedPlaylistOut(BaseModel):
    """A shared playlist for a player app: what it is and where its media are."""

    title: str
    expires_at: datetime
    duration_s: float | None
    hls_url: str
    captions_url: str
    chapters_url: str


class RefusalOut(BaseModel):
    """Why a share link does not play, in English and Dutch."""

    detail: str
    detail_nl: str
    code: str


@router.get("/api/shared/{token}", response_model=SharedPlaylistOut, responses={
    status_code: {"model": RefusalOut, "description": description} for status_code, description
    in ((401, "The link has an access code: send it as ``X-Access-Code``."),
        (403, "Wrong access code."), (404, "No such link."),
        (410, "The link has expired or was revoked."),
        (423, "Locked after too many wrong access codes."))})
def shared_playlist(token: str, request: Request, db: Db, runtime: Rt,
                    x_access_code: Annotated[str | None, Header()] = None) -> JSONResponse:
    """For a player app: the shared playlist and its signed media URL (send the
    access code, if the link has one, as ``X-Access-Code``)."""
    try:
        row = _admit(db, request, token, _code_checker(db, request, x_access_code))
    except shares.Refusal as refusal:
        return _refused_media(refusal)
    playlist = row.playlist
    media = f"{str(request.base_url).rstrip('/')}/api/shared/media/{row.id}"
    token_q = quote(_media_token(runtime, row))
    return JSONResponse({"title": playlist.title, "expires_at": row.expires_at.isoformat(),
                         "duration_s": playlist.duration_s,
                         "hls_url": f"{media}/master.m3u8?t={token_q}",
                         "captions_url": f"{media}/captions/captions.vtt?t={token_q}",
                         "chapters_url": f"{media}/chapters.vtt?t={token_q}"},
                        headers=_PRIVATE)


@router.get("/api/shared/media/{share_id}/{path:path}", include_in_schema=False)
def shared_media(share_id: str, path: str, request: Request, db: Db, runtime: Rt,
                 t: Annotated[str, Query()] = "") -> Response:
    """A file of the shared presentation; the link is checked on every request,
    so a revoked or expired link stops even a playback in progress. Nothing of
    it is kept in the browser's cache: a segment asked for again (after a seek,
    or played once more) is asked of this route, and a family's phone (often
    shared) keeps no copy of the recording."""
    try:
        signing.verify(runtime.secret_key, t, k="share", id=share_id)
    except signing.InvalidToken:
        return _refused_media(shares.NOT_FOUND)
    row = db.get(Share, share_id)
    if row is None:
        return _refused_media(shares.NOT_FOUND)
    try:
        shares.usable(row)
    except shares.Refusal as refusal:
        if path == "master.m3u8":  # a refused start of playback, like a view, is logged
            audit.record(db, shares.family_actor(row), action="view_shared_playlist",
                         object_type="playlist", object_id=row.playlist_id,
                         case_id=row.playlist.case_id, outcome="denied",
                         ip=client_ip(request), detail=f"{refusal.code}; share {row.id}")
        return _refused_media(refusal)
    if path == "master.m3u8":
        shares.record_view(db, row, client_ip(request))
    # Every file through this route, never a store link: revoking the link stops
    # a playback in progress, and nothing is left in the family's browser cache.
    served = playback.serve_file(runtime, row.playlist.media_prefix or "", path, t, request,
                                 lambda: _media_token(runtime, row), store_links=False)
    served.headers["Cache-Control"] = "no-store"
    return served


def _refused_media(refusal: shares.Refusal) -> JSONResponse:
    """A refusal for a program (player, app): the reason in English and Dutch."""
    return JSONResponse({"detail": refusal.text_en, "detail_nl": refusal.text_nl,
                         "code": refusal.code}, status_code=refusal.status, headers=_PRIVATE)
