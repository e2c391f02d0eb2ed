"""Child processes that end with the process that started them.

A process killed with SIGKILL (``kill -9``, the OOM killer) runs no ``finally``
and no ``atexit``: whatever it started lives on. For a worker that means an
ffmpeg decoding a baby's recording into a scratch directory nobody will read;
for ``attune serve`` a Redis or S3 server nobody stops. On Linux the kernel can
signal a child when its parent goes (``PR_SET_PDEATHSIG``); elsewhere this is a
no-op and children live until they finish.

The kernel sends the signal when the *thread* that forked the child ends, so a
child must be started from a thread that lives as long as the child should.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up once (never in a freshly forked child)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


_prctl = _load_prctl()


def die_with_parent(parent_pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    """In a child right after the fork: get ``sig`` when the parent goes, and act
    on it now if the parent already went (between the fork and this call)."""
    if _prctl is None:
        return
    # A refusal (never seen on Linux) leaves the child as it was: the work it
    # does is still right, it merely would not end with its parent.
    if _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0 and os.getppid() != parent_pid:
        if sig is signal.SIGKILL:
            os._exit(127)  # nobody waits for this work any more
        os.kill(os.getpid(), sig)


def die_with_parent_hook(sig: signal.Signals = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :func:`die_with_parent` in a ``subprocess`` child, or
    None where there is no such signal. It makes two system calls through a libc
    loaded before the fork and takes no lock, so it is safe in a child forked
    from a process with threads."""
    if _prctl is None:
        return None
    parent_pid = os.getpid()

    def hook() -> None:
        die_with_parent(parent_pid, sig)

    return hook
