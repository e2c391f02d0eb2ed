"""`attune upload` as a professional runs it: the CLI in its own process, over
TCP, against the API on the real test services.

The API runs under uvicorn in a thread of this process (sharing the test
runtime), so the tests can look at what landed in S3 and run the transcode
themselves. The CLI gets nothing but ATTUNE_URL, ATTUNE_TOKEN and its own
config dir, where it keeps the unfinished uploads it can continue.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import media
import pytest
from support import free_port, run_jobs, team_name

from attune.client import Api, ClientError, LocalFile, Pending, PendingUploads
from attune.tus import ChunkSizer, FileSource, RetryPolicy

ATTUNE = [sys.executable, "-m", "attune.cli"]
MIB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
SPEED = re.compile(r"\d+(\.\d)? [kMG]?B/s")


# -- fixtures ------------------------------------------------------------

@pytest.fixture(scope="module")
def professional(runtime: Any, live_url: str) -> dict[str, str]:
    """A professional with a bearer token, as ``attune login`` would leave it."""
    from core.auth import add_user
    from core.db.models import Role

    email, password = f"cli-{secrets.token_hex(4)}@example.org", "correct horse battery"
    with runtime.db() as db:
        add_user(db, email, password, Role.professional, team_name())
    resp = httpx.post(f"{live_url}/api/auth/token",
                      data={"username": email, "password": password})
    assert resp.status_code == 200, resp.text
    return {"token": resp.json()["access_token"], "url": live_url}


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture()
def env(professional: dict[str, str], home: Path) -> dict[str, str]:
    return {**os.environ, "ATTUNE_URL": professional["url"],
            "ATTUNE_TOKEN": professional["token"], "XDG_CONFIG_HOME": str(home)}


@pytest.fixture(scope="module")
def small_video(media_dir: Path) -> Path:
    return media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                 name="cli-small.mp4")


@pytest.fixture(scope="module")
def video_25mb(media_dir: Path) -> Path:
    """A real recording followed by a ``free`` box of random bytes: still a valid
    MP4 (the server sniffs it, the worker could transcode it), several S3 parts
    long, and any byte out of place changes its sha256."""
    clip = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                 name="cli-head.mp4").read_bytes()
    padding = 25 * MIB + 4321 - len(clip)
    path = media_dir / "cli-25mb.mp4"
    path.write_bytes(clip + struct.pack(">I", padding) + b"free" + os.urandom(padding - 8))
    return path


# -- helpers -------------------------------------------------------------

def _attune(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ATTUNE, *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _api(professional: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=professional["url"], timeout=30,
                        headers={"Authorization": f"Bearer {professional['token']}"})


def _case_id(professional: dict[str, str], label: str) -> str:
    with _api(professional) as api:
        return next(str(c["id"]) for c in api.get("/api/cases").json() if c["label"] == label)


def _pending(home: Path) -> list[dict[str, Any]]:
    path = home / "attune" / "uploads.json"
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = json.loads(path.read_text())["uploads"]
    return entries


def _offset(professional: dict[str, str], url: str) -> int:
    resp = httpx.head(url, headers={**TUS, "Authorization": f"Bearer {professional['token']}"})
    assert resp.status_code == 200, resp.text
    return int(resp.headers["upload-offset"])


def _settled_offset(professional: dict[str, str], url: str) -> int:
    """The server's offset once it stopped moving: a request cut off by Ctrl-C
    is still being dealt with for a moment after the client went away."""
    last, deadline = -1, time.monotonic() + 10
    while time.monotonic() < deadline:
        offset = _offset(professional, url)
        if offset == last:
            return offset
        last = offset
        time.sleep(0.3)
    pytest.fail(f"the offset of {url} kept moving")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored(runtime: Any, case_id: str, clip_id: str) -> bytes:
    data: bytes = runtime.store.get_bytes(runtime.settings.s3_bucket_originals,
                                          f"cases/{case_id}/clips/{clip_id}/original")
    return data


def _wait_for_status(professional: dict[str, str], clip_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 30
    with _api(professional) as api:
        while time.monotonic() < deadline:
            if api.get(f"/api/clips/{clip_id}").json()["status"] == wanted:
                return
            time.sleep(0.1)
    pytest.fail(f"clip {clip_id} did not become {wanted}")


# -- tests ---------------------------------------------------------------

def test_upload_then_wait_until_ready(runtime: Any, professional: dict[str, str],
                                      env: dict[str, str], home: Path,
                                      small_video: Path) -> None:
    label = f"Gezin {secrets.token_hex(3)}"
    proc = subprocess.Popen([*ATTUNE, "upload", str(small_video), "--case", label, "--wait",
                             "--activity", "feeding"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    clip_id = proc.stdout.readline().strip()  # printed as soon as the upload is complete
    _wait_for_status(professional, clip_id, "queued")
    run_jobs(runtime)  # the worker's part, in this process
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "", "stdout has exactly one clip id per file"
    assert "100%" in err and SPEED.search(err), err
    assert re.search(r"ready\s+100\.0%", err), err

    from core.db.models import Clip

    with runtime.db() as db:
        clip = db.get(Clip, clip_id)
        assert clip is not None
        assert (clip.status.value, clip.activity, clip.filename) == (
            "ready", "feeding", small_video.name)
        assert clip.recorded_at is not None
        assert abs(clip.recorded_at.timestamp() - small_video.stat().st_mtime) < 1
    assert _pending(home) == [], "a finished upload is forgotten"
    assert (home / "attune" / "uploads.json").stat().st_mode & 0o077 == 0


def test_interrupted_upload_continues_where_the_server_stopped(
        runtime: Any, professional: dict[str, str], env: dict[str, str], home: Path,
        video_25mb: Path) -> None:
    label = f"Gezin {secrets.token_hex(3)}"
    command = [*ATTUNE, "upload", str(video_25mb), "--case", label, "--chunk-mib", "1"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    url = _interrupt_once_bytes_arrived(proc, professional, home)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert re.search(r"upload paused at \d+%; run the same command again to continue", err)
    assert "Traceback" not in err and out == ""

    size = video_25mb.stat().st_size
    kept = _settled_offset(professional, url)
    assert 0 < kept < size, "the server kept what arrived; the file is not complete"
    (saved,) = _pending(home)
    assert saved["url"] == url

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    resumed = re.search(r"resuming at (\d+)%", again.stderr)
    assert resumed is not None, again.stderr
    assert int(resumed.group(1)) == 100 * kept // size > 0, "continued from the server's offset"
    assert again.stdout.strip() == saved["clip_id"], "the same upload was continued"
    assert _pending(home) == []
    stored = _stored(runtime, _case_id(professional, label), saved["clip_id"])
    assert _sha256(stored) == _sha256(video_25mb.read_bytes())


def _interrupt_once_bytes_arrived(proc: subprocess.Popen[str], professional: dict[str, str],
                                  home: Path) -> str:
    """Ctrl-C as soon as the server has some of the file; returns the upload URL
    the CLI saved."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        entries = _pending(home)
        if entries and _offset(professional, entries[0]["url"]) > 0:
            proc.send_signal(signal.SIGINT)
            return str(entries[0]["url"])
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"the upload ended before it could be interrupted: {proc.communicate()}")


