"""Service child processes that never outlive the process that started them.

Whatever way the parent ends, its children go with it:

* normal exit: every :class:`ManagedProcess` is stopped by an ``atexit`` hook;
* SIGTERM/SIGHUP: Python's default action skips ``atexit``, so the CLI
  installs :func:`install_signal_handlers` (or calls :func:`stop_all` from a
  handler of its own);
* SIGKILL or a crash: on Linux the children are started with
  ``PR_SET_PDEATHSIG=SIGTERM`` (:func:`core.lifetime.die_with_parent_hook`)
  so the kernel tells them when the parent dies.

Each child runs in its own session (process group), so a Ctrl+C in the
terminal reaches only ``attune serve``, which then shuts the services down in
order instead of having them die mid-write, and :meth:`ManagedProcess.stop`
can signal the whole group (including anything a service forked).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

from core.embedded.datadir import LOG_TAIL_LINES, DirLock, read_log_tail
from core.embedded.errors import EmbeddedServiceError
from core.embedded.ports import is_port_conflict
from core.lifetime import die_with_parent_hook

log = logging.getLogger(__name__)

# How often a service is started again after losing a port to another process.
START_ATTEMPTS = 3


def spawn(
    argv: list[str],
    *,
    log_handle: IO[bytes],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin_data: bytes | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start a service in its own session, logging to ``log_handle``, dying with us.

    ``stdin_data`` (a secret such as Redis' password) is written to stdin and
    closed, so it never appears in ``ps``.
    """
    popen = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=log_handle,
        stderr=subprocess.STDOUT,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=die_with_parent_hook(signal.SIGTERM),
        pass_fds=pass_fds,
        close_fds=True,
    )
    if stdin_data is not None and popen.stdin is not None:
        with contextlib.suppress(BrokenPipeError), popen.stdin:
            popen.stdin.write(stdin_data)
    return popen


def abandon(popen: subprocess.Popen[bytes]) -> None:
    """Kill a child that failed to start (it was never registered)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    popen.wait()


def startup_failure(name: str, why: str, log_path: Path, offset: int) -> EmbeddedServiceError:
    """The error for a service that did not come up, quoting its log for the operator."""
    tail = read_log_tail(log_path, offset, LOG_TAIL_LINES)
    detail = f"\n--- last lines of {log_path} ---\n{tail}" if tail else f" (log: {log_path})"
    return EmbeddedServiceError(f"{name} {why}{detail}")


_registry_lock = threading.RLock()
_running: list[ManagedProcess] = []
_atexit_installed = False


def wait_until_ready(
    name: str,
    popen: subprocess.Popen[bytes],
    log_path: Path,
    offset: int,
    *,
    probe: Callable[[], object],
    waiting_for: str,
    timeout: float,
    poll_s: float,
) -> bool:
    """Call ``probe`` until it stops raising: the service answers.

    Returns False when the child died because its port was taken in the
    meantime (the caller retries with fresh ports); raises a readable
    :class:`EmbeddedServiceError` with the log tail when it died otherwise or
    never answered. A child that is not ready is never left running.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    try:
        while True:
            if popen.poll() is not None:
                if is_port_conflict(read_log_tail(log_path, offset, 200)):
                    return False
                raise startup_failure(name, f"exited with code {popen.returncode}", log_path,
                                      offset)
            try:
                probe()
                return True
            except Exception as exc:  # refused, 503 while starting, LOADING, ...
                last_error = exc
            if time.monotonic() > deadline:
                abandon(popen)
                raise startup_failure(
                    name, f"{waiting_for} within {timeout:.0f} s ({last_error})", log_path,
                    offset)
            time.sleep(poll_s)
    except BaseException:
        if popen.returncode is None:
            abandon(popen)
        raise


def _register(process: ManagedProcess) -> None:
    global _atexit_installed
    with _registry_lock:
        _running.append(process)
        if not _atexit_installed:
            atexit.register(stop_all)
            _atexit_installed = True


def _unregister(process: ManagedProcess) -> None:
    with _registry_lock, contextlib.suppress(ValueError):
        _running.remove(process)


def stop_all(timeout: float = 10.0) -> None:
    """Stop every service started by this process, newest first.

    Registered with ``atexit``; call it from SIGTERM/SIGHUP handlers too,
    since Python does not run ``atexit`` hooks when a signal kills it.
    """
    with _registry_lock:
        processes = list(reversed(_running))
    for process in processes:
        try:
            process.stop(timeout)
        except Exception:
            log.exception("stopping %s failed", process.name)


def install_signal_handlers(
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGHUP),
) -> None:
    """Turn ``signals`` into ``SystemExit(128 + signum)`` in the main thread.

    Python's default action for SIGTERM (what systemd, Docker and ``kill``
    send) ends the process without unwinding: no ``finally``, no ``with``
    exit, no ``atexit``, so the services would be left running. Raising
    ``SystemExit`` instead unwinds the stack, so the caller's cleanup runs in
    its own order (e.g. ``attune serve`` stops its worker before the queue it
    uses), and the ``atexit`` hook then runs :func:`stop_all` for anything
    left. Call from the main thread before starting services.

    Install it before ``uvicorn.run``: uvicorn captures SIGTERM while serving
    and re-raises it after its graceful shutdown with the handler that was in
    place before, which without this is the default action.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    for sig in signals:
        signal.signal(sig, handler)


class ManagedProcess:
    """A service child process that is stopped with its parent.

    Started in its own session, so ``stop`` can signal the process group
    (the service and anything it forked, e.g. Redis' AOF rewrite child).
    Registered on creation so :func:`stop_all` and ``atexit`` find it.
    """

    def __init__(
        self,
        name: str,
        popen: subprocess.Popen[bytes],
        log_path: Path,
        *,
        log_offset: int = 0,
        dir_lock: DirLock | None = None,
    ) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self._log_offset = log_offset
        self._dir_lock = dir_lock
        self._lock = threading.RLock()
        self._stopped = False
        _register(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} pid={self.pid} running={self.is_running()}>"

    def _leader_exited(self) -> bool:
        """Whether the main process has exited, without reaping it.

        Leaving the zombie in place keeps its pid (= process group id)
        reserved, so signalling the group afterwards can never hit an
        unrelated process that reused the number.
        """
        if self.popen.returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, self.popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    def is_running(self) -> bool:
        """Whether the service process is still alive."""
        return not self._leader_exited()

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.popen.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds.

        SIGTERM first so Redis fsyncs its AOF and SeaweedFS flushes its
        indexes; whatever is left afterwards (a hung service or a forked
        helper) is killed so nothing outlives the parent. Idempotent; returns
        the exit code.
        """
        with self._lock:
            if self._stopped:
                return self.popen.returncode
            self._signal_group(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while not self._leader_exited() and time.monotonic() < deadline:
                time.sleep(0.05)
            if not self._leader_exited():
                log.warning("%s did not stop within %.0f s; killing it", self.name, timeout)
            self._signal_group(signal.SIGKILL)
            returncode = self.popen.wait()
            self._stopped = True
            if self._dir_lock is not None:
                self._dir_lock.close()
            _unregister(self)
            log.info("%s stopped (exit code %s)", self.name, returncode)
            return returncode

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines this run wrote to its log file."""
        return read_log_tail(self.log_path, self._log_offset, lines)
