"""Streaming a recording into an S3 multipart upload as it arrives, and the
name it arrives with.

Bytes are cut into parts of a fixed size and uploaded while the next bytes are
still arriving (a few parts in flight), so the API holds at most a few parts
in memory and writes nothing to local disk, whatever the file's size, and the
network on both sides stays busy.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata

from core.storage import ObjectStore, UploadedPart

#: Longest file name kept for a recording, in characters (the extension included).
MAX_FILENAME_CHARS = 120
#: Unicode direction controls: embeddings and overrides, isolates, the marks.
#: In a name they make "bad\u202egnp.exe" read as "badexe.png" in the case list.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_UNWANTED = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}]")
_SPACES = re.compile(r"\s+")


def clean_filename(name: str | None, fallback: str = "recording") -> str:
    """A recording's file name as people will see it in lists, exports and logs.

    Every way in (a form upload, tus metadata) goes through here. Control
    characters (line breaks, escapes, a bell) and Unicode direction controls
    are removed, so a name cannot hide its real extension, forge a line in a
    log or an export, or break a header. Only the last path component is kept
    (some browsers send a whole path), white space is folded, and a long name
    is shortened in its stem so that its extension stays visible.
    """
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name or ""))  # tabs, breaks
    text = re.split(r"[/\\]", _UNWANTED.sub("", text))[-1]
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= 10:
            text = stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            text = text[:MAX_FILENAME_CHARS].rstrip()
    return text or fallback

#: S3's smallest allowed part (all but the last).
MIN_PART_BYTES = 5 * 1024 * 1024
#: Parts uploading at once; bounds memory to (IN_FLIGHT + 1) parts.
IN_FLIGHT = 2


class PartPipeline:
    """Buffers incoming chunks and uploads every full part in the background.

    Part numbers count up from ``first_part``; they need not be contiguous in
    S3, which lets concurrent requests for one upload use disjoint ranges.
    """

    def __init__(self, store: ObjectStore, bucket: str, key: str, upload_id: str, *,
                 part_size: int, first_part: int = 1, initial: bytes = b"") -> None:
        self.store, self.bucket, self.key, self.upload_id = store, bucket, key, upload_id
        self.part_size = max(part_size, MIN_PART_BYTES)
        self.buffer = bytearray(initial)
        self._next = first_part
        self._tasks: list[asyncio.Task[UploadedPart]] = []
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    @property
    def parts_started(self) -> int:
        return len(self._tasks)

    async def add(self, chunk: bytes) -> None:
        """Take a chunk; every time a whole part is buffered, start uploading it."""
        self.buffer += chunk
        while len(self.buffer) >= self.part_size:
            with memoryview(self.buffer) as view:  # one copy, not two (slice, then bytes)
                data = bytes(view[: self.part_size])
            del self.buffer[: self.part_size]
            await self._start(data)

    async def _start(self, data: bytes) -> None:
        await self._slots.acquire()
        number = self._next
        self._next += 1

        async def upload() -> UploadedPart:
            try:
                return await asyncio.to_thread(self.store.upload_part, self.bucket, self.key,
                                               self.upload_id, number, data)
            finally:
                self._slots.release()

        self._tasks.append(asyncio.create_task(upload()))

    def finished_tasks(self) -> list[asyncio.Task[UploadedPart]]:
        """The parts stored so far, in order (a part still uploading ends the list)."""
        done = []
        for task in self._tasks:
            if not task.done():
                break
            done.append(task)
        return done

    def forget(self, count: int) -> None:
        """The first ``count`` parts were handed over; ``finish`` will not return them."""
        del self._tasks[:count]

    async def finish(self, *, last: bool, earlier_parts: bool = False) -> list[UploadedPart]:
        """Wait for every started part. With ``last``, the buffered rest is
        uploaded as the final (smaller) part first; an empty rest only when
        there is no part at all (a file can be smaller than one part)."""
        if last and (self.buffer or not (self._tasks or earlier_parts)):
            data = bytes(self.buffer)
            self.buffer.clear()
            await self._start(data)
        return list(await asyncio.gather(*self._tasks))

    async def cancel(self) -> None:
        """Stop uploading; parts already stored are simply never referenced."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def start_multipart(store: ObjectStore, bucket: str, key: str) -> str:
    return await asyncio.to_thread(store.start_multipart, bucket, key,
                                   "application/octet-stream")


async def complete_multipart(store: ObjectStore, bucket: str, key: str, upload_id: str,
                             parts: list[UploadedPart]) -> None:
    await asyncio.to_thread(store.complete_multipart, bucket, key, upload_id,
                            sorted(parts, key=lambda p: p.number))


async def abort_multipart(store: ObjectStore, bucket: str, key: str, upload_id: str) -> None:
    await asyncio.to_thread(store.abort_multipart, bucket, key, upload_id)
