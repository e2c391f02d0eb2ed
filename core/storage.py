"""Object storage through the S3 API (any S3-compatible server).

Everything Attune stores as bytes goes through :class:`ObjectStore`, so the
rest of the code never sees the client library. Buckets are private: nothing
is ever made public; readers get bytes through the API or a short-lived
presigned URL.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError

from core.config import Settings

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: How long one attempt may take to connect. A store on the same network
#: connects in milliseconds; waiting longer only keeps a person waiting for
#: an answer that will be "unavailable" anyway.
CONNECT_TIMEOUT_S = 2.0
#: How long the store may stay silent once a request is sent (a part of a
#: recording is megabytes; a busy disk can take a while to take it).
READ_TIMEOUT_S = 120.0


class StorageUnavailable(Exception):
    """The S3 store could not be reached or did not answer (down, refusing
    connections, timing out, or failing with 5xx after the retries).

    One exception of our own, so that callers (the API's error handler, the
    worker's retry rule) need not know which HTTP library the S3 client uses.
    The data is fine: whatever the call was doing can be done again later.
    """


class ObjectNotFound(Exception):
    """The key does not exist (or was purged)."""


class RangeNotSatisfiable(Exception):
    """The requested bytes start past the end of the object (``size``)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the object has {size} bytes")
        self.size = size


#: ``Content-Range: bytes 0-99/1234`` of a ranged answer.
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class MultipartUploadGone(Exception):
    """The multipart upload was completed or aborted (by another request)."""


def _unreachable(exc: BaseException) -> bool:
    """Whether an error of the S3 client means the store is out of reach, as
    opposed to a refusal about this object (those stay :class:`S3Error`)."""
    if isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, ServerError):
        return exc.status_code >= 500
    if isinstance(exc, InvalidResponseError):  # e.g. a proxy's HTML "502 Bad Gateway"
        status = getattr(exc, "_code", None)  # the HTTP status; minio has no accessor
        return isinstance(status, int) and status >= 500
    return False


@contextmanager
def _reaching_store() -> Iterator[None]:
    try:
        yield
    except StorageUnavailable:
        raise
    except Exception as exc:
        if _unreachable(exc):
            raise StorageUnavailable(f"the S3 store is unavailable: {_reason(exc)}") from exc
        raise


def _reason(exc: BaseException) -> str:
    """The innermost cause, e.g. "Connection refused", for the log."""
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    return str(exc) or type(exc).__name__


