"""What a service keeps under ``ATTUNE_DATA_DIR``: its directory, lock and log.

Each service gets a private directory (``redis/``, ``s3/``) that is locked so
two processes never share one, and appends to ``logs/<name>.log``, marking
where each run starts so errors quote only this run's lines.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

from core.embedded.errors import EmbeddedServiceError

LOG_TAIL_LINES = 25


def prepare_dir(path: Path) -> Path:
    """Create ``path`` readable by this user only: it holds data and credentials."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class DirLock:
    """An exclusive ``flock`` on a service directory, shared with the child.

    The lock file descriptor is passed to the child, so the directory stays
    locked as long as either the parent or the service lives: a new start
    fails with a clear message instead of a second server writing to the same
    files, even if an earlier service survived its parent.
    """

    def __init__(self, directory: Path, service: str) -> None:
        path = directory / ".attune.lock"
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise EmbeddedServiceError(
                f"{directory} is in use by another {service} (lock {path} is held): stop the "
                "other 'attune serve' on this data dir (or a service it left running), "
                "or choose another ATTUNE_DATA_DIR"
            ) from None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def open_log(data_dir: Path, name: str, argv: list[str]) -> tuple[Path, int, IO[bytes]]:
    """Open ``<data_dir>/logs/<name>.log`` for appending, marking where this run starts."""
    path = prepare_dir(data_dir / "logs") / f"{name}.log"
    handle = path.open("ab")
    offset = handle.tell()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    handle.write(f"\n=== {stamp} attune starting: {' '.join(argv)}\n".encode())
    handle.flush()
    return path, offset, handle


def read_log_tail(path: Path, offset: int, lines: int) -> str:
    """The last ``lines`` lines written since ``offset``, so errors quote only this run."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(offset, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])
