"""Scratch space for a job on the worker's disk, and removing what dead jobs left.

A job's scratch directory holds a family's recording in pieces: thumbnails,
gray frames, PCM sound, init segments. A job removes it when it ends, but a
worker killed with SIGKILL (out of memory, a host that stops a container,
an operator) runs no cleanup at all, and the directory would stay forever.

So every scratch directory lives under one root per data dir
(``<data_dir>/tmp``) and its owner holds an exclusive ``flock`` on it for as
long as it lives. The kernel drops a ``flock`` when the process that holds it
dies, however it dies, so a cleaner that *can* take the lock knows for certain
that nobody uses the directory any more; one that cannot leaves it alone.
No pid that may have been reused, no clock, no guess. Several workers on one
machine share the root safely, and each worker cleans it when it starts and
on every sweeper pass (every worker: a machine's disk is its own, unlike the
database the sweeper otherwise looks at).

Creating a directory and locking it are two steps; a cleaner in between would
see an unlocked directory. Creators therefore hold a shared lock on the root
while they do both, and a cleaner decides under an exclusive one. It renames
what is stale to a ``.stale-`` name and removes those after letting go of the
root, so a large directory never keeps a new job waiting.

The root must be on a local file system (``flock`` over NFS is not reliable).
Directory names carry the kind of job and the pid that made it, for whoever
looks at the disk; the lock alone decides.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from core.config import Settings
from core.queue import transcode_timeout
from core.runtime import Runtime

log = logging.getLogger(__name__)

STALE_PREFIX = ".stale-"
#: ``<kind>.<pid>.<random>``: made by this module, owned while locked.
_OWNED = re.compile(r"^[a-z]+\.\d+\.[A-Za-z0-9_]+$")
#: ``<kind>-<random>``: made by versions that took no lock.
_UNLOCKED = re.compile(r"^(transcode|analyse|render)-[A-Za-z0-9_]{8}$")


def work_root(settings: Settings) -> Path:
    """The one directory under which every job's scratch space is made."""
    root = settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


class Workdir:
    """A private scratch directory that is always removed, whatever happens.

    Removed on exit by the job itself; if the process is killed instead, by
    the next :func:`clean_stale` on the same machine.
    """

    def __init__(self, runtime: Runtime, kind: str = "transcode") -> None:
        root = work_root(runtime.settings)
        with _root_lock(root, fcntl.LOCK_SH):
            self.path = Path(tempfile.mkdtemp(prefix=f"{kind}.{os.getpid()}.", dir=root))
            self._fd: int | None = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.close()

    def close(self) -> None:
        """Let go of the directory (after removing it)."""
        if self._fd is not None:
            # Unlock explicitly: a process forked meanwhile shares the open file
            # and would otherwise keep the lock after this one closes it.
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def clean_stale(settings: Settings) -> list[str]:
    """Remove the scratch directories of jobs whose process is gone; returns their names.

    Safe to run at any time from any process: a live job's directory is locked
    and stays. Directories from versions that took no lock are removed once
    they are older than any job may run.
    """
    root = work_root(settings)
    removed: list[str] = []
    unlocked_before = time.time() - _longest_job_s(settings)
    with _root_lock(root, fcntl.LOCK_EX):
        for entry in os.scandir(root):
            if entry.name.startswith(STALE_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            if _OWNED.match(entry.name):
                stale = _nobody_holds(Path(entry.path))
            elif _UNLOCKED.match(entry.name):
                stale = entry.stat(follow_symlinks=False).st_mtime < unlocked_before
            else:
                continue  # not made by a job; not ours to judge
            if stale:
                os.rename(entry.path, root / f"{STALE_PREFIX}{entry.name}")
                removed.append(entry.name)
    for entry in os.scandir(root):  # also what a cleaner killed halfway left
        if entry.name.startswith(STALE_PREFIX):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
    for name in removed:
        log.warning("removed the scratch directory %s left by a job that was killed", name)
    return removed


def _nobody_holds(path: Path) -> bool:
    """True when no live process holds the directory's lock (so it is free to go).

    Called with the root locked exclusively, so nobody can be between making
    a directory and locking it. The lock taken here is held until the caller
    renamed the directory: it is released when this returns, which is fine,
    because nobody locks a directory it did not make itself.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False  # its owner removed it just now
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    return True


@contextlib.contextmanager
def _root_lock(root: Path, mode: int) -> Iterator[None]:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, mode)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)  # shared with any process forked meanwhile
    finally:
        os.close(fd)


def _longest_job_s(settings: Settings) -> float:
    """No job runs longer than this: the longest recording's timeout plus RQ's margin."""
    return transcode_timeout(settings, settings.max_duration_s) + 2 * 3600