def _store_call(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turns the S3 client's connection failures into :class:`StorageUnavailable`."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _reaching_store():
            return method(*args, **kwargs)

    return wrapper


#: Errors worth a retry: the store or the network hiccuped, the data is fine.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    StorageUnavailable,
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class UploadedPart:
    number: int
    etag: str
    size: int


@dataclass(frozen=True)
class ObjectStream:
    """An open object body with what an HTTP response needs to relay it."""

    body: urllib3.BaseHTTPResponse
    #: The whole object's size, whatever part of it ``body`` holds.
    size: int
    content_type: str
    #: Inclusive byte positions of the part ``body`` holds.
    first: int = 0
    last: int = -1

    def iter_chunks(self, chunk: int = 256 * 1024) -> Iterator[bytes]:
        try:
            with _reaching_store():
                yield from self.body.stream(chunk)
        finally:
            self.body.close()
            self.body.release_conn()


@contextmanager
def _gone_if_no_such_upload() -> Iterator[None]:
    try:
        yield
    except S3Error as exc:
        if exc.code == "NoSuchUpload":
            raise MultipartUploadGone(exc.message) from exc
        raise


class ObjectStore:
    """A thin, intention-revealing wrapper over an S3 client."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, *, secure: bool = False,
                 region: str | None = None) -> None:
        # A hiccup (a dropped keep-alive connection, a 503 while the store
        # restarts) is retried a few times with a short back-off; a store
        # that is down fails the call within seconds (two connection attempts
        # of at most CONNECT_TIMEOUT_S each) instead of holding a person's
        # request while it retries.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
            maxsize=16,
            retries=urllib3.Retry(total=3, connect=1, read=1, backoff_factor=0.3,
                                  backoff_max=2.0, status_forcelist=[500, 502, 503, 504]),
        )
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=http)
        # The readiness check asks once, quickly, and never retries: its
        # caller (a load balancer, a health check) asks again anyway.
        self._probe = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=urllib3.PoolManager(
                                timeout=urllib3.Timeout(connect=2.0, read=3.0),
                                maxsize=1, retries=False))

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        if not settings.s3_endpoint:
            raise RuntimeError("ATTUNE_S3_ENDPOINT is not set and no embedded store is running")
        return cls(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                   secure=settings.s3_secure, region=settings.s3_region)

    # -- buckets ---------------------------------------------------------
    def check(self, *buckets: str) -> None:
        """Raise :class:`StorageUnavailable` unless the store answers now and
        every bucket exists (readiness: can a recording be stored?)."""
        with _reaching_store():
            missing = [b for b in buckets if not self._probe.bucket_exists(b)]
        if missing:
            raise StorageUnavailable(f"the S3 store has no bucket {', '.join(missing)}")

    @_store_call
    def ensure_buckets(self, *names: str) -> None:
        """Create missing buckets. They stay private (no bucket policy is set)."""
        for name in names:
            if not self.client.bucket_exists(name):
                try:
                    self.client.make_bucket(name)
                except S3Error as exc:  # another process won the race
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

    # -- whole objects ---------------------------------------------------
    @_store_call
    def put_file(self, bucket: str, key: str, path: Path, content_type: str) -> None:
        self.client.fput_object(bucket, key, str(path), content_type=content_type)

    @_store_call
    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        import io

        self.client.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    @_store_call
    def get_bytes(self, bucket: str, key: str) -> bytes:
        resp = self._get(bucket, key)
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    @_store_call
    def open(self, bucket: str, key: str, *, offset: int = 0, length: int = 0,
             suffix: int = 0) -> ObjectStream:
        """Stream (part of) an object in one request to the store: from
        ``offset``, ``length`` bytes (0: to the end), or the last ``suffix``
        bytes. The whole object's size comes from the answer's headers, so no
        separate HEAD is needed. A range that starts past the end raises
        :class:`RangeNotSatisfiable`."""
        headers = {"Range": f"bytes=-{suffix}"} if suffix else None
        try:
            resp = self._get(bucket, key, offset=offset, length=length, request_headers=headers)
        except S3Error as exc:
            if exc.code == "InvalidRange":
                raise RangeNotSatisfiable(self.stat(bucket, key)[0]) from exc
            raise
        content_type = resp.headers.get("Content-Type") or "application/octet-stream"
        ranged = _CONTENT_RANGE.match(resp.headers.get("Content-Range") or "")
        if ranged:
            first, last, size = (int(g) for g in ranged.groups())
        else:
            size = int(resp.headers.get("Content-Length") or 0)
            first, last = 0, size - 1
        return ObjectStream(resp, size, content_type, first, last)

    @_store_call
    def stat(self, bucket: str, key: str) -> tuple[int, str]:
        """Size and content type of an object."""
        try:
            obj = self.client.stat_object(bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                raise ObjectNotFound(key) from exc
            raise
        return int(obj.size or 0), obj.content_type or "application/octet-stream"

    def _get(self, bucket: str, key: str, *, offset: int = 0, length: int = 0,
             request_headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
        try:
            return self.client.get_object(bucket, key, offset=offset, length=length,
                                          request_headers=request_headers)  # type: ignore[arg-type]
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                raise ObjectNotFound(key) from exc
            raise

    @_store_call
    def presigned_get(self, bucket: str, key: str, ttl_s: int) -> str:
        """A URL that reads one object until it expires; for ffmpeg in the worker."""
        return self.client.presigned_get_object(bucket, key, expires=timedelta(seconds=ttl_s))

    # -- prefixes --------------------------------------------------------
    @_store_call
    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return [o.object_name for o in self.client.list_objects(bucket, prefix=prefix,
                                                                recursive=True)
                if o.object_name is not None]

    @_store_call
    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Remove every object under ``prefix``; returns how many there were."""
        keys = self.list_keys(bucket, prefix)
        if not keys:
            return 0
        errors = list(self.client.remove_objects(bucket, (DeleteObject(k) for k in keys)))
        if errors:
            raise RuntimeError(f"could not delete {len(errors)} objects under {prefix}: "
                               f"{errors[0]}")
        return len(keys)

    @_store_call
    def delete(self, bucket: str, key: str) -> None:
        self.client.remove_object(bucket, key)

    # -- multipart uploads (streamed ingest; resumable uploads) ----------
    @_store_call
    def start_multipart(self, bucket: str, key: str, content_type: str) -> str:
        return self.client._create_multipart_upload(bucket, key, {"Content-Type": content_type})

    @_store_call
    def upload_part(self, bucket: str, key: str, upload_id: str, number: int,
                    data: bytes) -> UploadedPart:
        with _gone_if_no_such_upload():
            etag = self.client._upload_part(bucket, key, data, None, upload_id, number)
        return UploadedPart(number, etag, len(data))

    @_store_call
    def complete_multipart(self, bucket: str, key: str, upload_id: str,
                           parts: list[UploadedPart]) -> None:
        with _gone_if_no_such_upload():
            self.client._complete_multipart_upload(
                bucket, key, upload_id, [Part(p.number, p.etag) for p in parts]
            )

    @_store_call
    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self.client._abort_multipart_upload(bucket, key, upload_id)
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise
