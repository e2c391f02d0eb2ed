"""Generators for the test recordings the media pipeline is exercised with.

Each generator writes one file into the directory it is given and returns its
path. They call the ffmpeg command line directly (not ``core.media``), so a bug
in the code under test cannot also hide in the fixtures that test it. Clips
are short and small so the whole suite stays fast on a two-core machine.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import random
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# What a phone writes into a recording and what must never reach an output.
GPS_ISO6709 = "+52.3702+004.8952+000.000/"
GPS_LOCATION = "+52.3702+004.8952/"
MAKE = "Apple"
MODEL = "iPhone 15"
CREATION_TIME = "2024-05-01T10:00:00Z"
CHAPTER_TITLE = "Spoon feeding"
PRIVATE_BYTES = (b"52.3702", b"004.8952", MAKE.encode(), b"iPhone", CHAPTER_TITLE.encode())

_QUIET = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]


def _ffmpeg(*args: str) -> None:
    subprocess.run([*_QUIET, *args], check=True, capture_output=True, timeout=120)


def _testsrc(width: int, height: int, fps: float | str, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"]


def _sine(seconds: float, rate: int = 48000) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}"]


def ffprobe_json(path: Path | str, *extra: str) -> dict[str, Any]:
    """Run ffprobe with JSON output; ``extra`` selects what to show (default: everything)."""
    wanted = list(extra) or ["-show_format", "-show_streams", "-show_chapters"]
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *wanted, str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def make_iphone_like(out_dir: Path, seconds: float = 3) -> Path:
    """A portrait iPhone HDR recording: HEVC 10-bit HLG, coded 1920x1080 with a display matrix.

    Frames 20 and 50 are dropped so the clip is variable-frame-rate like a
    phone recording in low light. ffmpeg 5.1 only turns the legacy ``rotate``
    tag into a display matrix when stream-copying, so the clip is encoded
    first and tagged (rotation, GPS, make/model, creation time, chapter) in a
    second, stream-copy pass. ``rotate=270`` yields the ``rotation: -90``
    display matrix a real portrait iPhone clip has.
    """
    encoded = out_dir / "iphone_encoded.mov"
    _ffmpeg(
        *_testsrc(1920, 1080, 30, seconds),
        *_sine(seconds),
        "-map", "0:v", "-map", "1:a",
        "-vf", "select='not(eq(n\\,20)+eq(n\\,50))'", "-fps_mode", "vfr",
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
        "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc",
        "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc",
        "-tag:v", "hvc1", "-c:a", "aac", "-ac", "2",
        str(encoded),
    )  # fmt: skip
    chapters = out_dir / "iphone_chapters.txt"
    chapters.write_text(
        f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle={CHAPTER_TITLE}\n"
    )
    path = out_dir / "iphone.mov"
    _ffmpeg(
        "-i", str(encoded), "-i", str(chapters),
        "-map", "0", "-map_chapters", "1", "-c", "copy",
        "-metadata:s:v:0", "rotate=270",
        "-metadata", f"location={GPS_LOCATION}",
        "-metadata", f"com.apple.quicktime.location.ISO6709={GPS_ISO6709}",
        "-metadata", f"com.apple.quicktime.make={MAKE}",
        "-metadata", f"com.apple.quicktime.model={MODEL}",
        "-metadata", f"creation_time={CREATION_TIME}",
        "-movflags", "use_metadata_tags",
        str(path),
    )  # fmt: skip
    encoded.unlink()
    chapters.unlink()
    return path


def make_plain_h264(
    out_dir: Path,
    *,
    width: int = 1280,
    height: int = 720,
    fps: float | str = 25,
    seconds: float = 3,
    audio: bool = True,
    name: str | None = None,
) -> Path:
    """An ordinary SDR H.264 recording (landscape 720p, 25 fps, AAC by default)."""
    path = out_dir / (name or f"plain_{width}x{height}_{fps}{'' if audio else '_mute'}.mp4")
    audio_in = _sine(seconds) if audio else []
    audio_out = ["-map", "1:a", "-c:a", "aac", "-b:a", "96k"] if audio else []
    _ffmpeg(
        *_testsrc(width, height, fps, seconds),
        *audio_in,
        "-map", "0:v", *audio_out,
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-metadata", f"creation_time={CREATION_TIME}",
        "-metadata", f"location={GPS_LOCATION}",
        str(path),
    )  # fmt: skip
    return path


def make_no_audio(out_dir: Path) -> Path:
    """A landscape clip without an audio track (some phones film muted)."""
    return make_plain_h264(out_dir, width=640, height=360, audio=False, name="no_audio.mp4")


def make_small(out_dir: Path) -> Path:
    """A 320x240 clip: smaller than the smallest rendition, so it must not be upscaled."""
    return make_plain_h264(out_dir, width=320, height=240, seconds=2, name="small.mp4")


def make_60fps(out_dir: Path) -> Path:
    """A 60 fps clip; the pipeline halves such rates to 30 fps."""
    return make_plain_h264(out_dir, width=640, height=360, fps=60, seconds=2, name="sixty.mp4")


def make_audio_only(out_dir: Path) -> Path:
    """A voice memo: AAC in .m4a, no video stream."""
    path = out_dir / "voice.m4a"
    _ffmpeg(*_sine(2), "-c:a", "aac", str(path))
    return path


def make_image(out_dir: Path, ext: str = "jpg") -> Path:
    """A still photo (``jpg`` or ``png``) uploaded by mistake."""
    path = out_dir / f"photo.{ext}"
    _ffmpeg(*_testsrc(640, 480, 1, 1), "-frames:v", "1", "-update", "1", str(path))
    return path


def make_text_as_mp4(out_dir: Path) -> Path:
    """A text file that merely has a video file name."""
    path = out_dir / "notes.mp4"
    path.write_text("Verslag huisbezoek\n" * 200)
    return path


def make_empty(out_dir: Path) -> Path:
    """A zero-byte file, as left behind by a failed upload."""
    path = out_dir / "empty.mp4"
    path.write_bytes(b"")
    return path


def make_truncated(out_dir: Path) -> Path:
    """An interrupted upload: the first half of an MP4 whose index (moov) is at the end."""
    whole = make_plain_h264(out_dir, width=320, height=240, seconds=2, name="whole.mp4")
    data = whole.read_bytes()
    whole.unlink()
    path = out_dir / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def make_corrupt(out_dir: Path) -> Path:
    """A valid MP4 header and index, but the media data replaced by noise."""
    whole = out_dir / "faststart.mp4"
    _ffmpeg(
        *_testsrc(320, 240, 25, 2),
        "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart",
        str(whole),
    )  # fmt: skip
    data = bytearray(whole.read_bytes())
    whole.unlink()
    start = data.find(b"mdat") + 4
    data[start:] = random.Random(8216).randbytes(len(data) - start)
    path = out_dir / "corrupt.mp4"
    path.write_bytes(bytes(data))
    return path


def make_tiny(out_dir: Path) -> Path:
    """A 32x32 clip: too small to be a real recording."""
    return make_plain_h264(out_dir, width=32, height=32, seconds=1, audio=False, name="tiny.mp4")


def make_long_tiny(out_dir: Path, seconds: float) -> Path:
    """A long but cheap clip (64x64 at 1 fps) to test the duration limit."""
    path = out_dir / f"long_{int(seconds)}s.mp4"
    _ffmpeg(
        *_testsrc(64, 64, 1, seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        str(path),
    )  # fmt: skip
    return path


def make_pq_hdr(out_dir: Path) -> Path:
    """An HDR10-style clip: HEVC 10-bit, PQ (smpte2084) transfer, BT.2020, landscape."""
    path = out_dir / "pq.mp4"
    _ffmpeg(
        *_testsrc(640, 360, 25, 2),
        *_sine(2),
        "-map", "0:v", "-map", "1:a",
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
        "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
        "-tag:v", "hvc1", "-c:a", "aac",
        str(path),
    )  # fmt: skip
    return path


GENERATORS: dict[str, Callable[[Path], Path]] = {
    "iphone": make_iphone_like,
    "plain": lambda d: make_plain_h264(d, seconds=5),  # one full 4 s segment and a tail
    "no_audio": make_no_audio,
    "small": make_small,
    "sixty": make_60fps,
    "audio_only": make_audio_only,
    "jpg": make_image,
    "png": lambda d: make_image(d, "png"),
    "text": make_text_as_mp4,
    "empty": make_empty,
    "truncated": make_truncated,
    "corrupt": make_corrupt,
    "tiny": make_tiny,
    "pq": make_pq_hdr,
}


class MediaLibrary:
    """Generates each test recording on first use and reuses it afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self._made:
            self._made[name] = GENERATORS[name](self.root)
        return self._made[name]


