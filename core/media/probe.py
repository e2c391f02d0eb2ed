"""What ffprobe says about an upload, or why it is not a usable video.

:func:`probe` normalises ffprobe's JSON into a :class:`SourceInfo` (display
dimensions, rotation, frame rate, HDR) for planning a transcode, and turns
ffprobe's complaints into reasons a person can act on (empty, truncated, a
photo, a voice memo, damaged).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import subprocess
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from core.lifetime import die_with_parent_hook
from core.media import errors
from core.media.diagnostics import NETWORK_ERRORS, last_meaningful_line, redact_urls
from core.media.errors import MediaError
from core.media.inputs import HTTP_RW_TIMEOUT_S, input_options, is_url

FFPROBE = os.environ.get("ATTUNE_FFPROBE", "ffprobe")
IMAGE_DEMUXERS = frozenset(
    {"image2", "jpeg_pipe", "png_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif", "heic"}
)
HDR_TRANSFERS = frozenset({"arib-std-b67", "smpte2084"})
# First box types of an ISO-BMFF (MP4/MOV) file: such a file without a moov box
# was cut short; anything else that fails to open simply is not media.
_ISO_BOX_TYPES = (b"ftyp", b"mdat", b"moov", b"free", b"skip", b"wide", b"pnot", b"uuid")


@dataclass(frozen=True)
class SourceInfo:
    """What ffprobe tells us about an upload, normalised for planning a transcode.

    ``width``/``height`` are DISPLAY dimensions: after applying the rotation and
    the sample aspect ratio, so a portrait phone clip has ``width < height``.
    ``rotation`` is the clockwise rotation a player applies (0/90/180/270).
    """

    duration_s: float
    width: int
    height: int
    rotation: int
    fps: float
    vfr: bool
    video_codec: str
    pix_fmt: str
    bit_depth: int
    color_transfer: str | None
    color_primaries: str | None
    color_space: str | None
    hdr: bool
    has_audio: bool
    audio_channels: int
    format_name: str
    size_bytes: int | None
    # Absolute stream indexes, so the transcode maps exactly the streams probed
    # (``0:v:0`` could be a cover picture or a second camera angle).
    video_stream: int = 0
    audio_stream: int | None = None
    #: When the phone says it filmed this (the container's creation time), for
    #: the trajectory's visit dates; kept in the database only, never in media.
    recorded_at: datetime | None = None


def _option_args(options: dict[str, str]) -> list[str]:
    return [arg for key, value in options.items() for arg in (f"-{key}", value)]


def probe(source: str, *, timeout_s: float = 60) -> SourceInfo:
    """Describe a local file or http(s) URL, or explain why it is not a usable video.

    Raises :class:`MediaError` with a readable message for anything that is not
    a decodable video (empty, truncated, photo, voice memo, text, damaged).
    """
    local_size = _local_size(source)
    if local_size == 0:
        raise MediaError(errors.EMPTY)
    data = _run_ffprobe(
        source, ["-show_format", "-show_streams"], timeout_s=timeout_s, what="probe"
    )
    return _source_info(source, data, local_size, timeout_s=timeout_s)


def _local_size(source: str) -> int | None:
    if is_url(source):
        return None
    try:
        return os.stat(source).st_size
    except FileNotFoundError as exc:
        raise MediaError(errors.SOURCE_UNAVAILABLE, detail=f"no such file: {source}") from exc


def _run_ffprobe(source: str, show: list[str], *, timeout_s: float, what: str) -> dict[str, Any]:
    argv = [
        FFPROBE, "-hide_banner", "-v", "error", "-of", "json",
        *_option_args(input_options(source)), *show, "-i", source,
    ]  # fmt: skip
    try:
        result = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s, check=False,
            preexec_fn=die_with_parent_hook(),
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(errors.TIMEOUT, detail=f"ffprobe {what} exceeded {timeout_s} s") from exc
    stderr = redact_urls(result.stderr.decode("utf-8", "replace"))
    if result.returncode != 0:
        raise _probe_failure(source, stderr)
    try:
        data: dict[str, Any] = json.loads(result.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise MediaError(errors.UNREADABLE, detail="ffprobe printed no JSON") from exc
    return data


def _probe_failure(source: str, stderr: str) -> MediaError:
    """Turn ffprobe's complaint into the reason a person can act on."""
    lowered = stderr.lower()
    detail = last_meaningful_line(stderr.splitlines()) or stderr.strip()
    if "not on whitelist" in lowered and "format" in lowered:
        return MediaError(errors.UNSUPPORTED_FORMAT, detail=detail)
    if any(marker in lowered for marker in NETWORK_ERRORS):
        return MediaError(errors.SOURCE_UNAVAILABLE, detail=detail)
    head = _read_head(source, 16)
    if not head:
        return MediaError(errors.EMPTY, detail=detail)
    if "moov atom not found" in lowered and head[4:8] in _ISO_BOX_TYPES:
        return MediaError(errors.TRUNCATED, detail=detail)
    return MediaError(errors.UNREADABLE, detail=detail)


