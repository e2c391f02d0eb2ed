"""Real tus clients against a real HTTP server, and a server killed mid-upload.

tests/ingest/test_tus.py checks the protocol request by request through the ASGI test
client; that proves the server does what *we* think tus says. These tests run
the clients people actually use (tus-js-client, under Uppy and most web apps;
tuspy) over TCP against uvicorn, so a disagreement about headers, offsets,
chunking or resuming shows up here and not on a home visit. The last test kills
the API process with SIGKILL in the middle of a request and resumes from a new
client process: the README promises a restart loses at most the part that was
arriving.

Needs node and tests/js/node_modules (``scripts/install.sh --dev`` installs both);
without them these tests fail with the fix in the message rather than skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import media
import pytest
from support import free_port

from core.db.models import Clip

JS_DIR = Path(__file__).resolve().parents[1] / "js"
UPLOAD_JS = JS_DIR / "upload.mjs"
MIB = 1024 * 1024
PART = 5 * MIB  # the smallest S3 part: the server's part size in these tests
TUS = {"Tus-Resumable": "1.0.0"}


# -- fixtures ------------------------------------------------------------

@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, with tus-js-client installed next to the script. Missing
    tools are a broken test setup, not a reason to skip: CI must run these."""
    binary = shutil.which("node")
    if binary is None:
        pytest.fail("node is not installed; run scripts/install.sh --dev "
                    "(it installs Debian's nodejs and npm)", pytrace=False)
    if not (JS_DIR / "node_modules" / "tus-js-client").is_dir():
        pytest.fail("tus-js-client is not installed; run "
                    "`npm ci --prefix tests/js --no-audit --no-fund` "
                    "(scripts/install.sh --dev does)", pytrace=False)
    return binary


@pytest.fixture(autouse=True)
def small_parts(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """5 MiB parts, so a 12 MB file spans several parts and leaves a tail."""
    monkeypatch.setattr(runtime.settings, "upload_part_bytes", PART)


@pytest.fixture(scope="module")
def video_12mb(media_dir: Path) -> Path:
    return _padded_video(media_dir, "tus-clients-12mb.mp4", 12 * MIB + 12345)


@pytest.fixture(scope="module")
def video_30mb(media_dir: Path) -> Path:
    return _padded_video(media_dir, "tus-clients-30mb.mp4", 30 * MIB + 777)


def _padded_video(media_dir: Path, name: str, size: int) -> Path:
    """A real recording (so the server's sniffing accepts its first bytes) padded
    with random bytes to ``size``: big enough for several parts, cheap to make,
    and any byte out of place changes the sha256."""
    clip = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                 name=f"head-{name}")
    data = clip.read_bytes()
    path = media_dir / name
    path.write_bytes(data + os.urandom(size - len(data)))
    return path


@pytest.fixture()
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process a test starts, killed (with its process group) afterwards,
    whatever the test's outcome."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


# -- helpers -------------------------------------------------------------

def _token(user: dict[str, Any]) -> str:
    return str(user["headers"]["Authorization"].removeprefix("Bearer "))


