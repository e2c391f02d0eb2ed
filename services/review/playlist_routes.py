"""Playlist API: build a visit playlist from a case's moments, render it, and
play it with the same access rules and audit logging as a clip."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from core import audit, errors, keys, signing
from core.access import case_for
from core.db.models import (
    Annotation,
    AnnotationSet,
    Clip,
    Playlist,
    PlaylistItem,
    PlaylistStatus,
    User,
)
from core.queue import enqueue_render, job_alive
from core.runtime import Runtime
from core.web import Bearer, CurrentUser, Db, Rt, client_ip, optional_user
from services.annotate import sets, suggestions
from services.annotate.domain import Scheme
from services.annotate.schemes import to_domain
from services.review import playback, playlists
from services.review.schemas import (
    ItemIn,
    ItemOut,
    ItemPatch,
    MomentOut,
    OrderIn,
    PlaylistIn,
    PlaylistOut,
    PlaylistPatch,
)
from services.trajectory import goals, visits
from services.trajectory.schemas import changes_of

router = APIRouter(prefix="/api", tags=["playlists"])

#: Opening these files is a view of the playlist (segments belong to that view).
AUDITED = {"master.m3u8": "view_playlist"}


def playlist_token(runtime: Runtime, row: Playlist, user: User,
                   view: dict[str, str] | None = None) -> str:
    """A signed link to the playlist's presentation for ``user``; ``view`` as
    in ``services.ingest.clips.media_token``."""
    ttl = playback.segment_token_ttl(runtime, row.duration_s)
    return signing.sign(runtime.secret_key,
                        {"k": "playlist", "id": row.id, "u": user.id, **(view or {})}, ttl)


def _out(db: Db, runtime: Runtime, row: Playlist, user: User, base_url: str) -> PlaylistOut:
    return _outs(db, runtime, [row], user, base_url)[0]


def _outs(db: Db, runtime: Runtime, rows: Sequence[Playlist], user: User,
          base_url: str) -> list[PlaylistOut]:
    """The playlists as shown, with the codes of their moments and the goals of
    their items read in one query each, however many playlists a case has."""
    items = [item for row in rows for item in row.items]
    codes = dict(db.execute(select(Annotation.id, Annotation.code).where(
        Annotation.id.in_([i.annotation_id for i in items if i.annotation_id]))).all())
    linked = goals.item_goal_ids(db, [i.id for i in items])
    return [_playlist_out(runtime, row, user, base_url, codes, linked) for row in rows]


def _playlist_out(runtime: Runtime, row: Playlist, user: User, base_url: str,
                  codes: dict[str, str], linked: dict[str, list[str]]) -> PlaylistOut:
    """One playlist, with its items' codes and goals read by the caller."""
    placed = {entry["item_id"]: entry for entry in row.timeline or []} \
        if row.rendered_revision == row.revision else {}
    urls: dict[str, str | None] = {"hls_url": None, "captions_url": None, "chapters_url": None}
    if row.media_prefix and row.status is not PlaylistStatus.purged:
        media = f"{base_url.rstrip('/')}/api/playlists/{row.id}/media"
        token = quote(playlist_token(runtime, row, user))
        urls = {"hls_url": f"{media}/master.m3u8?t={token}",
                "captions_url": f"{media}/captions/captions.vtt?t={token}",
                "chapters_url": f"{media}/chapters.vtt?t={token}"}
    return PlaylistOut(
        id=row.id, case_id=row.case_id, title=row.title, owner_id=row.owner_id,
        status=row.status, progress=row.progress, error=row.error,
        error_code=row.error_code, revision=row.revision,
        rendered_revision=row.rendered_revision,
        up_to_date=row.rendered_revision == row.revision, duration_s=row.duration_s,
        items=[_item_out(i, codes, placed.get(i.id), linked.get(i.id, [])) for i in row.items],
        created_at=row.created_at, updated_at=row.updated_at, visit_id=row.visit_id,
        private_notes=row.private_notes, **urls)


def _item_out(item: PlaylistItem, codes: dict[str, str],
              placed: dict[str, float] | None, goal_ids: list[str]) -> ItemOut:
    return ItemOut(id=item.id, position=item.position, clip_id=item.clip_id,
                   annotation_id=item.annotation_id,
                   code=codes.get(item.annotation_id) if item.annotation_id else None,
                   start_ms=item.start_ms, end_ms=item.end_ms, pre_roll_ms=item.pre_roll_ms,
                   post_roll_ms=item.post_roll_ms, caption=item.caption, speed=item.speed,
                   freeze_at_ms=item.freeze_at_ms, freeze_s=item.freeze_s, mute=item.mute,
                   starts_at_s=placed["start_s"] if placed else None,
                   duration_s=placed["duration_s"] if placed else None, goal_ids=goal_ids)


