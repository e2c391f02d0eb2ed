"""Running a worker: an RQ worker on the deployment's queues, plus the sweeper
that rescues clips whose jobs were lost and queues due retention purges."""

from __future__ import annotations

import logging
import threading

from rq import Worker

from core.queue import KINDS, queue
from core.runtime import Runtime
from services.ingest.resumable import expire_stale
from worker.sweeper import sweep, sweep_retention

log = logging.getLogger(__name__)


def _sweep_forever(runtime: Runtime, stop: threading.Event) -> None:
    """Periodic housekeeping: lost transcode jobs, uploads nobody finished, and
    closed cases whose recordings are due for removal."""
    while not stop.wait(runtime.settings.sweep_interval_s):
        try:
            sweep(runtime)
            expire_stale(runtime)
            sweep_retention(runtime)
        except Exception:  # keep sweeping; the next tick may succeed
            log.exception("sweep failed")


def run_worker(runtime: Runtime, *, burst: bool = False, sweeper: bool = True) -> None:
    """Work jobs until stopped (or, with ``burst``, until the queue is empty)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runtime.ensure_buckets()
    stop = threading.Event()
    if sweeper and not burst:
        threading.Thread(target=_sweep_forever, args=(runtime, stop), daemon=True,
                         name="sweeper").start()
    try:
        worker = Worker([queue(runtime.settings, runtime.redis, kind)
                         for kind in KINDS], connection=runtime.redis)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        stop.set()
