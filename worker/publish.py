"""What every job that makes media for a row does the same way: a clip's
transcode (:mod:`worker.transcode_job`) and a playlist's render
(:mod:`worker.playlist_job`).

One sequence, safe to run twice and never half-visible:

1. **claim** the row (:meth:`Attempt.claim`), unless it was deleted or no longer
   waits for this job: then the job does nothing (:class:`Gone`, ``skipped``);
2. write under a **fresh prefix** of this attempt's own (:meth:`Attempt.fresh_prefix`),
   so that two runs never touch each other's files;
3. **store** every file there (:meth:`Attempt.store`), playlists last;
4. **publish** with one commit (:meth:`Attempt.publish`) that points the row at the
   prefix and marks it ready; older output is removed only after that;
5. or **fail or retry** (:func:`run`): input that cannot become output
   (:class:`Refused`) and a job that ran out of time fail the row with a readable
   reason; a hiccup of the store or the queue (:func:`retryable`) is raised for RQ
   to try again, and fails the row once no try is left. Either way what the
   attempt stored is removed.

Along the way the job writes progress and a heartbeat (:meth:`Attempt.reporter`),
by which the sweeper tells a running job from a lost one.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import get_current_job
from rq.timeouts import JobTimeoutException
from sqlalchemy.orm import Session

from core.db.models import Clip, Playlist, utcnow
from core.media.errors import MediaError
from core.runtime import Runtime, get_runtime
from core.storage import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment",
                 ".mp4": "video/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt",
                 ".mov": "video/quicktime"}
#: Failures of the infrastructure, not of the recording: worth another try.
RETRYABLE: tuple[type[BaseException], ...] = (
    *TRANSIENT_ERRORS, RedisConnectionError, RedisTimeoutError)

#: A row a job makes media for. Both name their end states alike (``ready``,
#: ``failed``), which is how this module sets them for either.
Row = TypeVar("Row", Clip, Playlist)


class Gone(Exception):
    """The row was deleted, or no longer waits for this job: nothing to do."""


class Refused(Exception):
    """The input cannot become output (a damaged recording, a moment whose clip is
    gone): the row fails with this reason, and trying again would not help."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def retryable(exc: BaseException) -> bool:
    """A failure of the store or the queue, not of the input: worth another try."""
    return isinstance(exc, RETRYABLE) or (isinstance(exc, MediaError) and exc.retryable)


@dataclass(frozen=True)
class Kind(Generic[Row]):
    """What a job of this sequence says for its kind of row."""

    model: type[Row]
    #: Whether a row still waits for this job; a row that does not is :class:`Gone`.
    waits: Callable[[Row], bool]
    #: The reasons a person reads when the job ran out of time, or out of tries.
    timed_out: str
    unavailable: str
    #: What the row shows while RQ tries again; None leaves it as it is.
    retrying: Callable[[Row, BaseException], None] | None = None

    @property
    def noun(self) -> str:
        return self.model.__name__.lower()