def _shown(db: Db, runtime: Rt, row: Playlist, user: User, request: Request) -> PlaylistOut:
    return _out(db, runtime, row, user, str(request.base_url))


def _editable(db: Db, user: User, playlist_id: str) -> Playlist:
    row = playlists.playlist_for(db, user, playlist_id)
    playlists.require_editor(db, user, row)
    return row


# -- building ------------------------------------------------------------------------

@router.post("/cases/{case_id}/playlists", response_model=PlaylistOut,
             status_code=status.HTTP_201_CREATED)
def create_playlist(case_id: str, body: PlaylistIn, request: Request, user: CurrentUser,
                    db: Db, runtime: Rt) -> PlaylistOut:
    row = playlists.create(db, user, case_for(db, user, case_id), body.title)
    return _shown(db, runtime, row, user, request)


@router.get("/cases/{case_id}/playlists", response_model=list[PlaylistOut])
def list_playlists(case_id: str, request: Request, user: CurrentUser, db: Db,
                   runtime: Rt) -> list[PlaylistOut]:
    case = case_for(db, user, case_id)
    rows = db.scalars(select(Playlist).where(Playlist.case_id == case.id)
                      .order_by(Playlist.created_at).options(selectinload(Playlist.items)))
    return _outs(db, runtime, rows.all(), user, str(request.base_url))


@router.get("/cases/{case_id}/moments", response_model=list[MomentOut])
def case_moments(case_id: str, user: CurrentUser, db: Db,
                 category: Annotated[str | None, Query(
                     description="Only this category, e.g. positive.")] = None,
                 purpose: Annotated[str | None, Query(
                     description="Only sets of this purpose, e.g. working.")] = "working",
                 ) -> list[MomentOut]:
    """Every coded moment of the case's clips, in clip and time order: what a
    playlist is built from (the sets the user may read)."""
    case = case_for(db, user, case_id)
    clips = db.scalars(select(Clip).where(Clip.case_id == case.id)
                       .order_by(Clip.created_at)).all()
    shown = AnnotationSet.purpose != suggestions.PURPOSE
    readable = sets.sets_of_clips(
        db, user, clips, joinedload(AnnotationSet.scheme), joinedload(AnnotationSet.coder),
        selectinload(AnnotationSet.annotations),
        where=shown & (AnnotationSet.purpose == purpose) if purpose else shown)
    # each scheme version is read into codes once, however many sets use it
    schemes = {row.scheme_id: row.scheme for rows in readable.values() for row in rows}
    known = {scheme_id: to_domain(row) for scheme_id, row in schemes.items()}
    return [moment for clip in clips for coded in readable[clip.id]
            for moment in _moments(clip, coded, known[coded.scheme_id], category)]


def _moments(clip: Clip, coded: AnnotationSet, scheme: Scheme,
             category: str | None) -> list[MomentOut]:
    """The set's moments as a playlist builder lists them (only ``category``'s, if given)."""
    found = []
    for note in coded.annotations:
        code = scheme.code(note.code)
        if category and (code is None or code.category != category):
            continue
        found.append(MomentOut(
            annotation_id=note.id, clip_id=clip.id, clip=clip.filename,
            set_id=coded.id, coder=coded.coder.email, code=note.code,
            label_en=code.label_en if code else None,
            label_nl=code.label_nl if code else None,
            category=code.category if code else None,
            colour=code.colour if code else None, start_ms=note.start_ms,
            end_ms=note.end_ms, note=note.note, repairs=note.repairs_id))
    return found


@router.get("/playlists/{playlist_id}", response_model=PlaylistOut)
def get_playlist(playlist_id: str, request: Request, user: CurrentUser, db: Db,
                 runtime: Rt) -> PlaylistOut:
    """The playlist with its items, render status and (once rendered) media URLs."""
    return _shown(db, runtime, playlists.playlist_for(db, user, playlist_id), user, request)


