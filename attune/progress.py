"""Progress on stderr for long uploads and for processing afterwards.

Someone uploading 2 GB from a home visit over 4G needs to see that it moves,
how fast, and when it will be done. On a terminal the line is redrawn in
place; when stderr is a file or a pipe (scripts, CI, tests) a plain line is
written now and then instead, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

#: Redraw no more often than this on a terminal (seconds) ...
TTY_INTERVAL_S = 0.1
#: ... and write a line no more often than this elsewhere.
LOG_INTERVAL_S = 5.0
#: Speed is measured over this recent window, so it follows a changing network.
SPEED_WINDOW_S = 5.0
BAR_WIDTH = 20


def human_bytes(count: float) -> str:
    """Decimal units, as phones and operating systems show file sizes."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds > 99 * 3600:
        return "--:--"
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Line:
    """One status line that is redrawn in place on a terminal."""

    def __init__(self, stream: TextIO | None, interactive: bool | None,
                 clock: Callable[[], float]) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.clock = clock
        self._last_draw = -1e9
        self._width = 0

    def due(self) -> bool:
        interval = TTY_INTERVAL_S if self.interactive else LOG_INTERVAL_S
        return self.clock() - self._last_draw >= interval

    def hold(self) -> None:
        """Count now as the last draw, so the next one waits an interval."""
        self._last_draw = self.clock()

    def draw(self, text: str) -> None:
        self._last_draw = self.clock()
        if self.interactive:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        """Leave the line as it is and move below it."""
        if self.interactive and self._width:
            self.stream.write("\n")
            self.stream.flush()
        self._width = 0

    def note(self, message: str) -> None:
        """A message on its own line, without garbling the status line."""
        self.end()
        self.stream.write(message + "\n")
        self.stream.flush()
        self._last_draw = -1e9


class TransferBar:
    """Bytes, percent, speed and time left of one upload.

    Speed counts only what this run sent, so resuming at 90% does not show an
    absurd rate; it is taken over the last few seconds so that the time left
    follows a network that slows down or recovers.
    """

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None,
                 interactive: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label if len(label) <= 28 else label[:25] + "..."
        self.total = max(total, 1)
        self.line = _Line(stream, interactive, clock)
        self.clock = clock
        self.done = 0
        self._started_at = clock()
        self._start_bytes = 0
        self._samples: deque[tuple[float, int]] = deque()

    def start(self, offset: int) -> None:
        """The upload begins at ``offset`` (more than 0 when resuming)."""
        self.done = self._start_bytes = offset
        self._started_at = self.clock()
        self._samples.clear()
        self._samples.append((self._started_at, offset))
        if self.line.interactive:
            self.line.draw(self.render())
        else:  # a log gets its first line once there is a speed to tell
            self.line.hold()

    def update(self, done: int) -> None:
        now = self.clock()
        if done < self.done:  # bytes being sent again after a failure
            self._samples.clear()
        self.done = done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()
        if self.line.due():
            self.line.draw(self.render())

    def note(self, message: str) -> None:
        self.line.note(message)

    def finish(self) -> None:
        """The final line: everything sent, at the average speed of this run."""
        self.done = self.total
        self._samples.clear()
        self.line.draw(self.render(final=True))
        self.line.end()

    def pause(self) -> None:
        self.line.end()

    def speed(self, final: bool = False) -> float | None:
        """Bytes per second: over the recent window, or the whole run at the end."""
        if final or len(self._samples) < 2:
            elapsed = self.clock() - self._started_at
            sent = self.done - self._start_bytes
        else:
            (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
            elapsed, sent = t1 - t0, b1 - b0
        shortest = 0.0 if final else 0.2  # too short a window gives wild numbers
        return sent / elapsed if elapsed > shortest and sent > 0 else None

    def render(self, final: bool = False) -> str:
        fraction = min(self.done / self.total, 1.0)
        speed = self.speed(final)
        rate = f"{human_bytes(speed)}/s" if speed else "-- MB/s"
        tail = (f"in {human_duration(self.clock() - self._started_at)}" if final else
                f"ETA {human_duration((self.total - self.done) / speed if speed else None)}")
        bar = ""
        if self.line.interactive:
            filled = int(fraction * BAR_WIDTH)
            bar = "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "] "
        return (f"{self.label}  {bar}{fraction * 100:3.0f}%  {human_bytes(self.done)} / "
                f"{human_bytes(self.total)}  {rate}  {tail}")


class StatusLine:
    """Processing after the upload: status and percent of one clip."""

    def __init__(self, label: str, *, stream: TextIO | None = None,
                 interactive: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.line = _Line(stream, interactive, clock)
        self._text = self._status = ""

    def update(self, status: str, fraction: float) -> None:
        """Redraw when the status changes, else at most as often as the line allows."""
        text = f"{self.label}  {status:<10} {fraction * 100:5.1f}%"
        if status != self._status or (text != self._text and self.line.due()):
            self.line.draw(text)
            self._text, self._status = text, status

    def end(self) -> None:
        self.line.end()