class Attempt(Generic[Row]):
    """One run of a job for one row."""

    def __init__(self, runtime: Runtime, kind: Kind[Row], row_id: str) -> None:
        self.runtime = runtime
        self.kind: Kind[Row] = kind
        self.row_id = row_id
        #: Where this attempt writes; removed again unless it is published.
        self.prefix: str | None = None

    def row(self, db: Session) -> Row:
        """The row, read in ``db``; :class:`Gone` if it was deleted."""
        row = db.get(self.kind.model, self.row_id)
        if row is None:
            raise Gone(self.row_id)
        return row

    @contextmanager
    def claim(self) -> Iterator[tuple[Session, Row]]:
        """The row, in a transaction that marks it taken by this job and heard of;
        :class:`Gone` unless it waits for this job. The job sets what else it takes
        on in the same commit."""
        with self.runtime.db() as db:
            row = self.row(db)
            if not self.kind.waits(row):
                raise Gone(self.row_id)
            row.heartbeat_at = utcnow()
            job = get_current_job()
            if job is not None:
                row.job_id = job.id
            yield db, row

    def fresh_prefix(self, stem: str, *, token_bytes: int) -> str:
        """A prefix no other attempt writes under: ``stem`` and a random token."""
        self.prefix = f"{stem}{secrets.token_hex(token_bytes)}/"
        return self.prefix

    def reporter(self, share: float = 1.0) -> Callable[[float], None]:
        """Writes progress (the first ``share`` of the bar) and a heartbeat, at most
        once a second and always for the end: people poll it, not machines, so more
        writes would only load the database."""

        def write(fraction: float) -> None:
            with self.runtime.db() as db:
                row = self.row(db)
                row.progress = round(min(max(fraction, 0.0), 1.0) * share, 4)
                row.heartbeat_at = utcnow()

        return _throttled(write)

    def store(self, work: Path, files: list[Path]) -> None:
        """Store every file under the fresh prefix; playlists last, so that nothing
        references a file that is not there yet."""
        prefix = self._prefix()
        bucket = self.runtime.settings.s3_bucket_media
        playlists = [f for f in files if f.suffix == ".m3u8"]
        media = [f for f in files if f.suffix != ".m3u8"]

        def put(rel: Path) -> None:
            self.runtime.store.put_file(bucket, prefix + rel.as_posix(), work / rel,
                                        CONTENT_TYPES.get(rel.suffix, "application/octet-stream"))

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(put, media))
            list(pool.map(put, playlists))

    def publish(self, point: Callable[[Session, Row], None]) -> str | None:
        """One commit makes the output visible: ``point`` sets what the job made, and
        the row shows the fresh prefix, ready, without an error. Returns the prefix it
        showed before, whose files the job may now remove."""
        prefix = self._prefix()
        with self.runtime.db() as db:
            row = self.row(db)
            before = row.media_prefix
            point(db, row)
            row.media_prefix = prefix
            row.status = type(row.status).ready
            row.progress = 1.0
            row.error = row.error_code = None
            row.heartbeat_at = None
        return before

    def discard(self) -> None:
        """Remove what this attempt stored; best effort (the next attempt tidies too)."""
        if self.prefix is None:
            return
        try:
            self.runtime.store.delete_prefix(self.runtime.settings.s3_bucket_media, self.prefix)
        except Exception:  # storage may be the thing that failed
            log.warning("could not remove partial output under %s", self.prefix, exc_info=True)

    def fail(self, code: str, message: str) -> None:
        with self.runtime.db() as db:
            row = db.get(self.kind.model, self.row_id)
            if row is None:
                return
            row.status = type(row.status).failed
            row.error, row.error_code, row.heartbeat_at = message, code, None
        log.info("%s %s failed: %s (%s)", self.kind.noun, self.row_id, message, code)

    def retry_or_fail(self, exc: BaseException) -> None:
        """A hiccup: say so while RQ tries again, or fail the row after the last try."""
        job = get_current_job()
        if job is None or not job.retries_left:
            self.fail("storage_unavailable", self.kind.unavailable)
            return
        if self.kind.retrying is not None:
            with self.runtime.db() as db:
                row = db.get(self.kind.model, self.row_id)
                if row is not None:
                    self.kind.retrying(row, exc)

    def _prefix(self) -> str:
        if self.prefix is None:
            raise RuntimeError("fresh_prefix() comes before storing or publishing")
        return self.prefix


def run(kind: Kind[Row], row_id: str, make: Callable[[Attempt[Row]], str]) -> str:
    """Run ``make`` for the row as one attempt of the sequence; returns what became of
    the row (``make``'s answer, ``failed`` or ``skipped``), or raises for RQ to retry."""
    attempt: Attempt[Row] = Attempt(get_runtime(), kind, row_id)
    try:
        return make(attempt)
    except Gone:
        return "skipped"
    except Refused as exc:
        attempt.discard()
        attempt.fail(exc.code, exc.message)
        return "failed"
    except JobTimeoutException:
        attempt.discard()
        attempt.fail("timeout", kind.timed_out)
        return "failed"
    except Exception as exc:
        if isinstance(exc, MediaError) and not exc.retryable:
            # ffmpeg refused what it was given at a step that did not expect
            # it: the row fails with the reason now, not as "lost" much later.
            attempt.discard()
            attempt.fail(exc.code, exc.message)
            return "failed"
        if not retryable(exc):
            raise
        attempt.discard()
        attempt.retry_or_fail(exc)
        raise


def _throttled(write: Callable[[float], None], every_s: float = 1.0) -> Callable[[float], None]:
    """``write`` at most once every ``every_s`` seconds, and always for the end (1.0)."""
    last = 0.0

    def report(fraction: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < every_s and fraction < 1.0:
            return
        last = now
        write(fraction)

    return report
