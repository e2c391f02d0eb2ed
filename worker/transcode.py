"""Turn one probed recording into HLS renditions, a poster and a storyboard.

Planning (:func:`plan_transcode`) is pure policy and cheap to test: which
renditions, frame rate, keyframe spacing, thumbnail interval. Running
(:func:`transcode`) is one ffmpeg process that decodes the source once, then
describes the real output (bit rates, codec strings) and writes the master
playlist. No storage and no database here: the caller uploads
``TranscodeOutput.files`` in the given order.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from core.media import (
    AnalysisTap,
    EncodeJob,
    HlsRendition,
    SourceInfo,
    ToneMap,
    build_hls_command,
    errors,
    probe_streams,
    run_ffmpeg,
)
from core.media.errors import MediaError
from core.media.hls import INIT, parse_media_playlist
from worker.storyboard import build_storyboard

# (name, short side, video maxrate bit/s, audio bit/s), largest first.
LADDER: tuple[tuple[str, int, int, int], ...] = (
    ("720p", 720, 3_000_000, 128_000),
    ("360p", 360, 800_000, 96_000),
)
SMALL_MAXRATE = 800_000
SMALL_AUDIO_BITRATE = 96_000
CRF = 23
# Frame rates every player and TV handles; phone VFR averages snap to these.
STANDARD_RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
)
MAX_OUTPUT_FPS = 31.0  # above this (50/60 fps) the rate is halved
KEYFRAME_INTERVAL_S = 2.0
SEGMENT_S = 4.0
MAX_THUMBS = 100
THUMB_LONG_SIDE = 160
NICE_INTERVALS_S = (1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600)

# The suggestion analysis' view of the clip (see worker/analysis): small and slow
# is enough for motion energy, and 16 kHz holds a baby's cry and its harmonics.
ANALYSIS_FPS = 10
ANALYSIS_LONG_SIDE = 160
ANALYSIS_SAMPLE_RATE = 16_000
ANALYSIS_DIR = ".analysis"

MASTER = Path("master.m3u8")
POSTER = Path("poster.jpg")
PLAYLIST = "index.m3u8"
THUMBS_DIR = ".thumbs"
AAC_OBJECT_TYPES = {"LC": 2, "HE-AAC": 5, "HE-AACv2": 29}


@dataclass(frozen=True)
class RenditionSpec:
    """One rung of the ladder; ``name`` is also its directory in the output."""

    name: str
    width: int
    height: int
    video_maxrate: int  # bits/s
    audio_bitrate: int  # bits/s
    crf: int = CRF

    @property
    def bufsize(self) -> int:
        """Two seconds of maxrate: one GOP may burst, the average stays capped."""
        return 2 * self.video_maxrate


@dataclass(frozen=True)
class TranscodePlan:
    """Decisions for one source; everything :func:`build_command` needs."""

    renditions: list[RenditionSpec]
    fps_num: int
    fps_den: int
    gop: int
    tonemap: bool
    has_audio: bool
    poster_at_s: float
    storyboard_interval_s: float
    duration_s: float
    base_width: int  # the one size the decoded picture is scaled to (poster size)
    base_height: int
    thumb_width: int
    thumb_height: int
    video_stream: int = 0
    audio_stream: int | None = None
    hdr_input: ToneMap | None = None  # how the source encodes HDR, when tonemap
    keyframe_interval_s: float = KEYFRAME_INTERVAL_S
    segment_s: float = SEGMENT_S

    @property
    def fps(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)

    @property
    def poster_frame(self) -> int:
        return int(self.poster_at_s * self.fps)

    @property
    def analysis(self) -> AnalysisTap:
        """The suggestion analysis' outputs of this transcode's one decode."""
        return analysis_tap(self.base_width, self.base_height, self.has_audio)


@dataclass
class RenditionOutput:
    """A finished variant stream, as the master playlist describes it."""

    spec: RenditionSpec
    playlist: Path  # relative to out_dir
    width: int
    height: int
    bandwidth: int  # peak segment bit rate (RFC 8216 BANDWIDTH), bits/s
    average_bandwidth: int
    codecs: str
    frame_rate: float
    segments: list[Path] = field(default_factory=list)  # init + media segments


@dataclass
class TranscodeOutput:
    """Everything :func:`transcode` wrote, relative to ``out_dir``."""

    renditions: list[RenditionOutput]
    master_playlist: Path
    poster: Path
    storyboard_vtt: Path
    storyboard_images: list[Path]
    files: list[Path]  # upload order: media first, variant playlists, master last
    analysis: AnalysisTap | None = None  # kept in the work dir, never uploaded


# --------------------------------------------------------------------------- planning


def plan_transcode(info: SourceInfo) -> TranscodePlan:
    """Choose renditions, frame rate, keyframes, poster and storyboard for ``info``."""
    renditions = ladder(info.width, info.height)
    base_w, base_h = _base_size(info.width, info.height)
    fps = snap_frame_rate(info.fps)
    thumb_w, thumb_h = _thumb_size(info.width, info.height)
    return TranscodePlan(
        renditions=renditions,
        fps_num=fps.numerator,
        fps_den=fps.denominator,
        gop=round(KEYFRAME_INTERVAL_S * fps),
        tonemap=info.hdr,
        has_audio=info.has_audio and info.audio_stream is not None,
        poster_at_s=min(1.0, info.duration_s / 2),
        storyboard_interval_s=storyboard_interval(info.duration_s),
        duration_s=info.duration_s,
        base_width=base_w,
        base_height=base_h,
        thumb_width=thumb_w,
        thumb_height=thumb_h,
        video_stream=info.video_stream,
        audio_stream=info.audio_stream if info.has_audio else None,
        hdr_input=_tonemap_input(info) if info.hdr else None,
    )


def analysis_tap(width: int, height: int, has_audio: bool) -> AnalysisTap:
    """The analysis outputs for an upright picture of ``width`` x ``height``."""
    scale = ANALYSIS_LONG_SIDE / max(width, height, 1)
    return AnalysisTap(
        frames=f"{ANALYSIS_DIR}/frames.gray",
        width=max(2, _round_even(width * scale)),
        height=max(2, _round_even(height * scale)),
        fps=ANALYSIS_FPS,
        audio=f"{ANALYSIS_DIR}/audio.pcm" if has_audio else None,
        sample_rate=ANALYSIS_SAMPLE_RATE,
    )


def ladder(width: int, height: int) -> list[RenditionSpec]:
    """Renditions no larger than the source; a tiny source gets one at its own size."""
    short = min(width, height)
    ladder = [
        RenditionSpec(name, *fit_short_side(width, height, target), maxrate, audio)
        for name, target, maxrate, audio in LADDER
        if target <= short
    ]
    if ladder:
        return ladder
    w, h = _even(width), _even(height)
    return [RenditionSpec(f"{min(w, h)}p", w, h, SMALL_MAXRATE, SMALL_AUDIO_BITRATE)]


def _base_size(width: int, height: int) -> tuple[int, int]:
    """Largest picture any output needs: the top rung, or the source if it is smaller."""
    top = LADDER[0][1]
    if min(width, height) >= top:
        return fit_short_side(width, height, top)
    return _even(width), _even(height)


def fit_short_side(width: int, height: int, short: int) -> tuple[int, int]:
    """Scale so the short side is ``short``, keeping the aspect ratio, even dimensions."""
    if width >= height:
        return _round_even(short * width / height), short
    return short, _round_even(short * height / width)


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    """Long side 160 px: 160x90 for landscape 16:9, 90x160 for portrait."""
    if width >= height:
        return THUMB_LONG_SIDE, _round_even(THUMB_LONG_SIDE * height / width)
    return _round_even(THUMB_LONG_SIDE * width / height), THUMB_LONG_SIDE


def _even(value: int) -> int:
    return max(2, value - value % 2)


def _round_even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def snap_frame_rate(fps: float) -> Fraction:
    """Nearest standard rate; 50/60 fps (and higher) are halved first.

    Phones record VFR; players and seeking behave best with a constant, common
    rate, and 60 fps doubles the bit rate for no benefit in a care review.
    """
    rate = fps if fps > 0 and math.isfinite(fps) else 30.0
    while rate > MAX_OUTPUT_FPS:
        rate /= 2
    return min(STANDARD_RATES, key=lambda standard: abs(float(standard) - rate))


def storyboard_interval(duration_s: float) -> float:
    """Seconds between thumbnails: a round number giving at most ~100 thumbnails."""
    for interval in NICE_INTERVALS_S:
        if math.ceil(duration_s / interval) <= MAX_THUMBS:
            return float(interval)
    return float(math.ceil(duration_s / MAX_THUMBS))


def _tonemap_input(info: SourceInfo) -> ToneMap:
    """The source's HDR colour description, with BT.2020 where the file is silent."""
    primaries = info.color_primaries if info.color_primaries in ("bt2020", "bt709") else "bt2020"
    matrix = info.color_space if info.color_space in ("bt2020nc", "bt2020c") else "bt2020nc"
    return ToneMap(
        transfer=info.color_transfer or "arib-std-b67", primaries=primaries, matrix=matrix
    )


