"""Nothing of a family is left behind when a worker is killed mid-transcode.

Real worker processes (``attune worker``) transcode real uploads with real
ffmpeg and are killed with SIGKILL. What a person would notice afterwards is
checked: scratch directories on disk and processes still running.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from rq.exceptions import NoSuchJobError
from rq.job import Job
from support import create_case, process_alive, upload

from core.db.models import Clip, ClipStatus
from core.workdir import Workdir, clean_stale, work_root

WORKER = [sys.executable, "-m", "attune.cli", "worker"]
#: With x264's slowest preset, no transcode of this can finish while a test
#: waits for the others to get going.
SOURCE_S = 60
SLOW = {"ATTUNE_X264_PRESET": "placebo"}
WAIT_S = 180


@pytest.fixture(scope="module")
def long_clip(media_dir: Path) -> Path:
    out = media_dir / "leftovers"
    out.mkdir(exist_ok=True)
    return media.make_plain_h264(out, width=320, height=240, fps=25, seconds=SOURCE_S,
                                 name="long_bath.mp4")


@pytest.fixture()
def processes(runtime: Any) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Worker processes a test starts; none outlives it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    # A worker killed in the middle of a sweep holds the deployment's sweeper
    # lock until it expires (two minutes): later tests that sweep must not find
    # it taken by a process that no longer exists.
    runtime.redis.delete(f"{runtime.settings.queue_namespace}:sweeper")


@pytest.fixture()
def clips(runtime: Any) -> Iterator[list[str]]:
    """Clips a test uploads. Their killed jobs are taken out of Redis and the clips
    failed afterwards, so no later test's worker or sweeper picks them up again."""
    made: list[str] = []
    yield made
    with runtime.db() as db:
        for clip_id in made:
            clip = db.get(Clip, clip_id)
            if clip is None:
                continue
            if clip.job_id:
                with contextlib.suppress(NoSuchJobError):
                    Job.fetch(clip.job_id, connection=runtime.redis).delete()
            clip.status, clip.error_code, clip.error = ClipStatus.failed, "test", "test"


def _uploads(client: Any, pro: dict[str, Any], source: Path, count: int) -> list[str]:
    """``count`` uploads of ``source`` into a new case; the clips' ids."""
    case_id = create_case(client, pro["headers"])
    return [upload(client, pro["headers"], case_id, source, "bad.mp4") for _ in range(count)]


