"""Render a review playlist: short items cut from ready clips, joined into one HLS presentation.

A review playlist shows parents a few moments of their own recordings, often
slowed down or frozen on one frame with a question as a caption. Each item is
rendered once (:func:`render_item`: one ffmpeg run per item, every rendition
at once) into intermediate files that share one :class:`~core.media.Canvas`;
:func:`package` then joins them per rendition by stream copy, encodes the
sound once and writes the master playlist, captions and chapters. Item
lengths follow from the cut alone (:func:`output_frames`), so the caller
places captions and chapters without probing anything.

No storage and no database here: the caller fetches the segments an item
needs into a local file, and uploads ``Presentation.files`` in the given
order (media first, playlists after, master last).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from core.media import (
    Canvas,
    HlsRendition,
    ItemCut,
    build_item_command,
    build_package_command,
    concat_list,
    errors,
    probe_streams,
    run_ffmpeg,
)
from core.media.errors import MediaError
from core.media.hls import INIT, parse_media_playlist
from worker.storyboard import vtt_timestamp
from worker.transcode import (
    AAC_OBJECT_TYPES,
    MASTER,
    PLAYLIST,
    RenditionOutput,
    RenditionSpec,
    avc_codec_string,
    average_bandwidth,
    master_playlist,
    peak_bandwidth,
    scrub_init_segment,
)

Cue = tuple[float, float, str]
"""``(start_s, end_s, text)`` on the presentation's timeline."""

SEGMENT_S = 4.0
CAPTIONS_DIR = "captions"
CAPTIONS_VTT = "captions.vtt"
CAPTIONS_GROUP = "captions"
CHAPTERS_VTT = Path("chapters.vtt")
CAPTIONS_MPEGTS = 0
"""90 kHz time that caption time 0 maps to (``X-TIMESTAMP-MAP``).

The packaged fMP4 starts at presentation time 0 on both tracks: the B-frame
delay and the AAC priming are edit lists, not a shifted timeline (ffprobe on
a packaged rendition: video ``start_time`` 0.000000; audio -0.021333, which is
the 1024 priming samples the edit list hides, so the first audible sample is
at 0), and every first fragment's ``tfdt`` is 0. hls.js takes the first
fragment's decode time as the start of the media and Safari the first
presentation time; both are 0, so caption times are written as they are.
"""
AAC_LC = f"mp4a.40.{AAC_OBJECT_TYPES['LC']}"  # ffmpeg's native AAC encoder writes AAC-LC


@dataclass(frozen=True)
class RenderedItem:
    """One item's intermediate files (rendition directory -> ``.mov``) and its length."""

    files: dict[str, Path]
    frames: int
    duration_s: float


@dataclass(frozen=True)
class Presentation:
    """Everything :func:`package` wrote, relative to its ``out_dir``."""

    master_playlist: Path
    renditions: list[RenditionOutput]
    captions_playlist: Path | None
    chapters: Path | None
    frames: int
    duration_s: float
    files: list[Path]  # upload order: media first, playlists after, master last


# --------------------------------------------------------------------------- timing


def output_frames(cut: ItemCut, fps: Fraction) -> int:
    """Canvas frames the rendered item has: the slowed range plus the freeze."""
    return cut.frames(fps).total


def output_duration_s(cut: ItemCut, fps: Fraction) -> float:
    """Seconds the rendered item lasts; item starts are the running sum of these."""
    return float(output_frames(cut, fps) / fps)


# --------------------------------------------------------------------------- items


