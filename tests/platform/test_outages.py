"""What people get while the S3 store, Redis or the database is down: a 503 with
a reason they can act on and a ``Retry-After``, never a bare 500; and once the
dependency is back, an interrupted upload continues where it stopped.

These tests stop and start their own SeaweedFS and redis-server, behind an app
on a database of their own, so the services the other tests share never go
down and no other test's clips are touched.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import psycopg
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from support import PASSWORD, Users, create_case, free_port, post_clip, serve_in_thread, team_name

from core.embedded import SeaweedFSProcess, start_seaweedfs

PG_ADMIN_URL = os.environ.get("ATTUNE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ACCESS, SECRET = "outage-test", "outage-test-secret"
TUS = {"Tus-Resumable": "1.0.0"}
PART = 5 * 1024 * 1024


# -- dependencies this module may stop -------------------------------------

class Store:
    """A SeaweedFS of our own that can be stopped and started again on its data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: SeaweedFSProcess | None = start_seaweedfs(root, ACCESS, SECRET)
        self.endpoint = self.process.endpoint

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def start(self) -> None:
        assert self.process is None
        self.process = start_seaweedfs(self.root, ACCESS, SECRET)
        # The app keeps its endpoint: the store comes back where it was.
        assert self.process.endpoint == self.endpoint


class Queue:
    """A redis-server of our own on a fixed port, to stop and start again."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.popen: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        assert self.popen is None
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed"
        self.popen = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except Exception:
                assert self.popen.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not answer"
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.popen is not None:
            self.popen.terminate()
            self.popen.wait(timeout=30)
            self.popen = None


@pytest.fixture(scope="module")
def root(tmp_path_factory: Any) -> Path:
    return Path(tmp_path_factory.mktemp("outages"))


@pytest.fixture(scope="module")
def store(root: Path) -> Iterator[Store]:
    s = Store(root / "s3")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def queue(root: Path) -> Iterator[Queue]:
    (root / "redis").mkdir()
    q = Queue(root / "redis")
    yield q
    q.stop()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of our own, so the sweeper run here sees only our clips."""
    from core.db.migrate import upgrade

    name = f"attune_outage_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    upgrade(url)
    try:
        yield url
    finally:
        from sqlalchemy import create_engine

        create_engine(url).dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _runtime(root: Path, database_url: str, redis_url: str, s3_endpoint: str) -> Any:
    from core.config import Settings
    from core.runtime import Runtime

    run = secrets.token_hex(3)
    return Runtime(Settings(
        data_dir=root / "data", database_url=database_url, redis_url=redis_url,
        s3_endpoint=s3_endpoint, s3_access_key=ACCESS, s3_secret_key=SECRET,
        s3_bucket_originals=f"o{run}-originals", s3_bucket_media=f"o{run}-media",
        queue_namespace=f"attune-outage-{run}", secret_key=secrets.token_urlsafe(32),
        upload_part_bytes=PART, stale_after_s=0))


def _app(runtime: Any) -> Any:
    """The API on ``runtime``, leaving the process-wide runtime of the other tests be."""
    import core.runtime
    from attune.app import create_app

    shared = core.runtime._runtime
    try:
        return create_app(runtime)
    finally:
        core.runtime.set_runtime(shared)


@pytest.fixture(scope="module")
def rt(root: Path, database: str, queue: Queue, store: Store) -> Any:
    runtime = _runtime(root, database, queue.url, store.endpoint)
    runtime.ensure_buckets()
    return runtime


@pytest.fixture(scope="module")
def client(rt: Any) -> Iterator[TestClient]:
    with TestClient(_app(rt)) as c:
        yield c


@pytest.fixture(scope="module")
def pro(rt: Any, client: TestClient) -> dict[str, str]:
    """A professional's headers, logged in to this deployment."""
    return Users(rt, client).add("professional", team_name())["headers"]


@pytest.fixture(scope="module")
def video(tmp_path_factory: Any) -> bytes:
    """A real recording padded past two parts, so an upload can stop between parts."""
    out = Path(tmp_path_factory.mktemp("outage-media"))
    data = media.make_plain_h264(out, width=320, height=240, seconds=2).read_bytes()
    return data + b"\0" * (2 * PART + 12345 - len(data))


