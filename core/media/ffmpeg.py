"""ffmpeg command lines for HLS renditions, a poster, thumbnails and review playlists.

This is the only module that imports the ``ffmpeg`` package (ffmpeg-python,
unmaintained), so replacing it touches one file. Callers describe *what* to
produce with plain dataclasses (:class:`EncodeJob`, :class:`ItemCut` on a
:class:`Canvas`); this module turns that into an argv for
:func:`core.media.runner.run_ffmpeg`. Sources are opened with
the same restrictions as everywhere else (:func:`core.media.inputs.input_options`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
class AnalysisTap:
    """What the suggestion analysis reads, as extra outputs of the transcode's one decode.

    A tiny grayscale picture at a low frame rate and mono PCM cost almost nothing
    next to the H.264 encodes; decoding the source a second time would cost as
    much as the whole transcode again. Paths are relative to the job's ``out_dir``.
    """

    frames: str  # raw 8-bit gray frames, width x height, back to back
    width: int
    height: int
    fps: int
    audio: str | None  # raw signed 16-bit mono PCM; None when the source has no sound
    sample_rate: int


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
    analysis: AnalysisTap | None = None


@dataclass(frozen=True)
class Canvas:
    """The encoding every item of one review playlist shares.

    Items are encoded one by one and joined later by stream copy; that only
    plays as one smooth stream when every item has the same picture size,
    frame rate, keyframe spacing and H.264 settings (hence identical parameter
    sets). The first rendition is the canvas size; the others are the same
    picture scaled down.
    """

    width: int
    height: int
    fps: Fraction
    renditions: Sequence[HlsRendition]
    keyframe_interval_s: float = 2.0
    preset: str = "veryfast"

    def __post_init__(self) -> None:
        if not self.renditions:
            raise ValueError("a canvas needs at least one rendition")
        if self.width % 2 or self.height % 2 or self.fps <= 0:
            raise ValueError(f"unusable canvas {self.width}x{self.height} at {self.fps} fps")

    @property
    def gop(self) -> int:
        return round(self.keyframe_interval_s * self.fps)

    @property
    def video_timescale(self) -> int:
        """Track timescale with a whole number of ticks per frame.

        The frame-rate numerator, doubled up to at least 10000: that is what
        the MP4 muxer picks for a ``1/fps`` stream by itself, so the joined HLS
        output keeps the very same ticks and no frame duration is ever rounded
        (30 fps: 15360, 512 ticks a frame; 30000/1001: 30000, 1001 ticks).
        """
        scale = self.fps.numerator
        while scale < 10000:
            scale *= 2
        return scale


@dataclass(frozen=True)
class ItemFrames:
    """How many canvas frames one item yields, and where its freeze goes.

    Computed from the cut alone (never from probing), so the caller can place
    captions and chapters before anything is rendered, and the command and
    the caller agree on every frame.
    """

    playback: int  # frames of the cut range at its speed
    freeze: int  # frames the held picture adds
    freeze_index: int  # output frame where the hold starts, 0..playback

    @property
    def total(self) -> int:
        return self.playback + self.freeze


@dataclass(frozen=True)
class ItemCut:
    """One item of a review playlist: a range of a ready clip, maybe slowed or frozen.

    ``source`` is a local MP4 or fragmented MP4 (an init segment followed by
    the media segments that hold the range), so its timestamps need not start
    at 0; ``start_s``/``end_s``/``freeze_at_s`` are absolute times on that
    timeline. The item shows the source frames with ``start_s <= t < end_s``;
    with a freeze, the picture shown at ``freeze_at_s`` is held still for
    ``freeze_s`` seconds (in silence) before playback continues, and
    ``freeze_at_s == end_s`` holds the last picture at the end.
    """

    source: str
    start_s: float
    end_s: float
    speed: Fraction = Fraction(1)
    freeze_at_s: float | None = None
    freeze_s: float = 0.0
    mute: bool = False
    has_audio: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s:
            raise ValueError(f"an item needs 0 <= start < end, got {self.start_s}..{self.end_s}")
        if self.speed <= 0:
            raise ValueError(f"speed must be positive, got {self.speed}")
        if self.freeze_at_s is not None and not self.start_s <= self.freeze_at_s <= self.end_s:
            raise ValueError(f"freeze_at_s {self.freeze_at_s} is outside the item")
        if self.freeze_s < 0:
            raise ValueError(f"freeze_s must not be negative, got {self.freeze_s}")

    @property
    def silent(self) -> bool:
        """True when the item's sound track is silence only."""
        return self.mute or not self.has_audio

    def frames(self, fps: Fraction) -> ItemFrames:
        """Frame counts at the canvas rate ``fps``: each span rounded to whole frames once."""
        playback = max(1, round((_exact(self.end_s) - _exact(self.start_s)) / self.speed * fps))
        if self.freeze_at_s is None or self.freeze_s <= 0:
            return ItemFrames(playback=playback, freeze=0, freeze_index=playback)
        index = round((_exact(self.freeze_at_s) - _exact(self.start_s)) / self.speed * fps)
        return ItemFrames(
            playback=playback,
            freeze=round(_exact(self.freeze_s) * fps),
            freeze_index=min(max(index, 0), playback),
        )


