"""Ingest API: cases, and recordings uploaded into them."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import audit, errors
from core.access import case_for, clip_for, visible_cases
from core.db.models import Case, CaseAccess, Clip, Role, Team, User
from core.storage import StorageUnavailable
from core.web import CurrentUser, Db, Rt, client_ip, require_role
from services import cases
from services.ingest.clips import clip_view, clips_view, new_clip, queue_clip
from services.ingest.multipart import MultipartError, iter_parts
from services.ingest.schemas import (
    CaseIn,
    CaseOut,
    ClipOut,
    ClipPatch,
    ConsentIn,
    ConsentOut,
)
from services.ingest.sniff import SNIFF_BYTES, require_video
from services.ingest.upload import (
    PartPipeline,
    abort_multipart,
    clean_filename,
    complete_multipart,
    start_multipart,
)
from services.trajectory import visits
from services.trajectory.rights import log_change, require_change

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["ingest"])
#: Cases and their recordings are a professional's, of their own work with a family.
CaseOpener = Annotated[User, Depends(require_role(
    Role.professional, detail="Only a professional opens cases."))]
Uploader = Annotated[User, Depends(require_role(
    Role.professional, detail="Only a professional uploads recordings."))]

#: Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def _case_out(db: Db, case: Case, user: User) -> CaseOut:
    return _cases_out(db, [case], user)[0]


def _cases_out(db: Db, listed: Sequence[Case], user: User) -> list[CaseOut]:
    """The cases as the API shows them, with their team's name and clip count
    read in one query each, however many cases a professional has."""
    ids = [c.id for c in listed]
    counts = dict(db.execute(select(Clip.case_id, func.count()).where(Clip.case_id.in_(ids))
                             .group_by(Clip.case_id)).all()) if ids else {}
    team_ids = {c.team_id for c in listed if c.team_id}
    teams = dict(db.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
                 .all()) if team_ids else {}
    return [CaseOut(id=case.id, label=case.label,
                    team=teams.get(case.team_id) if case.team_id else None,
                    created_at=case.created_at, clip_count=counts.get(case.id, 0),
                    status=cases.case_status(case),
                    consent=ConsentOut(**cases.consent_flags(case),
                                       updated_at=case.consent_updated_at),
                    closed_at=case.closed_at, purge_after=case.purge_after,
                    purged_at=case.purged_at, may_manage=cases.may_manage(user, case))
            for case in listed]


@router.post("/cases", status_code=status.HTTP_201_CREATED, response_model=CaseOut)
def create_case(body: CaseIn, user: CaseOpener, db: Db) -> CaseOut:
    """Open a case for a family, under a pseudonymous label."""
    case = Case(label=body.label, team_id=user.team_id, owner_id=user.id)
    db.add(case)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise errors.Conflict(f"Your team already has a case labelled '{body.label}'.",
                              "case_label_taken") from None
    db.add(CaseAccess(case_id=case.id, user_id=user.id))
    return _case_out(db, case, user)


@router.get("/cases", response_model=list[CaseOut])
def list_cases(user: CurrentUser, db: Db) -> list[CaseOut]:
    """The cases this user may see, newest first."""
    return _cases_out(db, db.scalars(visible_cases(user).order_by(Case.created_at.desc())).all(),
                      user)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: str, user: CurrentUser, db: Db) -> CaseOut:
    return _case_out(db, case_for(db, user, case_id), user)


@router.put("/cases/{case_id}/consent", response_model=CaseOut)
def update_consent(case_id: str, body: ConsentIn, request: Request, user: CurrentUser,
                   db: Db) -> CaseOut:
    """Record what the family agreed their recordings may be used for: ``feedback``
    (showing clips to the family), ``supervision``, ``training``. All three, every
    time. Only the case's owner or a supervisor of its team."""
    case = case_for(db, user, case_id)
    cases.require_manager(user, case, "record the family's consent")
    flags = body.model_dump()
    cases.set_consent(case, user, flags)
    audit.record(db, audit.Actor.of(user), action="update_consent", object_type="case",
                 object_id=case.id, case_id=case.id, ip=client_ip(request),
                 detail=json.dumps(flags))
    return _case_out(db, case, user)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close_case(case_id: str, request: Request, user: CurrentUser, db: Db,
               runtime: Rt) -> CaseOut:
    """End the trajectory: no new recordings, family links stop at once, and the
    recordings are removed after the grace period (``purge_after``). Only the
    case's owner or a supervisor of its team."""
    case = case_for(db, user, case_id)
    cases.require_manager(user, case, "close it")
    revoked = cases.close(db, case, runtime.settings.retention_grace_days)
    audit.record(db, audit.Actor.of(user), action="close_case", object_type="case",
                 object_id=case.id, case_id=case.id, ip=client_ip(request),
                 detail=json.dumps({"purge_after": case.purge_after,
                                    "shares_revoked": revoked}, default=str))
    return _case_out(db, case, user)


@router.post("/cases/{case_id}/reopen", response_model=CaseOut)
def reopen_case(case_id: str, request: Request, user: CurrentUser, db: Db) -> CaseOut:
    """Take back a close before its recordings are removed. Family links revoked
    by the close stay revoked."""
    case = case_for(db, user, case_id)
    cases.require_manager(user, case, "reopen it")
    cases.reopen(case)
    audit.record(db, audit.Actor.of(user), action="reopen_case", object_type="case",
                 object_id=case.id, case_id=case.id, ip=client_ip(request))
    return _case_out(db, case, user)