def render_item(
    cut: ItemCut,
    canvas: Canvas,
    out_dir: Path,
    *,
    timeout_s: float,
    on_progress: Callable[[float], None] | None = None,
) -> RenderedItem:
    """Render ``cut`` into ``out_dir/<rendition>.mov``, one file per canvas rendition.

    The frame count is checked afterwards: a range the source does not hold
    would otherwise come out short, and a short item would shift every
    caption after it. Raises :class:`MediaError`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {r.directory: out_dir / f"{r.directory}.mov" for r in canvas.renditions}
    frames = output_frames(cut, canvas.fps)
    duration = frames / canvas.fps
    run_ffmpeg(
        build_item_command(cut, canvas, files),
        duration_s=float(duration),
        on_progress=on_progress,
        timeout_s=timeout_s,
    )
    _check_item(files[canvas.renditions[0].directory], frames)
    return RenderedItem(files=files, frames=frames, duration_s=float(duration))


def _check_item(path: Path, frames: int) -> None:
    streams = probe_streams(path) if path.is_file() else []
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    written = int(video.get("nb_frames") or 0) if video else 0
    if written != frames or not any(s.get("codec_type") == "audio" for s in streams):
        raise MediaError(
            errors.TRANSCODE_FAILED,
            detail=f"{path.name}: {written} of {frames} frames; the source may not hold the range",
        )


# --------------------------------------------------------------------------- package


def package(
    items: Sequence[RenderedItem],
    canvas: Canvas,
    out_dir: Path,
    *,
    segment_s: float = SEGMENT_S,
    timeout_s: float,
    captions: Iterable[Cue] = (),
    chapters: Iterable[Cue] = (),
    captions_language: str | None = None,
) -> Presentation:
    """Join ``items`` (rendered on ``canvas``) into one HLS presentation in ``out_dir``.

    Per rendition: one ffmpeg run joins the items by stream copy into fMP4
    segments on one continuous timeline (the runs go in parallel: each is
    mostly a single-threaded AAC encode), then the rendition is measured like
    a transcoded clip (peak and average bit rate from the segments, codec
    string from the init segment). ``captions`` become a WebVTT subtitles
    rendition that the master playlist selects by default; ``chapters`` a
    ``chapters.vtt`` for the player's chapter menu. Raises :class:`MediaError`.
    """
    if not items:
        raise ValueError("a presentation needs at least one item")
    frames = sum(item.frames for item in items)
    duration = Fraction(frames) / canvas.fps
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(canvas.renditions)) as pool:
        runs = [
            pool.submit(_package_rendition, items, canvas, r, out_dir, segment_s, timeout_s)
            for r in canvas.renditions
        ]
        renditions = [run.result() for run in runs]
    media = [segment for r in renditions for segment in r.segments]
    playlists = [r.playlist for r in renditions]
    captions_playlist = _write_captions(out_dir, list(captions), float(duration))
    if captions_playlist is not None:
        media.append(captions_playlist.parent / CAPTIONS_VTT)
        playlists.append(captions_playlist)
    chapter_list = list(chapters)
    if chapter_list:
        (out_dir / CHAPTERS_VTT).write_text(chapters_vtt(chapter_list), encoding="utf-8")
    master = master_playlist(renditions)
    if captions_playlist is not None:
        master = _with_captions(master, captions_playlist, captions_language)
    (out_dir / MASTER).write_text(master, encoding="utf-8")
    return Presentation(
        master_playlist=MASTER,
        renditions=renditions,
        captions_playlist=captions_playlist,
        chapters=CHAPTERS_VTT if chapter_list else None,
        frames=frames,
        duration_s=float(duration),
        files=[*media, *playlists, *([CHAPTERS_VTT] if chapter_list else []), MASTER],
    )


def _package_rendition(
    items: Sequence[RenderedItem],
    canvas: Canvas,
    rendition: HlsRendition,
    out_dir: Path,
    segment_s: float,
    timeout_s: float,
) -> RenditionOutput:
    folder = _fresh_dir(out_dir / rendition.directory)
    listed = [(item.files[rendition.directory], item.frames / canvas.fps) for item in items]
    # In the job's scratch space, beside the output: whatever a killed job
    # leaves there is removed by the next worker (see core.workdir).
    list_file = out_dir / f".{rendition.directory}.ffconcat"
    list_file.write_text(concat_list(listed), encoding="utf-8")
    try:
        run_ffmpeg(
            build_package_command(
                list_file, rendition, folder, segment_s, playlist_name=PLAYLIST, init_name=INIT
            ),
            duration_s=float(sum(duration for _, duration in listed)),
            on_progress=None,
            timeout_s=timeout_s,
        )
    finally:
        list_file.unlink(missing_ok=True)
    return _describe(out_dir, rendition, canvas.fps)


def _fresh_dir(path: Path) -> Path:
    """An empty directory, so files from an earlier, failed attempt cannot be uploaded."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _describe(out_dir: Path, rendition: HlsRendition, fps: Fraction) -> RenditionOutput:
    """The rendition as the master playlist describes it, measured from what was written."""
    playlist = Path(rendition.directory) / PLAYLIST
    folder = out_dir / rendition.directory
    if not (out_dir / playlist).is_file() or not (folder / INIT).is_file():
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"ffmpeg wrote no {playlist}")
    target, segments = parse_media_playlist((out_dir / playlist).read_text(encoding="utf-8"))
    if not segments:
        raise MediaError(errors.TRANSCODE_FAILED, detail=f"{playlist} lists no segments")
    scrub_init_segment(folder / INIT)
    sized = [((folder / uri).stat().st_size, seconds) for uri, seconds in segments]
    return RenditionOutput(
        spec=RenditionSpec(
            name=rendition.directory,
            width=rendition.width,
            height=rendition.height,
            video_maxrate=rendition.maxrate,
            audio_bitrate=rendition.audio_bitrate,
            crf=rendition.crf,
        ),
        playlist=playlist,
        width=rendition.width,
        height=rendition.height,
        bandwidth=peak_bandwidth(sized, target),
        average_bandwidth=average_bandwidth(sized),
        codecs=f"{avc_codec_string((folder / INIT).read_bytes())},{AAC_LC}",
        frame_rate=float(fps),
        segments=[
            Path(rendition.directory) / INIT,
            *(Path(rendition.directory) / u for u, _ in segments),
        ],
    )