class TusJs:
    """One tus-js-client process (tests/js/upload.mjs). Its JSON-lines events are
    read as they come, so a test can act mid-upload and the pipe never fills."""

    def __init__(self, processes: list[subprocess.Popen[bytes]], node: str, path: Path,
                 user: dict[str, Any], *args: str) -> None:
        self.proc = subprocess.Popen(
            [node, str(UPLOAD_JS), "--file", str(path), f"--token={_token(user)}", *args],
            cwd=JS_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        processes.append(self.proc)
        self.events: list[dict[str, Any]] = []
        self.stderr = bytearray()
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read_events, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_events(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:  # not ours (a runtime warning): keep it for the report
                event = {"event": "unparsed", "line": line.decode(errors="replace")}
            with self._changed:
                self.events.append(event)
                self._changed.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr += self.proc.stderr.read()

    def _output(self) -> str:
        lines = [json.dumps(e) for e in self.events[-30:]]
        return "\n".join([*lines, self.stderr.decode(errors="replace")[-3000:]])

    def wait_for(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        """The first event of ``kind``; fails if the client ends or errs first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while time.monotonic() < deadline:
                found = _of(self.events, kind)
                if found:
                    return found[0]
                if _of(self.events, "error") or not self._readers[0].is_alive():
                    break
                self._changed.wait(timeout=0.1)
        pytest.fail(f"tus-js-client gave no {kind} event:\n{self._output()}")

    def finish(self, timeout: float = 60) -> list[dict[str, Any]]:
        """All events, once the client exited 0 after success or abort; anything
        else fails the test with what the client said."""
        self._end(timeout)
        last = self.events[-1]["event"] if self.events else None
        if self.proc.returncode != 0 or last not in ("success", "aborted"):
            pytest.fail(f"tus-js-client failed (exit {self.proc.returncode}):\n{self._output()}")
        return self.events

    def failed(self, timeout: float = 30) -> dict[str, Any]:
        """The error a client reported before it exited 1: it must give up (retries
        off), not hang and not claim success."""
        self._end(timeout)
        if self.proc.returncode != 1 or not _of(self.events, "error"):
            pytest.fail(f"tus-js-client did not fail (exit {self.proc.returncode}):\n"
                        f"{self._output()}")
        return self.events[-1]

    def _end(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)
            pytest.fail(f"tus-js-client did not finish in {timeout}s:\n{self._output()}")
        for reader in self._readers:
            reader.join(timeout=10)


def _of(events: list[dict[str, Any]], kind: str, **match: Any) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == kind
            and all(e.get(k) == v for k, v in match.items())]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored_sha256(runtime: Any, case_id: str, clip_id: str) -> str:
    data = runtime.store.get_bytes(runtime.settings.s3_bucket_originals,
                                   f"cases/{case_id}/clips/{clip_id}/original")
    return hashlib.sha256(data).hexdigest()


def _jobs_for(runtime: Any, clip_id: str) -> int:
    jobs = runtime.redis.lrange(f"rq:queue:{runtime.settings.queue_namespace}:transcode", 0, -1)
    return len([j for j in jobs if clip_id.encode() in j])


def _head(url: str, user: dict[str, Any]) -> httpx.Response:
    return httpx.head(url, headers={**TUS, **user["headers"]}, timeout=10)


def _offset_after_abort(url: str, user: dict[str, Any], acknowledged: int) -> int:
    """The server's offset once it took in the request the client abandoned: the
    server notices the dropped connection and commits what arrived a moment after
    the client is gone (under load, more than a moment), so wait for the offset to
    move past the last one the client was told, up to a deadline."""
    offset, deadline = acknowledged, time.monotonic() + 15
    while offset <= acknowledged and time.monotonic() < deadline:
        time.sleep(0.1)
        resp = _head(url, user)
        assert resp.status_code == 200, resp.text
        offset = int(resp.headers["upload-offset"])
    return offset


def _assert_arrived_once(runtime: Any, client: Any, user: dict[str, Any], case_id: str,
                         clip_id: str, source: Path) -> None:
    """What the professional would notice: the clip is queued, the stored
    original is byte for byte their file, and it is transcoded once."""
    assert _stored_sha256(runtime, case_id, clip_id) == _sha256(source)
    clip = client.get(f"/api/clips/{clip_id}", headers=user["headers"]).json()
    assert clip["status"] == "queued", clip
    assert clip["size_bytes"] == source.stat().st_size
    assert _jobs_for(runtime, clip_id) == 1, "queued exactly once"


# -- tus-js-client -------------------------------------------------------

def test_tus_js_client_uploads_in_chunks(node: str, live_url: str, runtime: Any, client: Any,
                                         pro: dict[str, Any], case_id: str,
                                         video_12mb: Path,
                                         processes: list[subprocess.Popen[bytes]]) -> None:
    """The browser client, 4 MiB chunks (not a multiple of the 5 MiB part), the
    first chunk in the creation request itself."""
    size = video_12mb.stat().st_size
    events = TusJs(processes, node, video_12mb, pro, "--endpoint", f"{live_url}/api/uploads/",
                   "--case-id", case_id, "--activity", "bath", "--chunk-size", str(4 * MIB),
                   "--data-during-creation").finish()

    (created,) = _of(events, "created")
    clip_id = created["clip_id"]
    assert created["url"].startswith(f"{live_url}/api/uploads/")
    (post,) = _of(events, "response", method="POST")
    assert (post["status"], post["offset"]) == (201, 4 * MIB), "creation-with-upload"
    patches = _of(events, "response", method="PATCH")
    assert [(p["status"], p["offset"]) for p in patches] == [
        (204, 8 * MIB), (204, 12 * MIB), (204, size)]
    assert events[-1] == {"event": "success", "url": created["url"], "sent": size}

    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_12mb)
    with runtime.db() as db:
        row = db.get(Clip, clip_id)
        assert row is not None
        assert (row.filename, row.activity) == (video_12mb.name, "bath")


def test_tus_js_client_resumes_from_another_process(node: str, live_url: str, runtime: Any,
                                                    client: Any, pro: dict[str, Any],
                                                    case_id: str, video_12mb: Path,
                                                    processes: list[subprocess.Popen[bytes]],
                                                    ) -> None:
    """The phone's app is killed mid-upload; the next launch knows nothing but the
    upload URL it saved, and must continue where the server stopped, not at 0.

    The first run is paced (8 MiB/s) so the abort lands in the middle of its
    second request, not between two: on localhost a whole 4 MiB chunk would
    otherwise arrive before the client's next progress event."""
    size = video_12mb.stat().st_size
    first = TusJs(processes, node, video_12mb, pro, "--endpoint", f"{live_url}/api/uploads/",
                  "--case-id", case_id, "--chunk-size", str(4 * MIB), "--throttle", str(8 * MIB),
                  "--abort-after", str(6 * MIB)).finish()
    aborted = first[-1]
    assert aborted["event"] == "aborted"
    url = aborted["url"]
    (created,) = _of(first, "created")
    clip_id = created["clip_id"]

    assert [p["offset"] for p in _of(first, "response", method="PATCH")] == [4 * MIB]
    offset = _offset_after_abort(url, pro, 4 * MIB)
    assert 4 * MIB < offset < 8 * MIB, "what arrived of the interrupted request is kept"
    clip = client.get(f"/api/clips/{clip_id}", headers=pro["headers"]).json()
    assert clip["status"] == "uploading"
    assert _jobs_for(runtime, clip_id) == 0

    second = TusJs(processes, node, video_12mb, pro, "--upload-url", url,
                   "--chunk-size", str(4 * MIB)).finish()
    assert not _of(second, "created"), "resumed, not started again"
    assert second[0] == {"event": "request", "method": "HEAD", "offset": None}
    (head,) = _of(second, "response", method="HEAD")
    assert (head["status"], head["offset"], head["clip_id"]) == (200, offset, clip_id)
    progress = _of(second, "progress")
    assert progress[0]["bytes"] == offset > 0, "the first progress is the server's offset"
    patches = _of(second, "request", method="PATCH")
    assert patches[0]["offset"] == offset
    assert second[-1]["event"] == "success"
    assert second[-1]["sent"] == size - offset < size, "only the missing bytes were sent"
    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_12mb)

    # Killed again after the last byte but before it noted success: the next run
    # learns the upload is complete, sends nothing, and nothing is queued twice.
    third = TusJs(processes, node, video_12mb, pro, "--upload-url", url).finish()
    assert not _of(third, "request", method="PATCH")
    assert third[-1] == {"event": "success", "url": url, "sent": 0}
    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_12mb)


# -- tuspy ---------------------------------------------------------------

def test_tuspy_uploads_odd_chunks_with_checksums(live_url: str, runtime: Any, client: Any,
                                                 pro: dict[str, Any], case_id: str,
                                                 video_12mb: Path) -> None:
    """tuspy with 3 MiB chunks (they do not line up with the 5 MiB parts, so most
    requests end mid-part and leave the rest in the tail object for the next one)
    and a sha1 Upload-Checksum on each, which makes the server commit per request
    instead of per part."""
    from tusclient import client as tus

    uploader = tus.TusClient(f"{live_url}/api/uploads/", headers=pro["headers"]).uploader(
        str(video_12mb), chunk_size=3 * MIB, upload_checksum=True,
        metadata={"case_id": case_id, "filename": "voeding.mp4", "activity": "feeding"})
    uploader.upload()

    assert uploader.offset == video_12mb.stat().st_size
    assert uploader.request is not None
    assert uploader.request.status_code == 204
    head = _head(str(uploader.url), pro)
    assert int(head.headers["upload-offset"]) == video_12mb.stat().st_size
    clip_id = head.headers["attune-clip-id"]
    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_12mb)
    with runtime.db() as db:
        row = db.get(Clip, clip_id)
        assert row is not None
        assert (row.filename, row.activity) == ("voeding.mp4", "feeding")


