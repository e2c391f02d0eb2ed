"""Resumable uploads (tus 1.0): a recording arrives in pieces, over hours if
need be, through any API process, and survives restarts.

State lives in the database (:class:`~core.db.models.Upload`), bytes in an S3
multipart upload plus one small "tail" object for the bytes after the last
whole part. A request:

1. checks the offset and reserves a range of part numbers (so two racing
   requests never overwrite each other's parts);
2. streams the body into parts, checkpointing the offset after every whole
   part unless the client asked for a checksum over the whole request;
3. on the end of the body (or a dropped connection) stores the rest as a new
   tail object and commits the new offset, if the offset is still the one it
   started from: the loser of a race gets 409 and its parts are never used;
4. when the offset reaches the length, completes the S3 upload and queues the
   transcode: exactly once, because only one commit can move the offset there.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import math
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from core import errors
from core.access import NotFound, case_for
from core.db.models import Clip, ClipStatus, Upload, UploadState, User, utcnow
from core.runtime import Runtime
from core.storage import MultipartUploadGone, UploadedPart
from services.cases import require_open
from services.ingest.clips import new_clip, queue_clip
from services.ingest.schemas import Activity
from services.ingest.sniff import SNIFF_BYTES, require_video
from services.ingest.upload import (
    PartPipeline,
    clean_filename,
    complete_multipart,
    start_multipart,
)
from services.trajectory import visits

ACTIVITIES: tuple[str, ...] = get_args(Activity)
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
#: S3 allows part numbers up to this.
MAX_PART_NUMBER = 10_000
#: Largest ``Upload-Metadata`` header taken. What Attune reads (case, a file name
#: of at most 120 characters, activity, date) and what clients add (type, name)
#: fits many times over; it is kept with the upload and sent back on every HEAD.
MAX_METADATA_BYTES = 4 * 1024


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


# -- metadata ------------------------------------------------------------

def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata: key base64,key2 base64`` as a dict of text values."""
    values: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.Malformed(f"Upload-Metadata: the value of '{key}' is not valid base64 "
                                   "UTF-8.", "bad_metadata") from None
    return values


def _recorded_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.Malformed("Upload-Metadata: recorded_at must be an ISO 8601 date-time, "
                               "e.g. 2026-11-20T14:05:00+01:00.", "bad_metadata") from None


def _visit_id(db: Session, case_id: str, value: str | None) -> str | None:
    """The visit the recording was filmed at, if the metadata names one of the case's."""
    if not value:
        return None
    try:
        return visits.of_case(db, case_id, value).id
    except errors.Invalid:
        raise errors.Malformed("Upload-Metadata: visit_id is not a visit of this case; leave "
                               "it out, or name one of the case's visits.",
                               "visit_not_in_case") from None


