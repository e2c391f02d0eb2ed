"""A small tus 1.0.0 client on httpx: create an upload, ask how far it got, and
send the rest in checksummed chunks while riding out a network that drops.

Nothing here knows about cases or clips, so the protocol handling can be
tested on its own and every failure path stays in one place:

- network errors, 5xx and 423 (locked) are retried with back-off, and the
  next attempt starts from the offset the server reports (HEAD), because a
  request that failed on the client may still have landed on the server;
- 409 (offset mismatch) means someone else moved the upload on: ask with HEAD
  and continue from there, straight away;
- 460 (checksum mismatch) means the bytes were damaged on the way and were
  discarded: send them again;
- 404 and 410 mean the server no longer has the upload (:class:`UploadGone`);
- any other answer is final and surfaces as :class:`TusError`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self, TypeVar

import httpx

TUS_VERSION = "1.0.0"
TUS_HEADERS = {"Tus-Resumable": TUS_VERSION}
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
#: tus checksum extension: the server discarded the request's bytes.
CHECKSUM_MISMATCH = 460
#: Chunks are read, hashed and sent in pieces of this size; progress is
#: reported after each.
PIECE_BYTES = 1024 * 1024

T = TypeVar("T")


class TusError(Exception):
    """The server refused a request; sending it again would not help."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.status = response.status_code


class UploadGone(TusError):
    """The server no longer has this upload (terminated, expired or never ours)."""


class GaveUp(Exception):
    """Every retry failed; the message is the last reason."""


class _Retry(Exception):
    """A failure worth another try after ``delay`` seconds (None: the policy's)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.delay = reason, delay


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before each further attempt. The defaults add up to about
    four minutes: long enough for a phone to find its Wi-Fi again or for a lift
    to reach the ground floor, short enough that a dead server is reported."""

    delays: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 30, 30, 30, 30, 30, 30)

    def delay(self, failures: int) -> float | None:
        """The wait before attempt ``failures + 1``, or None when out of attempts."""
        return self.delays[failures - 1] if failures <= len(self.delays) else None


@dataclass
class Position:
    """Where an upload stands: ``confirmed`` bytes the server has acknowledged,
    ``sent`` bytes written to the network so far (ahead of ``confirmed`` while a
    chunk is on its way, reset to it after a failure)."""

    confirmed: int
    sent: int


@dataclass(frozen=True)
class Chunk:
    """The bytes ``[offset, end)`` of a file and their ``Upload-Checksum``."""

    offset: int
    end: int
    checksum: str

    @property
    def size(self) -> int:
        return self.end - self.offset