# --------------------------------------------------------------------------- command


def build_command(
    source: str, out_dir: Path, plan: TranscodePlan, *, preset: str = "veryfast",
    analysis: bool = True,
) -> list[str]:
    """The full ffmpeg argv for ``plan`` (starts with ``ffmpeg``); also used by
    benchmarks, which leave out the ``analysis`` outputs to measure what they cost."""
    job = _encode_job(source, out_dir, plan, preset)
    return build_hls_command(job if analysis else dataclasses.replace(job, analysis=None))


def hls_rendition(spec: RenditionSpec) -> HlsRendition:
    """The encoder's view of a rung: where it goes and how it is encoded."""
    return HlsRendition(directory=spec.name, width=spec.width, height=spec.height,
                        crf=spec.crf, maxrate=spec.video_maxrate, bufsize=spec.bufsize,
                        audio_bitrate=spec.audio_bitrate)


def _encode_job(source: str, out_dir: Path, plan: TranscodePlan, preset: str) -> EncodeJob:
    return EncodeJob(
        source=source,
        out_dir=out_dir,
        video_stream=plan.video_stream,
        audio_stream=plan.audio_stream if plan.has_audio else None,
        fps=plan.fps,
        gop=plan.gop,
        keyframe_interval_s=plan.keyframe_interval_s,
        segment_s=plan.segment_s,
        base_width=plan.base_width,
        base_height=plan.base_height,
        tonemap=(plan.hdr_input or ToneMap(transfer="arib-std-b67")) if plan.tonemap else None,
        renditions=[hls_rendition(r) for r in plan.renditions],
        poster=POSTER.as_posix(),
        poster_frame=plan.poster_frame,
        thumbs_pattern=f"{THUMBS_DIR}/%05d.jpg",
        thumb_width=plan.thumb_width,
        thumb_height=plan.thumb_height,
        thumb_interval_s=plan.storyboard_interval_s,
        preset=preset,
        playlist_name=PLAYLIST,
        init_name=INIT,
        analysis=plan.analysis,
    )


