"""Does Attune scale out, and survive losing a process? The production shape on loopback.

Starts, as separate processes on 127.0.0.1 and nothing embedded:

- PostgreSQL: a fresh database on the running server, migrated by its owner;
  the APIs and workers connect as an application role made by ``attune db
  grant`` (both dropped at the end);
- Redis: a ``redis-server`` of its own on a free port (AOF, password);
- SeaweedFS: ``weed master``, two ``weed volume``, ``weed filer`` and ``weed s3``
  with an identity file (one access key, no anonymous access);
- two ``attune api`` on different ports, each behind its own nginx with the
  production configuration (deploy/nginx/attune.conf.template: the API checks
  and logs, nginx streams media from the store), and three ``attune worker``;
  ``--relay`` leaves nginx out and the APIs relay media bytes themselves.

Then, every step bounded in count and time:

1. **uploads**: 20 phone recordings (720p H.264 + AAC, 10-15 s, each one
   unique) over tus with tuspy, five phones at a time. Every request goes to
   a random API that is up, as a load balancer without stickiness would send
   it (an API whose connection failed is left out until its health check
   answers). Five uploads are cut off in the middle of a request and resumed
   by a new client that knows only the upload's URL, on the other API. In the
   middle of it, one worker is killed -9 while it transcodes, and one API is
   killed -9 and started again; a request that fails is retried on an API
   that is up, from the offset the server reports.
2. **processing**: until every clip is ready (the killed worker's clip comes
   back through the sweeper).
3. **viewing**: first one viewer on each API and as many on S3 (light load), then
   50 viewers (httpx + asyncio), half on each API, each playing
   ready clips one after the other: master playlist, the 720p media playlist,
   the init segment and every media segment in two Range requests. Rounds
   alternate with the same 50 viewers reading the same objects straight from
   the S3 gateway (presigned URLs), the baseline.

Prints uploads completed / started and whether each stored original's SHA-256
is the source's, clips ready, time to ready, playlist latency p50/p99 and
segment throughput per API against the S3 gateway per round, the CPU seconds
of every process per round, and every error. Stops and removes everything it
started at the end, also on Ctrl-C or a failure.

    .venv/bin/python bench/cluster.py [--uploads 20] [--viewers 50] [--rounds 3] [--round-s 20]
                                      [--relay]

The sweeper runs every 5 s and takes a job as lost after 30 s without a
heartbeat (production: 30 s and 180 s), so the killed worker's clip comes
back within the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from front import write_config
from minio import Minio
from redis import Redis
from rq import Worker as RqWorker
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from core.embedded import ManagedProcess, find_free_port, install_signal_handlers, start_redis
from core.embedded.datadir import open_log
from core.embedded.process import spawn, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
LOCAL = "127.0.0.1"
PG_ADMIN_URL = os.environ.get("ATTUNE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MIB = 1024 * 1024
#: Bytes per tus PATCH: half a server part (8 MiB), so requests end mid-part as
#: a phone's often do and the server keeps the rest as a tail.
CHUNK = 4 * MIB
PASSWORD = "load test of the cluster"
S3_KEY, S3_SECRET = "attune-cluster", secrets.token_urlsafe(24)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

#: Bounds on every wait, in seconds.
START_S = 90
UPLOAD_S = 600
READY_S = 900
CHAOS_WAIT_S = 240


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- sources -------------------------------------------------------------------

def make_bases(work: Path) -> list[Path]:
    """Three phone-like recordings: 720p30 H.264 at ~6 Mb/s with AAC, landscape
    and portrait, 10-15 s."""
    bases = []
    for seconds, (w, h) in ((10, (1280, 720)), (12, (720, 1280)), (15, (1280, 720))):
        path = work / f"base-{seconds}s-{w}x{h}.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-nostdin",
             "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=30:duration={seconds}",
             "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
             "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "6M", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(path)],
            check=True, timeout=300)  # fmt: skip
        bases.append(path)
    return bases


def make_sources(work: Path, bases: list[Path], count: int) -> list[Path]:
    """``count`` different files: a base recording followed by an MP4 ``free`` box
    of random bytes (still a valid file; a misplaced byte changes its SHA-256)."""
    sources = []
    for i in range(count):
        path = work / f"phone-{i:02d}.mp4"
        padding = os.urandom(random.randint(64, 512) * 1024)
        path.write_bytes(bases[i % len(bases)].read_bytes()
                         + struct.pack(">I", len(padding) + 8) + b"free" + padding)
        sources.append(path)
    return sources


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- processes -----------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children, running or waited for
    (nginx's worker, RQ's work horse)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS + sum(map(cpu_seconds, children))


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        model = next((line.split(":", 1)[1].strip() for line in fh
                      if line.startswith("model name")), "?")
    with open("/proc/meminfo") as fh:
        mem_kib = int(fh.readline().split()[1])
    return (f"{os.cpu_count()} vCPU {model}, {mem_kib / 1024**2:.0f} GiB, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass
class Service:
    name: str
    process: ManagedProcess
    port: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid


class Cluster:
    """Every process of the production shape, started in order and stopped in reverse."""

    def __init__(self, work: Path) -> None:
        self.work = work
        run = secrets.token_hex(4)
        self.db_name = f"attune_cluster_{run}"
        self.role = f"attune_cluster_{run}"
        self.role_password = secrets.token_urlsafe(16)
        self.services: list[Service] = []
        self.apis: dict[str, Service] = {}
        #: Each API's nginx, by the API's name (none with ``front=False``).
        self.fronts: dict[str, Service] = {}
        self.workers: dict[str, Service] = {}
        self.front = True
        self.env: dict[str, str] = {}
        self.s3_endpoint = ""
        self.redis_url = ""
        self._db_made = self._role_made = False

    # -- start --------------------------------------------------------------
    def start(self, apis: int, workers: int, front: bool = True) -> None:
        self.front = front
        self._database()
        redis = start_redis(self.work)
        self.services.append(Service("redis-server", redis, redis.port))
        self.redis_url = redis.url
        self._seaweedfs()
        self.env = self._attune_env()
        owner = {**self.env, "ATTUNE_DATABASE_URL": self._pg_url("postgres", None),
                 "ATTUNE_APP_DB_PASSWORD": self.role_password}
        # What compose's migrate service does: migrations and grants as the owner.
        for args in (["db", "upgrade"], ["db", "grant", self.role]):
            subprocess.run([sys.executable, "-m", "attune.cli", *args], env=owner, check=True,
                           cwd=ROOT, stdout=subprocess.DEVNULL, timeout=120)
        self._role_made = True
        for i in range(1, apis + 1):
            self.start_api(f"api-{i}", find_free_port())
            if front:
                self._front(f"api-{i}")
        for i in range(1, workers + 1):
            self._attune(f"worker-{i}", ["worker"])
        self._wait_for_workers(workers)

    def _pg_url(self, user: str, password: str | None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgresql+psycopg://{auth}@{LOCAL}:5432/{self.db_name}"

    def _database(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_made = True

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], cwd: Path,
               probe: Callable[[], object], port: int = 0) -> Service:
        log_path, offset, handle = open_log(self.work, name, argv)
        with handle:
            popen = spawn(argv, log_handle=handle, env=env, cwd=cwd)
        service = Service(name, ManagedProcess(name, popen, log_path, log_offset=offset), port)
        self.services.append(service)
        if not wait_until_ready(name, popen, log_path, offset, probe=probe,
                                waiting_for=f"{name} not ready", timeout=START_S, poll_s=0.2):
            raise RuntimeError(f"{name} lost its port to another process; run again")
        return service

    def _seaweedfs(self) -> None:
        weed = str(Path(sys.executable).parent / "weed")
        env = {k: v for k, v in os.environ.items()
               if k not in ("S3_BUCKET", "S3_TABLE_BUCKET", "S3_EXTERNAL_URL")}
        s3dir = self.work / "s3"
        bind = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]

        def port_pair() -> tuple[int, int]:
            return find_free_port(), find_free_port()

        def http_ok(url: str) -> Callable[[], object]:
            return lambda: httpx.get(url, timeout=2).raise_for_status()

        mport, mgrpc = port_pair()
        mdir = s3dir / "master"
        mdir.mkdir(parents=True)
        master = f"{LOCAL}:{mport}.{mgrpc}"
        self._spawn("weed-master", [weed, "-logtostderr", "master", *bind, f"-port={mport}",
                                    f"-port.grpc={mgrpc}", f"-mdir={mdir}", "-peers=none",
                                    "-telemetry=false", "-volumeSizeLimitMB=256",
                                    "-volumePreallocate=false"],
                    env, mdir, http_ok(f"http://{LOCAL}:{mport}/cluster/status"), mport)
        volume_ports = []
        for i in (1, 2):
            vport, vgrpc = port_pair()
            vdir = s3dir / f"volume-{i}"
            vdir.mkdir()
            self._spawn(f"weed-volume-{i}", [weed, "-logtostderr", "volume", *bind,
                                             f"-port={vport}", f"-port.grpc={vgrpc}",
                                             f"-dir={vdir}", f"-master={master}", "-max=0",
                                             "-preStopSeconds=0"],
                        env, vdir, http_ok(f"http://{LOCAL}:{vport}/status"), vport)
            volume_ports.append(vport)

        def both_volumes_joined() -> None:
            topology = httpx.get(f"http://{LOCAL}:{mport}/dir/status", timeout=2).text
            missing = [p for p in volume_ports if f":{p}" not in topology]
            if missing:
                raise RuntimeError(f"volume servers {missing} not in the topology yet")

        _bounded_wait(both_volumes_joined, START_S, "both volume servers joining the master")
        fport, fgrpc = port_pair()
        fdir = s3dir / "filer"
        fdir.mkdir()
        self._spawn("weed-filer", [weed, "-logtostderr", "filer", *bind, f"-port={fport}",
                                   f"-port.grpc={fgrpc}", f"-master={master}",
                                   f"-defaultStoreDir={fdir}",
                                   f"-localSocket={fdir / 'filer.sock'}"],
                    env, fdir, http_ok(f"http://{LOCAL}:{fport}/"), fport)
        identities = s3dir / "s3.json"
        fd = os.open(identities, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"identities": [{
                "name": "attune",
                "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, out)
        sport, sgrpc = port_pair()
        self.s3_endpoint = f"{LOCAL}:{sport}"
        s3 = Minio(self.s3_endpoint, access_key=S3_KEY, secret_key=S3_SECRET, secure=False)
        self._spawn("weed-s3", [weed, "-logtostderr", "s3", *bind, f"-port={sport}",
                                f"-port.grpc={sgrpc}", f"-filer={LOCAL}:{fport}.{fgrpc}",
                                f"-config={identities}", "-port.iceberg=0", "-port.lance=0",
                                f"-localSocket={s3dir / 's3.sock'}"],
                    env, s3dir, s3.list_buckets, sport)

    def _attune_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
        env.update(
            ATTUNE_DATABASE_URL=self._pg_url(self.role, self.role_password),
            ATTUNE_REDIS_URL=self.redis_url,
            ATTUNE_S3_ENDPOINT=self.s3_endpoint,
            ATTUNE_S3_ACCESS_KEY=S3_KEY,
            ATTUNE_S3_SECRET_KEY=S3_SECRET,
            ATTUNE_SECRET_KEY=secrets.token_urlsafe(48),
            ATTUNE_LOG_FORMAT="json",
            ATTUNE_SWEEP_INTERVAL_S="5",
            ATTUNE_STALE_AFTER_S="30",
            ATTUNE_PASSWORD=PASSWORD,
        )
        if self.front:
            env["ATTUNE_STORE_PROXY"] = "/_store/"
        return env

    def _attune(self, name: str, args: list[str], port: int = 0,
                probe: Callable[[], object] | None = None) -> Service:
        # Each process its own data dir, as each container has its own disk.
        env = {**self.env, "ATTUNE_DATA_DIR": str(self.work / "data" / name)}
        argv = [sys.executable, "-m", "attune.cli", *args]
        service = self._spawn(name, argv, env, ROOT, probe or (lambda: None), port)
        (self.apis if name.startswith("api") else self.workers)[name] = service
        return service

    def start_api(self, name: str, port: int) -> Service:
        url = f"http://{LOCAL}:{port}"
        return self._attune(name, ["api", "--host", LOCAL, "--port", str(port)], port,
                            lambda: httpx.get(f"{url}/api/health/ready",
                                              timeout=3).raise_for_status())

    def _front(self, api: str) -> None:
        """The API's own nginx, as compose's front service, on a port of its own."""
        port = find_free_port()
        argv = write_config(self.work / f"nginx-{api}", port, [f"{LOCAL}:{self.apis[api].port}"],
                            self.s3_endpoint)
        url = f"http://{LOCAL}:{port}"
        self.fronts[api] = self._spawn(f"nginx-{api}", argv, self.env, self.work,
                                       lambda: httpx.get(f"{url}/api/health",
                                                         timeout=3).raise_for_status(), port)

    def restart_api(self, name: str) -> Service:
        old = self.apis[name]
        old.process.stop(timeout=5)
        self.services.remove(old)
        return self.start_api(name, old.port)

    def api_url(self, name: str) -> str:
        """Where clients reach an API: its nginx, or the API itself with ``--relay``."""
        entry = self.fronts.get(name) or self.apis[name]
        return f"http://{LOCAL}:{entry.port}"

    def redis(self) -> Redis:
        return Redis.from_url(self.redis_url)

    def _wait_for_workers(self, count: int) -> None:
        pids = {w.pid for w in self.workers.values()}

        def registered() -> None:
            with self.redis() as r:
                found = {w.pid for w in RqWorker.all(connection=r)} & pids
            if len(found) < count:
                raise RuntimeError(f"{len(found)} of {count} workers registered")

        _bounded_wait(registered, START_S, "the workers registering with RQ")

    # -- stop ---------------------------------------------------------------
    def stop(self) -> None:
        for service in reversed(self.services):
            try:
                # The filer waits a while for the S3 gateway that has gone already.
                service.process.stop(timeout=3 if service.name == "weed-filer" else 10)
            except Exception as exc:
                print(f"stopping {service.name} failed: {exc}", file=sys.stderr)
        self.services.clear()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            if self._db_made:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            if self._role_made:
                conn.execute(f'DROP ROLE IF EXISTS "{self.role}"')


def _bounded_wait(check: Callable[[], object], timeout: float, what: str,
                  poll_s: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"gave up waiting for {what} after {timeout:.0f} s: "
                                   f"{exc}") from None
        time.sleep(poll_s)


# -- routing ---------------------------------------------------------------------

class Balancer:
    """What a load balancer without sticky sessions does: every request to a random
    API that is up; an API whose connection failed is out until its health check
    answers again (checked every 0.25 s)."""

    def __init__(self, cluster: Cluster, stop: threading.Event) -> None:
        self.cluster = cluster
        self.names = sorted(cluster.apis)
        self._down: set[str] = set()
        self._lock = threading.Lock()
        self._stop = stop
        self.in_flight: Counter[str] = Counter()
        self._checker = threading.Thread(target=self._check_down, daemon=True)
        self._checker.start()

    def pick(self, avoid: str | None = None) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self._lock:
                up = [n for n in self.names if n not in self._down]
            preferred = [n for n in up if n != avoid] or up
            if preferred:
                return random.choice(preferred)
            time.sleep(0.1)
        raise RuntimeError("no API has been up for 60 s")

    def down(self, name: str) -> None:
        with self._lock:
            self._down.add(name)

    def url(self, name: str) -> str:
        return self.cluster.api_url(name)

    @contextlib.contextmanager
    def request(self, name: str) -> Iterator[None]:
        with self._lock:
            self.in_flight[name] += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight[name] -= 1

    def _check_down(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                down = list(self._down)
            for name in down:
                with contextlib.suppress(httpx.HTTPError, KeyError):
                    if httpx.get(f"{self.url(name)}/api/health", timeout=1).status_code == 200:
                        with self._lock:
                            self._down.discard(name)


def on_api(base: str, url: str) -> str:
    """The same resource on another API."""
    return base + urlsplit(url).path


# -- uploads ---------------------------------------------------------------------

@dataclass
class Upload:
    index: int
    source: Path
    sha256: str
    size: int
    case_id: str
    interrupt: bool
    url: str | None = None
    clip_id: str | None = None
    completed_at: float | None = None
    ready_at: float | None = None
    status: str = "not started"
    apis: Counter[str] = field(default_factory=Counter)
    interrupted_on: str | None = None
    resumed_on: str | None = None
    stored_sha256: str | None = None


@dataclass
class Failure:
    """A request that failed: when, on which API, what happened."""

    at: float
    api: str
    method: str
    what: str
    expected: bool = False


class _Cut(Exception):
    """The phone lost its connection in the middle of a request."""


class Uploads:
    """Phones uploading recordings over tus (tuspy), each request to a random API."""

    def __init__(self, cluster: Cluster, balancer: Balancer, token: str,
                 stop: threading.Event, t0: float) -> None:
        self.cluster, self.balancer, self.stop, self.t0 = cluster, balancer, stop, t0
        self.headers = {"Authorization": f"Bearer {token}"}
        self.failures: list[Failure] = []
        self.requests: Counter[tuple[str, str]] = Counter()
        self.completed = 0
        self.lock = threading.Lock()
        #: When the killed API went down and came back (set by the chaos).
        self.kill_window: tuple[float, float] | None = None

    def _failed(self, api: str, method: str, exc: Exception) -> None:
        status = getattr(exc, "status_code", None)
        what = f"HTTP {status}" if status else f"{type(exc).__name__}: {exc}"[:200]
        if status is None or status in (502, 503, 504):  # nothing, or nginx without its API
            self.balancer.down(api)
        with self.lock:
            self.failures.append(Failure(time.monotonic(), api, method, what))

    def _count(self, api: str, method: str, upload: Upload) -> None:
        upload.apis[api] += 1
        with self.lock:
            self.requests[(api, method)] += 1

    def run(self, upload: Upload) -> None:
        deadline = time.monotonic() + UPLOAD_S
        upload.status = "uploading"
        api = self.balancer.pick()
        uploader = tus.TusClient(f"{self.balancer.url(api)}/api/uploads/",
                                 headers=self.headers).uploader(
            str(upload.source), chunk_size=CHUNK, upload_checksum=True, retries=0,
            metadata={"case_id": upload.case_id, "filename": upload.source.name,
                      "activity": random.choice(["bath", "feeding", "dressing", "play"])})
        failures = 0
        while upload.url is None:
            self._bounded(deadline, failures)
            try:
                with self.balancer.request(api):
                    self._count(api, "POST", upload)
                    upload.url = uploader.create_url()
            except (TusCommunicationError, TusUploadFailed) as exc:
                self._failed(api, "POST", exc)
                failures += 1
                time.sleep(0.5)
                api = self.balancer.pick()
                assert uploader.client is not None
                uploader.client.url = f"{self.balancer.url(api)}/api/uploads/"
        uploader.set_url(upload.url)
        uploader.offset = 0
        while uploader.offset < upload.size:
            self._bounded(deadline, failures)
            if upload.interrupt and upload.interrupted_on is None and uploader.offset >= CHUNK:
                uploader = self._interrupt_and_resume(upload, uploader.offset)
                continue
            api = self.balancer.pick()
            uploader.url = on_api(self.balancer.url(api), upload.url)  # type: ignore[assignment]
            try:
                with self.balancer.request(api):
                    self._count(api, "PATCH", upload)
                    uploader.upload_chunk()
            except (TusCommunicationError, TusUploadFailed) as exc:
                self._failed(api, "PATCH", exc)
                failures += 1
                uploader.offset = self._offset(upload, deadline)
        upload.completed_at = time.monotonic()
        upload.status = "uploaded"
        upload.clip_id = self._clip_id(upload, deadline)
        with self.lock:
            self.completed += 1

    def _bounded(self, deadline: float, failures: int) -> None:
        if self.stop.is_set():
            raise RuntimeError("stopped")
        if time.monotonic() > deadline or failures > 20:
            raise RuntimeError(f"upload gave up after {failures} failed requests")

    def _offset(self, upload: Upload, deadline: float) -> int:
        """Where the server stands (HEAD), asked of an API that is up."""
        assert upload.url is not None
        tries = 0
        while True:
            self._bounded(deadline, tries)
            time.sleep(0.3 if tries else 0)
            api = self.balancer.pick()
            try:
                with self.balancer.request(api):
                    self._count(api, "HEAD", upload)
                    resp = httpx.head(on_api(self.balancer.url(api), upload.url),
                                      headers={**self.headers, "Tus-Resumable": "1.0.0"},
                                      timeout=10)
                if resp.status_code == 200:
                    return int(resp.headers["upload-offset"])
                self._failed(api, "HEAD", TusCommunicationError(None, resp.status_code))
            except httpx.HTTPError as exc:
                self._failed(api, "HEAD", exc)
            tries += 1

    def _clip_id(self, upload: Upload, deadline: float) -> str:
        assert upload.url is not None
        while True:
            self._bounded(deadline, 0)
            api = self.balancer.pick()
            with contextlib.suppress(httpx.HTTPError):
                resp = httpx.head(on_api(self.balancer.url(api), upload.url),
                                  headers={**self.headers, "Tus-Resumable": "1.0.0"},
                                  timeout=10)
                if resp.status_code == 200:
                    return str(resp.headers["attune-clip-id"])
            time.sleep(0.3)

    def _interrupt_and_resume(self, upload: Upload, offset: int) -> Any:
        """A PATCH whose connection drops after 2.5 of its 4 MiB (no checksum, so the
        server keeps what arrived); then the app starts again knowing only the
        upload's URL, on the other API."""
        assert upload.url is not None
        api = self.balancer.pick()
        upload.interrupted_on = api

        def body() -> Iterator[bytes]:
            with upload.source.open("rb") as fh:
                fh.seek(offset)
                for _ in range(5):
                    yield fh.read(MIB // 2)
            raise _Cut()

        headers = {**self.headers, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                   "Content-Type": "application/offset+octet-stream",
                   "Content-Length": str(min(CHUNK, upload.size - offset))}
        with contextlib.suppress(_Cut, httpx.HTTPError), self.balancer.request(api):
            self._count(api, "PATCH (cut off)", upload)
            httpx.patch(on_api(self.balancer.url(api), upload.url), content=body(),
                        headers=headers, timeout=30)
        # The server commits what arrived once it notices the dropped connection,
        # unless that API was killed meanwhile: then nothing of it arrived, and
        # the new client simply resumes from where the server stands.
        deadline = time.monotonic() + 15
        while (time.monotonic() < deadline
               and self._offset(upload, deadline + UPLOAD_S) <= offset):
            time.sleep(0.2)
        failures = 0
        while True:
            self._bounded(deadline + UPLOAD_S, failures)
            resume_on = self.balancer.pick(avoid=api)
            upload.resumed_on = resume_on
            try:
                with self.balancer.request(resume_on):
                    self._count(resume_on, "HEAD", upload)
                    return tus.TusClient(f"{self.balancer.url(resume_on)}/api/uploads/",
                                         headers=self.headers).uploader(
                        str(upload.source), url=on_api(self.balancer.url(resume_on),
                                                       upload.url),
                        chunk_size=CHUNK, upload_checksum=True, retries=0)
            except TusCommunicationError as exc:
                self._failed(resume_on, "HEAD", exc)
                failures += 1
                time.sleep(0.3)


# -- the chaos -------------------------------------------------------------------

@dataclass
class Chaos:
    worker: str | None = None
    worker_clip: str | None = None
    worker_killed_at: float | None = None
    api: str | None = None
    api_killed_at: float | None = None
    api_back_at: float | None = None
    in_flight_at_kill: int = 0
    notes: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def run_chaos(cluster: Cluster, balancer: Balancer, uploads: Uploads, total: int,
              stop: threading.Event, chaos: Chaos) -> None:
    """In the middle of the uploads: kill -9 a worker that is transcoding, then
    kill -9 an API while it has requests in flight and start it again.

    The thread lives until the run ends: a child started from a thread is told
    to stop when that thread ends (see core.lifetime), and the restarted API
    must serve on."""
    try:
        _chaos(cluster, balancer, uploads, total, stop, chaos)
    finally:
        chaos.done.set()
    stop.wait()


def _chaos(cluster: Cluster, balancer: Balancer, uploads: Uploads, total: int,
           stop: threading.Event, chaos: Chaos) -> None:
    deadline = time.monotonic() + CHAOS_WAIT_S
    while uploads.completed < total // 4 and time.monotonic() < deadline:
        if stop.wait(0.2):
            return
    pids = {s.pid: name for name, s in cluster.workers.items()}
    while chaos.worker is None and time.monotonic() < deadline and not stop.is_set():
        with cluster.redis() as r:
            for w in RqWorker.all(connection=r):
                job = w.get_current_job() if w.pid in pids else None
                if w.pid is not None and job is not None and job.origin.endswith(":transcode"):
                    chaos.worker, chaos.worker_clip = pids[w.pid], str(job.args[0])
                    os.kill(w.pid, signal.SIGKILL)
                    chaos.worker_killed_at = time.monotonic()
                    break
        time.sleep(0.1)
    if chaos.worker is None:
        chaos.notes.append("no worker was transcoding in time: none was killed")
    name = sorted(cluster.apis)[0]
    while time.monotonic() < deadline and not stop.is_set():
        if balancer.in_flight[name] > 0 or uploads.completed >= total:
            break
        time.sleep(0.02)
    chaos.api, chaos.in_flight_at_kill = name, balancer.in_flight[name]
    os.kill(cluster.apis[name].pid, signal.SIGKILL)
    chaos.api_killed_at = time.monotonic()
    balancer.down(name)
    time.sleep(1.0)
    cluster.restart_api(name)
    chaos.api_back_at = time.monotonic()


def poll_ready(cluster: Cluster, balancer: Balancer, headers: dict[str, str],
               uploads: list[Upload], stop: threading.Event) -> None:
    """Once a second, as the web app does: the clips of every case, through an API;
    until every upload has ended and every clip that was uploaded is ready or failed."""
    by_clip: dict[str, Upload] = {}
    deadline = time.monotonic() + UPLOAD_S + READY_S
    cases = sorted({u.case_id for u in uploads})
    while not stop.wait(1.0) and time.monotonic() < deadline:
        by_clip = {u.clip_id: u for u in uploads if u.clip_id}
        for case_id in cases:
            api = balancer.pick()
            try:
                resp = httpx.get(f"{balancer.url(api)}/api/cases/{case_id}/clips",
                                 headers=headers, timeout=10)
            except httpx.HTTPError:
                continue
            if resp.status_code != 200:
                continue
            for clip in resp.json():
                upload = by_clip.get(clip["id"])
                if upload is None or upload.ready_at is not None:
                    continue
                if clip["status"] in ("ready", "failed"):
                    upload.status = clip["status"]
                    upload.ready_at = time.monotonic()
        if all(u.status not in ("not started", "uploading") for u in uploads) and \
                all(u.ready_at for u in uploads if u.clip_id):
            return


# -- viewing ---------------------------------------------------------------------

HALF = 512 * 1024


@dataclass
class Tally:
    """What one way of reading (one API, or S3 straight) saw in one round."""

    master_ms: list[float] = field(default_factory=list)
    media_ms: list[float] = field(default_factory=list)
    segment_ms: list[float] = field(default_factory=list)
    segment_bytes: int = 0
    segment_requests: int = 0
    plays: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def playlists_ms(self) -> list[float]:
        return self.master_ms + self.media_ms


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Clip:
    id: str
    prefix: str
    #: API name -> URL of the signed master playlist on that API.
    masters: dict[str, str]
    #: object key -> presigned URL, for reading straight from S3.
    presigned: dict[str, str]


class Player:
    """One viewer: plays a clip start to end, as fast as the network lets it, or
    (``paced``) as a person watching does: a player fetches the whole of a
    short clip ahead (hls.js buffers 30 s), then the person watches it to the
    end before the next one starts."""

    def __init__(self, http: httpx.AsyncClient, tally: Tally, stop_at: float,
                 paced: bool = False) -> None:
        self.http, self.tally, self.stop_at, self.paced = http, tally, stop_at, paced

    async def _get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        resp = await self.http.get(url, headers=headers)
        if resp.status_code not in (200, 206):
            raise RuntimeError(f"HTTP {resp.status_code} for {urlsplit(url).path}")
        return resp

    async def _timed(self, url: str, into: list[float]) -> str:
        start = time.perf_counter()
        resp = await self._get(url)
        into.append((time.perf_counter() - start) * 1000)
        return resp.text

    async def _range(self, url: str, byte_range: str) -> httpx.Response:
        start = time.perf_counter()
        resp = await self._get(url, {"Range": byte_range})
        self.tally.segment_ms.append((time.perf_counter() - start) * 1000)
        self.tally.segment_bytes += len(resp.content)
        self.tally.segment_requests += 1
        return resp

    async def _segment(self, url: str) -> None:
        """Two Range requests, as a player reading a segment in pieces does."""
        first = await self._range(url, f"bytes=0-{HALF - 1}")
        total = int(first.headers.get("content-range", "/0").rsplit("/", 1)[1] or 0)
        if total > HALF and time.monotonic() < self.stop_at:
            await self._range(url, f"bytes={HALF}-")

    async def play(self, master_url: str, resolve: Callable[[str, str], str]) -> None:
        started = time.monotonic()
        master = await self._timed(master_url, self.tally.master_ms)
        variant = next(x for x in master.splitlines() if x and not x.startswith("#"))
        media_url = resolve(master_url, variant)
        media = await self._timed(media_url, self.tally.media_ms)
        uris = [x.split('URI="', 1)[1].split('"', 1)[0] for x in media.splitlines()
                if x.startswith("#EXT-X-MAP")]
        uris += [x for x in media.splitlines() if x and not x.startswith("#")]
        for uri in uris:
            if time.monotonic() >= self.stop_at:
                return
            await self._segment(resolve(media_url, uri))
        self.tally.plays += 1
        if self.paced:
            seconds = sum(float(x.split(":", 1)[1].split(",", 1)[0])
                          for x in media.splitlines() if x.startswith("#EXTINF:"))
            ends = min(started + seconds, self.stop_at)
            await asyncio.sleep(max(0.0, ends - time.monotonic()))


def _join(base: str, uri: str) -> str:
    return str(httpx.URL(base).join(uri))


async def view_round(clips: list[Clip], targets: list[str], viewers: int, seconds: float,
                     headers: dict[str, str], paced: bool = False) -> dict[str, Tally]:
    """``viewers`` viewers spread evenly over ``targets`` (API names, or "s3"),
    starting a little apart as people do (within the first 2 s)."""
    tallies = {t: Tally() for t in targets}
    stop_at = time.monotonic() + seconds

    def resolve_s3(clip: Clip) -> Callable[[str, str], str]:
        keys = {url: key for key, url in clip.presigned.items()}

        def resolve(base_url: str, uri: str) -> str:
            base_key = keys[base_url]
            key = base_key.rsplit("/", 1)[0] + "/" + uri.split("?", 1)[0]
            parts: list[str] = []
            for piece in key.split("/"):
                if piece == "..":
                    parts.pop()
                elif piece not in ("", "."):
                    parts.append(piece)
            return clip.presigned["/".join(parts)]

        return resolve

    async def viewer(i: int) -> None:
        target = targets[i % len(targets)]
        tally = tallies[target]
        async with httpx.AsyncClient(timeout=30, headers=headers if target != "s3" else None
                                     ) as http:
            player = Player(http, tally, stop_at, paced)
            if paced:
                await asyncio.sleep(random.uniform(0, 2))
            while time.monotonic() < stop_at:
                clip = random.choice(clips)
                try:
                    if target == "s3":
                        await player.play(clip.presigned[f"{clip.prefix}master.m3u8"],
                                          resolve_s3(clip))
                    else:
                        await player.play(clip.masters[target], _join)
                except Exception as exc:
                    tally.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    await asyncio.sleep(0.5)

    await asyncio.gather(*(viewer(i) for i in range(viewers)))
    return tallies


# -- the run ---------------------------------------------------------------------

def _seconds(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"p50 {statistics.median(values):.1f} s, min {min(values):.1f} s, "
            f"max {max(values):.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--interrupted", type=int, default=5)
    parser.add_argument("--phones", type=int, default=5, help="uploads at a time")
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--round-s", type=float, default=20.0,
                        help="seconds of viewing per round, each way")
    parser.add_argument("--light-s", type=float, default=10.0,
                        help="seconds of the light-load round (one viewer per API), each way")
    parser.add_argument("--paced-s", type=float, default=60.0,
                        help="seconds of the round of viewers watching at playback pace, "
                             "each way (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    parser.add_argument("--relay", action="store_true",
                        help="no nginx: the APIs relay media bytes themselves")
    args = parser.parse_args()

    install_signal_handlers()  # SIGTERM/SIGHUP unwind like Ctrl-C, so cleanup runs
    work = Path(tempfile.mkdtemp(prefix="attune-cluster-"))
    cluster = Cluster(work)
    stop = threading.Event()
    started = datetime.now(UTC)
    print(f"machine: {machine()}; load average at start {load_average()}")
    print(f"date: {started:%Y-%m-%d %H:%M} UTC")
    try:
        return run(cluster, args, stop, work)
    finally:
        stop.set()
        log("stopping everything this run started")
        cluster.stop()
        if args.keep:
            print(f"logs kept in {work}/logs")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(cluster: Cluster, args: argparse.Namespace, stop: threading.Event, work: Path) -> int:
    log("making the recordings")
    sources = make_sources(work, make_bases(work), args.uploads)
    log("starting the cluster")
    cluster.start(apis=2, workers=3, front=not args.relay)
    print(f"cluster: PostgreSQL database {cluster.db_name} (role {cluster.role}), redis-server "
          f"on :{cluster.services[0].port}, SeaweedFS "
          + ", ".join(f"{s.name} :{s.port}" for s in cluster.services if s.name.startswith("weed"))
          + ", " + ", ".join(f"{n} :{s.port}" for n, s in cluster.apis.items())
          + "".join(f", nginx before {n} :{s.port}" for n, s in cluster.fronts.items())
          + f", {len(cluster.workers)} workers")
    subprocess.run([sys.executable, "-m", "attune.cli", "user", "add", "bench@example.org",
                    "--role", "professional", "--team", "Noord"],
                   env={**cluster.env, "ATTUNE_DATA_DIR": str(work / "data" / "cli")},
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, timeout=120)
    first = cluster.api_url("api-1")
    token = httpx.post(f"{first}/api/auth/token", data={
        "username": "bench@example.org", "password": PASSWORD}, timeout=30
    ).raise_for_status().json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    cases = [httpx.post(f"{first}/api/cases", json={"label": f"Gezin 2026-{800 + i}"},
                        headers=headers, timeout=30).raise_for_status().json()["id"]
             for i in range(4)]
    interrupted = set(random.sample(range(args.uploads), args.interrupted))
    uploads = [Upload(i, path, sha256_file(path), path.stat().st_size, cases[i % len(cases)],
                      i in interrupted) for i, path in enumerate(sources)]

    t0 = time.monotonic()
    balancer = Balancer(cluster, stop)
    phones = Uploads(cluster, balancer, token, stop, t0)
    chaos = Chaos()
    log(f"uploading {len(uploads)} recordings, {args.phones} at a time")
    threads = [threading.Thread(target=run_chaos, daemon=True, name="chaos",
                                args=(cluster, balancer, phones, len(uploads), stop, chaos)),
               threading.Thread(target=poll_ready, daemon=True, name="poll",
                                args=(cluster, balancer, headers, uploads, stop))]
    for thread in threads:
        thread.start()
    with ThreadPoolExecutor(args.phones, thread_name_prefix="phone") as pool:
        futures = [pool.submit(phones.run, u) for u in uploads]
        upload_errors = []
        for upload, future in zip(uploads, futures, strict=True):
            try:
                future.result(timeout=UPLOAD_S + 60)
            except Exception as exc:
                upload.status = f"upload failed: {exc}"
                upload_errors.append(f"upload {upload.index}: {exc}")
    uploads_done = time.monotonic()
    log(f"uploads finished after {uploads_done - t0:.1f} s; waiting for the chaos and for "
        "every clip to be ready")
    chaos.done.wait(timeout=CHAOS_WAIT_S + START_S)
    threads[1].join(timeout=READY_S)
    all_ready = time.monotonic()

    # Kill window: a failure on the killed API between its kill and its return was
    # a request in flight (or sent just as it died): the clients retried those.
    if chaos.api_killed_at and chaos.api_back_at:
        for failure in phones.failures:
            if failure.api == chaos.api and \
                    chaos.api_killed_at - 1 <= failure.at <= chaos.api_back_at + 1:
                failure.expected = True

    s3 = Minio(cluster.s3_endpoint, access_key=S3_KEY, secret_key=S3_SECRET, secure=False)
    for upload in uploads:
        if upload.clip_id:
            data = s3.get_object("attune-originals",
                                 f"cases/{upload.case_id}/clips/{upload.clip_id}/original")
            try:
                upload.stored_sha256 = hashlib.sha256(data.read()).hexdigest()
            finally:
                data.close()
                data.release_conn()

    report_uploads(uploads, phones, chaos, upload_errors, t0, uploads_done, all_ready)
    ready = [u for u in uploads if u.status == "ready"]
    if not ready:
        print("no clip is ready: nothing to view")
        return 1
    clips = prepare_clips(cluster, s3, balancer, headers, ready)
    tallies = view(cluster, clips, args, headers)
    unexpected = [f for f in phones.failures if not f.expected]
    view_errors = sum(len(t.errors) for r in tallies for t in r.values())
    ok = (len([u for u in uploads if u.stored_sha256 == u.sha256]) == len(uploads)
          and len(ready) == len(uploads) and not unexpected and not view_errors)
    return 0 if ok else 1