# Options that keep every trace of the source and of the tool chain out of an
# output: container and stream metadata, chapters, and version strings.
_STRIP_METADATA: dict[str, Any] = {
    "map_metadata": -1,
    "map_chapters": -1,
    "fflags": "+bitexact",
    "flags:v": "+bitexact",
}
_GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-loglevel", "error", "-y")
AUDIO_RATE = 48000


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
    if job.analysis is not None:
        outputs.append(_analysis_frames_output(branches[count + 2], job.out_dir, job.analysis))
        if audio is not None and job.analysis.audio is not None:
            outputs.append(_analysis_audio_output(audio[count], job.out_dir, job.analysis))
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
    return _rendition_picture(stream, (job.base_width, job.base_height), rendition)


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
        **_hls_muxer_options(folder, job.segment_s, job.init_name, job.segment_pattern),
    }
    if audio is not None:
        options |= _aac_options(rendition)
    return ffmpeg.output(*streams, str(folder / job.playlist_name), **options)


def _hls_muxer_options(
    folder: Path, segment_s: float, init_name: str, segment_pattern: str
) -> dict[str, Any]:
    """A VOD fMP4 HLS rendition in ``folder``, segment numbers starting at 1."""
    return {
        "f": "hls",
        "hls_time": _num(segment_s),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "independent_segments",
        "hls_list_size": 0,
        "hls_fmp4_init_filename": init_name,
        "hls_segment_filename": str(folder / segment_pattern),
        "start_number": 1,
        "max_muxing_queue_size": 4096,
    }


def _aac_options(rendition: HlsRendition) -> dict[str, Any]:
    """AAC-LC stereo 48 kHz at the rendition's audio bit rate, without an encoder tag."""
    return {
        "c:a": "aac",
        "b:a": rendition.audio_bitrate,
        "ac": 2,
        "ar": AUDIO_RATE,
        "flags:a": "+bitexact",
    }


def _video_encoder_options(job: EncodeJob, rendition: HlsRendition) -> dict[str, Any]:
    return _x264_options(
        rendition, preset=job.preset, gop=job.gop, keyframe_interval_s=job.keyframe_interval_s
    )


def _x264_options(
    rendition: HlsRendition, *, preset: str, gop: int, keyframe_interval_s: float
) -> dict[str, Any]:
    """H.264 High 8-bit, capped CRF, a keyframe exactly every ``keyframe_interval_s``.

    The SEI filter drops x264's "options" banner, the last encoder string the
    bitstream would otherwise carry.
    """
    return {
        "c:v": "libx264",
        "preset": preset,
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "crf": rendition.crf,
        "maxrate": rendition.maxrate,
        "bufsize": rendition.bufsize,
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{_num(keyframe_interval_s)})",
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


def build_still_command(source: str, at_s: float, out: Path, width: int) -> list[str]:
    """One JPEG of the picture shown at ``at_s``, ``width`` pixels wide (for a report).

    ``source`` is a stored rendition's init segment and the media segments
    around the moment (see ``core.media.hls.fetch_range``), so its timestamps
    are the clip's own: ``-seek_timestamp 1`` makes ``at_s`` absolute on that
    timeline, as for a playlist item. Nothing of the source's metadata is copied.
    """
    source_stream = ffmpeg.input(source, **input_options(source), seek_timestamp=1,
                                 ss=_num(at_s))
    picture = source_stream["v:0"].filter("scale", width, -2).filter("setsar", 1)
    output = ffmpeg.output(picture, str(out), **_STRIP_METADATA, f="image2", update=1,
                           **{"frames:v": 1, "c:v": "mjpeg", "q:v": 3})
    argv: list[str] = output.compile(cmd=[FFMPEG, *_GLOBAL_ARGS])
    return argv


