"""The former home of the analysis job, kept as a name only.

RQ stores a job as the dotted name of its function: jobs queued by a version
before the analysis moved to :mod:`worker.analysis_job` name
``worker.suggest_job.analyse_clip``, and a worker of this version must still
run them after an upgrade. Remove once no such job can be waiting (see
``core.queue.ANALYSE_CLIP.formerly``).
"""

from worker.analysis_job import analyse_clip

__all__ = ["analyse_clip"]