def parse_checksum(header: str | None) -> Checksum | None:
    """``Upload-Checksum: sha1 <base64>``; an unknown algorithm is the client's error."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise errors.Malformed(f"Upload-Checksum: algorithm '{algorithm}' is not supported "
                               f"(use one of {', '.join(CHECKSUMS)}).", "bad_checksum_algorithm")
    try:
        return Checksum(algorithm, base64.b64decode(encoded, validate=True))
    except binascii.Error:
        raise errors.Malformed("Upload-Checksum: the digest is not valid base64.",
                               "bad_checksum") from None


# -- creation ------------------------------------------------------------

def _expiry(runtime: Runtime) -> datetime:
    return utcnow() + timedelta(seconds=runtime.settings.upload_expiry_s)


async def create(runtime: Runtime, db: Session, user: User, length: int,
                 metadata_raw: str) -> Upload:
    """A new upload and its clip (status ``uploading``), after every check."""
    if len(metadata_raw) > MAX_METADATA_BYTES:  # a header is Latin-1: a character a byte
        raise errors.TooLarge(f"Upload-Metadata is larger than {MAX_METADATA_BYTES // 1024} KB; "
                              "send only the case, the file name and what the recording shows.",
                              "upload_metadata_too_large")
    meta = parse_metadata(metadata_raw)
    if not meta.get("case_id"):
        raise errors.Malformed("Upload-Metadata must name the case: case_id <base64>.",
                               "missing_case")
    case = case_for(db, user, meta["case_id"])
    require_open(case)
    if length <= 0:
        raise errors.Malformed("The file is empty (0 bytes).", "empty_file")
    limit = runtime.settings.max_upload_bytes
    if length > limit:
        raise errors.TooLarge(f"The file is larger than the limit of {limit / 1024**3:.1f} GB.",
                              "too_large")
    activity = meta.get("activity") or None
    if activity is not None and activity not in ACTIVITIES:
        raise errors.Malformed(f"Upload-Metadata: activity must be one of "
                               f"{', '.join(ACTIVITIES)}.", "bad_metadata")
    recorded_at = _recorded_at(meta.get("recorded_at"))
    visit_id = _visit_id(db, case.id, meta.get("visit_id"))
    clip = new_clip(db, case, user, clean_filename(meta.get("filename")))
    clip.activity, clip.recorded_at, clip.size_bytes = activity, recorded_at, length
    clip.visit_id = visit_id
    s3_upload_id = await start_multipart(runtime.store, runtime.settings.s3_bucket_originals,
                                         clip.original_key)
    upload = Upload(clip_id=clip.id, user_id=user.id, length=length, offset=0,
                    metadata_raw=metadata_raw, s3_upload_id=s3_upload_id, parts=[],
                    next_part=1, tail_size=0, expires_at=_expiry(runtime))
    db.add(upload)
    db.commit()
    return upload


# -- lookup --------------------------------------------------------------

def load(runtime: Runtime, db: Session, user: User, upload_id: str) -> Upload:
    """The caller's own upload, if they still have access to its case."""
    upload = db.get(Upload, upload_id)
    if upload is None or upload.user_id != user.id:
        raise NotFound("upload")
    case_for(db, user, upload.clip.case_id)
    if upload.state is UploadState.receiving and upload.expires_at < utcnow():
        expire(runtime, db, upload)
    if upload.state is UploadState.expired:
        raise errors.Gone("This upload expired before it was finished; start it again.",
                          "upload_expired")
    return upload


# -- appending -----------------------------------------------------------

@dataclass
class _Attempt:
    """What one PATCH request knows and has done so far."""

    upload_id: str
    base_offset: int  # the offset the client sent and the database had
    committed: int  # the offset this request last committed
    parts: list[UploadedPart]
    old_tail: str | None  # consumed into this request's first part
    received: int = 0
    head: bytes = b""


async def append(runtime: Runtime, db: Session, upload: Upload, offset: int,
                 body: AsyncIterator[bytes], content_length: int | None,
                 checksum: Checksum | None) -> Upload:
    """Take the bytes of one PATCH. Returns the upload with its new offset.
    A closed case takes no more bytes, so nothing new lands while it awaits its purge."""
    require_open(upload.clip.case)
    if upload.state is not UploadState.receiving or offset != upload.offset:
        raise errors.Conflict(f"Upload-Offset {offset} does not match the server's "
                              f"{upload.offset}; ask with HEAD and continue from there.",
                              "offset_mismatch")
    if content_length is not None and offset + content_length > upload.length:
        raise errors.TooLarge(f"These bytes would go past the declared Upload-Length "
                              f"{upload.length}.", "past_length")
    first_part = _reserve_parts(runtime, db, upload, content_length)
    bucket = runtime.settings.s3_bucket_originals
    tail = (await asyncio.to_thread(runtime.store.get_bytes, bucket, upload.tail_key)
            if upload.tail_key else b"")
    pipe = PartPipeline(runtime.store, bucket, upload.clip.original_key, upload.s3_upload_id,
                        part_size=runtime.settings.upload_part_bytes, first_part=first_part,
                        initial=tail)
    attempt = _Attempt(upload.id, offset, offset, _stored_parts(upload), upload.tail_key)
    hasher = CHECKSUMS[checksum.algorithm]() if checksum else None
    try:
        disconnected = await _stream(runtime, db, upload, attempt, pipe, body, hasher)
        if hasher is not None and checksum is not None and (
                disconnected or hasher.digest() != checksum.digest):
            raise errors.Damaged("Checksum mismatch: the bytes did not arrive intact and "
                                 "were discarded; send them again.", "checksum_mismatch")
        return await _commit(runtime, db, attempt, pipe)
    except MultipartUploadGone:
        await pipe.cancel()
        raise errors.Conflict("Another request finished or cancelled this upload meanwhile; "
                              "ask with HEAD.", "offset_mismatch") from None
    except BaseException:
        await pipe.cancel()
        raise


