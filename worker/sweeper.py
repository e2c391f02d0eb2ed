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
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select

from core.db.models import Case, Clip, ClipStatus, Playlist, PlaylistStatus, utcnow
from core.queue import enqueue_purge, enqueue_transcode, job_alive, purge_job_id
from core.runtime import Runtime
from core.workdir import clean_stale

log = logging.getLogger(__name__)

#: After this many lost attempts the clip is failed instead of queued again.
MAX_ATTEMPTS = 5
#: A row a job works on: a clip (transcoded) or a playlist (rendered).
Row = TypeVar("Row", Clip, Playlist)


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
    return _exclusively(runtime, lambda rt: _sweep_clips(rt) + _sweep_renders(rt))


def _rescue(runtime: Runtime, model: type[Row], *, working: StrEnum,
            waiting: StrEnum | None = None, alive: Callable[[Row], bool],
            rescue: Callable[[Row], None]) -> list[str]:
    """``rescue`` every row of ``model`` whose job is lost; returns their ids.

    Lost is: untouched for ``stale_after_s``, and either ``working`` with a
    heartbeat that stopped, or ``waiting`` (for a job to take it), and in both
    cases not ``alive`` by what the queue says of its job.
    """
    cutoff = utcnow() - timedelta(seconds=runtime.settings.stale_after_s)
    stopped = or_(model.heartbeat_at.is_(None), model.heartbeat_at < cutoff)
    lost: ColumnElement[bool] = (model.status == working) & stopped
    if waiting is not None:
        lost = or_(model.status == waiting, lost)
    touched: list[str] = []
    with runtime.db() as db:
        for row in db.scalars(select(model).where(lost, model.updated_at < cutoff)).all():
            if alive(row):
                continue
            touched.append(row.id)
            rescue(row)
    return touched


def _sweep_renders(runtime: Runtime) -> list[str]:
    """A playlist render whose job is gone and whose heartbeat stopped is failed
    with a reason: rendering is quick and started by a person, who can simply
    render again (the moments already rendered are reused)."""

    def fail(row: Playlist) -> None:
        row.status, row.error_code = PlaylistStatus.failed, "render_lost"
        row.error = ("Rendering stopped unexpectedly (the worker was interrupted). "
                     "Render again; moments already rendered are reused.")
        log.warning("render of playlist %s was lost", row.id)

    return _rescue(runtime, Playlist, working=PlaylistStatus.rendering,
                   alive=lambda row: job_alive(runtime.redis, row.job_id), rescue=fail)


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


def _sweep_clips(runtime: Runtime) -> list[str]:
    """A clip waiting for a transcode that no job will run, or being transcoded
    by a job that stopped, is queued again; after :data:`MAX_ATTEMPTS` lost
    attempts it is failed with a reason instead of looping forever."""

    def waits_for_a_live_job(clip: Clip) -> bool:
        return clip.status is ClipStatus.queued and job_alive(
            runtime.redis, clip.job_id, started_within_s=runtime.settings.stale_after_s)

    def queue_again(clip: Clip) -> None:
        if clip.attempts >= MAX_ATTEMPTS:
            clip.status = ClipStatus.failed
            clip.error_code = "lost_repeatedly"
            clip.error = ("Processing was interrupted too many times. "
                          "Upload the recording again or contact support.")
            return
        attempt = clip.attempts + 1
        clip.status = ClipStatus.queued
        clip.progress = 0.0
        log.warning("re-queueing clip %s (lost job, attempt %d)", clip.id, attempt)
        clip.job_id = enqueue_transcode(runtime.settings, runtime.redis, clip.id, attempt,
                                        clip.duration_s)

    return _rescue(runtime, Clip, working=ClipStatus.processing, waiting=ClipStatus.queued,
                   alive=waits_for_a_live_job, rescue=queue_again)
