"""Job queues on Redis (RQ), named per deployment so that several deployments
(or test runs) can share one Redis without seeing each other's jobs."""

from __future__ import annotations

import secrets

from redis import Redis
from rq import Queue, Retry

from core.config import Settings

TRANSCODE = "transcode"
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
    queue(settings, redis, TRANSCODE).enqueue(
        "worker.jobs.transcode_clip",
        clip_id,
        job_id=job_id,
        # The job re-measures the duration and kills ffmpeg itself well before this.
        job_timeout=transcode_timeout(settings, duration_s) + 3600,
        retry=Retry(max=settings.job_retries, interval=RETRY_INTERVALS),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )
    return job_id