def _stored_parts(upload: Upload) -> list[UploadedPart]:
    return [UploadedPart(int(n), str(etag), int(size)) for n, etag, size in upload.parts]


def _reserve_parts(runtime: Runtime, db: Session, upload: Upload,
                   content_length: int | None) -> int:
    """Claim part numbers for this request only; returns the first."""
    part = max(runtime.settings.upload_part_bytes, 5 * 1024 * 1024)
    incoming = content_length if content_length is not None else upload.length - upload.offset
    needed = math.ceil((upload.tail_size + incoming) / part) + 1
    first = upload.next_part
    if first + needed > MAX_PART_NUMBER:
        raise errors.Conflict("This upload was interrupted too often to continue; "
                              "start it again.", "too_many_attempts")
    db.execute(update(Upload).where(Upload.id == upload.id)
               .values(next_part=Upload.next_part + needed))
    db.commit()
    db.refresh(upload)
    return upload.next_part - needed


async def _stream(runtime: Runtime, db: Session, upload: Upload, attempt: _Attempt,
                  pipe: PartPipeline, body: AsyncIterator[bytes],
                  hasher: hashlib._Hash | None) -> bool:
    """Feed the body into parts; True if the client went away mid-way."""
    length, checkpoints = upload.length, hasher is None
    try:
        async for chunk in body:
            attempt.received += len(chunk)
            if attempt.base_offset + attempt.received > length:
                raise errors.TooLarge(f"More bytes arrived than the declared Upload-Length "
                                      f"{length}; this request was discarded.", "past_length")
            if hasher is not None:
                hasher.update(chunk)
            if attempt.base_offset == 0 and len(attempt.head) < SNIFF_BYTES:
                attempt.head += chunk[: SNIFF_BYTES - len(attempt.head)]
                if len(attempt.head) >= SNIFF_BYTES or attempt.received == length:
                    _require_video(runtime, db, upload, attempt.head)
            started = pipe.parts_started
            await pipe.add(chunk)
            if checkpoints and pipe.parts_started > started:
                await _checkpoint(runtime, db, attempt, pipe)
    except ClientDisconnect:
        return True
    return False


def _require_video(runtime: Runtime, db: Session, upload: Upload, head: bytes) -> None:
    """Not a video at all: end the upload now rather than take 2 GB of it."""
    try:
        require_video(head)
    except errors.DomainError:
        terminate(runtime, db, upload)
        raise


async def _checkpoint(runtime: Runtime, db: Session, attempt: _Attempt,
                      pipe: PartPipeline) -> None:
    """Make whole parts durable mid-request, so a crash loses at most one part."""
    done = [t.result() for t in pipe.finished_tasks()]
    if not done:
        return
    parts = attempt.parts + done
    offset = sum(p.size for p in parts)
    _save(runtime, db, attempt, parts, offset, tail_key=None, tail_size=0)
    pipe.forget(len(done))
    await _drop_old_tail(runtime, attempt)


def _save(runtime: Runtime, db: Session, attempt: _Attempt, parts: list[UploadedPart],
          offset: int, tail_key: str | None, tail_size: int) -> None:
    """Commit a new offset, only if nobody else moved it since we last did.
    Every commit also pushes the expiry back: an upload in progress is alive."""
    result = db.execute(update(Upload).where(Upload.id == attempt.upload_id,
                                             Upload.offset == attempt.committed,
                                             Upload.state == UploadState.receiving)
                        .values(offset=offset, tail_key=tail_key, tail_size=tail_size,
                                parts=[[p.number, p.etag, p.size] for p in parts],
                                expires_at=_expiry(runtime)))
    db.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise errors.Conflict("Another request continued this upload at the same time; ask "
                              "with HEAD and continue from there.", "offset_mismatch")
    attempt.parts, attempt.committed = parts, offset