_shared: MediaLibrary | None = None


def shared_library(make_root: Callable[[], Path]) -> MediaLibrary:
    """One library per test session, whichever test module asks first."""
    global _shared
    if _shared is None:
        _shared = MediaLibrary(make_root())
    return _shared


def output_files(out_dir: Path) -> list[Path]:
    """Every file under ``out_dir`` (what a transcode left behind)."""
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with byte ranges, like S3: ffmpeg seeks to an MP4's trailing index."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match and data:
            start = int(match.group(1))
            end = min(int(match.group(2) or len(data) - 1), len(data) - 1)
            body = data[start : end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on a free local port, standing in for presigned S3 URLs."""
    handler = functools.partial(_RangeHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Frame counter: the frame index in binary, least significant bit on the left, as
# COUNTER_BITS square blocks (white = 1) side by side across the top of the picture.
COUNTER_BITS = 10


def make_frame_counter(
    out_dir: Path,
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 30,
    seconds: float = 16,
    audio: bool = True,
    name: str | None = None,
) -> Path:
    """A clip whose every frame shows its own index, readable after encoding and scaling.

    The index is drawn as ``COUNTER_BITS`` black/white blocks, each
    ``width // COUNTER_BITS`` pixels square, on a black band over ``testsrc2``
    (so the encoder has a real picture to work on). Big flat blocks survive
    H.264 at any sane quality and downscaling to a quarter of the size; the
    pattern repeats after ``2 ** COUNTER_BITS`` frames (34 s at 30 fps). The
    sound is a steady 440 Hz tone, so silence in an output is easy to tell.
    """
    block = width // COUNTER_BITS
    boxes = [f"drawbox=x=0:y=0:w=iw:h={block}:color=black:t=fill"] + [
        f"drawbox=x={bit * block}:y=0:w={block}:h={block}:color=white:t=fill"
        f":enable='mod(floor(n/{2**bit}),2)'"
        for bit in range(COUNTER_BITS)
    ]
    path = out_dir / (name or f"counter_{width}x{height}_{fps}{'' if audio else '_mute'}.mp4")
    audio_in = _sine(seconds) if audio else []
    audio_out = ["-map", "1:a", "-c:a", "aac", "-b:a", "96k"] if audio else []
    _ffmpeg(
        *_testsrc(width, height, fps, seconds),
        *audio_in,
        "-map", "0:v", *audio_out,
        "-vf", ",".join(boxes),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        str(path),
    )  # fmt: skip
    return path
