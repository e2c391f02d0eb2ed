"""The tus 1.0.0 resumable-upload protocol at ``/api/uploads/``.

Core protocol plus the creation, creation-with-upload, expiration,
termination and checksum extensions, so that any tus client (tus-js-client,
Uppy, TUSKit, tuspy, ``attune upload``) can upload a recording over a network
that drops, and continue where it stopped.
"""

from __future__ import annotations

from email.utils import format_datetime

from fastapi import APIRouter, Request, Response

from core import audit, errors
from core.db.models import Upload, UploadState
from core.web import ApiError, CurrentUser, Db, Rt, client_ip
from services.ingest import resumable
from services.ingest.router import Uploader

router = APIRouter(prefix="/api/uploads", tags=["uploads (tus 1.0)"])

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,expiration,termination,checksum"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
#: Response headers a browser client must be allowed to read.
EXPOSED_HEADERS = ["Location", "Upload-Offset", "Upload-Length", "Upload-Metadata",
                   "Upload-Expires", "Tus-Resumable", "Tus-Version", "Tus-Extension",
                   "Tus-Max-Size", "Tus-Checksum-Algorithm", "Attune-Clip-Id"]


def _discovery_headers(runtime: Rt) -> dict[str, str]:
    return {"Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(runtime.settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(resumable.CHECKSUMS)}


def _require_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        # tus's own version check (412 by its spec), not a domain refusal: no kind says it
        raise ApiError(412, f"This server speaks tus {TUS_VERSION}; send "
                       f"'Tus-Resumable: {TUS_VERSION}'.", "tus_version",
                       headers={"Tus-Version": TUS_VERSION})


def _int_header(request: Request, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit():
        raise errors.Malformed(f"The {name} header must be a whole number of bytes.",
                               f"bad_{name.lower().replace('-', '_')}")
    return int(value)


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _state_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Cache-Control": "no-store"}
    if upload.state is UploadState.receiving:
        headers["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    return headers


@router.options("", include_in_schema=False)
@router.options("/", include_in_schema=False)
@router.options("/{upload_id}", include_in_schema=False)
def discover(runtime: Rt) -> Response:
    """What this server supports (no login needed: it reveals nothing)."""
    return Response(status_code=204, headers=_discovery_headers(runtime))


@router.post("", status_code=201, include_in_schema=False)
@router.post("/", status_code=201, response_class=Response, responses={201: {
    "description": "Created: ``Location`` is the upload's URL to send its bytes to."}})
async def create_upload(request: Request, user: Uploader, db: Db, runtime: Rt) -> Response:
    """Start an upload (tus creation). ``Upload-Metadata`` carries ``case_id`` and
    ``filename``, optionally ``activity`` (bath, feeding, dressing, play, other),
    ``recorded_at`` and ``visit_id`` (the case's home visit it was filmed at). A
    body (creation-with-upload) is taken as the first bytes."""
    _require_version(request)
    if "upload-defer-length" in request.headers:
        raise errors.Malformed("Upload-Defer-Length is not supported: send Upload-Length.",
                               "defer_length_unsupported")
    length = _int_header(request, "Upload-Length")
    upload = await resumable.create(runtime, db, user, length,
                                    request.headers.get("upload-metadata", ""))
    headers = {"Location": f"{str(request.base_url).rstrip('/')}/api/uploads/{upload.id}",
               "Attune-Clip-Id": upload.clip_id}
    if request.headers.get("content-type", "").startswith(OFFSET_OCTET_STREAM):
        upload = await resumable.append(runtime, db, upload, 0, request.stream(),
                                        _content_length(request),
                                        resumable.parse_checksum(
                                            request.headers.get("upload-checksum")))
    _audit_upload(db, request, user, upload, "start_upload")
    return Response(status_code=201, headers={**headers, **_state_headers(upload)})


@router.head("/{upload_id}", response_class=Response, responses={200: {
    "description": "``Upload-Offset``: the bytes received so far."}})
def upload_offset(upload_id: str, request: Request, user: CurrentUser, db: Db,
                  runtime: Rt) -> Response:
    """How many bytes the server has (tus HEAD)."""
    _require_version(request)
    upload = resumable.load(runtime, db, user, upload_id)
    return Response(status_code=200, headers={
        **_state_headers(upload), "Upload-Length": str(upload.length),
        "Upload-Metadata": upload.metadata_raw, "Attune-Clip-Id": upload.clip_id})


@router.patch("/{upload_id}", status_code=204)
async def append_bytes(upload_id: str, request: Request, user: CurrentUser, db: Db,
                       runtime: Rt) -> Response:
    """Add bytes at ``Upload-Offset`` (tus PATCH)."""
    _require_version(request)
    if request.headers.get("content-type", "") != OFFSET_OCTET_STREAM:
        raise errors.UnsupportedMedia(f"Send the bytes as Content-Type: {OFFSET_OCTET_STREAM}.",
                                      "bad_content_type")
    offset = _int_header(request, "Upload-Offset")
    checksum = resumable.parse_checksum(request.headers.get("upload-checksum"))
    upload = resumable.load(runtime, db, user, upload_id)
    upload = await resumable.append(runtime, db, upload, offset, request.stream(),
                                    _content_length(request), checksum)
    if upload.state is UploadState.complete:
        _audit_upload(db, request, user, upload, "upload_recording")
    return Response(status_code=204, headers=_state_headers(upload))


@router.delete("/{upload_id}", status_code=204)
def terminate_upload(upload_id: str, request: Request, user: CurrentUser, db: Db,
                     runtime: Rt) -> Response:
    """Abandon an unfinished upload: its bytes and its clip are removed (tus termination)."""
    _require_version(request)
    upload = resumable.load(runtime, db, user, upload_id)
    resumable.terminate(runtime, db, upload)
    return Response(status_code=204)


def _audit_upload(db: Db, request: Request, user: CurrentUser, upload: Upload,
                  action: str) -> None:
    audit.record(db, audit.Actor.of(user), action=action, object_type="clip",
                 object_id=upload.clip_id, case_id=upload.clip.case_id, ip=client_ip(request),
                 detail=f"{upload.length} bytes")