def report_uploads(uploads: list[Upload], phones: Uploads, chaos: Chaos,
                   upload_errors: list[str], t0: float, uploads_done: float,
                   all_ready: float) -> None:
    completed = [u for u in uploads if u.completed_at]
    intact = [u for u in uploads if u.stored_sha256 and u.stored_sha256 == u.sha256]
    print()
    print(f"uploads completed / started: {len(completed)}/{len(uploads)} (goal "
          f"{len(uploads)}/{len(uploads)}); stored original's SHA-256 equal to the source: "
          f"{len(intact)}/{len(uploads)}; all uploaded after {uploads_done - t0:.1f} s; "
          f"{sum(u.size for u in uploads) / 1e6:.0f} MB")
    print("  requests: " + ", ".join(f"{api} {method} {n}"
                                     for (api, method), n in sorted(phones.requests.items())))
    spread = [len(u.apis) for u in uploads]
    print(f"  uploads whose requests went to both APIs: {spread.count(2)}/{len(uploads)}")
    for u in uploads:
        if u.interrupt:
            print(f"  upload {u.index:2d}: cut off mid-request on {u.interrupted_on}, resumed "
                  f"by a new client on {u.resumed_on}; stored SHA-256 "
                  f"{'equal' if u.stored_sha256 == u.sha256 else 'DIFFERENT'}")
    if chaos.worker_killed_at:
        back = next((u for u in uploads if u.clip_id == chaos.worker_clip), None)
        after = (f"; that clip was {back.status} {back.ready_at - chaos.worker_killed_at:.1f} s "
                 "after the kill" if back and back.ready_at else "")
        print(f"  {chaos.worker} killed -9 at {chaos.worker_killed_at - t0:.1f} s while "
              f"transcoding clip {chaos.worker_clip}{after}")
    if chaos.api_killed_at and chaos.api_back_at:
        print(f"  {chaos.api} killed -9 at {chaos.api_killed_at - t0:.1f} s with "
              f"{chaos.in_flight_at_kill} requests in flight, serving again "
              f"{chaos.api_back_at - chaos.api_killed_at:.1f} s later")
    for note in chaos.notes:
        print(f"  note: {note}")
    expected = [f for f in phones.failures if f.expected]
    unexpected = [f for f in phones.failures if not f.expected]
    print(f"  failed requests, retried by the clients: {len(expected)} on the killed API "
          f"while it was down; other failures: {len(unexpected)} (goal 0)")
    for f in expected + unexpected:
        print(f"    {'killed API' if f.expected else 'UNEXPECTED'}: {f.at - t0:6.1f} s "
              f"{f.api} {f.method}: {f.what}")
    for error in upload_errors:
        print(f"    UPLOAD FAILED: {error}")
    ready = [u for u in uploads if u.status == "ready"]
    failed = [u for u in uploads if u.status not in ("ready",)]
    times = [u.ready_at - u.completed_at for u in ready if u.ready_at and u.completed_at]
    print(f"clips ready: {len(ready)}/{len(uploads)}; time to ready (upload complete to "
          f"ready, polled every 1 s, queueing included): {_seconds(times)}; all ready after "
          f"{all_ready - t0:.1f} s")
    for u in failed:
        print(f"  clip of upload {u.index}: {u.status}")