# --------------------------------------------------------------------------- running


def transcode(
    source: str,
    out_dir: Path,
    info: SourceInfo,
    *,
    on_progress: Callable[[float], None] | None = None,
    timeout_s: float,
    preset: str = "veryfast",
) -> TranscodeOutput:
    """Transcode ``source`` into ``out_dir`` and describe the result.

    ``on_progress`` gets 0..1 while ffmpeg runs and 1.0 once everything,
    including the master playlist, is written. Raises :class:`MediaError`.
    """
    plan = plan_transcode(info)
    prepare_output_dir(out_dir, plan)
    argv = build_command(source, out_dir, plan, preset=preset)
    run_ffmpeg(
        argv,
        duration_s=info.duration_s,
        on_progress=_hold_back_completion(on_progress),
        timeout_s=timeout_s,
    )
    renditions = [_describe(out_dir, spec, plan) for spec in plan.renditions]
    if not (out_dir / POSTER).is_file():
        raise MediaError(errors.TRANSCODE_FAILED, detail="ffmpeg wrote no poster")
    board = build_storyboard(
        out_dir / THUMBS_DIR,
        out_dir,
        interval_s=plan.storyboard_interval_s,
        duration_s=info.duration_s,
    )
    (out_dir / MASTER).write_text(master_playlist(renditions), encoding="utf-8")
    files = [
        POSTER,
        *board.images,
        board.vtt,
        *(segment for r in renditions for segment in r.segments),
        *(r.playlist for r in renditions),
        MASTER,
    ]
    if on_progress is not None:
        on_progress(1.0)
    return TranscodeOutput(
        renditions=renditions,
        master_playlist=MASTER,
        poster=POSTER,
        storyboard_vtt=board.vtt,
        storyboard_images=board.images,
        files=files,
        analysis=plan.analysis,
    )


