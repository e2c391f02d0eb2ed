"""The embedded Redis: the job queue when ``ATTUNE_REDIS_URL`` is unset.

Named ``redis_server`` (the program it runs) so it is never mistaken for the
``redis`` client package it uses.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.embedded.datadir import DirLock, open_log, prepare_dir
from core.embedded.errors import EmbeddedServiceError
from core.embedded.ports import LOCALHOST, find_free_port
from core.embedded.process import (
    START_ATTEMPTS,
    ManagedProcess,
    spawn,
    wait_until_ready,
)

log = logging.getLogger(__name__)

REDIS_READY_TIMEOUT_S = 15.0


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
        dir_lock: DirLock | None = None,
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
        return f"redis://:{self._password}@{LOCALHOST}:{self.port}/0"


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
    redis_dir = prepare_dir(data_dir / "redis")
    dir_lock = DirLock(redis_dir, "redis-server")
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            process = _try_start_redis(executable, data_dir, redis_dir, dir_lock, timeout)
            if process is not None:
                return process
            log.info("redis-server lost its port to another process; retry %d", attempt)
        raise EmbeddedServiceError(
            f"redis-server could not bind a free port after {START_ATTEMPTS} attempts"
        )
    except BaseException:
        dir_lock.close()
        raise


def _try_start_redis(
    executable: str, data_dir: Path, redis_dir: Path, dir_lock: DirLock, timeout: float
) -> RedisProcess | None:
    port = find_free_port()
    password = secrets.token_urlsafe(32)
    argv = [
        executable,
        "-",  # read the config (the password) from stdin
        "--port", str(port),
        "--bind", LOCALHOST,
        "--dir", str(redis_dir),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
    ]  # fmt: skip
    log_path, offset, log_handle = open_log(data_dir, "redis", argv)
    with log_handle:
        popen = spawn(
            argv,
            log_handle=log_handle,
            cwd=redis_dir,
            stdin_data=f"requirepass {password}\n".encode(),
            pass_fds=(dir_lock.fd,),
        )
    client = redis.Redis(
        host=LOCALHOST,
        port=port,
        password=password,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        retry=Retry(NoBackoff(), 0),  # this loop retries; redis-py's backoff would slow it
    )
    try:
        ready = wait_until_ready(
            "redis-server", popen, log_path, offset, probe=client.ping,
            waiting_for=f"did not answer PING on port {port}", timeout=timeout, poll_s=0.05)
    finally:
        client.close()
    if not ready:
        return None
    log.info("redis-server running on %s:%d (pid %d)", LOCALHOST, port, popen.pid)
    return RedisProcess(
        popen, log_path, port=port, password=password, log_offset=offset, dir_lock=dir_lock
    )