def prepare_clips(cluster: Cluster, s3: Minio, balancer: Balancer, headers: dict[str, str],
                  ready: list[Upload]) -> list[Clip]:
    """Each ready clip's signed master playlist on each API, and a presigned URL
    for each of its objects in the S3 gateway."""
    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{cluster.db_name}") as conn:
        rows = conn.execute("SELECT id, media_prefix FROM clips WHERE status = 'ready'")
        prefixes: dict[str, str] = dict(rows.fetchall())
    clips = []
    for upload in ready:
        assert upload.clip_id is not None
        clip = httpx.get(f"{balancer.url(balancer.pick())}/api/clips/{upload.clip_id}",
                         headers=headers, timeout=30).raise_for_status().json()
        prefix = prefixes[upload.clip_id]
        path = urlsplit(clip["hls_url"])
        masters = {name: f"{balancer.url(name)}{path.path}?{path.query}"
                   for name in sorted(cluster.apis)}
        presigned = {o.object_name: s3.presigned_get_object("attune-media", o.object_name,
                                                            expires=timedelta(hours=1))
                     for o in s3.list_objects("attune-media", prefix=prefix, recursive=True)
                     if o.object_name}
        clips.append(Clip(upload.clip_id, prefix, masters, presigned))
    return clips


def view(cluster: Cluster, clips: list[Clip], args: argparse.Namespace,
         headers: dict[str, str]) -> list[dict[str, Tally]]:
    apis = sorted(cluster.apis)
    pids = {s.name: s.pid for s in cluster.services}
    pids["bench"] = os.getpid()
    rounds: list[dict[str, Tally]] = []
    print()
    print(f"viewing: {args.viewers} viewers, {len(clips)} ready clips, {args.rounds} rounds "
          f"of {args.round_s:.0f} s through the APIs ({args.viewers // len(apis)} viewers on "
          f"each) and {args.round_s:.0f} s straight from the S3 gateway (all "
          f"{args.viewers}), alternating which goes first")
    # Light load first: one viewer on each API, and as many on S3, so the cost of
    # a request itself shows apart from the queueing of a busy machine.
    light: dict[str, Tally] = {}
    for targets in ([*apis], ["s3"]):
        start = time.monotonic()
        light.update(asyncio.run(view_round(clips, targets, len(apis), args.light_s, headers)))
        for target in targets:
            light[target].elapsed = time.monotonic() - start
    print(f"light load ({len(apis)} viewers, one on each API, then {len(apis)} on S3, "
          f"{args.light_s:.0f} s each; load average {load_average()}):")
    for name in [*apis, "s3"]:
        t = light[name]
        print(f"  {name:6s} playlists p50 {pct(t.playlists_ms, .5):6.1f} ms p99 "
              f"{pct(t.playlists_ms, .99):6.1f} ms (master p50 {pct(t.master_ms, .5):.1f}, "
              f"media p50 {pct(t.media_ms, .5):.1f}); segment Range requests p50 "
              f"{pct(t.segment_ms, .5):.1f} ms p99 {pct(t.segment_ms, .99):.1f} ms; "
              f"{_mbps(t):.1f} MB/s; {len(t.errors)} errors")
    if args.paced_s > 0:
        paced(clips, apis, args, headers, pids)
    for number in range(1, args.rounds + 1):
        order = [apis, ["s3"]] if number % 2 else [["s3"], apis]
        tallies: dict[str, Tally] = {}
        cpu: dict[str, dict[str, float]] = {}
        for targets in order:
            before = {n: cpu_seconds(p) for n, p in pids.items()}
            start = time.monotonic()
            tallies.update(asyncio.run(view_round(clips, targets, args.viewers, args.round_s,
                                                  headers)))
            elapsed = time.monotonic() - start
            key = "apis" if targets == apis else "s3"
            cpu[key] = {n: cpu_seconds(p) - before[n] for n, p in pids.items()}
            for target in targets:
                tallies[target].elapsed = elapsed
        rounds.append(tallies)
        report_round(number, tallies, apis, cpu)
    report_viewing(rounds, apis)
    return rounds