def build_analysis_command(source: str, out_dir: Path, tap: AnalysisTap) -> list[str]:
    """Only the analysis outputs, from a stored rendition: for analysing a clip
    again (other regions, a newer method) without touching its original."""
    stream = ffmpeg.input(source, **input_options(source))
    outputs = [_analysis_frames_output(stream["v:0"], out_dir, tap)]
    if tap.audio is not None:
        outputs.append(_analysis_audio_output(stream["a:0"], out_dir, tap))
    argv: list[str] = ffmpeg.merge_outputs(*outputs).compile(cmd=[FFMPEG, *_GLOBAL_ARGS])
    return argv


def _analysis_frames_output(stream: Any, out_dir: Path, tap: AnalysisTap) -> Any:
    """Gray frames at ``tap.fps``, taken after tone mapping (what a person sees)."""
    gray = (
        stream.filter("fps", fps=tap.fps)
        .filter("scale", tap.width, tap.height, flags="area")
        .filter("format", "gray")
    )
    return ffmpeg.output(
        gray, str(out_dir / tap.frames), **_STRIP_METADATA, f="rawvideo", pix_fmt="gray"
    )


def _analysis_audio_output(stream: Any, out_dir: Path, tap: AnalysisTap) -> Any:
    """Mono PCM at ``tap.sample_rate``: enough for pitch up to a baby's cry."""
    assert tap.audio is not None
    mono = stream.filter("aresample", tap.sample_rate).filter(
        "aformat", sample_fmts="s16", channel_layouts="mono"
    )
    return ffmpeg.output(
        mono, str(out_dir / tap.audio), **_STRIP_METADATA, f="s16le", acodec="pcm_s16le"
    )


# --------------------------------------------------------------------------- review playlists

# Decoded beyond ``end_s``, so the last canvas frames never run short when a
# span rounds up to the next frame; trim then cuts to the exact frame count.
_DECODE_MARGIN_S = 0.5
# atempo keeps pitch only between half and double speed; slower is a chain.
_ATEMPO_MIN = Fraction(1, 2)


def build_item_command(cut: ItemCut, canvas: Canvas, outputs: Mapping[str, Path]) -> list[str]:
    """One ffmpeg run rendering ``cut`` on ``canvas``: one ``.mov`` per rendition.

    ``outputs`` maps each rendition's directory to its file. The source is
    opened with ``-seek_timestamp 1 -ss start_s``: the seek time is then
    absolute on the source's own timeline (ffmpeg otherwise adds the file's
    start time, which for a run of HLS segments is their position in the
    clip), and accurate seeking decodes from the keyframe before ``start_s``
    but drops every frame and sample before it. Timestamps reach the filters
    relative to ``start_s``, so picture and sound stay aligned through speed
    change and freeze; the video comes out as exactly ``cut.frames().total``
    canvas frames and the sound as exactly as many samples as that lasts, so
    joined items never drift apart. Sound is 48 kHz stereo PCM (joining PCM
    is gapless, unlike joining AAC) and always present, silent when muted or
    missing.
    """
    missing = [r.directory for r in canvas.renditions if r.directory not in outputs]
    if missing:
        raise ValueError(f"no output file for rendition(s) {', '.join(missing)}")
    frames = cut.frames(canvas.fps)
    source = ffmpeg.input(
        cut.source,
        **input_options(cut.source),
        seek_timestamp=1,
        ss=_num(cut.start_s),
        t=_num(cut.end_s - cut.start_s + _DECODE_MARGIN_S),
    )
    video = _item_video(source["v:0"], canvas, frames, cut.speed).filter_multi_output("split")
    audio = _item_audio(source, canvas.fps, frames, cut).filter_multi_output("asplit")
    outs = [
        ffmpeg.output(
            _rendition_picture(video[i], (canvas.width, canvas.height), rendition),
            audio[i],
            str(outputs[rendition.directory]),
            **_intermediate_options(canvas, rendition),
        )
        for i, rendition in enumerate(canvas.renditions)
    ]
    argv: list[str] = ffmpeg.merge_outputs(*outs).compile(cmd=[FFMPEG, *_GLOBAL_ARGS])
    return argv


