"""Streaming a recording into object storage as it arrives.

Bytes go into an S3 multipart upload part by part, so the API holds at most one
part in memory and writes nothing to local disk, whatever the file's size.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from core.storage import ObjectStore, UploadedPart


class TooLarge(Exception):
    """More bytes arrived than the size limit allows."""


class PartWriter:
    """Buffers incoming chunks into S3 parts of ``part_size`` bytes."""

    def __init__(self, store: ObjectStore, bucket: str, key: str, *, content_type: str,
                 part_size: int, max_bytes: int) -> None:
        self.store, self.bucket, self.key = store, bucket, key
        self.content_type = content_type
        self.part_size = max(part_size, 5 * 1024 * 1024)  # S3's minimum part size
        self.max_bytes = max_bytes
        self.size = 0
        self._buffer = bytearray()
        self._parts: list[UploadedPart] = []
        self._upload_id: str | None = None

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge()
        self._buffer += chunk
        if len(self._buffer) >= self.part_size:
            await self._flush()

    async def _flush(self) -> None:
        if self._upload_id is None:
            self._upload_id = await run_in_threadpool(
                self.store.start_multipart, self.bucket, self.key, self.content_type)
        data = bytes(self._buffer)
        self._buffer.clear()
        part = await run_in_threadpool(self.store.upload_part, self.bucket, self.key,
                                       self._upload_id, len(self._parts) + 1, data)
        self._parts.append(part)

    async def complete(self) -> int:
        """Store the last part and make the object visible; returns its size."""
        if self._buffer or not self._parts:
            await self._flush()
        assert self._upload_id is not None
        await run_in_threadpool(self.store.complete_multipart, self.bucket, self.key,
                                self._upload_id, self._parts)
        return self.size

    async def abort(self) -> None:
        """Throw away every part stored so far."""
        if self._upload_id is not None:
            await run_in_threadpool(self.store.abort_multipart, self.bucket, self.key,
                                    self._upload_id)
            self._upload_id = None