@dataclass
class ChunkSizer:
    """How many bytes the next PATCH carries, chosen by time.

    With ``Upload-Checksum`` the server keeps a request's bytes only once all
    of them arrived, so a dropped connection costs the chunk in flight; and
    every request ends with the server storing its last parts before it
    answers, a pause that costs a lot when requests are short. Aiming at
    ``target_s`` seconds per request bounds the first and amortises the
    second: 8 MiB requests on a slow uplink, up to 512 MiB on a LAN. The size
    doubles or halves one step at a time and stays a power-of-two multiple
    of ``smallest``, so chunk ends stay on the server's part grid.
    """

    size: int
    smallest: int
    largest: int
    target_s: float = 5.0

    @classmethod
    def fixed(cls, size: int) -> ChunkSizer:
        return cls(size, size, size)

    def observe(self, sent: int, seconds: float) -> None:
        """A chunk of ``sent`` bytes went out in ``seconds``."""
        if seconds <= 0 or sent < self.size:  # a short last chunk says little
            return
        ideal = sent / seconds * self.target_s
        if ideal >= 2 * self.size:
            self.size = min(self.size * 2, self.largest)
        elif ideal < self.size / 2:
            self.size = max(self.size // 2, self.smallest)

    def failed(self) -> None:
        """Smaller requests while the network is unreliable."""
        self.size = max(self.size // 2, self.smallest)


class FileSource:
    """Cuts a file into checksummed chunks whose ends lie on a fixed grid.

    The server stores whole S3 parts and keeps the bytes after the last whole
    part in a small extra object that the next request must read back and
    rewrite. When every chunk ends on a multiple of the server's part size
    (``grid``, 8 MiB by default) there is never such a tail, also after a
    resume from an odd offset. The first chunk is one grid step, so that a
    file that is not a video is refused after a few megabytes.

    A chunk is read twice, piece by piece: once to hash it (the checksum goes
    in the request's headers), once to send it. That keeps memory at a few
    pieces whatever the chunk size, and the hashing of the next chunk runs in
    a background thread while the server finishes the current request.
    """

    def __init__(self, path: Path, length: int, grid: int) -> None:
        self.path, self.length, self.grid = path, length, grid
        self._hash_fh: BinaryIO | None = None
        self._send_fh: BinaryIO | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: tuple[tuple[int, int], Future[Chunk]] | None = None

    def __enter__(self) -> Self:
        self._hash_fh = self.path.open("rb")
        self._send_fh = self.path.open("rb")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-hash")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = self._ahead = None
        for fh in (self._hash_fh, self._send_fh):
            if fh is not None:
                fh.close()
        self._hash_fh = self._send_fh = None

    def end_of_chunk(self, offset: int, size: int) -> int:
        """Where a chunk of about ``size`` bytes from ``offset`` ends: on a grid
        line, never past the file."""
        if offset < self.grid:
            return min(self.grid, self.length)
        end = (offset + max(size, self.grid)) // self.grid * self.grid
        return min(end, self.length)

    def chunk(self, offset: int, size: int) -> Chunk:
        """The chunk at ``offset``: the one hashed ahead if it is that one."""
        end = self.end_of_chunk(offset, size)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == (offset, end):
            return ahead[1].result()
        if self._pool is None:
            raise RuntimeError("FileSource is used as a context manager")
        # Through the pool: its one thread owns the hashing file handle.
        return self._pool.submit(self._hash, offset, end).result()

    def hash_ahead(self, offset: int, size: int) -> None:
        """Start hashing the chunk that will follow, in the background."""
        if self._pool is not None and offset < self.length:
            end = self.end_of_chunk(offset, size)
            self._ahead = ((offset, end), self._pool.submit(self._hash, offset, end))

    def pieces(self, chunk: Chunk) -> Iterator[bytes]:
        """The chunk's bytes as they are sent, a piece at a time."""
        yield from self._read(self._send_fh, chunk.offset, chunk.end)

    def _hash(self, offset: int, end: int) -> Chunk:
        sha1 = hashlib.sha1()
        for piece in self._read(self._hash_fh, offset, end):
            sha1.update(piece)
        return Chunk(offset, end, f"sha1 {base64.b64encode(sha1.digest()).decode()}")

    def _read(self, fh: BinaryIO | None, offset: int, end: int) -> Iterator[bytes]:
        if fh is None:
            raise RuntimeError("FileSource is used as a context manager")
        fh.seek(offset)
        while offset < end:
            piece = fh.read(min(PIECE_BYTES, end - offset))
            if not piece:
                raise OSError(f"{self.path} changed while it was being uploaded "
                              f"(it is shorter than {self.length} bytes now)")
            offset += len(piece)
            yield piece


def encode_metadata(values: Mapping[str, str]) -> str:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in values.items())


def describe(exc: httpx.TransportError) -> str:
    """A network failure in words (httpx's own message is sometimes empty)."""
    text = str(exc).strip()
    kind = type(exc).__name__
    return f"{kind}: {text}" if text else kind


class TusClient:
    """tus requests over one ``httpx.Client`` (which carries base URL, auth
    headers and timeouts); ``sleep`` and ``on_retry`` make waits testable and
    visible."""

    def __init__(self, http: httpx.Client, *, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[str, float], None] | None = None) -> None:
        self.http = http
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.on_retry = on_retry or (lambda reason, delay: None)

    # -- requests ------------------------------------------------------------

    def create(self, endpoint: str, length: int, metadata: Mapping[str, str]) -> httpx.Response:
        """Start an upload; the answer carries ``Location`` (and whatever the
        server adds). Retried only when the server cannot have acted on it."""
        headers = {**TUS_HEADERS, "Upload-Length": str(length),
                   "Upload-Metadata": encode_metadata(metadata)}
        return self._retrying(lambda: self._create_once(endpoint, headers))

    def _create_once(self, endpoint: str, headers: dict[str, str]) -> httpx.Response:
        try:
            resp = self.http.post(endpoint, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _Retry(describe(exc)) from None
        if resp.status_code == 201:
            return resp
        if resp.status_code in (502, 503, 504):  # a proxy answered: nothing was created
            raise _Retry(f"HTTP {resp.status_code}")
        raise TusError(resp)

    def offset(self, url: str) -> int:
        """How many bytes the server has (HEAD), retrying network trouble."""
        return self._retrying(lambda: self._head_once(url))

    def _head_once(self, url: str) -> int:
        try:
            resp = self.http.head(url, headers=TUS_HEADERS)
        except httpx.TransportError as exc:
            raise _Retry(describe(exc)) from None
        if resp.status_code == 200:
            return int(resp.headers["upload-offset"])
        self._raise_for(resp)
        raise AssertionError("unreachable")

    def terminate(self, url: str) -> None:
        """Remove an upload on the server (tus termination), best effort."""
        with contextlib.suppress(httpx.TransportError):
            self.http.delete(url, headers=TUS_HEADERS)

    def send(self, url: str, source: FileSource, position: Position,
             on_progress: Callable[[Position], None], sizer: ChunkSizer) -> None:
        """PATCH chunks from ``position.confirmed`` until the server has every byte."""
        failures = 0
        while position.confirmed < source.length:
            try:
                position.confirmed = self._patch(url, source, position, on_progress, sizer)
                failures = 0
            except _Retry as exc:
                sizer.failed()
                failures = self._recover(url, position, on_progress, exc, failures)

    def _recover(self, url: str, position: Position, on_progress: Callable[[Position], None],
                 exc: _Retry, failures: int) -> int:
        """After a failed PATCH: wait, then ask the server's offset (HEAD), all on
        one back-off. Progress the client did not hear about (an answer lost on
        the way) starts the count over. Returns the count of failures."""
        while True:
            failures += 1
            self._wait(exc, failures)
            try:
                offset = self._head_once(url)
            except _Retry as again:
                exc = again
                continue
            if offset > position.confirmed:
                failures = 0
            position.confirmed = position.sent = offset
            on_progress(position)
            return failures

    def _patch(self, url: str, source: FileSource, position: Position,
               on_progress: Callable[[Position], None], sizer: ChunkSizer) -> int:
        chunk = source.chunk(position.confirmed, sizer.size)
        headers = {**TUS_HEADERS, "Upload-Offset": str(chunk.offset),
                   "Content-Type": OFFSET_OCTET_STREAM, "Content-Length": str(chunk.size),
                   "Upload-Checksum": chunk.checksum}
        started = time.monotonic()

        def all_sent() -> None:
            sizer.observe(chunk.size, time.monotonic() - started)
            source.hash_ahead(chunk.end, sizer.size)

        body = _reported(source.pieces(chunk), chunk, position, on_progress, then=all_sent)
        try:
            resp = self.http.patch(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise _Retry(describe(exc)) from None
        if resp.status_code == 204:
            return int(resp.headers["upload-offset"])
        self._raise_for(resp)
        raise AssertionError("unreachable")

    # -- failures ------------------------------------------------------------

    @staticmethod
    def _raise_for(resp: httpx.Response) -> None:
        status = resp.status_code
        if status in (404, 410):
            raise UploadGone(resp)
        if status == 409:
            raise _Retry("the server has a different offset (409)", delay=0)
        if status == CHECKSUM_MISMATCH:
            raise _Retry("bytes arrived damaged and were discarded (460)", delay=0)
        if status == 423 or status >= 500:
            raise _Retry(f"the server answered HTTP {status}")
        raise TusError(resp)

    def _wait(self, exc: _Retry, failures: int) -> None:
        delay = self.retry.delay(failures)
        if delay is None:
            raise GaveUp(exc.reason)
        if exc.delay is not None:
            delay = exc.delay
        if delay > 0:
            self.on_retry(exc.reason, delay)
            self.sleep(delay)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        failures = 0
        while True:
            try:
                return attempt()
            except _Retry as exc:
                failures += 1
                self._wait(exc, failures)


def _reported(pieces: Iterator[bytes], chunk: Chunk, position: Position,
              on_progress: Callable[[Position], None],
              then: Callable[[], None]) -> Iterator[bytes]:
    """The pieces of a chunk, reporting progress as each is handed to the
    socket (so the bar moves during a long request, not after it); ``then``
    runs once the last piece is out, while the server still works."""
    position.sent = chunk.offset
    for piece in pieces:
        yield piece
        position.sent += len(piece)
        on_progress(position)
    then()