async def _drop_old_tail(runtime: Runtime, attempt: _Attempt) -> None:
    if attempt.old_tail:
        await asyncio.to_thread(runtime.store.delete, runtime.settings.s3_bucket_originals,
                                attempt.old_tail)
        attempt.old_tail = None


async def _commit(runtime: Runtime, db: Session, attempt: _Attempt,
                  pipe: PartPipeline) -> Upload:
    upload = db.get(Upload, attempt.upload_id)
    assert upload is not None
    bucket = runtime.settings.s3_bucket_originals
    new_offset = attempt.base_offset + attempt.received
    if new_offset == upload.length:
        parts = attempt.parts + await pipe.finish(last=True,
                                                  earlier_parts=bool(attempt.parts))
        _save(runtime, db, attempt, parts, new_offset, None, 0)
        await _drop_old_tail(runtime, attempt)
        await _finalize(runtime, db, upload, parts)
    elif new_offset > attempt.committed:
        parts = attempt.parts + await pipe.finish(last=False)
        tail_key = None
        if pipe.buffer:
            tail_key = f"{upload.clip.original_key}.part-{secrets.token_hex(6)}"
            await asyncio.to_thread(runtime.store.put_bytes, bucket, tail_key,
                                    bytes(pipe.buffer), "application/octet-stream")
        try:
            _save(runtime, db, attempt, parts, new_offset, tail_key, len(pipe.buffer))
        except errors.Conflict:
            if tail_key:  # lost a race: our tail is nobody's
                await asyncio.to_thread(runtime.store.delete, bucket, tail_key)
            raise
        await _drop_old_tail(runtime, attempt)
    db.refresh(upload)
    return upload


async def _finalize(runtime: Runtime, db: Session, upload: Upload,
                    parts: list[UploadedPart]) -> None:
    """The last byte is in: assemble the original and queue its transcode."""
    bucket = runtime.settings.s3_bucket_originals
    await complete_multipart(runtime.store, bucket, upload.clip.original_key,
                             upload.s3_upload_id, parts)
    db.execute(update(Upload).where(Upload.id == upload.id)
               .values(state=UploadState.complete))
    db.commit()
    clip = db.get(Clip, upload.clip_id)
    assert clip is not None
    queue_clip(runtime, db, clip, upload.length)


# -- ending --------------------------------------------------------------

def discard_bytes(runtime: Runtime, upload: Upload) -> None:
    """Free what an unfinished upload stored: its S3 parts and its tail object.
    Safe to repeat (an aborted upload or a missing tail is not an error)."""
    bucket = runtime.settings.s3_bucket_originals
    runtime.store.abort_multipart(bucket, upload.clip.original_key, upload.s3_upload_id)
    if upload.tail_key:
        runtime.store.delete(bucket, upload.tail_key)


def terminate(runtime: Runtime, db: Session, upload: Upload) -> None:
    """The client gave up: remove the upload, its bytes and its clip."""
    if upload.state is UploadState.complete:
        raise errors.Conflict("This upload is complete; the clip is being processed.",
                              "upload_complete")
    discard_bytes(runtime, upload)
    clip = db.get(Clip, upload.clip_id)
    db.delete(upload)
    if clip is not None and clip.status is ClipStatus.uploading:
        db.delete(clip)
    db.commit()


def expire(runtime: Runtime, db: Session, upload: Upload) -> None:
    """Too old to continue: free the stored parts; the clip says why it has no video."""
    discard_bytes(runtime, upload)
    upload.state = UploadState.expired
    clip = db.get(Clip, upload.clip_id)
    if clip is not None and clip.status is ClipStatus.uploading:
        clip.status = ClipStatus.failed
        clip.error_code = "upload_expired"
        days = runtime.settings.upload_expiry_s / 86400
        clip.error = (f"The upload was not finished within {days:g} days and was removed. "
                      "Upload the recording again.")
    db.commit()


def expire_stale(runtime: Runtime) -> int:
    """Periodic: expire every unfinished upload past its expiry; returns how many."""
    with runtime.db() as db:
        stale = db.scalars(select(Upload).where(Upload.state == UploadState.receiving,
                                                Upload.expires_at < utcnow())).all()
        for upload in stale:
            expire(runtime, db, upload)
        return len(stale)