def test_tuspy_resumes_with_a_new_client(live_url: str, runtime: Any, client: Any,
                                         pro: dict[str, Any], case_id: str,
                                         video_12mb: Path) -> None:
    """A script uploads a few chunks, dies, and a new run continues from the saved
    URL: tuspy asks the server for the offset (HEAD) and sends only the rest."""
    from tusclient import client as tus

    endpoint = f"{live_url}/api/uploads/"
    first = tus.TusClient(endpoint, headers=pro["headers"]).uploader(
        str(video_12mb), chunk_size=3 * MIB, upload_checksum=True,
        metadata={"case_id": case_id, "filename": "bad.mp4"})
    first.upload_chunk()
    first.upload_chunk()
    assert first.offset == 6 * MIB
    url = str(first.url)
    clip_id = _head(url, pro).headers["attune-clip-id"]
    assert _jobs_for(runtime, clip_id) == 0

    second = tus.TusClient(endpoint, headers=pro["headers"]).uploader(
        str(video_12mb), url=url, chunk_size=3 * MIB, upload_checksum=True)
    assert second.offset == 6 * MIB, "the new client asked the server where to go on"
    second.upload()
    assert second.offset == video_12mb.stat().st_size
    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_12mb)


# -- a server killed mid-upload ------------------------------------------

