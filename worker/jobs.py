"""The former home of the transcode job, kept as a name only.

RQ stores a job as the dotted name of its function: jobs queued by a version
before the transcode moved to :mod:`worker.transcode_job` name
``worker.jobs.transcode_clip``, and a worker of this version must still run
them after an upgrade. Remove once no such job can be waiting (see
``core.queue.TRANSCODE_CLIP.formerly``).
"""

from worker.transcode_job import transcode_clip

__all__ = ["transcode_clip"]
