"""ffmpeg command lines for HLS renditions, a poster and thumbnails.

This is the only module that imports the ``ffmpeg`` package (ffmpeg-python,
unmaintained), so replacing it touches one file. Callers describe *what* to
produce with plain dataclasses (:class:`EncodeJob`); this module turns that
into an argv for :func:`core.media.runner.run_ffmpeg`. Sources are opened with
the same restrictions as everywhere else (:func:`core.media.inputs.input_options`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from core.media.inputs import input_options
from core.media.runner import FFMPEG


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
