"""Everything that talks to ffmpeg and ffprobe.

This is the only module that imports the ``ffmpeg`` package (ffmpeg-python,
unmaintained) and the only one that starts ffmpeg/ffprobe processes, so
replacing either touches one file. Callers describe *what* to produce with
plain dataclasses (:class:`EncodeJob`); this module turns that into a command
line and runs it.

Uploaded files are hostile input. Every ffmpeg/ffprobe invocation therefore
restricts which demuxers and protocols may be used (:func:`input_options`), so
an "mp4" that is really an HLS or concat playlist cannot make the worker read
local files or fetch internal URLs.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import ffmpeg

from core.media import errors
from core.media.errors import MediaError

FFMPEG = os.environ.get("ATTUNE_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("ATTUNE_FFPROBE", "ffprobe")

# Demuxers phones, browsers and cameras produce, plus audio and still-image
# demuxers: those are only allowed so that a photo or a voice memo gets a precise
# "not a video" answer instead of "unsupported format". Meta-formats that open
# other files or URLs (hls, dash, concat, ...) are deliberately absent.
ALLOWED_DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,asf,flv,ogg,"
    "mp3,aac,wav,flac,amr,"
    "image2,jpeg_pipe,png_pipe,webp_pipe,bmp_pipe,tiff_pipe,gif,heic"
)
IMAGE_DEMUXERS = frozenset(
    {"image2", "jpeg_pipe", "png_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif", "heic"}
)
HDR_TRANSFERS = frozenset({"arib-std-b67", "smpte2084"})
# Lower bound of what the http protocol may spend on one read before giving up
# (ffmpeg's default is to wait forever on a stalled connection).
HTTP_RW_TIMEOUT_S = 30.0
PROGRESS_INTERVAL_S = 0.5
STDERR_TAIL_LINES = 50
# ffmpeg's closing lines that say nothing about the cause of a failure.
_GENERIC_STDERR = (
    "conversion failed",
    "exiting normally",
    "last message repeated",
    "error marking filters as finished",
    "error while filtering",
    "error closing file",
)
_NETWORK_ERRORS = (
    "server returned",
    "connection refused",
    "connection timed out",
    "connection reset",
    "network is unreachable",
    "failed to resolve hostname",
    "name or service not known",
    "i/o error",
)
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


# --------------------------------------------------------------------------- inputs


def is_url(source: str) -> bool:
    """True for http(s) sources such as presigned S3 URLs."""
    return source.startswith(("http://", "https://"))


def input_options(source: str) -> dict[str, str]:
    """Options for opening ``source`` safely with ffmpeg or ffprobe.

    Only container formats we expect and only the protocol the source needs are
    allowed. Remote reads get a read timeout and reconnects, because presigned
    URLs are served by S3 gateways that occasionally drop long connections.
    """
    options = {"format_whitelist": ALLOWED_DEMUXERS}
    if is_url(source):
        options |= {
            "protocol_whitelist": "http,https,tcp,tls",
            "rw_timeout": str(int(HTTP_RW_TIMEOUT_S * 1_000_000)),
            "reconnect": "1",
            "reconnect_on_network_error": "1",
            "reconnect_delay_max": "10",
        }
    else:
        options["protocol_whitelist"] = "file"
    return options


def _option_args(options: dict[str, str]) -> list[str]:
    return [arg for key, value in options.items() for arg in (f"-{key}", value)]


# --------------------------------------------------------------------------- probe


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
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s, check=False
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
    detail = _last_meaningful_line(stderr.splitlines()) or stderr.strip()
    if "not on whitelist" in lowered and "format" in lowered:
        return MediaError(errors.UNSUPPORTED_FORMAT, detail=detail)
    if any(marker in lowered for marker in _NETWORK_ERRORS):
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
    )


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


# --------------------------------------------------------------------------- validate

# A recording's picture is at least this many pixels on its short side.
MIN_SHORT_SIDE = 64


def validate(info: SourceInfo, *, max_duration_s: float, max_pixels: int) -> None:
    """Refuse recordings we should not spend a transcode on.

    The limits protect the worker (a 10-hour or 16K upload would occupy it for
    hours or exhaust memory) and catch files that are technically video but
    not a recording (a 32x32 icon animation, a clip without a length).
    """
    if not info.duration_s or info.duration_s <= 0 or not math.isfinite(info.duration_s):
        raise MediaError(errors.NO_DURATION)
    if info.duration_s > max_duration_s:
        raise MediaError(
            errors.TOO_LONG,
            f"The video is {_en_duration(info.duration_s)} long; "
            f"the maximum is {_en_duration(max_duration_s)}.",
            message_nl=f"De video duurt {_nl_duration(info.duration_s)}; "
            f"het maximum is {_nl_duration(max_duration_s)}.",
        )
    short_side = min(info.width, info.height)
    size = f"{info.width}x{info.height}"
    if short_side < MIN_SHORT_SIDE:
        raise MediaError(
            errors.TOO_SMALL_FRAME,
            f"The video picture is too small ({size} pixels).",
            message_nl=f"Het videobeeld is te klein ({size} pixels).",
        )
    if info.width * info.height > max_pixels:
        raise MediaError(
            errors.TOO_LARGE_FRAME,
            f"The video picture is too large to process ({size} pixels).",
            message_nl=f"Het videobeeld is te groot om te verwerken ({size} pixels).",
        )


def _split_duration(seconds: float) -> tuple[int, int, int]:
    total = max(0, math.ceil(seconds))
    return total // 3600, total % 3600 // 60, total % 60


def _en_duration(seconds: float) -> str:
    hours, minutes, secs = _split_duration(seconds)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(p for p in parts if p)


def _nl_duration(seconds: float) -> str:
    hours, minutes, secs = _split_duration(seconds)
    parts = [f"{hours} uur" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(p for p in parts if p)


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class ToneMap:
    """How the source encodes HDR, so zscale can linearise it before tone-mapping."""

    transfer: str  # "arib-std-b67" (HLG) or "smpte2084" (PQ)
    primaries: str = "bt2020"
    matrix: str = "bt2020nc"


@dataclass(frozen=True)
class HlsRendition:
    """One H.264/AAC fMP4 HLS variant, written to ``out_dir/directory/``."""

    directory: str
    width: int
    height: int
    crf: int
    maxrate: int  # bits/s
    bufsize: int  # bits
    audio_bitrate: int  # bits/s


@dataclass(frozen=True)
class EncodeJob:
    """Everything one ffmpeg run produces from one decode of the source.

    The source is decoded once, converted to constant frame rate, scaled once to
    ``base_width`` x ``base_height`` (the largest picture any output needs) and,
    for HDR, tone-mapped once at that size; every output branches off that.
    """

    source: str
    out_dir: Path
    video_stream: int
    audio_stream: int | None
    fps: Fraction
    gop: int
    keyframe_interval_s: float
    segment_s: float
    base_width: int
    base_height: int
    tonemap: ToneMap | None
    renditions: Sequence[HlsRendition]
    poster: str  # file name relative to out_dir
    poster_frame: int  # index of the frame after frame-rate conversion
    thumbs_pattern: str  # printf pattern relative to out_dir, e.g. "thumbs/%05d.jpg"
    thumb_width: int
    thumb_height: int
    thumb_interval_s: float
    preset: str = "veryfast"
    playlist_name: str = "index.m3u8"
    init_name: str = "init.mp4"
    segment_pattern: str = "seg_%05d.m4s"
    extra_global_args: tuple[str, ...] = ()


# Options that keep every trace of the source and of the tool chain out of an
# output: container and stream metadata, chapters, and version strings.
_STRIP_METADATA: dict[str, Any] = {
    "map_metadata": -1,
    "map_chapters": -1,
    "fflags": "+bitexact",
    "flags:v": "+bitexact",
}
_GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-loglevel", "error", "-y")


def build_hls_command(job: EncodeJob) -> list[str]:
    """The complete ffmpeg argv for ``job`` (starts with the ffmpeg executable)."""
    source = ffmpeg.input(job.source, **input_options(job.source))
    base = _base_video(source[str(job.video_stream)], job)
    branches = base.filter_multi_output("split")
    audio = _audio_branches(source, job)
    outputs = [
        _hls_output(_rendition_video(branches[i], job, r), audio[i] if audio else None, job, r)
        for i, r in enumerate(job.renditions)
    ]
    count = len(job.renditions)
    outputs.append(_poster_output(branches[count], job))
    outputs.append(_thumbs_output(branches[count + 1], job))
    argv: list[str] = ffmpeg.merge_outputs(*outputs).compile(
        cmd=[FFMPEG, *_GLOBAL_ARGS, *job.extra_global_args]
    )
    return argv


def _base_video(stream: Any, job: EncodeJob) -> Any:
    """CFR conversion first (drops frames before any costly work), then one scale.

    ffmpeg's autorotate (on by default) has already turned the picture upright
    and does not copy the display matrix to the outputs.
    """
    video = stream.filter("fps", fps=f"{job.fps.numerator}/{job.fps.denominator}")
    if job.tonemap is None:
        video = video.filter(
            "scale", job.base_width, job.base_height, out_color_matrix="bt709", out_range="tv"
        )
        return video.filter("format", "yuv420p").filter("setsar", 1)
    video = video.filter("scale", job.base_width, job.base_height)
    return _tonemap(video, job.tonemap).filter("setsar", 1)


def _tonemap(video: Any, tm: ToneMap) -> Any:
    """HDR (HLG/PQ, BT.2020) to SDR BT.709 with the Hable curve.

    Runs after downscaling: the float conversion costs per pixel, so tone-mapping
    a 720p picture instead of the 1080p/4K source is several times cheaper.
    """
    return (
        video.filter(
            "zscale", tin=tm.transfer, pin=tm.primaries, min=tm.matrix, t="linear", npl=100
        )
        .filter("format", "gbrpf32le")
        .filter("zscale", p="bt709")
        .filter("tonemap", "hable", desat=0)
        .filter("zscale", t="bt709", m="bt709", r="tv")
        .filter("format", "yuv420p")
    )


def _rendition_video(stream: Any, job: EncodeJob, rendition: HlsRendition) -> Any:
    if (rendition.width, rendition.height) == (job.base_width, job.base_height):
        return stream
    return stream.filter("scale", rendition.width, rendition.height)


def _audio_branches(source: Any, job: EncodeJob) -> Any:
    """Stereo 48 kHz once, split per rendition (each gets its own AAC bitrate).

    ``async=1`` pads gaps in phone audio with silence so sound stays in sync
    with the picture.
    """
    if job.audio_stream is None or not job.renditions:
        return None
    return (
        source[str(job.audio_stream)]
        .filter("aresample", 48000, **{"async": 1})
        .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
        .filter_multi_output("asplit")
    )


def _hls_output(video: Any, audio: Any, job: EncodeJob, rendition: HlsRendition) -> Any:
    folder = job.out_dir / rendition.directory
    streams = [video] if audio is None else [video, audio]
    options: dict[str, Any] = {
        **_video_encoder_options(job, rendition),
        **_STRIP_METADATA,
        "f": "hls",
        "hls_time": _num(job.segment_s),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_list_size": 0,
        "hls_fmp4_init_filename": job.init_name,
        "hls_segment_filename": str(folder / job.segment_pattern),
        "start_number": 1,
        "max_muxing_queue_size": 4096,
    }
    if audio is not None:
        options |= {
            "c:a": "aac",
            "b:a": rendition.audio_bitrate,
            "ac": 2,
            "ar": 48000,
            "flags:a": "+bitexact",
        }
    return ffmpeg.output(*streams, str(folder / job.playlist_name), **options)


def _video_encoder_options(job: EncodeJob, rendition: HlsRendition) -> dict[str, Any]:
    """H.264 High 8-bit, capped CRF, a keyframe exactly every ``keyframe_interval_s``.

    The SEI filter drops x264's "options" banner, the last encoder string the
    bitstream would otherwise carry.
    """
    return {
        "c:v": "libx264",
        "preset": job.preset,
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "crf": rendition.crf,
        "maxrate": rendition.maxrate,
        "bufsize": rendition.bufsize,
        "g": job.gop,
        "keyint_min": job.gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{_num(job.keyframe_interval_s)})",
        "bsf:v": "filter_units=remove_types=6",
        "color_primaries": "bt709",
        "color_trc": "bt709",
        "colorspace": "bt709",
        "color_range": "tv",
    }


def _poster_output(stream: Any, job: EncodeJob) -> Any:
    """The poster JPEG: frame ``poster_frame``, or the last one if the picture ends sooner.

    Every frame up to the wanted one overwrites the same file (``update``), so a
    video track shorter than the container duration still yields a poster.
    ``trim`` then ends the branch, so ``split`` stops feeding it.
    """
    frames = stream.filter("trim", end_frame=job.poster_frame + 1)
    return ffmpeg.output(
        frames,
        str(job.out_dir / job.poster),
        **_STRIP_METADATA,
        f="image2",
        update=1,
        **{"c:v": "mjpeg", "q:v": 3},
    )


def _thumbs_output(stream: Any, job: EncodeJob) -> Any:
    thumbs = stream.filter("fps", fps=f"1/{_num(job.thumb_interval_s)}").filter(
        "scale", job.thumb_width, job.thumb_height
    )
    return ffmpeg.output(
        thumbs,
        str(job.out_dir / job.thumbs_pattern),
        **_STRIP_METADATA,
        f="image2",
        start_number=0,
        **{"c:v": "mjpeg", "q:v": 5},
    )


def _num(value: float) -> str:
    """Numbers for ffmpeg arguments without a spurious ``.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --------------------------------------------------------------------------- running


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
    thread kills the whole process group. ``on_progress`` receives monotonic
    values in 0..1, at most every ~0.5 s, and 1.0 only after success.
    """
    argv = _progress_argv(args)
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
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
    line = _last_meaningful_line(stderr_lines)
    if line is None:
        line = f"ffmpeg stopped with exit status {returncode}"
    detail = "\n".join(stderr_lines) or line
    if any(marker in line.lower() for marker in _NETWORK_ERRORS):
        return MediaError(errors.SOURCE_UNAVAILABLE, detail=detail)
    return MediaError(
        errors.TRANSCODE_FAILED,
        f"The video could not be converted. Technical detail: {line}",
        message_nl=f"De video kon niet worden omgezet. Technische details: {line}",
        detail=detail,
    )


_URL_QUERY = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")


def redact_urls(text: str) -> str:
    """Drop query strings from URLs: a presigned URL's signature grants access to the file."""
    return _URL_QUERY.sub(r"\1?<redacted>", text)


def _last_meaningful_line(lines: Iterable[str]) -> str | None:
    for line in reversed(list(lines)):
        text = line.strip()
        if text and not any(text.lower().startswith(g) for g in _GENERIC_STDERR):
            return re.sub(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*", "", text)
    return None