def prepare_output_dir(out_dir: Path, plan: TranscodePlan) -> None:
    """Fresh directories, so files from an earlier, failed attempt cannot be uploaded."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in [THUMBS_DIR, ANALYSIS_DIR, *(r.name for r in plan.renditions)]:
        shutil.rmtree(out_dir / name, ignore_errors=True)
        (out_dir / name).mkdir()


def _hold_back_completion(
    on_progress: Callable[[float], None] | None,
) -> Callable[[float], None] | None:
    """ffmpeg finishing is not the end of the job; report 1.0 only when outputs exist."""
    if on_progress is None:
        return None
    callback = on_progress

    def report(fraction: float) -> None:
        if fraction < 1.0:
            callback(fraction)

    return report


def _describe(out_dir: Path, spec: RenditionSpec, plan: TranscodePlan) -> RenditionOutput:
    folder = out_dir / spec.name
    playlist = Path(spec.name) / PLAYLIST
    init = folder / INIT
    if not (out_dir / playlist).is_file() or not init.is_file():
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"ffmpeg wrote no {playlist}")
    target, segments = parse_media_playlist((out_dir / playlist).read_text(encoding="utf-8"))
    if not segments:
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"{playlist} lists no segments")
    scrub_init_segment(init)
    sized = [((folder / uri).stat().st_size, duration) for uri, duration in segments]
    streams = probe_streams(init)
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"{init.name} has no video track")
    return RenditionOutput(
        spec=spec,
        playlist=playlist,
        width=int(video.get("width") or spec.width),
        height=int(video.get("height") or spec.height),
        bandwidth=peak_bandwidth(sized, target),
        average_bandwidth=average_bandwidth(sized),
        codecs=_codecs(init.read_bytes(), streams),
        frame_rate=float(plan.fps),
        segments=[Path(spec.name) / INIT, *(Path(spec.name) / uri for uri, _ in segments)],
    )


# --------------------------------------------------------------------------- playlists


def peak_bandwidth(segments: list[tuple[int, float]], target_duration: float) -> int:
    """RFC 8216 peak segment bit rate, rounded up.

    The largest bit rate of any run of contiguous segments lasting between 0.5
    and 1.5 times the target duration (so a short last segment does not count
    alone). Falls back to the busiest single segment when no run qualifies.
    """
    low, high = 0.5 * target_duration, 1.5 * target_duration
    peak = 0.0
    for start in range(len(segments)):
        size, seconds = 0, 0.0
        for length, duration in segments[start:]:
            size, seconds = size + length, seconds + duration
            if seconds > high:
                break
            if seconds >= low:
                peak = max(peak, size * 8 / seconds)
    if peak == 0.0:
        peak = max(length * 8 / max(duration, 0.001) for length, duration in segments)
    return math.ceil(peak)


def average_bandwidth(segments: list[tuple[int, float]]) -> int:
    total_bytes = sum(length for length, _ in segments)
    total_s = sum(duration for _, duration in segments)
    return math.ceil(total_bytes * 8 / max(total_s, 0.001))


def master_playlist(renditions: list[RenditionOutput]) -> str:
    """The multivariant playlist; URIs are relative to it, best rendition first."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in renditions:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},AVERAGE-BANDWIDTH={r.average_bandwidth},"
            f'RESOLUTION={r.width}x{r.height},CODECS="{r.codecs}",FRAME-RATE={r.frame_rate:.3f}'
        )
        lines.append(r.playlist.as_posix())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- MP4 boxes