@pytest.fixture(scope="module")
def small_video(tmp_path_factory: Any) -> Path:
    return media.make_small(Path(tmp_path_factory.mktemp("outage-small")))


# -- helpers ---------------------------------------------------------------

def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _patch(client: TestClient, headers: dict[str, str], url: str, offset: int,
           data: bytes) -> Any:
    return client.patch(url, content=data, headers={
        **TUS, **headers, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"})


def _unavailable(resp: Any, code: str) -> dict[str, Any]:
    """A 503 in the API's error shape that says when to ask again."""
    assert resp.status_code == 503, resp.text
    body: dict[str, Any] = resp.json()
    assert body["code"] == code
    assert body["detail"]
    assert int(resp.headers["retry-after"]) > 0
    return body


def _readiness(client: TestClient) -> tuple[int, dict[str, Any]]:
    resp = client.get("/api/health/ready")
    return resp.status_code, resp.json()


# -- the S3 store ----------------------------------------------------------

def test_store_down_upload_answers_503_and_resumes_when_back(
        client: TestClient, rt: Any, store: Store, pro: dict[str, str], video: bytes,
        small_video: Path) -> None:
    case_id = create_case(client, pro)
    created = client.post("/api/uploads/", headers={
        **TUS, **pro, "Upload-Length": str(len(video)),
        "Upload-Metadata": f"case_id {_b64(case_id)},filename {_b64('badje.mp4')}"})
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert _patch(client, pro, url, 0, video[:PART]).status_code == 204
    assert _readiness(client) == (200, {"status": "ready", "checks": {
        "database": {"status": "up"}, "queue": {"status": "up"},
        "storage": {"status": "up"}}})

    store.stop()
    try:
        # The process is alive, but not ready, and says what is missing.
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/health/live").json() == {"status": "ok"}
        status, ready = _readiness(client)
        assert status == 503 and ready["code"] == "not_ready"
        assert ready["down"] == ["storage"]
        assert ready["checks"]["storage"] == {"status": "down", "code": "storage_unavailable"}
        assert ready["checks"]["database"] == ready["checks"]["queue"] == {"status": "up"}

        # The phone's next piece is refused with a reason, the tus way.
        resp = _patch(client, pro, url, PART, video[PART:2 * PART + 100])
        _unavailable(resp, "storage_unavailable")
        assert resp.headers["tus-resumable"] == "1.0.0"
        # What was received before the outage is kept.
        head = client.head(url, headers={**TUS, **pro})
        assert head.status_code == 200 and head.headers["upload-offset"] == str(PART)

        # A whole-file upload too, and it leaves no half-made clip behind.
        _unavailable(post_clip(client, pro, case_id, small_video), "storage_unavailable")
        clips = client.get(f"/api/cases/{case_id}/clips", headers=pro).json()
        assert [c["filename"] for c in clips] == ["badje.mp4"]
    finally:
        store.start()

    assert _readiness(client)[0] == 200
    offset = int(client.head(url, headers={**TUS, **pro}).headers["upload-offset"])
    assert offset == PART
    done = _patch(client, pro, url, offset, video[offset:])
    assert done.status_code == 204, done.text
    assert done.headers["upload-offset"] == str(len(video))
    clip_id = created.headers["attune-clip-id"]
    clip = client.get(f"/api/clips/{clip_id}", headers=pro).json()
    assert clip["status"] == "queued"
    from core.db.models import Clip

    with rt.db() as db:
        key = db.get(Clip, clip_id).original_key
    assert rt.store.get_bytes(rt.settings.s3_bucket_originals, key) == video


def test_store_calls_fail_as_storage_unavailable(rt: Any, store: Store) -> None:
    """Callers see one exception of Attune's own, whatever the S3 client raised."""
    from core.storage import StorageUnavailable

    bucket = rt.settings.s3_bucket_media
    rt.store.put_bytes(bucket, "probe", b"x", "text/plain")
    store.stop()
    try:
        for call in (lambda: rt.store.get_bytes(bucket, "probe"),
                     lambda: rt.store.put_bytes(bucket, "p2", b"y", "text/plain"),
                     lambda: rt.store.start_multipart(bucket, "p3", "video/mp4"),
                     lambda: rt.store.list_keys(bucket, ""),
                     lambda: rt.store.check(bucket)):
            with pytest.raises(StorageUnavailable):
                call()
    finally:
        store.start()
    assert _once_back(lambda: rt.store.get_bytes(bucket, "probe")) == b"x"


def _once_back(read: Any, seconds: float = 30) -> Any:
    """``read()`` once the restarted store serves it: right after a restart the
    volume server can answer 500 for a moment before its data is loaded."""
    from core.storage import StorageUnavailable

    deadline = time.monotonic() + seconds
    while True:
        try:
            return read()
        except StorageUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# -- Redis -----------------------------------------------------------------

def test_queue_down_upload_is_kept_and_waits_for_the_queue(
        client: TestClient, rt: Any, queue: Queue, pro: dict[str, str],
        small_video: Path) -> None:
    from worker.sweeper import sweep

    case_id = create_case(client, pro)
    queue.stop()
    try:
        assert client.get("/api/health").status_code == 200
        status, ready = _readiness(client)
        assert status == 503 and ready["down"] == ["queue"]
        assert ready["checks"]["queue"] == {"status": "down", "code": "queue_unavailable"}

        # Stored, and waiting for the queue: accepted, so nobody uploads it twice.
        assert post_clip(client, pro, case_id, small_video).status_code == 202
        clips = client.get(f"/api/cases/{case_id}/clips", headers=pro).json()
        assert [(c["filename"], c["status"]) for c in clips] == [("small.mp4", "queued")]
    finally:
        queue.start()

    assert _readiness(client)[0] == 200
    # The worker's sweeper hands the waiting recording to the queue.
    assert clips[0]["id"] in sweep(rt)
    jobs = Redis.from_url(queue.url).lrange(
        f"rq:queue:{rt.settings.queue_namespace}:transcode", 0, -1)
    assert any(clips[0]["id"].encode() in job for job in jobs)


# -- the database ----------------------------------------------------------

def test_database_down_answers_503(rt: Any) -> None:
    from core.runtime import Runtime

    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/attune"
    runtime = Runtime(rt.settings.model_copy(update={"database_url": closed}))
    with TestClient(_app(runtime)) as client:
        assert client.get("/api/health").status_code == 200
        status, ready = _readiness(client)
        assert status == 503 and ready["down"] == ["database"]
        assert ready["checks"]["database"] == {"status": "down",
                                               "code": "database_unavailable"}
        assert ready["checks"]["queue"] == {"status": "up"}

        login = client.post("/api/auth/token", data={"username": "a@example.org",
                                                     "password": PASSWORD})
        _unavailable(login, "database_unavailable")
        _unavailable(client.get("/api/cases", headers={"Authorization": "Bearer nope"}),
                     "database_unavailable")


# -- a download cut off by the store ---------------------------------------

def test_store_lost_mid_download_cuts_that_answer_only(rt: Any, store: Store) -> None:
    """A recording already streaming cannot turn into a 503; the answer is cut
    short (the client sees fewer bytes than announced) and the API serves on."""

    import httpx
    from starlette.routing import Route

    from core.delivery import stream_object

    bucket, size = rt.settings.s3_bucket_media, 64 * 1024 * 1024
    rt.store.put_bytes(bucket, "big.mp4", os.urandom(1024) * (size // 1024), "video/mp4")

    def download(request: Any) -> Any:
        return stream_object(rt.store, bucket, "big.mp4", request, "video/mp4", 0)

    app = _app(rt)
    app.router.routes.insert(0, Route("/download", download))  # before the web app's pages
    server, thread, url = serve_in_thread(app, log_level="critical")
    try:
        received = 0
        with httpx.stream("GET", f"{url}/download", timeout=60) as resp:
            assert resp.status_code == 200
            assert int(resp.headers["content-length"]) == size
            chunks = resp.iter_raw()
            received += len(next(chunks))
            store.stop()  # the rest is still in the store, far more than any buffer
            with pytest.raises(httpx.HTTPError):
                for chunk in chunks:
                    received += len(chunk)
        assert 0 < received < size
        # The API lives on, and says what is missing.
        assert httpx.get(f"{url}/api/health", timeout=30).status_code == 200
        ready = httpx.get(f"{url}/api/health/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["down"] == ["storage"]
    finally:
        if store.process is None:
            store.start()
        server.should_exit = True
        thread.join(timeout=15)