def _item_video(stream: Any, canvas: Canvas, frames: ItemFrames, speed: Fraction) -> Any:
    """Fit, slow down, resample to the canvas rate, cut to length, hold the freeze.

    Fitting comes first so the scaler sees each source frame once, not each
    repetition. ``fps`` with ``start_time=0`` and ``round=down`` fills output
    frame n with the newest source frame that starts before its end, so at
    equal rates frame n is simply the n-th source frame at or after
    ``start_s``, and a slowed frame is repeated. ``tpad`` guarantees enough
    frames at the very end of a source; ``trim`` makes the count exact. The
    final ``setpts`` puts frame n at exactly n frame durations, so every frame
    lasts the same whole number of ticks (``round``, because the expression is
    evaluated in floating point and ffmpeg truncates: 9.999... would become 9
    and two frames would share a time).
    """
    rate = _rate(canvas.fps)
    video = _fit_to_canvas(stream, canvas.width, canvas.height)
    if speed != 1:
        video = video.filter("setpts", f"PTS*{speed.denominator}/{speed.numerator}")
    video = (
        video.filter("fps", fps=rate, start_time=0, round="down")
        .filter("tpad", stop=-1, stop_mode="clone")
        .filter("trim", end_frame=frames.playback)
    )
    if frames.freeze:
        video = _hold(video, rate, frames)
    return video.filter("setpts", f"round(N/({rate})/TB)")


def _hold(video: Any, rate: str, frames: ItemFrames) -> Any:
    """Hold the frame at ``freeze_index`` (the last one for a freeze at the end).

    Every later frame moves ``freeze`` frames on, and ``fps`` fills the gap by
    repeating the held frame; ``tpad`` does the same after the last frame.
    (The ``loop`` filter would be shorter, but its ``start`` is off by one in
    some ffmpeg releases, which would silently hold the wrong frame.)
    """
    held = min(frames.freeze_index, frames.playback - 1)
    return (
        video.filter("setpts", f"round((N+{frames.freeze}*gt(N,{held}))/({rate})/TB)")
        .filter("fps", fps=rate)
        .filter("tpad", stop=frames.freeze, stop_mode="clone")
        .filter("trim", end_frame=frames.total)
    )


def _fit_to_canvas(stream: Any, width: int, height: int) -> Any:
    """Scale to fit inside the canvas keeping the display aspect, pad with black.

    The display aspect ratio (``dar``) includes the sample aspect ratio, so
    anamorphic sources are not stretched; a portrait clip on a landscape
    canvas is pillarboxed and a landscape clip on a portrait one letterboxed.
    """
    aspect = f"{width}/{height}"
    return (
        stream.filter(
            "scale",
            w=f"if(gte(dar,{aspect}),{width},2*trunc({height}*dar/2))",
            h=f"if(gte(dar,{aspect}),2*trunc({width}/dar/2),{height})",
            out_color_matrix="bt709",
            out_range="tv",
        )
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )


def _rendition_picture(stream: Any, base: tuple[int, int], rendition: HlsRendition) -> Any:
    """The ``base``-sized picture at the rendition's size (unchanged when it already is)."""
    if (rendition.width, rendition.height) == base:
        return stream
    return stream.filter("scale", rendition.width, rendition.height)


def _item_audio(source: Any, fps: Fraction, frames: ItemFrames, cut: ItemCut) -> Any:
    """Exactly as many samples as the item's frames last: the cut's sound or silence.

    The source sound is padded at its start if it begins after ``start_s``
    (``first_pts=0``), slowed with pitch kept, cut to the playback frames, and
    opened at the freeze for a stretch of silence as long as the held frames.
    ``apad`` and the final ``atrim`` make the length exact whatever atempo
    rounds to.
    """
    total = _samples(frames.total, fps)
    if cut.silent:
        sound = ffmpeg.input(f"anullsrc=r={AUDIO_RATE}:cl=stereo", f="lavfi")["a"]
    else:
        sound = (
            source["a:0"]
            .filter("aresample", AUDIO_RATE, first_pts=0, **{"async": 1})
            .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
        )
        for tempo in _tempo_steps(cut.speed):
            sound = sound.filter("atempo", _num(float(tempo)))
        sound = sound.filter("atrim", end_sample=_samples(frames.playback, fps))
        if frames.freeze and frames.freeze_index < frames.playback:
            sound = _open_silence(sound, fps, frames)
    return (
        sound.filter("apad", whole_len=total)
        .filter("atrim", end_sample=total)
        .filter("aformat", sample_fmts="s16", channel_layouts="stereo", sample_rates=AUDIO_RATE)
    )


