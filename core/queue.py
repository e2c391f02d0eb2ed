"""Job queues on Redis (RQ), named per deployment so that several deployments
(or test runs) can share one Redis without seeing each other's jobs.

The API queues jobs it cannot import: core and the services do not load the
worker. A job is therefore queued by the dotted name RQ stores, through a typed
:class:`JobRef` that says what the job takes, so that mypy checks both sides:
the call that queues it (``TRANSCODE_CLIP.call(clip_id)``) and the function
that runs it (marked ``@runs(TRANSCODE_CLIP)`` in the worker).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, ParamSpec

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from core import logs
from core.config import Settings

TRANSCODE = "transcode"
PURGE = "purge"
RENDER = "render"
ANALYSE = "analyse"
#: Every queue a worker serves, most urgent first.
KINDS = (TRANSCODE, RENDER, ANALYSE, PURGE)
LIVE_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
#: Seconds between retries of a job that hit a storage or queue hiccup.
RETRY_INTERVALS = [5, 30, 120]

P = ParamSpec("P")


@dataclass(frozen=True)
class JobRef(Generic[P]):
    """A job the worker runs: the queue it waits in, the dotted name of the function
    RQ calls, and (``P``) what that function takes.

    ``formerly`` lists the names older versions queued it under: a job queued
    before an upgrade is still run by the new worker, so each of those names
    stays importable (a module of that name that only imports the function).
    """

    kind: str
    function: str
    formerly: tuple[str, ...] = ()

    def call(self, *args: P.args, **kwargs: P.kwargs) -> JobCall:
        """This job with these arguments, ready to be queued."""
        return JobCall(self, args, kwargs)


@dataclass(frozen=True)
class JobCall:
    """A job and the arguments it is queued with (checked by :meth:`JobRef.call`)."""

    job: JobRef[Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


TRANSCODE_CLIP: JobRef[[str]] = JobRef(TRANSCODE, "worker.transcode_job.transcode_clip",
                                       formerly=("worker.jobs.transcode_clip",))
RENDER_PLAYLIST: JobRef[[str]] = JobRef(RENDER, "worker.playlist_job.render_playlist")
ANALYSE_CLIP: JobRef[[str]] = JobRef(ANALYSE, "worker.analysis_job.analyse_clip",
                                     formerly=("worker.suggest_job.analyse_clip",))
PURGE_CASE: JobRef[[str]] = JobRef(PURGE, "worker.purge_job.purge_case",
                                   formerly=("worker.purge.purge_case",))
#: Every job a worker runs.
JOBS: tuple[JobRef[[str]], ...] = (TRANSCODE_CLIP, RENDER_PLAYLIST, ANALYSE_CLIP, PURGE_CASE)
#: The function that runs each job, as :func:`runs` found it (filled as the worker
#: imports its jobs).
RUNNERS: dict[str, Callable[..., str]] = {}


def runs(job: JobRef[P]) -> Callable[[Callable[P, str]], Callable[P, str]]:
    """Marks the function that runs ``job``: mypy checks that it takes what the job
    is queued with, and importing it checks that it lives where the job's name says."""

    def register(function: Callable[P, str]) -> Callable[P, str]:
        where = f"{function.__module__}.{function.__qualname__}"
        if where != job.function:
            raise RuntimeError(f"{where} runs the job queued as {job.function}; "
                               "move one of them so that the two agree")
        RUNNERS[job.function] = function
        return function

    return register


def queue_name(settings: Settings, kind: str) -> str:
    return f"{settings.queue_namespace}:{kind}"


def queue(settings: Settings, redis: Redis, kind: str) -> Queue:
    return Queue(queue_name(settings, kind), connection=redis)


def transcode_timeout(settings: Settings, duration_s: float | None) -> int:
    """Generous but finite: a stuck ffmpeg must not hold a worker forever."""
    duration = duration_s if duration_s and duration_s > 0 else 600.0
    return int(settings.job_timeout_base_s + settings.job_timeout_factor * duration)


def enqueue_transcode(settings: Settings, redis: Redis, clip_id: str, attempt: int,
                      duration_s: float | None = None) -> str:
    """Queue the transcode of a clip; returns the job id (which names the attempt)."""
    job_id = f"transcode-{clip_id}-{attempt}-{secrets.token_hex(3)}"
    # The job re-measures the duration and kills ffmpeg itself well before this.
    return _enqueue(settings, redis, TRANSCODE_CLIP.call(clip_id), job_id,
                    timeout_s=transcode_timeout(settings, duration_s) + 3600)


def _enqueue(settings: Settings, redis: Redis, call: JobCall, job_id: str, *,
             timeout_s: int, result_ttl: int = 3600) -> str:
    """Queue ``call`` in its job's queue; retried with backoff on infrastructure
    hiccups, and a failure kept a week for whoever investigates."""
    queue(settings, redis, call.job.kind).enqueue(
        call.job.function, args=call.args, kwargs=call.kwargs, job_id=job_id,
        job_timeout=timeout_s, retry=Retry(max=settings.job_retries, interval=RETRY_INTERVALS),
        result_ttl=result_ttl, failure_ttl=7 * 24 * 3600,
        meta={"request_id": logs.request_id.get(), "kind": call.job.kind})
    return job_id


def purge_job_id(case_id: str) -> str:
    """One job id per case: the sweeper asks Redis whether that case's purge is
    already waiting instead of queueing it again on every tick."""
    return f"purge-{case_id}"


def enqueue_purge(settings: Settings, redis: Redis, case_id: str) -> str:
    """Queue the removal of a closed case's recordings; returns the job id.

    Call it only when no purge of the case is queued or running: an earlier,
    finished or failed job of the same id is replaced, so its registry entries
    do not outlive it.
    """
    job_id = purge_job_id(case_id)
    with suppress(NoSuchJobError):
        Job.fetch(job_id, connection=redis).delete()
    return _enqueue(settings, redis, PURGE_CASE.call(case_id), job_id, timeout_s=3600,
                    result_ttl=24 * 3600)


def enqueue_render(settings: Settings, redis: Redis, playlist_id: str, revision: int,
                   media_s: float) -> str:
    """Queue the render of a playlist at ``revision``; returns the job id."""
    job_id = f"render-{playlist_id}-{revision}-{secrets.token_hex(3)}"
    return _enqueue(settings, redis, RENDER_PLAYLIST.call(playlist_id), job_id,
                    timeout_s=transcode_timeout(settings, media_s) + 600)


def enqueue_analysis(settings: Settings, redis: Redis, clip_id: str,
                     duration_s: float | None) -> str:
    """Queue analysing a ready clip again (new regions); returns the job id."""
    job_id = f"analyse-{clip_id}-{secrets.token_hex(3)}"
    return _enqueue(settings, redis, ANALYSE_CLIP.call(clip_id), job_id,
                    timeout_s=transcode_timeout(settings, duration_s))


def job_alive(redis: Redis, job_id: str | None, *,
              started_within_s: float | None = None) -> bool:
    """The job is still waiting or running (not finished, failed or gone).

    With ``started_within_s``, a job that a worker started longer ago than
    that no longer counts: for work that marks itself as begun the moment it
    starts (a transcode claims its clip first), still being unmarked means the
    worker died in between, and RQ goes on calling such a job "started" until
    its own clean-up, minutes later.
    """
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status is JobStatus.STARTED and started_within_s is not None and job.started_at:
        started = job.started_at
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        return datetime.now(UTC) - started <= timedelta(seconds=started_within_s)
    return status in LIVE_STATES