def paced(clips: list[Clip], apis: list[str], args: argparse.Namespace,
          headers: dict[str, str], pids: dict[str, int]) -> None:
    """The viewers watching as people do (``Player(paced=True)``): what a
    playlist or a segment request costs when the machine is not saturated by
    the benchmark itself."""
    print(f"at playback pace: {args.viewers} viewers for {args.paced_s:.0f} s through the "
          f"APIs, then {args.viewers} on S3 for as long:")
    for targets in (apis, ["s3"]):
        before = {n: cpu_seconds(p) for n, p in pids.items()}
        start = time.monotonic()
        tallies = asyncio.run(view_round(clips, targets, args.viewers, args.paced_s, headers,
                                         paced=True))
        elapsed = time.monotonic() - start
        busy = sorted(((n, cpu_seconds(p) - before[n]) for n, p in pids.items()),
                      key=lambda kv: -kv[1])
        for target in targets:
            t = tallies[target]
            t.elapsed = elapsed
            print(f"  {target:6s} playlists p50 {pct(t.playlists_ms, .5):6.1f} ms p99 "
                  f"{pct(t.playlists_ms, .99):6.1f} ms ({len(t.playlists_ms)} requests); "
                  f"segment Range requests p50 {pct(t.segment_ms, .5):.1f} ms p99 "
                  f"{pct(t.segment_ms, .99):.1f} ms; {_mbps(t):.1f} MB/s; {t.plays} plays; "
                  f"{len(t.errors)} errors")
            for error in t.errors[:5]:
                print(f"    ERROR {target}: {error}")
        print(f"    load average {load_average()}; CPU seconds: "
              + ", ".join(f"{n} {sec:.1f}" for n, sec in busy if sec >= 0.1))