def _open_silence(sound: Any, fps: Fraction, frames: ItemFrames) -> Any:
    """Insert silence where the picture is held: split at the freeze, delay the rest.

    A freeze at the very end needs no split: the final padding is that silence.
    """
    at = _samples(frames.freeze_index, fps)
    gap = _samples(frames.freeze_index + frames.freeze, fps) - at
    parts = sound.filter_multi_output("asplit") if at else None
    rest = (parts[1] if parts else sound).filter("atrim", start_sample=at)
    rest = rest.filter("asetpts", "PTS-STARTPTS").filter("adelay", delays=f"{gap}S", all=1)
    if parts is None:
        return rest
    head = parts[0].filter("atrim", end_sample=at)
    return ffmpeg.concat(head, rest, v=0, a=1)


def _tempo_steps(speed: Fraction) -> list[Fraction]:
    """atempo factors whose product is ``speed`` (1/4 is two steps of 1/2)."""
    steps: list[Fraction] = []
    while speed < _ATEMPO_MIN:
        steps.append(_ATEMPO_MIN)
        speed /= _ATEMPO_MIN
    if speed != 1:
        steps.append(speed)
    return steps


def _intermediate_options(canvas: Canvas, rendition: HlsRendition) -> dict[str, Any]:
    """The rendition's final H.264 (joined later by copy) and PCM sound, in a MOV."""
    return {
        **_x264_options(
            rendition,
            preset=canvas.preset,
            gop=canvas.gop,
            keyframe_interval_s=canvas.keyframe_interval_s,
        ),
        **_STRIP_METADATA,
        "c:a": "pcm_s16le",
        "ar": AUDIO_RATE,
        "ac": 2,
        "f": "mov",
        "video_track_timescale": canvas.video_timescale,
        "fps_mode": "passthrough",
    }


def build_package_command(
    list_file: Path,
    rendition: HlsRendition,
    out_dir: Path,
    segment_s: float,
    *,
    playlist_name: str = "index.m3u8",
    init_name: str = "init.mp4",
    segment_pattern: str = "seg_%05d.m4s",
) -> list[str]:
    """Join one rendition's item files into a VOD fMP4 HLS rendition in ``out_dir``.

    ``list_file`` is a concat-demuxer list of the items' ``.mov`` files (see
    :func:`concat_list`). The picture is copied, not re-encoded; the PCM sound
    is encoded to AAC once for the whole presentation, so there is no encoder
    priming or padding between items. The concat demuxer places each file
    right after the previous one, so the result is one continuous timeline
    without discontinuities.

    That timeline starts at presentation time 0 on both tracks:
    ``avoid_negative_ts disabled`` keeps ffmpeg from shifting everything
    later by the B-frame delay (the first frame is decoded before it is
    shown), so the MP4 muxer expresses that delay and the AAC priming as
    edit lists instead. Every fragment's decode time (``tfdt``) starts at 0
    too, which is what hls.js takes as the start of the media; caption times
    therefore need no offset (see ``worker.render.CAPTIONS_MPEGTS``).
    """
    source = ffmpeg.input(str(list_file), f="concat", safe=0, protocol_whitelist="file")
    options: dict[str, Any] = {
        "c:v": "copy",
        **_aac_options(rendition),
        **_STRIP_METADATA,
        **_hls_muxer_options(out_dir, segment_s, init_name, segment_pattern),
        "avoid_negative_ts": "disabled",
    }
    output = ffmpeg.output(source["v:0"], source["a:0"], str(out_dir / playlist_name), **options)
    argv: list[str] = output.compile(cmd=[FFMPEG, *_GLOBAL_ARGS])
    return argv


def concat_list(files: Sequence[tuple[Path, Fraction]]) -> str:
    """A concat-demuxer list of ``(file, duration in seconds)``.

    The explicit duration places the next file exactly where this one's last
    frame ends; otherwise the demuxer uses the container duration, which MOV
    stores in milliseconds, and a rounding error would add up item after item.
    """
    lines = ["ffconcat version 1.0"]
    for path, duration in files:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines += [f"file '{quoted}'", f"duration {float(duration):.6f}"]
    return "\n".join(lines) + "\n"


def _samples(frames: int, fps: Fraction) -> int:
    """Audio samples that ``frames`` canvas frames last, to the nearest sample."""
    return round(frames * AUDIO_RATE / fps)


def _rate(fps: Fraction) -> str:
    return f"{fps.numerator}/{fps.denominator}"


def _exact(seconds: float) -> Fraction:
    """A time as the decimal it was written as (5.51, not 5.50999999999999978...)."""
    return Fraction(seconds).limit_denominator(1_000_000)


def _num(value: float) -> str:
    """Numbers for ffmpeg arguments without a spurious ``.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
