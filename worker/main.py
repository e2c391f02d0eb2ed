"""Running a worker: an RQ worker on the deployment's queues, plus the sweeper
that rescues clips whose jobs were lost, queues due retention purges and
removes the scratch directories of killed jobs.

A killed worker takes its work with it: RQ runs each job in a forked "work
horse" in a process group of its own, so without more a ``kill -9`` of the
worker would leave the horse (and its ffmpeg) running the job unwatched,
while the sweeper queues the same clip again; RQ's scheduler process would
stay too. The horse and the scheduler therefore ask for SIGKILL when the
worker dies, and ffmpeg for the same when the horse dies
(:func:`core.lifetime.die_with_parent`): the job is simply lost, and
lost jobs are what the sweeper is for.
"""

from __future__ import annotations

import logging
import os
import threading

from rq import Queue, Worker
from rq.executions import Execution
from rq.job import Job

from core import logs, metrics
from core.db.session import get_sessionmaker
from core.lifetime import die_with_parent
from core.queue import KINDS, queue
from core.runtime import Runtime, get_runtime
from services.ingest.resumable import expire_stale
from worker.sweeper import sweep, sweep_retention, sweep_workdirs

log = logging.getLogger(__name__)


def _sweep_once(runtime: Runtime) -> None:
    """Housekeeping: lost transcode jobs, uploads nobody finished, and closed
    cases whose recordings are due for removal."""
    try:
        sweep_workdirs(runtime)
        sweep(runtime)
        expire_stale(runtime)
        sweep_retention(runtime)
    except Exception:  # keep sweeping; the next tick may succeed
        log.exception("sweep failed")


def _sweep_forever(runtime: Runtime, stop: threading.Event) -> None:
    while not stop.wait(runtime.settings.sweep_interval_s):
        _sweep_once(runtime)


def _children_die_with_worker() -> None:
    """Every process this worker forks (RQ's work horse, its scheduler) gets SIGKILL
    when the worker dies; what those fork in turn follows their own rules.

    Both are forked by the worker's main thread, which ends only with the
    worker, so the signal (sent when the forking *thread* ends) comes exactly
    when the worker is gone.
    """
    worker_pid = os.getpid()
    forked_by_worker = False

    def before() -> None:
        nonlocal forked_by_worker
        forked_by_worker = os.getpid() == worker_pid

    def in_child() -> None:
        if forked_by_worker:
            die_with_parent(worker_pid)

    os.register_at_fork(before=before, after_in_child=in_child)


class AttuneWorker(Worker):
    """RQ's worker, with each job's log lines carrying its id and the id of the
    request that queued it, and every finished job counted by outcome."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        with logs.job_context(job.id, job.meta.get("request_id")):
            succeeded = super().perform_job(job, queue, execution)
        metrics.job_done(get_runtime().settings, self.connection,
                         job.meta.get("kind", queue.name.rsplit(":", 1)[-1]), succeeded)
        return succeeded


def run_worker(runtime: Runtime, *, burst: bool = False, sweeper: bool = True) -> None:
    """Work jobs until stopped (or, with ``burst``, until the queue is empty).

    Starts by removing what killed jobs left on this machine's disk, so a
    restart after a crash leaves nothing of a family behind.
    """
    logs.configure(runtime.settings.log_format)
    sweep_workdirs(runtime)
    _children_die_with_worker()
    runtime.ensure_buckets()
    # The database driver, and everything a sweep imports, is imported now in
    # this one thread: a job is forked while the sweeper thread runs, and a
    # fork taken while another thread holds a module's import lock leaves the
    # job waiting for that lock forever (seen: the first sweep importing
    # psycopg as the first job was forked).
    get_sessionmaker(runtime.database_url)
    stop = threading.Event()
    if sweeper and not burst:
        _sweep_once(runtime)
        threading.Thread(target=_sweep_forever, args=(runtime, stop), daemon=True,
                         name="sweeper").start()
    try:
        worker = AttuneWorker([queue(runtime.settings, runtime.redis, kind)
                               for kind in KINDS], connection=runtime.redis)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        stop.set()