@router.patch("/playlists/{playlist_id}", response_model=PlaylistOut)
def change_playlist(playlist_id: str, body: PlaylistPatch, request: Request,
                    user: CurrentUser, db: Db, runtime: Rt) -> PlaylistOut:
    """Rename the playlist, say at which visit it is shown (``visit_id``, null:
    none) and keep the professional's own notes for that visit
    (``private_notes``, never shown to the family)."""
    row = _editable(db, user, playlist_id)
    changes = changes_of(body, frozenset({"visit_id"}))
    before = _described(row)
    if "title" in changes:
        row.title = str(changes["title"]).strip()
    if "visit_id" in changes:
        visit_id = changes["visit_id"]
        row.visit_id = None if visit_id is None else visits.of_case(db, row.case_id,
                                                                    str(visit_id)).id
    if "private_notes" in changes:
        row.private_notes = str(changes["private_notes"])
    db.flush()
    audit.record(db, audit.Actor.of(user), action="update_playlist", object_type="playlist",
                 object_id=row.id, case_id=row.case_id, ip=client_ip(request),
                 detail=json.dumps({"before": before, "after": _described(row)},
                                   ensure_ascii=False, sort_keys=True))
    return _shown(db, runtime, row, user, request)


def _described(row: Playlist) -> dict[str, object]:
    """A playlist as the access log keeps it: the notes' length, not the notes."""
    return {"title": row.title, "visit_id": row.visit_id,
            "private_notes_chars": len(row.private_notes)}


@router.delete("/playlists/{playlist_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_playlist(playlist_id: str, user: CurrentUser, db: Db, runtime: Rt) -> Response:
    """Remove the playlist, its rendered media and its share links."""
    row = _editable(db, user, playlist_id)
    if row.status is PlaylistStatus.rendering and job_alive(runtime.redis, row.job_id):
        raise errors.Conflict("The playlist is being rendered; delete it when that is done.",
                              "playlist_rendering")
    prefix = keys.playlist_prefix(row.case_id, row.id)
    db.delete(row)
    db.flush()
    runtime.store.delete_prefix(runtime.settings.s3_bucket_media, prefix)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/playlists/{playlist_id}/items", response_model=PlaylistOut,
             status_code=status.HTTP_201_CREATED)
def add_item(playlist_id: str, body: ItemIn, request: Request, user: CurrentUser, db: Db,
             runtime: Rt) -> PlaylistOut:
    row = _editable(db, user, playlist_id)
    goal_ids = goals.require_of_case(db, row.case_id, body.goal_ids)
    spec = playlists.ItemSpec(**body.model_dump(exclude={"goal_ids"}),
                              given=frozenset(body.model_fields_set - {"goal_ids"}))
    item = playlists.add_item(db, user, row, spec)
    if goal_ids:
        _link_goals(db, request, user, row, item, goal_ids)
    return _shown(db, runtime, row, user, request)


def _link_goals(db: Db, request: Request, user: User, row: Playlist, item: PlaylistItem,
                goal_ids: list[str]) -> None:
    """Link the item to exactly these goals of the case, in the access log."""
    before, after = goals.set_item_goals(db, row.case_id, item.id, goal_ids)
    audit.record(db, audit.Actor.of(user), action="link_item_goals", object_type="playlist",
                 object_id=row.id, case_id=row.case_id, ip=client_ip(request),
                 detail=json.dumps({"item_id": item.id, "before": before, "after": after}))


@router.patch("/playlists/{playlist_id}/items/{item_id}", response_model=PlaylistOut)
def change_item(playlist_id: str, item_id: str, body: ItemPatch, request: Request,
                user: CurrentUser, db: Db, runtime: Rt) -> PlaylistOut:
    """Change some fields of an item (send ``freeze_at_ms: null`` to stop freezing;
    ``goal_ids`` replaces its goal links and leaves the rendered presentation as it is)."""
    row = _editable(db, user, playlist_id)
    item = playlists.item_for(row, item_id)
    changes = body.model_dump(include=body.model_fields_set - {"goal_ids"})
    if body.goal_ids is not None:
        goal_ids = goals.require_of_case(db, row.case_id, body.goal_ids)
    elif "goal_ids" in body.model_fields_set:
        raise errors.Invalid("goal_ids: may not be empty (send [] for no goals)",
                             "invalid_request", errors=[{"field": "goal_ids",
                                                         "message": "send [] for no goals"}])
    for name in ("start_ms", "end_ms", "pre_roll_ms", "post_roll_ms", "caption", "speed",
                 "mute"):
        if name in changes and changes[name] is None:
            raise errors.Invalid(f"{name}: may not be empty", "invalid_item",
                                 errors=[{"field": name, "message": "may not be empty"}])
    if changes:
        current = playlists.spec_of(item)
        spec = playlists.ItemSpec(**{**current.__dict__, **changes,
                                     "given": current.given | frozenset(changes)})
        playlists.change_item(db, user, row, item, spec)
    if body.goal_ids is not None:
        _link_goals(db, request, user, row, item, goal_ids)
    return _shown(db, runtime, row, user, request)


