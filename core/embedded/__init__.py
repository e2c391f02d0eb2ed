"""Local Redis and SeaweedFS for ``attune serve`` on embedded defaults.

A fresh install should run with nothing but ``pip install attune``: no system
Redis, no object store to set up. When ``ATTUNE_REDIS_URL`` or
``ATTUNE_S3_ENDPOINT`` is unset, ``attune serve`` starts the missing service as
a child process that keeps all of its state under ``ATTUNE_DATA_DIR``
(``redis/``, ``s3/``, ``logs/``), so backing up or moving a deployment means
copying one directory.

The children must never outlive the process that started them, whatever way
it ends (see :mod:`core.embedded.process`). Every listening port is chosen free
at start time (:mod:`core.embedded.ports`), so several data dirs (two
developers on one host, parallel test runs) can run side by side, and each
service dir is locked so two processes never share one
(:mod:`core.embedded.datadir`).

The package is split by concern; import the public names from here.
"""

from core.embedded.errors import EmbeddedServiceError
from core.embedded.ports import find_free_port
from core.embedded.process import (
    ManagedProcess,
    install_signal_handlers,
    stop_all,
)
from core.embedded.redis_server import RedisProcess, start_redis
from core.embedded.seaweedfs_server import SeaweedFSProcess, start_seaweedfs
from core.embedded.services import EmbeddedServices

__all__ = [
    "EmbeddedServiceError",
    "EmbeddedServices",
    "ManagedProcess",
    "RedisProcess",
    "SeaweedFSProcess",
    "find_free_port",
    "install_signal_handlers",
    "start_redis",
    "start_seaweedfs",
    "stop_all",
]