@router.get("/cases/{case_id}/clips", response_model=list[ClipOut])
def list_clips(case_id: str, request: Request, user: CurrentUser, db: Db,
               runtime: Rt) -> list[ClipOut]:
    case = case_for(db, user, case_id)
    clips = db.scalars(select(Clip).where(Clip.case_id == case.id)
                       .order_by(Clip.created_at.desc())).all()
    return clips_view(runtime, db, clips, user, str(request.base_url))


@router.get("/clips/{clip_id}", response_model=ClipOut)
def get_clip(clip_id: str, request: Request, user: CurrentUser, db: Db, runtime: Rt) -> ClipOut:
    """Status, processing progress and (when ready) signed media URLs of a clip."""
    return clip_view(runtime, clip_for(db, user, clip_id), user, str(request.base_url))


@router.patch("/clips/{clip_id}", response_model=ClipOut)
def change_clip(clip_id: str, body: ClipPatch, request: Request, user: CurrentUser, db: Db,
                runtime: Rt) -> ClipOut:
    """Say which home visit a recording was filmed at (``visit_id``, a visit of
    its case), what it shows (``activity``) and when (``recorded_at``); the
    fields sent change, null clears one. For the professionals working with the
    family while the case is open."""
    clip = clip_for(db, user, clip_id)
    case = db.get_one(Case, clip.case_id)
    require_change(user, case, "changes to its recordings")
    changes = body.model_dump(include=body.model_fields_set)
    before = {name: getattr(clip, name) for name in changes}
    if changes.get("visit_id") is not None:
        visits.of_case(db, case.id, changes["visit_id"])
    for name, value in changes.items():
        setattr(clip, name, value)
    db.flush()
    log_change(db, request, user, case, action="update_clip", object_type="clip",
               object_id=clip.id, before=before, after=changes)
    return clip_view(runtime, clip, user, str(request.base_url))


@router.post("/cases/{case_id}/clips", status_code=status.HTTP_202_ACCEPTED,
             response_model=ClipOut,
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def upload_clip(case_id: str, request: Request, user: Uploader, db: Db,
                      runtime: Rt) -> ClipOut:
    """Upload a recording (multipart field ``file``). The bytes stream into object
    storage as they arrive; the answer comes when the file is stored and queued."""
    case = case_for(db, user, case_id)
    cases.require_open(case)
    limit = runtime.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise errors.TooLarge(_too_large(limit), "too_large")
    try:
        clip = await _receive(request, runtime, db, case, user, limit)
    except MultipartError as exc:
        raise errors.Malformed(str(exc), "bad_multipart") from None
    audit.record(db, audit.Actor.of(user), action="upload_recording", object_type="clip",
                 object_id=clip.id, case_id=case.id, ip=client_ip(request),
                 detail=f"{clip.size_bytes} bytes")
    return clip_view(runtime, clip, user, str(request.base_url))


def _too_large(limit: int) -> str:
    return f"The file is larger than the limit of {limit / 1024**3:.1f} GB."


async def _receive(request: Request, runtime: Rt, db: Db, case: Case, user: CurrentUser,
                   limit: int) -> Clip:
    """Find the file part, check what it is, and stream it into storage.

    Nothing half-made survives a failure: the multipart upload is aborted and
    the clip row removed before the error is raised.
    """
    parts = iter_parts(request.headers.get("content-type", ""), request.stream())
    bucket = runtime.settings.s3_bucket_originals
    clip: Clip | None = None
    pipe: PartPipeline | None = None
    size, head = 0, b""
    try:
        async for event in parts:
            if event.kind == "start" and event.name == "file" and clip is None:
                clip = new_clip(db, case, user, clean_filename(event.filename))
                db.commit()
                pipe = PartPipeline(runtime.store, bucket, clip.original_key,
                                    await start_multipart(runtime.store, bucket,
                                                          clip.original_key),
                                    part_size=runtime.settings.upload_part_bytes)
            elif event.kind == "data" and pipe is not None:
                size += len(event.data)
                if size > limit:
                    raise errors.TooLarge(_too_large(limit), "too_large")
                if len(head) < SNIFF_BYTES:
                    head += event.data[: SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES:
                        require_video(head)
                await pipe.add(event.data)
            elif event.kind == "end" and pipe is not None and clip is not None:
                require_video(head)
                stored = await pipe.finish(last=True)
                await complete_multipart(runtime.store, bucket, clip.original_key,
                                         pipe.upload_id, stored)
                pipe = None
                queue_clip(runtime, db, clip, size)
        if clip is None:
            raise errors.Invalid("No file received: send the recording in a field named 'file'.",
                                 "missing_file")
        if pipe is not None:
            raise MultipartError("The upload ended before the file was complete.")
        return clip
    except BaseException:
        if pipe is not None and clip is not None:
            await pipe.cancel()
            try:
                await abort_multipart(runtime.store, bucket, clip.original_key,
                                      pipe.upload_id)
            except StorageUnavailable:
                # The store went away mid-upload; the clip row must still go, so
                # nobody waits for an upload that will never finish.
                log.warning("could not abort the multipart upload of clip %s", clip.id)
        if clip is not None and clip.status.value == "uploading":
            db.rollback()
            db.delete(db.merge(clip))
            db.commit()
        raise