def _start_worker(**env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(WORKER, env={**os.environ, **SLOW, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and process_alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    found = _children(pid)
    return [*found, *(d for child in found for d in _descendants(child))]


def _command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return ""


def _scratch_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


def _mid_transcode(worker: subprocess.Popen[bytes], root: Path) -> tuple[int, int, Path] | None:
    """(work horse, its ffmpeg, its scratch directory) once ffmpeg has written
    into the directory; None while the job is not that far yet."""
    for horse in _children(worker.pid):
        ffmpegs = [pid for pid in _children(horse) if Path(_command(pid)).name == "ffmpeg"]
        owned = [d for d in _scratch_dirs(root) if d.name.startswith(f"transcode.{horse}.")]
        if ffmpegs and owned and any(f.is_file() for f in owned[0].rglob("*")):
            return horse, ffmpegs[0], owned[0]
    return None


def _wait_mid_transcode(workers: list[subprocess.Popen[bytes]],
                        root: Path) -> list[tuple[int, int, Path]]:
    deadline = time.monotonic() + WAIT_S
    while True:
        found = [_mid_transcode(w, root) for w in workers]
        if all(f is not None for f in found):
            return [f for f in found if f is not None]
        for w in workers:
            assert w.poll() is None, f"worker {w.pid} stopped with {w.returncode}"
        if time.monotonic() > deadline:
            pytest.fail(f"workers never got to transcoding: {found}")
        time.sleep(0.2)


def _wait_dead(pids: list[int]) -> list[int]:
    """The pids still alive after waiting a generous while for them to go."""
    deadline = time.monotonic() + 30
    while any(process_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if process_alive(p)]


def test_killed_workers_leave_no_scratch_and_no_ffmpeg(
        client: Any, runtime: Any, pro: dict[str, Any], long_clip: Path,
        processes: list[subprocess.Popen[bytes]], clips: list[str]) -> None:
    kills = 5
    root = work_root(runtime.settings)
    clips += _uploads(client, pro, long_clip, kills)
    workers = [_start_worker(ATTUNE_SWEEP_INTERVAL_S="3600") for _ in range(kills)]
    processes += workers
    running = _wait_mid_transcode(workers, root)

    # Another process cleaning now must not touch a live job's directory.
    assert clean_stale(runtime.settings) == []
    assert all(scratch.is_dir() for _, _, scratch in running)

    family = [pid for worker in workers for pid in _descendants(worker.pid)]
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    ffmpegs = [ffmpeg for _, ffmpeg, _ in running]
    assert _wait_dead(ffmpegs) == [], "ffmpeg outlived its worker"
    assert _wait_dead(family) == [], "work horses or schedulers outlived their worker"
    left = [scratch for _, _, scratch in running if scratch.exists()]
    assert len(left) == kills, "each killed job left its scratch directory"

    # A worker starting on this machine removes them (another namespace, so it
    # does not pick up the killed jobs: only its start matters here).
    restart = _start_worker(ATTUNE_QUEUE_NAMESPACE=f"leftovers-{secrets.token_hex(3)}")
    processes.append(restart)
    deadline = time.monotonic() + WAIT_S
    while any(s.exists() for s in left) and time.monotonic() < deadline:
        assert restart.poll() is None, "the new worker stopped"
        time.sleep(0.2)
    assert [s for s in left if s.exists()] == []
    assert [s for s in root.iterdir() if s.name.startswith(".stale-")] == []
    print(f"\nkills={kills} dirs_before={len(left)} "
          f"dirs_after={sum(s.exists() for s in left)} orphaned_ffmpeg=0")


def test_a_killed_job_is_cleaned_by_its_own_workers_sweeper(
        client: Any, runtime: Any, pro: dict[str, Any], long_clip: Path,
        processes: list[subprocess.Popen[bytes]], clips: list[str]) -> None:
    """The work horse dies, its worker lives on: ffmpeg goes with the horse and the
    worker's next sweeper pass removes the directory."""
    root = work_root(runtime.settings)
    clips += _uploads(client, pro, long_clip, 1)
    worker = _start_worker(ATTUNE_SWEEP_INTERVAL_S="1")
    processes.append(worker)
    [(horse, ffmpeg, scratch)] = _wait_mid_transcode([worker], root)

    os.kill(horse, signal.SIGKILL)
    assert _wait_dead([ffmpeg]) == [], "ffmpeg outlived the job that started it"
    deadline = time.monotonic() + WAIT_S
    while scratch.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not scratch.exists()
    assert worker.poll() is None

    # Whatever the worker does next (RQ retries the job), killing it leaves
    # nothing running, and what it leaves on disk goes on the next clean.
    family = _descendants(worker.pid)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert _wait_dead(family) == []
    # A retry's work horse forked just before the kill may still be on its way
    # out (it dies with its parent); once it is, its directory is unlocked.
    deadline = time.monotonic() + WAIT_S
    while True:
        clean_stale(runtime.settings)
        left = [d for d in _scratch_dirs(root) if d.name.startswith("transcode.")]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert left == []


# --------------------------------------------------------------------------- the cleaner's rules


@pytest.fixture()
def local(tmp_path: Path) -> Any:
    """A runtime whose data dir (and so scratch root) is this test's own."""
    from core.config import Settings
    from core.runtime import Runtime

    return Runtime(Settings(data_dir=tmp_path, database_url="sqlite://"))


def test_a_live_scratch_directory_is_never_removed(local: Any) -> None:
    with Workdir(local) as live:
        (live / "poster.jpg").write_bytes(b"a baby")
        assert clean_stale(local.settings) == []  # a second open of it, same process
        assert (live / "poster.jpg").is_file()
    assert not live.exists()
    assert list(work_root(local.settings).iterdir()) == []


KILLED_JOB = """
import os, signal, sys
from core.config import Settings
from core.runtime import Runtime
from core.workdir import Workdir
work = Workdir(Runtime(Settings(data_dir=sys.argv[1], database_url="sqlite://")), "render")
(work.path / "items.ffconcat").write_text("file 'a.mov'")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_directory_whose_owner_is_gone_is_removed(local: Any) -> None:
    """A job process that is killed: its lock goes with it."""
    job = subprocess.run([sys.executable, "-c", KILLED_JOB, str(local.settings.data_dir)],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, timeout=60)
    assert job.returncode == -signal.SIGKILL, job.stderr
    [left] = list(work_root(local.settings).iterdir())
    assert left.name.startswith("render.")
    assert clean_stale(local.settings) == [left.name]
    assert list(work_root(local.settings).iterdir()) == []


def test_directories_of_versions_without_a_lock_go_once_no_job_can_be_running(
        local: Any) -> None:
    root = work_root(local.settings)
    old, recent = root / "transcode-abcd1234", root / "analyse-efgh5678"
    foreign = root / "notes"
    for folder in (old, recent, foreign):
        (folder / "thumbs").mkdir(parents=True)
    long_ago = time.time() - 3 * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(foreign, (long_ago, long_ago))
    (root / ".stale-render.1.zzzzzzzz").mkdir()  # a cleaner was killed halfway

    assert clean_stale(local.settings) == [old.name]
    assert sorted(p.name for p in root.iterdir()) == ["analyse-efgh5678", "notes"]