def _mbps(tally: Tally) -> float:
    return tally.segment_bytes / (tally.elapsed or float("nan")) / 1e6


def report_round(number: int, tallies: dict[str, Tally], apis: list[str],
                 cpu: dict[str, dict[str, float]]) -> None:
    direct = tallies["s3"]
    through = sum(_mbps(tallies[a]) for a in apis)
    print(f"round {number} (load average {load_average()}):")
    for name in [*apis, "s3"]:
        t = tallies[name]
        print(f"  {name:6s} playlists p50 {pct(t.playlists_ms, .5):6.1f} ms p99 "
              f"{pct(t.playlists_ms, .99):6.1f} ms (master p50 {pct(t.master_ms, .5):.1f} / "
              f"p99 {pct(t.master_ms, .99):.1f}, media p50 {pct(t.media_ms, .5):.1f} / p99 "
              f"{pct(t.media_ms, .99):.1f}); segments {_mbps(t):6.1f} MB/s in "
              f"{t.segment_requests} Range requests (p50 {pct(t.segment_ms, .5):.1f} ms); "
              f"{t.plays} plays; {len(t.errors)} errors")
    print(f"  through both APIs {through:.1f} MB/s vs straight from S3 {_mbps(direct):.1f} "
          f"MB/s: ratio {through / _mbps(direct):.2f}")
    for key, seconds in cpu.items():
        busy = sorted(seconds.items(), key=lambda kv: -kv[1])
        print(f"  CPU seconds while reading {'through the APIs' if key == 'apis' else 'from S3'}: "
              + ", ".join(f"{n} {s:.1f}" for n, s in busy if s >= 0.1))
    for name, t in tallies.items():
        for error in t.errors[:5]:
            print(f"  ERROR {name}: {error}")