def test_refusals_read_as_sentences(runtime: Any, professional: dict[str, str],
                                    env: dict[str, str], home: Path, media_dir: Path,
                                    small_video: Path) -> None:
    label = f"Gezin {secrets.token_hex(3)}"
    text = media.make_text_as_mp4(media_dir)
    mixed = _attune(env, "upload", str(text), str(small_video), "--case", label)
    assert mixed.returncode == 1
    assert re.search(r"notes\.mp4: This file is a text file, not a video", mixed.stderr)
    assert len(mixed.stdout.split()) == 1, "the video after the refused file still went up"

    huge = media_dir / "huge.mov"
    with huge.open("wb") as fh:
        fh.truncate(5 * 1024**3)  # sparse: refused before a byte is read
    too_big = _attune(env, "upload", str(huge), "--case", label)
    assert too_big.returncode == 1
    assert "larger than the limit of 4.0 GB" in too_big.stderr

    nowhere = _attune({**env, "ATTUNE_URL": f"http://127.0.0.1:{free_port()}"},
                      "upload", str(small_video), "--case", label)
    assert nowhere.returncode == 1
    assert "cannot reach" in nowhere.stderr
    for result in (mixed, too_big, nowhere):
        assert "Traceback" not in result.stderr
    assert _pending(home) == [], "nothing left to continue"


class FlakyNetwork(httpx.BaseTransport):
    """The real network, except that the n-th PATCH meets the scripted fault."""

    def __init__(self, faults: dict[int, str]) -> None:
        self.real = httpx.HTTPTransport()
        self.faults = faults
        self.patches = 0
        self.heads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            self.heads += 1
        if request.method != "PATCH":
            return self.real.handle_request(request)
        self.patches += 1
        fault = self.faults.get(self.patches)
        if fault == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "answer lost":  # the server took the bytes; the client never hears
            resp = self.real.handle_request(request)
            resp.read()
            resp.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        if fault is not None:
            return httpx.Response(int(fault), request=request)
        return self.real.handle_request(request)