# --------------------------------------------------------------------------- captions


def _write_captions(out_dir: Path, cues: list[Cue], duration_s: float) -> Path | None:
    """``captions/captions.vtt`` and its one-segment playlist, or nothing without cues."""
    if not cues:
        return None
    folder = _fresh_dir(out_dir / CAPTIONS_DIR)
    (folder / CAPTIONS_VTT).write_text(captions_vtt(cues), encoding="utf-8")
    (folder / PLAYLIST).write_text(subtitles_playlist(duration_s), encoding="utf-8")
    return Path(CAPTIONS_DIR) / PLAYLIST


def _with_captions(master: str, captions: Path, language: str | None) -> str:
    """Add the captions rendition to a master playlist and point every variant at it.

    ``DEFAULT=YES,AUTOSELECT=YES``: the questions are part of the review, so
    players show them without the viewer switching subtitles on.
    """
    attributes = [
        "TYPE=SUBTITLES",
        f'GROUP-ID="{CAPTIONS_GROUP}"',
        'NAME="Captions"',
        *([f'LANGUAGE="{language}"'] if language else []),
        "DEFAULT=YES",
        "AUTOSELECT=YES",
        "FORCED=NO",
        f'URI="{captions.as_posix()}"',
    ]
    lines = [
        f'{line},SUBTITLES="{CAPTIONS_GROUP}"' if line.startswith("#EXT-X-STREAM-INF:") else line
        for line in master.splitlines()
    ]
    first_variant = next(i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:"))
    lines.insert(first_variant, f"#EXT-X-MEDIA:{','.join(attributes)}")
    return "\n".join(lines) + "\n"


def captions_vtt(cues: Iterable[Cue]) -> str:
    """The captions track: WebVTT with the ``X-TIMESTAMP-MAP`` HLS players need.

    Without the map a player may place cues relative to something else than
    the media's start; see :data:`CAPTIONS_MPEGTS` for why the value is right.
    """
    return _webvtt(cues, [f"X-TIMESTAMP-MAP=MPEGTS:{CAPTIONS_MPEGTS},LOCAL:00:00:00.000"])


def chapters_vtt(chapters: Iterable[Cue]) -> str:
    """The chapters track (one cue per item or moment, titled) for a chapter menu."""
    return _webvtt(chapters, [])


def _webvtt(cues: Iterable[Cue], header: list[str]) -> str:
    """Strict WebVTT: ``HH:MM:SS.mmm`` times, cues ordered by start, escaped text.

    A cue whose text is empty once blank lines are dropped is left out: a blank
    line would end the cue, and an empty cue shows nothing.
    """
    lines = ["WEBVTT", *header, ""]
    for start_s, end_s, text in sorted(cues, key=lambda cue: (cue[0], cue[1])):
        body = _cue_text(text)
        if not body:
            continue
        if start_s < 0 or round(end_s * 1000) <= round(start_s * 1000):
            raise ValueError(f"a cue must start at or after 0 and end after it starts: {text!r}")
        lines += [f"{vtt_timestamp(start_s)} --> {vtt_timestamp(end_s)}", *body, ""]
    return "\n".join(lines)


def _cue_text(text: str) -> list[str]:
    """Cue lines with ``&``, ``<`` and ``>`` escaped (so ``-->`` cannot occur) and no blank line."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return [line.strip() for line in escaped.splitlines() if line.strip()]


def subtitles_playlist(duration_s: float) -> str:
    """An HLS media playlist whose one segment is the whole ``captions.vtt``.

    One segment keeps cue times on the presentation's own timeline; the target
    duration is rounded up, as RFC 8216 requires it to cover the segment.
    """
    return "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration_s))}",
            "#EXT-X-MEDIA-SEQUENCE:1",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration_s:.6f},",
            CAPTIONS_VTT,
            "#EXT-X-ENDLIST",
            "",
        ]
    )
