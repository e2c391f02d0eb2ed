"""Test harness on real parts: PostgreSQL, Redis, a SeaweedFS S3 server, ffmpeg.

Each run makes its own database, claims its own Redis database index, starts
its own S3 server in a temporary directory, and removes all of it afterwards:
the machine's services outlive the run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import profiles
from redis import Redis
from support import People, Person, Users, create_case, free_port, make_people, team_name

from core import auth

# Hundreds of people are made and log in here: at argon2's real cost that is minutes.
# Servers the tests start as processes keep the real profile (test_serve checks it).
auth.use_profile(profiles.CHEAPEST)

PG_ADMIN_URL = os.environ.get("ATTUNE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = os.environ.get("ATTUNE_TEST_REDIS", "redis://127.0.0.1:6379")
RUN_ID = secrets.token_hex(4)
ROOT = Path(tempfile.mkdtemp(prefix=f"attune-test-{RUN_ID}-"))
CLAIM_KEY = "attune-test:claimed-by"


def _claim_redis_db() -> int:
    """A Redis database index nobody else uses, marked as ours for this run."""
    for index in range(15, 0, -1):
        r = Redis.from_url(f"{REDIS_HOST}/{index}")
        if r.dbsize() == 0 and r.set(CLAIM_KEY, RUN_ID, nx=True):
            return index
    raise RuntimeError("no free Redis database index (1-15) for the tests")


def _create_database() -> str:
    name = f"attune_test_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, Any]]:
    """Real backing services for the whole run, configured through ATTUNE_* like
    production, so worker subprocesses see the same settings."""
    from core.embedded import start_seaweedfs

    data_dir = ROOT / "data"
    s3 = start_seaweedfs(ROOT / "s3", "attune-test", "attune-test-secret")
    db_name = _create_database()
    redis_db = _claim_redis_db()
    env = {
        "ATTUNE_DATA_DIR": str(data_dir),
        "ATTUNE_DATABASE_URL": _pg_url(db_name),
        "ATTUNE_REDIS_URL": f"{REDIS_HOST}/{redis_db}",
        "ATTUNE_S3_ENDPOINT": s3.endpoint,
        "ATTUNE_S3_ACCESS_KEY": "attune-test",
        "ATTUNE_S3_SECRET_KEY": "attune-test-secret",
        "ATTUNE_S3_BUCKET_ORIGINALS": f"t{RUN_ID}-originals",
        "ATTUNE_S3_BUCKET_MEDIA": f"t{RUN_ID}-media",
        "ATTUNE_QUEUE_NAMESPACE": f"attune-test-{RUN_ID}",
        "ATTUNE_SECRET_KEY": secrets.token_urlsafe(32),
        "ATTUNE_SWEEP_INTERVAL_S": "1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        s3.stop()
        _drop_database(db_name)
        Redis.from_url(f"{REDIS_HOST}/{redis_db}").flushdb()
        shutil.rmtree(ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def runtime(services: dict[str, Any]) -> Iterator[Any]:
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.runtime import Runtime, set_runtime

    rt = Runtime(Settings())
    upgrade(rt.database_url)
    rt.ensure_buckets()
    set_runtime(rt)
    yield rt
    set_runtime(None)


@pytest.fixture(autouse=True)
def _process_runtime_kept() -> Iterator[None]:
    """Whatever a test does to the process-wide runtime (``create_app`` of a
    second deployment makes that one current), the next test finds the one
    that was current before: jobs run in this process use it."""
    import core.runtime

    before = core.runtime._runtime
    yield
    core.runtime.set_runtime(before)


@pytest.fixture(scope="session")
def app(runtime: Any) -> Any:
    from attune.app import create_app

    return create_app(runtime)


@pytest.fixture()
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def api(app: Any) -> Iterator[Any]:
    """A client for a module's set-up, shared by its tests (``client`` is per test)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def media_dir() -> Path:
    path = ROOT / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture()
def users(runtime: Any, client: Any) -> Users:
    return Users(runtime, client)


@pytest.fixture()
def pro(users: Users) -> Person:
    """A professional in a new team, logged in (a new one for every test)."""
    return users.add("professional", team_name())


@pytest.fixture()
def case_id(client: Any, pro: Person) -> str:
    """A new case of ``pro``'s."""
    return create_case(client, pro["headers"])


@pytest.fixture(scope="module")
def team() -> str:
    """The team a module's ``people`` work in: a new one for every module."""
    return team_name()


@pytest.fixture(scope="module")
def people(request: pytest.FixtureRequest, runtime: Any, app: Any, team: str) -> People:
    """A module's logged-in users by name, made once for the module: one
    professional, ``pro``, unless the module names its own in ``PEOPLE``
    (``{"pro": "professional", "stranger": "professional@elsewhere"}``: the
    forms ``make_people`` takes)."""
    roles: dict[str, str] = getattr(request.module, "PEOPLE", {"pro": "professional"})
    return make_people(runtime, app, team, **roles)


@pytest.fixture(scope="module")
def live_url(app: Any) -> Iterator[str]:
    """The app behind a real uvicorn on a free port, in a thread of this process."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="uvicorn-live", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