def _read_head(source: str, size: int) -> bytes:
    """First bytes of the source, to tell a cut-off MP4 from a file that never was one."""
    try:
        if is_url(source):
            return _read_url_head(source, size)
        with open(source, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b"?"  # unknown, but not known to be empty


def _read_url_head(url: str, size: int) -> bytes:
    request = urllib.request.Request(url, headers={"Range": f"bytes=0-{size - 1}"})
    with urllib.request.urlopen(request, timeout=HTTP_RW_TIMEOUT_S) as response:
        data: bytes = response.read(size)
        return data


def _source_info(
    source: str, data: dict[str, Any], local_size: int | None, *, timeout_s: float
) -> SourceInfo:
    fmt = data.get("format") or {}
    streams: list[dict[str, Any]] = data.get("streams") or []
    format_name = str(fmt.get("format_name") or "")
    video = _pick_video_stream(streams, format_name)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height, rotation = _display_geometry(video)
    fps, vfr = _frame_rate(video)
    duration = _duration(fmt, video)
    if duration is None:
        duration = _duration_from_packets(source, int(video["index"]), timeout_s=timeout_s)
    transfer = video.get("color_transfer")
    size = local_size if local_size is not None else _int_or_none(fmt.get("size"))
    return SourceInfo(
        duration_s=duration or 0.0,
        width=width,
        height=height,
        rotation=rotation,
        fps=fps,
        vfr=vfr,
        video_codec=str(video.get("codec_name")),
        pix_fmt=str(video.get("pix_fmt")),
        bit_depth=_bit_depth(video),
        color_transfer=transfer,
        color_primaries=video.get("color_primaries"),
        color_space=video.get("color_space"),
        hdr=transfer in HDR_TRANSFERS,
        has_audio=audio is not None,
        audio_channels=int(audio.get("channels") or 0) if audio else 0,
        format_name=format_name,
        size_bytes=size,
        video_stream=int(video["index"]),
        audio_stream=int(audio["index"]) if audio else None,
        recorded_at=_recorded_at(fmt, video),
    )


#: A recording older than this was not filmed by a phone: the tag is a default
#: (QuickTime's 1904, Unix's 1970) or the phone's clock was never set.
_EARLIEST_RECORDING = datetime(2000, 1, 1, tzinfo=UTC)


def _recorded_at(fmt: dict[str, Any], video: dict[str, Any]) -> datetime | None:
    """The creation time a phone wrote into the file: Apple's own tag first (it
    carries the local offset), then the container's and the video stream's
    ``creation_time`` (UTC). Unparseable, unset-clock or future values are
    ignored: a wrong date on a visit is worse than none, which is asked for."""
    tags = {str(k).lower(): str(v) for k, v in (fmt.get("tags") or {}).items()}
    stream_tags = {str(k).lower(): str(v) for k, v in (video.get("tags") or {}).items()}
    for value in (tags.get("com.apple.quicktime.creationdate"), tags.get("creation_time"),
                  stream_tags.get("creation_time")):
        if not value:
            continue
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if _EARLIEST_RECORDING <= when <= datetime.now(UTC) + timedelta(days=1):
            return when.astimezone(UTC)
    return None


def _pick_video_stream(streams: list[dict[str, Any]], format_name: str) -> dict[str, Any]:
    """The first real video stream; cover art and photos are not recordings."""
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if format_name in IMAGE_DEMUXERS or format_name.endswith("_pipe"):
        raise MediaError(errors.NOT_VIDEO, detail=f"format {format_name}")
    if not videos:
        raise MediaError(errors.NO_VIDEO_STREAM, detail=f"format {format_name}")
    video = videos[0]
    codec = video.get("codec_name")
    if not codec or codec == "none":
        raise MediaError(errors.UNSUPPORTED_CODEC, detail=f"codec tag {video.get('codec_tag')}")
    if not video.get("pix_fmt") or not video.get("width") or not video.get("height"):
        # ffprobe decodes a few frames while probing; if none decoded, the
        # picture data is damaged even though the container looked fine.
        raise MediaError(errors.CORRUPT, detail=f"{codec} stream could not be decoded")
    return video


def _display_geometry(video: dict[str, Any]) -> tuple[int, int, int]:
    """Width and height as shown to a viewer, and the clockwise rotation."""
    width, height = int(video["width"]), int(video["height"])
    sar = _ratio(video.get("sample_aspect_ratio"), sep=":")
    if sar and sar != 1 and 0.1 < sar < 10:
        width = max(1, round(width * sar))
    rotation = _rotation(video)
    if rotation in (90, 270):
        width, height = height, width
    return width, height, rotation


def _rotation(video: dict[str, Any]) -> int:
    """Clockwise display rotation from the display matrix, else the legacy ``rotate`` tag.

    ffprobe reports the matrix angle counter-clockwise (a portrait iPhone clip
    says -90), the legacy tag clockwise (90); both mean "turn right by 90".
    """
    for side_data in video.get("side_data_list") or []:
        if "rotation" in side_data:
            return _snap_rotation(-float(side_data["rotation"]))
    tag = (video.get("tags") or {}).get("rotate")
    if tag is not None:
        with contextlib.suppress(ValueError):
            return _snap_rotation(float(tag))
    return 0


def _snap_rotation(degrees: float) -> int:
    return (round(degrees / 90) * 90) % 360


def _frame_rate(video: dict[str, Any]) -> tuple[float, bool]:
    """Average frame rate, and whether the stream is variable-frame-rate.

    A phone records VFR (frames are dropped in low light): then the nominal
    ``r_frame_rate`` and the measured ``avg_frame_rate`` differ by more than 1%.
    """
    avg = _ratio(video.get("avg_frame_rate"))
    nominal = _ratio(video.get("r_frame_rate"))
    fps = avg if avg and 0 < avg <= 1000 else None
    if fps is None:
        frames = _int_or_none(video.get("nb_frames"))
        duration = _float_or_none(video.get("duration"))
        if frames and duration:
            fps = frames / duration
    if fps is None:
        fps = nominal if nominal and 0 < nominal <= 1000 else 30.0
    vfr = bool(avg and nominal and abs(nominal - avg) / avg > 0.01)
    return fps, vfr


def _duration(fmt: dict[str, Any], video: dict[str, Any]) -> float | None:
    for value in (fmt.get("duration"), video.get("duration")):
        duration = _float_or_none(value)
        if duration is not None and duration > 0:
            return duration
    return None


def _duration_from_packets(source: str, stream: int, *, timeout_s: float) -> float | None:
    """Duration by reading every packet timestamp (no decoding).

    Browser recordings (MediaRecorder WebM) carry no duration in the header;
    demuxing the whole file is the only way to learn it.
    """
    data = _run_ffprobe(
        source,
        ["-select_streams", str(stream), "-show_entries", "packet=pts_time,duration_time"],
        timeout_s=timeout_s,
        what="packet scan",
    )
    end = 0.0
    for packet in data.get("packets") or []:
        pts = _float_or_none(packet.get("pts_time"))
        if pts is not None:
            end = max(end, pts + (_float_or_none(packet.get("duration_time")) or 0.0))
    return end or None


def _bit_depth(video: dict[str, Any]) -> int:
    bits = _int_or_none(video.get("bits_per_raw_sample"))
    if bits:
        return bits
    match = re.search(r"p(\d{2})(le|be)$", str(video.get("pix_fmt") or ""))
    return int(match.group(1)) if match else 8


def _ratio(value: Any, sep: str = "/") -> float | None:
    if not isinstance(value, str) or sep not in value:
        return _float_or_none(value)
    num, _, den = value.partition(sep)
    try:
        return float(Fraction(int(num), int(den))) if int(den) else None
    except ValueError:
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def probe_streams(path: Path | str, *, timeout_s: float = 30) -> list[dict[str, Any]]:
    """ffprobe's stream list for a file we produced (used to describe outputs)."""
    data = _run_ffprobe(str(path), ["-show_streams"], timeout_s=timeout_s, what="output")
    streams: list[dict[str, Any]] = data.get("streams") or []
    return streams