@router.delete("/playlists/{playlist_id}/items/{item_id}", response_model=PlaylistOut)
def remove_item(playlist_id: str, item_id: str, request: Request, user: CurrentUser, db: Db,
                runtime: Rt) -> PlaylistOut:
    row = _editable(db, user, playlist_id)
    playlists.remove_item(db, row, playlists.item_for(row, item_id))
    return _shown(db, runtime, row, user, request)


@router.put("/playlists/{playlist_id}/order", response_model=PlaylistOut)
def reorder(playlist_id: str, body: OrderIn, request: Request, user: CurrentUser, db: Db,
            runtime: Rt) -> PlaylistOut:
    row = _editable(db, user, playlist_id)
    playlists.reorder(db, row, body.item_ids)
    return _shown(db, runtime, row, user, request)


# -- rendering and playing -----------------------------------------------------------

@router.post("/playlists/{playlist_id}/render", response_model=PlaylistOut,
             status_code=status.HTTP_202_ACCEPTED)
def render(playlist_id: str, request: Request, user: CurrentUser, db: Db,
           runtime: Rt) -> PlaylistOut:
    """Render the playlist as it is now; moments rendered before are reused."""
    row = _editable(db, user, playlist_id)
    if row.status is PlaylistStatus.rendering and job_alive(runtime.redis, row.job_id):
        raise errors.Conflict("This playlist is already being rendered; it will be ready "
                              "shortly.", "playlist_rendering")
    playlists.renderable(db, row)
    row.status, row.progress, row.error, row.error_code = \
        PlaylistStatus.rendering, 0.0, None, None
    media_s = sum((i.end_ms - i.start_ms) / 1000 / i.speed + i.freeze_s for i in row.items)
    db.commit()  # the worker must find the row as it is now
    row.job_id = enqueue_render(runtime.settings, runtime.redis, row.id, row.revision, media_s)
    return _shown(db, runtime, row, user, request)


@router.get("/playlists/{playlist_id}/media/{path:path}", response_class=Response,
            responses=playback.MEDIA_ANSWERS)
def playlist_media(
    playlist_id: str,
    path: str,
    request: Request,
    db: Db,
    runtime: Rt,
    bearer: Bearer,
    t: Annotated[str | None, Query(description="Signed media token from the playlist")] = None,
) -> Response:
    """A file of the rendered presentation (master.m3u8 first); opening it is audit-logged."""
    opened = playback.opened_view_file(runtime, request, bearer, "playlist", playlist_id, path,
                                       t)
    if opened is not None:
        return opened
    user = optional_user(request, db, runtime, bearer)
    watcher = playback.viewer(db, runtime, request, "playlist", playlist_id, t, user)
    action = AUDITED.get(path)
    row = playback.audited_find(db, watcher, action, "playlist", playlist_id, request,
                                lambda: playlists.playlist_for(db, watcher.access, playlist_id))
    prefix = servable_prefix(row)
    if action:
        audit.record(db, watcher.actor, action=action, object_type="playlist",
                     object_id=row.id, case_id=row.case_id, ip=client_ip(request))
    return playback.serve_file(runtime, prefix, path, watcher.token, request,
                               lambda: playlist_token(runtime, row, watcher.access,
                                                      playback.view_claims(request, bearer,
                                                                           prefix)))


def servable_prefix(row: Playlist) -> str:
    """Where the last complete render lives; nothing half-rendered is ever served."""
    if row.status is PlaylistStatus.purged:
        raise errors.Gone("This playlist was removed when its case's retention period "
                          "ended.", "playlist_purged")
    if not row.media_prefix:
        raise errors.Conflict("This playlist has not been rendered yet"
                              + (f": {row.error}" if row.error else "; render it first."),
                              "playlist_not_rendered")
    return row.media_prefix
