"""Running one ffmpeg command to completion: progress, a time limit, no orphans.

ffmpeg runs in its own process group so a timeout or an interrupt kills all of
it, and its stderr is drained in a thread so a chatty run cannot fill the pipe
and hang. On Linux it is also told to die with the process that started it:
a worker killed with SIGKILL runs no ``finally``, and an ffmpeg left behind
would go on decoding a baby's recording into a scratch directory nobody
will ever read. Failures become a :class:`MediaError` quoting the line that
explains them, with presigned URLs redacted.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

from core.lifetime import die_with_parent_hook
from core.media import errors
from core.media.diagnostics import NETWORK_ERRORS, last_meaningful_line, redact_urls
from core.media.errors import MediaError

FFMPEG = os.environ.get("ATTUNE_FFMPEG", "ffmpeg")
PROGRESS_INTERVAL_S = 0.5
STDERR_TAIL_LINES = 50


def run_ffmpeg(
    args: list[str],
    *,
    duration_s: float,
    on_progress: Callable[[float], None] | None,
    timeout_s: float,
) -> None:
    """Run ffmpeg to completion, reporting progress, within ``timeout_s``.

    ``args`` is the argv (the ffmpeg executable is prepended when missing);
    ``-progress pipe:1 -nostats`` is added so progress arrives on stdout as
    ``out_time_us`` lines while stderr is drained in a thread (a full stderr
    pipe would otherwise block ffmpeg forever). ffmpeg runs in its own session
    so a timeout, an exception from ``on_progress`` or an interrupt of this
    thread kills the whole process group, and it gets SIGKILL when this
    process dies (see :func:`die_with_parent`). ``on_progress`` receives
    monotonic values in 0..1, at most every ~0.5 s, and 1.0 only after success.

    The kernel sends that signal when the *thread* that started ffmpeg ends,
    not only the process. Any thread may call this function all the same:
    it waits for ffmpeg (or kills it) before it returns, so the calling thread
    always outlives its ffmpeg.
    """
    argv = _progress_argv(args)
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=die_with_parent_hook(),
    )
    assert process.stdout is not None and process.stderr is not None
    tail = _StderrTail(process.stderr)
    timed_out = threading.Event()
    watchdog = threading.Timer(timeout_s, _on_timeout, (process, timed_out))
    watchdog.daemon = True
    watchdog.start()
    try:
        _follow_progress(process.stdout, _Progress(duration_s, on_progress))
        process.wait()
    except BaseException:
        _kill_group(process)
        raise
    finally:
        watchdog.cancel()
        process.stdout.close()
        tail.join()
    if timed_out.is_set():
        raise MediaError(errors.TIMEOUT, detail=f"ffmpeg exceeded {timeout_s} s")
    if process.returncode != 0:
        raise _ffmpeg_failure(process.returncode, tail.lines())
    if on_progress is not None:
        on_progress(1.0)


def _progress_argv(args: list[str]) -> list[str]:
    argv = list(args)
    if not argv or not Path(argv[0]).name.startswith("ffmpeg"):
        argv.insert(0, FFMPEG)
    extra = [a for a in ("-progress", "pipe:1", "-nostats", "-nostdin") if a not in argv]
    return [argv[0], *extra, *argv[1:]]


def _follow_progress(stdout: IO[bytes], progress: _Progress) -> None:
    for raw in stdout:
        key, _, value = raw.decode("ascii", "replace").strip().partition("=")
        if key == "out_time_us":
            progress.update(value)


class _Progress:
    """Turns ``out_time_us`` into throttled, monotonic fractions below 1.0."""

    def __init__(self, duration_s: float, callback: Callable[[float], None] | None) -> None:
        self.duration_us = max(duration_s, 0.001) * 1_000_000
        self.callback = callback
        self.reported = 0.0
        self.last_call = -math.inf

    def update(self, out_time_us: str) -> None:
        if self.callback is None:
            return
        try:
            fraction = min(0.99, max(0.0, int(out_time_us) / self.duration_us))
        except ValueError:
            return  # "N/A" before the first frame is written
        now = time.monotonic()
        if fraction > self.reported and now - self.last_call >= PROGRESS_INTERVAL_S:
            self.reported, self.last_call = fraction, now
            self.callback(fraction)


class _StderrTail:
    """Drains a pipe in a thread and keeps its last lines for error messages."""

    def __init__(self, pipe: IO[bytes], keep: int = STDERR_TAIL_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=keep)
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: IO[bytes]) -> None:
        with pipe:
            for raw in pipe:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self._lines.append(redact_urls(line))

    def join(self, timeout: float = 10) -> None:
        self._thread.join(timeout)

    def lines(self) -> list[str]:
        return list(self._lines)


def _on_timeout(process: subprocess.Popen[bytes], flag: threading.Event) -> None:
    flag.set()
    _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ffmpeg's whole process group and reap it (no zombie, no orphan)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _ffmpeg_failure(returncode: int, stderr_lines: list[str]) -> MediaError:
    line = last_meaningful_line(stderr_lines)
    if line is None:
        line = f"ffmpeg stopped with exit status {returncode}"
    detail = "\n".join(stderr_lines) or line
    if any(marker in line.lower() for marker in NETWORK_ERRORS):
        return MediaError(errors.SOURCE_UNAVAILABLE, detail=detail)
    return MediaError(
        errors.TRANSCODE_FAILED,
        f"The video could not be converted. Technical detail: {line}",
        message_nl=f"De video kon niet worden omgezet. Technische details: {line}",
        detail=detail,
    )