# Boxes whose payload is a list of boxes, and sample entries with fixed fields first.
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"edts", b"dinf"}
_VISUAL_ENTRY_FIELDS = 78  # bytes of fixed fields before an avc1 entry's child boxes
_COMPRESSOR_NAME = slice(42, 74)  # within those fields
_DROPPED = {b"udta", b"meta"}


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """``(type, payload)`` of each box in ``data`` (one level)."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header or pos + size > len(data):
            raise MediaError(errors.TRANSCODE_FAILED, detail="malformed MP4 box in output")
        yield kind, data[pos + header : pos + size]
        pos += size


def _children(kind: bytes, payload: bytes) -> bytes | None:
    if kind in _CONTAINERS:
        return payload
    if kind == b"stsd":
        return payload[8:]  # version/flags + entry count
    if kind in (b"avc1", b"avc3"):
        return payload[_VISUAL_ENTRY_FIELDS:]
    return None


def _walk(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    for kind, payload in _boxes(data):
        yield kind, payload
        children = _children(kind, payload)
        if children is not None:
            yield from _walk(children)


def _scrubbed(data: bytes) -> bytes:
    out = bytearray()
    for kind, payload in _boxes(data):
        if kind in _DROPPED:
            continue
        children = _children(kind, payload)
        if children is not None:
            prefix = payload[: len(payload) - len(children)]
            if kind in (b"avc1", b"avc3"):
                prefix = (
                    prefix[: _COMPRESSOR_NAME.start] + bytes(32) + prefix[_COMPRESSOR_NAME.stop :]
                )
            payload = prefix + _scrubbed(children)
        out += struct.pack(">I4s", len(payload) + 8, kind) + payload
    return bytes(out)


def scrub_init_segment(path: Path) -> None:
    """Remove what ffmpeg's HLS muxer writes regardless of ``-fflags +bitexact``.

    The muxer opens its own MP4 writer without the bitexact flag, which then
    stores the library version in ``moov/udta`` and the encoder name in the
    sample entry's compressor-name field. User-data and metadata boxes are
    dropped and the compressor name blanked; nothing a player needs lives there.
    """
    data = path.read_bytes()
    cleaned = _scrubbed(data)
    if cleaned != data:
        path.write_bytes(cleaned)


def avc_codec_string(init: bytes) -> str:
    """``avc1.PPCCLL`` from the avcC box: profile, constraint flags, level."""
    for kind, payload in _walk(init):
        if kind == b"avcC" and len(payload) >= 4:
            return f"avc1.{payload[1]:02x}{payload[2]:02x}{payload[3]:02x}"
    raise MediaError(errors.TRANSCODE_FAILED, detail="no avcC box in the init segment")


def _codecs(init: bytes, streams: list[dict[str, object]]) -> str:
    codecs = [avc_codec_string(init)]
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if audio is not None:
        object_type = AAC_OBJECT_TYPES.get(str(audio.get("profile")), 2)
        codecs.append(f"mp4a.40.{object_type}")
    return ",".join(codecs)
