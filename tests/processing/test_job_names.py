"""Jobs are queued by name (the API does not import the worker): every name
the API queues, and every name an older version queued, finds the function
that runs the job in a worker of this version."""

from __future__ import annotations

from rq.utils import import_attribute

from core import queue


def test_every_job_name_finds_the_function_marked_to_run_it() -> None:
    for job in queue.JOBS:
        function = import_attribute(job.function)
        assert queue.RUNNERS.get(job.function) is function, job.function
        for former in job.formerly:
            assert import_attribute(former) is function, former


def test_every_job_waits_in_a_queue_the_worker_serves() -> None:
    assert {job.kind for job in queue.JOBS} == set(queue.KINDS)
