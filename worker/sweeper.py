"""Finds clips whose transcode job was lost and queues them again.

Jobs live in Redis, clips in the database. A worker killed mid-job or a Redis
that lost its data leaves a clip "queued" or "processing" with nobody working
on it. The database is the source of truth: a clip whose job is gone from the
queue, or whose heartbeat stopped, is queued again; one that keeps getting
lost is failed with a reason instead of looping forever.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import or_, select

from core.db.models import Clip, ClipStatus, utcnow
from core.queue import enqueue_transcode
from core.runtime import Runtime

log = logging.getLogger(__name__)

#: After this many lost attempts the clip is failed instead of queued again.
MAX_ATTEMPTS = 5
LIVE_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def _job_alive(runtime: Runtime, job_id: str | None) -> bool:
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=runtime.redis)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in LIVE_STATES


def sweep(runtime: Runtime) -> list[str]:
    """Re-queue lost clips once; returns the ids that were re-queued or failed."""
    lock = runtime.redis.lock(f"{runtime.settings.queue_namespace}:sweeper", timeout=120,
                              blocking=False)
    if not lock.acquire():
        return []  # another worker's sweeper is on it
    try:
        return _sweep(runtime)
    finally:
        lock.release()


def _sweep(runtime: Runtime) -> list[str]:
    cutoff = utcnow() - timedelta(seconds=runtime.settings.stale_after_s)
    touched: list[str] = []
    with runtime.db() as db:
        candidates = db.scalars(select(Clip).where(
            or_(Clip.status == ClipStatus.queued,
                (Clip.status == ClipStatus.processing)
                & or_(Clip.heartbeat_at.is_(None), Clip.heartbeat_at < cutoff)),
            Clip.updated_at < cutoff,
        )).all()
        for clip in candidates:
            if clip.status is ClipStatus.queued and _job_alive(runtime, clip.job_id):
                continue
            touched.append(clip.id)
            if clip.attempts >= MAX_ATTEMPTS:
                clip.status = ClipStatus.failed
                clip.error_code = "lost_repeatedly"
                clip.error = ("Processing was interrupted too many times. "
                              "Upload the recording again or contact support.")
                continue
            attempt = clip.attempts + 1
            clip.status = ClipStatus.queued
            clip.progress = 0.0
            log.warning("re-queueing clip %s (lost job, attempt %d)", clip.id, attempt)
            clip.job_id = enqueue_transcode(runtime.settings, runtime.redis, clip.id, attempt,
                                            clip.duration_s)
    return touched
