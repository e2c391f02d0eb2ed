"""Object storage through the S3 API (any S3-compatible server).

Everything Attune stores as bytes goes through :class:`ObjectStore`, so the
rest of the code never sees the client library. Buckets are private: nothing
is ever made public; readers get bytes through the API or a short-lived
presigned URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from core.config import Settings

log = logging.getLogger(__name__)

#: Errors worth a retry: the store or the network hiccuped, the data is fine.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)


class ObjectNotFound(Exception):
    """The key does not exist (or was purged)."""


class MultipartUploadGone(Exception):
    """The multipart upload was completed or aborted (by another request)."""


@dataclass(frozen=True)
class UploadedPart:
    number: int
    etag: str
    size: int


@dataclass(frozen=True)
class ObjectStream:
    """An open object body with what an HTTP response needs to relay it."""

    body: urllib3.BaseHTTPResponse
    size: int
    content_type: str

    def iter_chunks(self, chunk: int = 256 * 1024) -> Iterator[bytes]:
        try:
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
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            maxsize=16,
            retries=urllib3.Retry(total=3, backoff_factor=0.3,
                                  status_forcelist=[500, 502, 503, 504]),
        )
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=http)

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        if not settings.s3_endpoint:
            raise RuntimeError("ATTUNE_S3_ENDPOINT is not set and no embedded store is running")
        return cls(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                   secure=settings.s3_secure, region=settings.s3_region)

    # -- buckets ---------------------------------------------------------
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
    def put_file(self, bucket: str, key: str, path: Path, content_type: str) -> None:
        self.client.fput_object(bucket, key, str(path), content_type=content_type)

    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        import io

        self.client.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def get_bytes(self, bucket: str, key: str) -> bytes:
        resp = self._get(bucket, key)
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def open(self, bucket: str, key: str, *, offset: int = 0, length: int = 0) -> ObjectStream:
        """Stream (part of) an object; ``length=0`` means to the end."""
        stat = self.stat(bucket, key)
        resp = self._get(bucket, key, offset=offset, length=length)
        return ObjectStream(resp, stat[0], stat[1])

    def stat(self, bucket: str, key: str) -> tuple[int, str]:
        """Size and content type of an object."""
        try:
            obj = self.client.stat_object(bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                raise ObjectNotFound(key) from exc
            raise
        return int(obj.size or 0), obj.content_type or "application/octet-stream"

    def _get(self, bucket: str, key: str, *, offset: int = 0,
             length: int = 0) -> urllib3.BaseHTTPResponse:
        try:
            return self.client.get_object(bucket, key, offset=offset, length=length)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                raise ObjectNotFound(key) from exc
            raise

    def presigned_get(self, bucket: str, key: str, ttl_s: int) -> str:
        """A URL that reads one object until it expires; for ffmpeg in the worker."""
        return self.client.presigned_get_object(bucket, key, expires=timedelta(seconds=ttl_s))

    # -- prefixes --------------------------------------------------------
    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return [o.object_name for o in self.client.list_objects(bucket, prefix=prefix,
                                                                recursive=True)
                if o.object_name is not None]

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

    def delete(self, bucket: str, key: str) -> None:
        self.client.remove_object(bucket, key)

    # -- multipart uploads (streamed ingest; resumable uploads) ----------
    def start_multipart(self, bucket: str, key: str, content_type: str) -> str:
        return self.client._create_multipart_upload(bucket, key, {"Content-Type": content_type})

    def upload_part(self, bucket: str, key: str, upload_id: str, number: int,
                    data: bytes) -> UploadedPart:
        with _gone_if_no_such_upload():
            etag = self.client._upload_part(bucket, key, data, None, upload_id, number)
        return UploadedPart(number, etag, len(data))

    def complete_multipart(self, bucket: str, key: str, upload_id: str,
                           parts: list[UploadedPart]) -> None:
        with _gone_if_no_such_upload():
            self.client._complete_multipart_upload(
                bucket, key, upload_id, [Part(p.number, p.etag) for p in parts]
            )

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self.client._abort_multipart_upload(bucket, key, upload_id)
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise
