"""Finds work the database says is due and nobody is doing: clips whose
transcode job was lost, playlist renders that were lost, and closed cases
whose recordings must be purged; and, on this machine's disk, the scratch
directories that killed jobs left behind.

Jobs live in Redis, clips and cases in the database. A worker killed mid-job
or a Redis that lost its data leaves a clip "queued" or "processing" with
nobody working on it. The database is the source of truth: a clip whose job is
gone from the queue, or whose heartbeat stopped, is queued again; one that
keeps getting lost is failed with a reason instead of looping forever. A case
past its ``purge_after`` and not yet purged gets a purge job unless one is
waiting or running, until the purge succeeds.

Scratch directories are the exception to "one sweeper at a time": each worker
has its own disk, so every worker removes the dead jobs' directories on it
(see :mod:`core.workdir` for how a live job's directory is told apart).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select

from core.db.models import Case, Clip, ClipStatus, Playlist, PlaylistStatus, utcnow
from core.queue import enqueue_purge, enqueue_transcode, job_alive, purge_job_id
from core.runtime import Runtime
from core.workdir import clean_stale

log = logging.getLogger(__name__)

#: After this many lost attempts the clip is failed instead of queued again.
MAX_ATTEMPTS = 5


def _exclusively(runtime: Runtime, work: Callable[[Runtime], list[str]]) -> list[str]:
    """Run ``work`` in one worker at a time; the others skip this tick."""
    lock = runtime.redis.lock(f"{runtime.settings.queue_namespace}:sweeper", timeout=120,
                              blocking=False)
    if not lock.acquire():
        return []  # another worker's sweeper is on it
    try:
        return work(runtime)
    finally:
        lock.release()


def sweep(runtime: Runtime) -> list[str]:
    """Re-queue lost clips once and give up on lost renders; returns the ids
    that were re-queued or failed."""
    return _exclusively(runtime, lambda rt: _sweep(rt) + _sweep_renders(rt))


def _sweep_renders(runtime: Runtime) -> list[str]:
    """A playlist render whose job is gone and whose heartbeat stopped is failed
    with a reason: rendering is quick and started by a person, who can simply
    render again (the moments already rendered are reused)."""
    cutoff = utcnow() - timedelta(seconds=runtime.settings.stale_after_s)
    touched: list[str] = []
    with runtime.db() as db:
        for row in db.scalars(select(Playlist).where(
                Playlist.status == PlaylistStatus.rendering, Playlist.updated_at < cutoff,
                or_(Playlist.heartbeat_at.is_(None), Playlist.heartbeat_at < cutoff))):
            if job_alive(runtime.redis, row.job_id):
                continue
            touched.append(row.id)
            row.status, row.error_code = PlaylistStatus.failed, "render_lost"
            row.error = ("Rendering stopped unexpectedly (the worker was interrupted). "
                         "Render again; moments already rendered are reused.")
            log.warning("render of playlist %s was lost", row.id)
    return touched


def sweep_workdirs(runtime: Runtime) -> list[str]:
    """Remove the scratch directories of jobs killed on this machine; returns
    their names. Runs in every worker, without the deployment-wide lock."""
    return clean_stale(runtime.settings)


def sweep_retention(runtime: Runtime) -> list[str]:
    """Queue the purge of every case whose retention period ended; returns their ids.
    A case whose purge is already waiting or running is left alone."""
    return _exclusively(runtime, _sweep_retention)


def _sweep_retention(runtime: Runtime) -> list[str]:
    with runtime.db() as db:
        due = db.scalars(select(Case.id).where(Case.purge_after <= utcnow(),
                                               Case.purged_at.is_(None))).all()
    queued = [case_id for case_id in due
              if not job_alive(runtime.redis, purge_job_id(case_id))]
    for case_id in queued:
        log.info("queueing the retention purge of case %s", case_id)
        enqueue_purge(runtime.settings, runtime.redis, case_id)
    return queued


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
            if clip.status is ClipStatus.queued and job_alive(
                    runtime.redis, clip.job_id, started_within_s=runtime.settings.stale_after_s):
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
