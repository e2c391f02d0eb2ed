"""`attune serve` as a user runs it: one process on embedded defaults (SQLite,
a local Redis and SeaweedFS under the data dir), driven over HTTP and by the
`attune` CLI."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2
import httpx
import media
import pytest
from support import free_port, process_alive

from core import auth

ATTUNE = [sys.executable, "-m", "attune.cli"]
PASSWORD = "correct horse battery"


def _embedded_env(data_dir: Path, home: Path) -> dict[str, str]:
    """The environment of someone who configured nothing but a data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(ATTUNE_DATA_DIR=str(data_dir), XDG_CONFIG_HOME=str(home))
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("serve")
    env = _embedded_env(root / "data", root / "home")
    port = free_port()
    log = (root / "serve.log").open("wb")
    proc = subprocess.Popen([*ATTUNE, "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, root / "serve.log")
        yield {"url": url, "env": env, "proc": proc, "root": root}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"attune serve exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"attune serve did not become healthy:\n{log.read_text()[-3000:]}")


def _cli(served: dict[str, Any], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ATTUNE, *args], env={**served["env"], **env}, capture_output=True,
                          text=True, timeout=300)


def test_embedded_serve_end_to_end(served: dict[str, Any], media_dir: Path) -> None:
    data = served["root"] / "data"
    assert (data / "attune.db").exists(), "SQLite is the embedded default"
    assert any((data / "redis").iterdir()), "Redis keeps its AOF in the data dir"

    added = _cli(served, "user", "add", "els@example.org", "--role", "professional",
                 "--team", "Noord", ATTUNE_PASSWORD=PASSWORD)
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(data / "attune.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE email = ?",
                                ("els@example.org",)).fetchone()
    assert argon2.extract_parameters(stored) == auth.PROFILE, "a real server hashes at full cost"
    logged_in = _cli(served, "login", served["url"], "--email", "els@example.org",
                     ATTUNE_PASSWORD=PASSWORD)
    assert logged_in.returncode == 0, logged_in.stderr
    assert (served["root"] / "home" / "attune" / "credentials.json").stat().st_mode & 0o077 == 0

    clip_file = media.make_iphone_like(media_dir)
    uploaded = _cli(served, "upload", str(clip_file), "--case", "Gezin 2026-014", "--wait")
    assert uploaded.returncode == 0, uploaded.stderr
    clip_id = uploaded.stdout.strip().splitlines()[-1]

    token = httpx.post(f"{served['url']}/api/auth/token",
                       data={"username": "els@example.org", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    clip = httpx.get(f"{served['url']}/api/clips/{clip_id}", headers=headers).json()
    assert clip["status"] == "ready"
    assert clip["width"] < clip["height"], "a portrait phone recording stays portrait"
    master = httpx.get(clip["hls_url"])
    assert master.status_code == 200 and "#EXT-X-STREAM-INF" in master.text

    # A player needs nothing but the URL: ffprobe opens it like VLC would.
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", clip["hls_url"]], capture_output=True, text=True,
                           timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert "720,1280" in probe.stdout

    bad = _cli(served, "upload", str(media.make_truncated(media_dir)), "--case",
               "Gezin 2026-014", "--wait")
    assert bad.returncode == 1
    assert "processing failed" in bad.stderr

    # Everything above, from adding the user to the failed upload, is one unbroken
    # chain in the access log (SQLite, the API and the worker writing to it).
    verified = _cli(served, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "the access log is intact" in verified.stdout


def test_processing_progress_is_visible_while_it_runs(served: dict[str, Any],
                                                     media_dir: Path) -> None:
    token = httpx.post(f"{served['url']}/api/auth/token",
                       data={"username": "els@example.org", "password": PASSWORD}).json()
    api = httpx.Client(base_url=served["url"], timeout=60,
                       headers={"Authorization": f"Bearer {token['access_token']}"})
    case_id = api.get("/api/cases").json()[0]["id"]
    source = media.make_plain_h264(media_dir, width=1920, height=1080, seconds=12,
                                   name="progress.mp4")
    with source.open("rb") as fh:
        clip = api.post(f"/api/cases/{case_id}/clips", files={"file": ("p.mp4", fh)}).json()
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + 180
    while clip["status"] not in ("ready", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        clip = api.get(f"/api/clips/{clip['id']}").json()
        seen.append((clip["status"], clip["progress"]))
    assert clip["status"] == "ready"
    running = [p for status, p in seen if status == "processing"]
    assert any(0 < p < 1 for p in running), seen
    assert running == sorted(running), "progress never goes backwards"


def test_serve_stops_its_services(served: dict[str, Any]) -> None:
    children = _children_of(served["proc"].pid)
    assert len(children) >= 3, "redis, seaweedfs and a worker run beside the API"
    served["proc"].send_signal(signal.SIGTERM)
    served["proc"].wait(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(process_alive(p) for p in children):
        time.sleep(0.2)
    assert not [p for p in children if process_alive(p)]


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]
