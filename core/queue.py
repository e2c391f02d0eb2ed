"""Job queues on Redis (RQ), named per deployment so that several deployments
(or test runs) can share one Redis without seeing each other's jobs."""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import UTC, datetime, timedelta

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
    return _enqueue(settings, redis, TRANSCODE, "worker.jobs.transcode_clip", clip_id, job_id,
                    timeout_s=transcode_timeout(settings, duration_s) + 3600)


def _enqueue(settings: Settings, redis: Redis, kind: str, function: str, argument: str,
             job_id: str, *, timeout_s: int, result_ttl: int = 3600) -> str:
    """Queue ``function(argument)``; retried with backoff on infrastructure hiccups,
    and a failure kept a week for whoever investigates."""
    queue(settings, redis, kind).enqueue(
        function, argument, job_id=job_id, job_timeout=timeout_s,
        retry=Retry(max=settings.job_retries, interval=RETRY_INTERVALS),
        result_ttl=result_ttl, failure_ttl=7 * 24 * 3600,
        meta={"request_id": logs.request_id.get(), "kind": kind})
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
    return _enqueue(settings, redis, PURGE, "worker.purge.purge_case", case_id, job_id,
                    timeout_s=3600, result_ttl=24 * 3600)


def enqueue_render(settings: Settings, redis: Redis, playlist_id: str, revision: int,
                   media_s: float) -> str:
    """Queue the render of a playlist at ``revision``; returns the job id."""
    job_id = f"render-{playlist_id}-{revision}-{secrets.token_hex(3)}"
    return _enqueue(settings, redis, RENDER, "worker.playlist_job.render_playlist",
                    playlist_id, job_id, timeout_s=transcode_timeout(settings, media_s) + 600)


def enqueue_analysis(settings: Settings, redis: Redis, clip_id: str,
                     duration_s: float | None) -> str:
    """Queue analysing a ready clip again (new regions); returns the job id."""
    job_id = f"analyse-{clip_id}-{secrets.token_hex(3)}"
    return _enqueue(settings, redis, ANALYSE, "worker.suggest_job.analyse_clip", clip_id,
                    job_id, timeout_s=transcode_timeout(settings, duration_s))


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