def report_viewing(rounds: list[dict[str, Tally]], apis: list[str]) -> None:
    def spread(values: list[float], fmt: str) -> str:
        return (f"median {format(statistics.median(values), fmt)} (rounds: "
                + ", ".join(format(v, fmt) for v in values) + ")")

    print()
    print("viewing summary over the rounds:")
    for name in [*apis, "s3"]:
        p50 = [pct(r[name].playlists_ms, .5) for r in rounds]
        p99 = [pct(r[name].playlists_ms, .99) for r in rounds]
        mbps = [_mbps(r[name]) for r in rounds]
        goal = " (goal p99 <= 10 ms)" if name != "s3" else ""
        print(f"  {name:6s} playlist latency p50 {spread(p50, '.1f')} ms; p99 "
              f"{spread(p99, '.1f')} ms{goal}; segments {spread(mbps, '.1f')} MB/s")
    ratios = [sum(_mbps(r[a]) for a in apis) / _mbps(r["s3"]) for r in rounds]
    per_api = [[_mbps(r[a]) / (_mbps(r["s3"]) / len(apis)) for r in rounds] for a in apis]
    print(f"  segment throughput through both APIs / straight from S3: "
          f"{spread(ratios, '.2f')} (goal >= 0.8)")
    for a, values in zip(apis, per_api, strict=True):
        print(f"  {a} per viewer / S3 per viewer: {spread(values, '.2f')}")
    errors = {name: sum(len(r[name].errors) for r in rounds) for name in [*apis, "s3"]}
    print(f"  errors while viewing: {errors} (goal 0)")


if __name__ == "__main__":
    sys.exit(main())