def _start_api(processes: list[subprocess.Popen[bytes]], port: int,
               log: Path) -> subprocess.Popen[bytes]:
    """``attune api`` as production runs it, on the test services (os.environ
    holds the ATTUNE_* settings), with the smallest S3 part size."""
    env = {**os.environ, "ATTUNE_UPLOAD_PART_BYTES": str(PART)}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "attune.cli", "api", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    processes.append(proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"attune api exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"attune api did not become healthy:\n{log.read_text()[-3000:]}")


def test_upload_survives_the_server_being_killed(node: str, runtime: Any, client: Any,
                                                 pro: dict[str, Any], case_id: str,
                                                 video_30mb: Path, tmp_path: Path,
                                                 processes: list[subprocess.Popen[bytes]],
                                                 ) -> None:
    """SIGKILL of the API in the middle of one long PATCH (tus-js-client's default:
    the whole file in one request). Whole parts were committed as they were
    stored, so after a restart the upload continues from the last whole part
    and the original is intact."""
    size = video_30mb.stat().st_size
    port, log = free_port(), tmp_path / "api.log"
    url = f"http://127.0.0.1:{port}"
    server = _start_api(processes, port, log)

    # ~6 MiB/s: slow enough that the request is still arriving when we kill.
    uploader = TusJs(processes, node, video_30mb, pro, "--endpoint", f"{url}/api/uploads/",
                     "--case-id", case_id, "--throttle", str(6 * MIB), "--retry-delays=")
    upload_url = str(uploader.wait_for("created")["url"])
    seen, deadline = 0, time.monotonic() + 30
    while seen == 0 and time.monotonic() < deadline and uploader.proc.poll() is None:
        seen = int(_head(upload_url, pro).headers["upload-offset"])
        time.sleep(0.05)
    assert 0 < seen < size, f"no whole part was committed before the upload ended ({seen})"
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)

    lost = uploader.failed()
    assert "failed to upload chunk" in lost["message"], lost

    _start_api(processes, port, log)
    offset = int(_head(upload_url, pro).headers["upload-offset"])
    assert offset % PART == 0 and seen <= offset < size, (
        f"the restarted server continues from a whole part (got {offset})")

    resumed = TusJs(processes, node, video_30mb, pro, "--upload-url", upload_url).finish()
    assert _of(resumed, "request", method="PATCH")[0]["offset"] == offset
    assert resumed[-1]["event"] == "success"
    assert resumed[-1]["sent"] == size - offset < size

    clip_id = _head(upload_url, pro).headers["attune-clip-id"]
    _assert_arrived_once(runtime, client, pro, case_id, clip_id, video_30mb)