def test_the_client_rides_out_a_flaky_network(runtime: Any, professional: dict[str, str],
                                              tmp_path: Path, video_25mb: Path) -> None:
    """Dropped connections, a lost answer, a busy or confused server and damaged
    bytes: the upload goes on from the server's offset each time and arrives
    whole, once."""
    network = FlakyNetwork({2: "refused", 3: "answer lost", 4: "503", 5: "423", 6: "409",
                            7: "460"})
    api = Api(professional["url"], professional["token"], transport=network,
              retry=RetryPolicy(delays=(0.01,) * 4))
    notes: list[str] = []
    case = api.case_by_label(f"Gezin {secrets.token_hex(3)}")
    clip_id = api.upload(case["id"], video_25mb, chunk_bytes=4 * MIB,
                         listener=_Recorder(notes), pending=PendingUploads(tmp_path / "u.json"))

    assert network.heads >= 6, "every failure is followed by asking the server"
    assert any("HTTP 503" in n for n in notes) and any("ConnectError" in n for n in notes)
    assert _sha256(_stored(runtime, case["id"], clip_id)) == _sha256(video_25mb.read_bytes())
    jobs = runtime.redis.lrange(f"rq:queue:{runtime.settings.queue_namespace}:transcode", 0, -1)
    assert len([j for j in jobs if clip_id.encode() in j]) == 1, "queued exactly once"


def test_the_client_gives_up_with_a_reason(professional: dict[str, str], tmp_path: Path,
                                           small_video: Path) -> None:
    network = FlakyNetwork(dict.fromkeys(range(1, 10), "refused"))
    api = Api(professional["url"], professional["token"], transport=network,
              retry=RetryPolicy(delays=(0.01, 0.01)))
    case = api.case_by_label(f"Gezin {secrets.token_hex(3)}")
    pending = PendingUploads(tmp_path / "u.json")
    with pytest.raises(ClientError, match="run the same command again to continue"):
        api.upload(case["id"], small_video, pending=pending)
    assert network.patches == 3
    (kept,) = json.loads((tmp_path / "u.json").read_text())["uploads"]
    assert kept["path"] == str(small_video.resolve()), "kept, so that the next run continues"


def test_chunks_end_on_the_servers_part_grid(tmp_path: Path) -> None:
    """Whole 8 MiB parts per request, also after a resume from an odd offset, so
    the server never has a tail to read back and rewrite."""
    data = os.urandom(100 * MIB + 5)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with FileSource(path, len(data), 8 * MIB) as source:
        ends, offset = [], 0
        while offset < source.length:
            chunk = source.chunk(offset, 32 * MIB)
            source.hash_ahead(chunk.end, 32 * MIB)
            assert b"".join(source.pieces(chunk)) == data[chunk.offset: chunk.end]
            digest = hashlib.sha1(data[chunk.offset: chunk.end]).digest()
            assert chunk.checksum == f"sha1 {base64.b64encode(digest).decode()}"
            ends.append(chunk.end)
            offset = chunk.end
        assert ends == [8 * MIB, 40 * MIB, 72 * MIB, len(data)]
        assert source.end_of_chunk(13 * MIB + 7, 32 * MIB) == 40 * MIB, "a resume realigns"


def test_requests_are_sized_by_time() -> None:
    """Bigger requests while they go fast, smaller when slow or failing, always
    a whole number of parts."""
    sizer = ChunkSizer(32 * MIB, 8 * MIB, 512 * MIB, target_s=5)
    sizer.observe(32 * MIB, 0.3)  # about 110 MB/s
    assert sizer.size == 64 * MIB
    for _ in range(10):
        sizer.observe(sizer.size, sizer.size / (110e6))
    assert sizer.size == 512 * MIB
    sizer.failed()
    assert sizer.size == 256 * MIB
    for _ in range(10):
        sizer.observe(sizer.size, sizer.size / 1e6)  # a 4G uplink, 1 MB/s
    assert sizer.size == 8 * MIB
    fixed = ChunkSizer.fixed(MIB)
    fixed.observe(MIB, 0.001)
    fixed.failed()
    assert fixed.size == MIB


def test_a_changed_file_is_not_continued(tmp_path: Path) -> None:
    """Same path, new size or time: another recording. Its old upload is handed
    back for removal instead of being continued with the wrong bytes."""
    pending = PendingUploads(tmp_path / "attune" / "uploads.json")
    old = LocalFile("http://srv", "case-1", tmp_path / "a.mov", 10, 1)
    other = LocalFile("http://srv", "case-1", tmp_path / "b.mov", 10, 1)
    pending.remember(old, Pending("http://srv/api/uploads/1", "clip-1"))
    pending.remember(other, Pending("http://srv/api/uploads/2", "clip-2"))
    assert pending.find(old) == Pending("http://srv/api/uploads/1", "clip-1")
    assert pending.path.stat().st_mode & 0o077 == 0

    edited = LocalFile("http://srv", "case-1", tmp_path / "a.mov", 12, 2)
    assert pending.find(edited) is None
    assert pending.forget_changed(edited) == [Pending("http://srv/api/uploads/1", "clip-1")]
    assert pending.find(old) is None
    assert pending.find(other) is not None


class _Recorder:
    def __init__(self, notes: list[str]) -> None:
        self.notes = notes

    def start(self, offset: int) -> None:
        pass

    def update(self, done: int) -> None:
        pass

    def note(self, message: str) -> None:
        self.notes.append(message)
