"""The former home of the retention purge, kept as a name only.

RQ stores a job as the dotted name of its function: jobs queued by a version
before the purge moved to :mod:`worker.purge_job` name
``worker.purge.purge_case``, and a worker of this version must still run them
after an upgrade. Remove once no such job can be waiting (see
``core.queue.PURGE_CASE.formerly``).
"""

from worker.purge_job import purge_case

__all__ = ["purge_case"]
