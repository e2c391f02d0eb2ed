"""Review playlists rendered with real ffmpeg, checked frame by frame as a parent would see them.

The sources are made the way the service makes them: a clip whose frames show
their own index (``media.make_frame_counter``) goes through the real transcode,
and an item's source is the rendition's init segment followed by a few of its
media segments from the middle, so its timestamps do not start at 0. Every
rendered frame is read back to the index it shows.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from media import COUNTER_BITS, ffprobe_json, make_frame_counter
from test_formats_w3c_vtt import parse_vtt

from core.media import Canvas, HlsRendition, ItemCut, MediaError, probe
from core.media.hls import parse_media_playlist
from worker.render import (
    CAPTIONS_MPEGTS,
    Presentation,
    RenderedItem,
    captions_vtt,
    chapters_vtt,
    output_duration_s,
    output_frames,
    package,
    render_item,
    subtitles_playlist,
)
from worker.transcode import transcode

FPS = Fraction(30)
FRAME_S = float(1 / FPS)
CANVAS = Canvas(
    width=640,
    height=360,
    fps=FPS,
    renditions=[
        HlsRendition("360p", 640, 360, crf=23, maxrate=800_000, bufsize=1_600_000,
                     audio_bitrate=96_000),
        HlsRendition("180p", 320, 180, crf=23, maxrate=300_000, bufsize=600_000,
                     audio_bitrate=64_000),
    ],
)  # fmt: skip
TIMEOUT_S = 60
LOUD_RMS = 500  # the 440 Hz test tone is ~2000; silence is 0


# --------------------------------------------------------------------------- reading outputs


@dataclass(frozen=True)
class Picture:
    """Where the source picture sits in a decoded frame (pillarbox or letterbox aside)."""

    x: int
    y: int
    width: int


def read_counters(path: Path, width: int, height: int, picture: Picture | None = None) -> list[int]:
    """The frame index each decoded frame shows, in presentation order.

    Blocks are sampled at their centres, well inside the edges that
    compression and scaling blur.
    """
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-an", "-fps_mode", "passthrough",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=120,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width)
    box = picture or Picture(0, 0, width)
    block = box.width / COUNTER_BITS
    row = int(box.y + block / 2)
    columns = [int(box.x + block * (bit + 0.5)) for bit in range(COUNTER_BITS)]
    bits = frames[:, row, columns] > 128
    return [int(sum(1 << i for i, on in enumerate(frame) if on)) for frame in bits]


def first_frame(path: Path, width: int, height: int) -> np.ndarray:
    """Luma of the first frame; black is 0, not 16."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(height, width).astype(np.int32)


def frame_rms(path: Path) -> list[float]:
    """Loudness of the sound under each canvas frame (mono, 16-bit RMS)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-f", "s16le", "-ac", "1",
         "-ar", "48000", "-"],
        check=True, capture_output=True, timeout=120,
    ).stdout  # fmt: skip
    samples = np.frombuffer(raw, np.int16).astype(np.float64)
    per_frame = int(48000 / FPS)
    return [
        float(np.sqrt(np.mean(samples[i : i + per_frame] ** 2)))
        for i in range(0, len(samples) - per_frame + 1, per_frame)
    ]


def max_volume_db(path: Path) -> float:
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-vn", "-af", "volumedetect",
         "-f", "null", "-"],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    match = re.search(r"max_volume: (-?[\d.]+|-inf) dB", result.stderr)
    assert match, result.stderr
    return float(match.group(1))


def streams(path: Path) -> dict[str, dict[str, Any]]:
    return {s["codec_type"]: s for s in ffprobe_json(path, "-show_streams")["streams"]}


def packets(path: Path, stream: str) -> list[int]:
    """The pts of every packet of one stream (in its time base), in presentation order."""
    data = ffprobe_json(path, "-select_streams", stream, "-show_entries", "packet=pts")
    return sorted(int(p["pts"]) for p in data["packets"])


def source_frames(source: Path) -> list[tuple[float, int]]:
    """``(pts in seconds, frame index shown)`` of every frame of a source, in order."""
    data = ffprobe_json(source, "-select_streams", "v", "-show_entries", "packet=pts_time")
    times = sorted(float(p["pts_time"]) for p in data["packets"])
    counters = read_counters(source, 640, 360)
    assert len(times) == len(counters)
    return list(zip(times, counters, strict=True))


def expected_range(frames: list[tuple[float, int]], start_s: float, end_s: float) -> list[int]:
    """The indexes of the source frames with ``start_s <= t < end_s``."""
    return [counter for t, counter in frames if start_s <= t < end_s]


# --------------------------------------------------------------------------- sources


def segment_source(rendition: Path, segments: slice, name: Path) -> Path:
    """What the job fetches: ``init.mp4`` and a few consecutive media segments, as one file."""
    _, listed = parse_media_playlist((rendition / "index.m3u8").read_text())
    with name.open("wb") as out:
        out.write((rendition / "init.mp4").read_bytes())
        for uri, _ in listed[segments]:
            out.write((rendition / uri).read_bytes())
    return name


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("render")


@pytest.fixture(scope="module")
def landscape(work: Path) -> Path:
    """Segments 2-3 (4 s to 12 s) of the 360p rendition of a 16 s 640x360 clip with sound."""
    clip = make_frame_counter(work, seconds=16)
    transcode(str(clip), work / "landscape", probe(str(clip)), timeout_s=TIMEOUT_S)
    return segment_source(work / "landscape" / "360p", slice(1, 3), work / "landscape.mp4")


@pytest.fixture(scope="module")
def portrait(work: Path) -> Path:
    """Segment 2 (4 s to 8 s) of a portrait 360x640 clip filmed without sound."""
    clip = make_frame_counter(work, width=360, height=640, seconds=8, audio=False)
    transcode(str(clip), work / "portrait", probe(str(clip)), timeout_s=TIMEOUT_S)
    return segment_source(work / "portrait" / "360p", slice(1, 2), work / "portrait.mp4")


@pytest.fixture(scope="module")
def landscape_frames(landscape: Path) -> list[tuple[float, int]]:
    return source_frames(landscape)


class Rendered:
    """Renders each named item once per module; several tests look at the same item."""

    def __init__(self, work: Path, landscape: Path, portrait: Path) -> None:
        self.work = work
        self.cuts = {
            "cut": ItemCut(str(landscape), start_s=5.51, end_s=7.27),
            "half": ItemCut(str(landscape), start_s=6.05, end_s=7.05, speed=Fraction(1, 2)),
            "quarter": ItemCut(str(landscape), start_s=8.3, end_s=8.8, speed=Fraction(1, 4)),
            "freeze": ItemCut(str(landscape), start_s=9.02, end_s=10.02, freeze_at_s=9.5,
                              freeze_s=1.0),
            "freeze_end": ItemCut(str(landscape), start_s=9.02, end_s=10.02, freeze_at_s=10.02,
                                  freeze_s=0.5),
            "mute": ItemCut(str(landscape), start_s=10.4, end_s=11.4, mute=True),
            "portrait": ItemCut(str(portrait), start_s=4.5, end_s=6.1, has_audio=False),
        }  # fmt: skip
        self.items: dict[str, RenderedItem] = {}
        self.progress: dict[str, list[float]] = {}

    def __getitem__(self, name: str) -> RenderedItem:
        if name not in self.items:
            reports = self.progress.setdefault(name, [])
            self.items[name] = render_item(
                self.cuts[name],
                CANVAS,
                self.work / "items" / name,
                timeout_s=TIMEOUT_S,
                on_progress=reports.append,
            )
        return self.items[name]


@pytest.fixture(scope="module")
def rendered(work: Path, landscape: Path, portrait: Path) -> Rendered:
    return Rendered(work, landscape, portrait)


def main_file(item: RenderedItem) -> Path:
    return item.files["360p"]


def size(rendition: HlsRendition) -> tuple[int, int]:
    return rendition.width, rendition.height


# --------------------------------------------------------------------------- timing


@pytest.mark.parametrize(
    ("cut", "frames"),
    [
        (ItemCut("x.mp4", 1.0, 3.0), 60),
        (ItemCut("x.mp4", 1.0, 3.0, speed=Fraction(1, 2)), 120),
        (ItemCut("x.mp4", 1.0, 3.5, speed=Fraction(1, 4)), 300),
        (ItemCut("x.mp4", 12.0, 14.5, speed=Fraction(1, 2), freeze_at_s=13.0, freeze_s=3.0), 240),
        (ItemCut("x.mp4", 5.51, 7.27), 53),  # 52.8 frames round to 53
    ],
)
def test_item_length_follows_from_the_cut(cut: ItemCut, frames: int) -> None:
    assert output_frames(cut, FPS) == frames
    assert output_duration_s(cut, FPS) == pytest.approx(frames / 30)


def test_impossible_cuts_are_refused() -> None:
    with pytest.raises(ValueError):
        ItemCut("x.mp4", 3.0, 2.0)
    with pytest.raises(ValueError):
        ItemCut("x.mp4", 1.0, 2.0, freeze_at_s=2.5, freeze_s=1.0)
    with pytest.raises(ValueError):
        ItemCut("x.mp4", 1.0, 2.0, speed=Fraction(0))


# --------------------------------------------------------------------------- items


def test_the_source_does_not_start_at_zero(landscape: Path) -> None:
    """The precondition of every test below: a cut from the middle of a clip."""
    assert float(ffprobe_json(landscape, "-show_format")["format"]["start_time"]) > 3.9


@pytest.mark.parametrize("rendition", ["360p", "180p"])
def test_an_item_starts_and_ends_on_the_frames_asked_for(
    rendered: Rendered, landscape_frames: list[tuple[float, int]], rendition: str
) -> None:
    cut = rendered.cuts["cut"]
    item = rendered["cut"]
    r = next(r for r in CANVAS.renditions if r.directory == rendition)
    shown = read_counters(item.files[rendition], *size(r))
    wanted = expected_range(landscape_frames, cut.start_s, cut.end_s)
    assert len(shown) == item.frames == output_frames(cut, FPS)
    assert abs(shown[0] - wanted[0]) <= 1
    assert abs(shown[-1] - wanted[-1]) <= 1
    assert all(b - a == 1 for a, b in pairwise(shown)), "a frame was dropped or doubled"


def test_first_frame_is_exact_at_equal_frame_rates(
    rendered: Rendered, landscape_frames: list[tuple[float, int]]
) -> None:
    """Not just within a frame: the first frame is the first one at or after start_s."""
    cut = rendered.cuts["cut"]
    shown = read_counters(main_file(rendered["cut"]), 640, 360)
    assert shown[0] == expected_range(landscape_frames, cut.start_s, cut.end_s)[0]


def test_item_files_are_what_joining_needs(rendered: Rendered) -> None:
    item = rendered["cut"]
    for rendition in CANVAS.renditions:
        found = streams(item.files[rendition.directory])
        video, audio = found["video"], found["audio"]
        assert (video["codec_name"], video["profile"]) == ("h264", "High")
        assert (int(video["width"]), int(video["height"])) == (rendition.width, rendition.height)
        assert video["sample_aspect_ratio"] in ("1:1", "N/A")
        assert (video["pix_fmt"], video["color_primaries"]) == ("yuv420p", "bt709")
        assert video["time_base"] == "1/15360"
        assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == (
            "pcm_s16le", "48000", 2
        )  # fmt: skip
        assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=1e-4)
        assert float(video["duration"]) == pytest.approx(item.duration_s, abs=1e-4)
    assert rendered.progress["cut"][-1] == 1.0


@pytest.mark.parametrize(("name", "repeats"), [("half", 2), ("quarter", 4)])
def test_slow_motion_repeats_every_frame(
    rendered: Rendered, landscape_frames: list[tuple[float, int]], name: str, repeats: int
) -> None:
    cut = rendered.cuts[name]
    item = rendered[name]
    source_s = cut.end_s - cut.start_s
    video = streams(main_file(item))["video"]
    assert float(video["duration"]) == pytest.approx(source_s * repeats, abs=FRAME_S)
    shown = read_counters(main_file(item), 640, 360)
    wanted = expected_range(landscape_frames, cut.start_s, cut.end_s)
    assert abs(shown[0] - wanted[0]) <= 1 and abs(shown[-1] - wanted[-1]) <= 1
    runs = Counter(shown)
    assert sorted(runs) == list(range(shown[0], shown[-1] + 1)), "a frame is missing"
    inner = [runs[counter] for counter in sorted(runs)[1:-1]]
    assert inner and all(count == repeats for count in inner)
    assert all(a <= b for a, b in pairwise(shown)), "playback went backwards"
    rms = frame_rms(main_file(item))
    assert len(rms) == len(shown)
    assert min(rms[1:-1]) > LOUD_RMS, "the slowed sound has gaps"


def test_a_freeze_holds_the_frame_in_silence(
    rendered: Rendered, landscape_frames: list[tuple[float, int]]
) -> None:
    cut = rendered.cuts["freeze"]
    item = rendered["freeze"]
    assert cut.freeze_at_s is not None
    shown = read_counters(main_file(item), 640, 360)
    held = expected_range(landscape_frames, cut.freeze_at_s, cut.end_s)[0]
    runs = Counter(shown)
    longest, length = runs.most_common(1)[0]
    assert abs(longest - held) <= 1
    assert abs(length - (cut.freeze_s * 30 + 1)) <= 1
    start = shown.index(longest)
    assert shown[start : start + length] == [longest] * length, "the hold is not one run"
    assert all(b - a == 1 for a, b in pairwise(sorted(runs))), "playback skipped frames"
    rms = frame_rms(main_file(item))
    assert len(rms) == len(shown) == item.frames
    frozen = range(start + 1, start + length - 1)
    assert max(rms[i] for i in frozen) < 1, "sound under the frozen picture"
    playing = [i for i in range(1, len(rms) - 1) if not start - 1 <= i <= start + length]
    assert min(rms[i] for i in playing) > LOUD_RMS, "sound missing where the picture plays"


def test_a_freeze_at_the_end_holds_the_last_frame(
    rendered: Rendered, landscape_frames: list[tuple[float, int]]
) -> None:
    cut = rendered.cuts["freeze_end"]
    shown = read_counters(main_file(rendered["freeze_end"]), 640, 360)
    last = expected_range(landscape_frames, cut.start_s, cut.end_s)[-1]
    hold = round(cut.freeze_s * 30)
    assert abs(shown[-1] - last) <= 1
    assert shown[-hold - 1 :] == [shown[-1]] * (hold + 1)
    assert max(frame_rms(main_file(rendered["freeze_end"]))[-hold + 1 :]) < 1


def test_a_muted_item_has_a_silent_sound_track(rendered: Rendered) -> None:
    item = rendered["mute"]
    for path in item.files.values():
        audio = streams(path)["audio"]
        assert float(audio["duration"]) == pytest.approx(item.duration_s, abs=1e-4)
        assert max_volume_db(path) < -80


def test_a_source_without_sound_gets_a_silent_track(rendered: Rendered, portrait: Path) -> None:
    assert "audio" not in streams(portrait)
    item = rendered["portrait"]
    audio = streams(main_file(item))["audio"]
    assert float(audio["duration"]) == pytest.approx(item.duration_s, abs=1e-4)
    assert max_volume_db(main_file(item)) < -80


def test_a_portrait_clip_is_pillarboxed_not_stretched(rendered: Rendered) -> None:
    frame = first_frame(main_file(rendered["portrait"]), 640, 360)
    below_counter = frame[60:, :]
    lit = np.flatnonzero(below_counter.max(axis=0) > 40)
    left, right = int(lit[0]), int(lit[-1]) + 1
    assert below_counter[:, : left - 2].max() < 24 and below_counter[:, right + 2 :].max() < 24
    assert (right - left) / 360 == pytest.approx(9 / 16, rel=0.03), "aspect ratio changed"
    assert abs(left - (640 - right)) <= 2, "picture not centred"
    shown = read_counters(main_file(rendered["portrait"]), 640, 360, Picture(left, 0, right - left))
    assert all(b - a == 1 for a, b in pairwise(shown)), "counter unreadable in the pillarbox"


def test_a_landscape_clip_on_a_portrait_canvas_is_letterboxed(work: Path, landscape: Path) -> None:
    tall = Canvas(width=360, height=640, fps=FPS, renditions=[
        HlsRendition("640p", 360, 640, crf=23, maxrate=800_000, bufsize=1_600_000,
                     audio_bitrate=96_000),
    ])  # fmt: skip
    cut = ItemCut(str(landscape), start_s=5.0, end_s=5.5)
    item = render_item(cut, tall, work / "items" / "letterbox", timeout_s=TIMEOUT_S)
    frame = first_frame(item.files["640p"], 360, 640)
    lit = np.flatnonzero(frame.max(axis=1) > 40)
    top, bottom = int(lit[0]), int(lit[-1]) + 1
    assert frame[: top - 2].max() < 24 and frame[bottom + 2 :].max() < 24
    assert (bottom - top) / 360 == pytest.approx(9 / 16, rel=0.03), "aspect ratio changed"
    assert abs(top - (640 - bottom)) <= 2, "picture not centred"
    shown = read_counters(item.files["640p"], 360, 640, Picture(0, top, 360))
    assert all(b - a == 1 for a, b in pairwise(shown)), "counter unreadable in the letterbox"


def test_an_ntsc_rate_canvas_keeps_every_frame(work: Path, landscape: Path) -> None:
    """29.97 fps: frame times are not whole milliseconds, yet none may repeat or drift."""
    ntsc = Canvas(640, 360, fps=Fraction(30000, 1001), renditions=CANVAS.renditions[:1])
    cut = ItemCut(str(landscape), start_s=5.51, end_s=7.27, freeze_at_s=6.0, freeze_s=0.5)
    item = render_item(cut, ntsc, work / "items" / "ntsc", timeout_s=TIMEOUT_S)
    pts = packets(main_file(item), "v")
    assert len(pts) == item.frames == output_frames(cut, ntsc.fps)
    assert {b - a for a, b in pairwise(pts)} == {1001}, "frames with uneven durations"
    runs = Counter(read_counters(main_file(item), 640, 360))
    assert all(b - a == 1 for a, b in pairwise(sorted(runs))), "a frame was dropped"
    assert sorted(runs.values())[-2:] == [1, round(0.5 * 30000 / 1001) + 1]


def test_a_range_the_source_does_not_hold_is_an_error(work: Path, landscape: Path) -> None:
    cut = ItemCut(str(landscape), start_s=30.0, end_s=31.0)
    with pytest.raises(MediaError):
        render_item(cut, CANVAS, work / "items" / "outside", timeout_s=TIMEOUT_S)


# --------------------------------------------------------------------------- package

PLAYLIST_ITEMS = ("cut", "half", "portrait")


@pytest.fixture(scope="module")
def presentation(rendered: Rendered, work: Path) -> tuple[Path, Presentation, list[float]]:
    items = [rendered[name] for name in PLAYLIST_ITEMS]
    starts = [0.0]
    for name in PLAYLIST_ITEMS:
        starts.append(starts[-1] + output_duration_s(rendered.cuts[name], FPS))
    out = work / "presentation"
    result = package(
        items,
        CANVAS,
        out,
        timeout_s=TIMEOUT_S,
        captions=[
            (starts[1] + 0.2, starts[2] - 0.2, "Wat doet je kind hier?\n\nKijk <goed> & --> zie"),
            (0.5, 1.5, "Eerste moment"),
        ],
        chapters=[(starts[i], starts[i + 1], f"Moment {i + 1}") for i in range(3)],
        captions_language="nl",
    )
    return out, result, starts


def test_a_presentation_lasts_exactly_as_long_as_its_items(
    presentation: tuple[Path, Presentation, list[float]], rendered: Rendered
) -> None:
    out, result, starts = presentation
    frames = sum(rendered[name].frames for name in PLAYLIST_ITEMS)
    assert result.frames == frames and result.duration_s == pytest.approx(starts[-1])
    for rendition in CANVAS.renditions:
        playlist = out / rendition.directory / "index.m3u8"
        _, segments = parse_media_playlist(playlist.read_text())
        assert sum(seconds for _, seconds in segments) == pytest.approx(starts[-1], abs=FRAME_S)
        video = packets(playlist, "v")
        assert len(video) == frames
        assert video[0] == 0, "the timeline does not start at 0"


def test_the_timeline_is_continuous(presentation: tuple[Path, Presentation, list[float]]) -> None:
    out, _, starts = presentation
    playlist = out / "360p" / "index.m3u8"
    assert "#EXT-X-DISCONTINUITY" not in playlist.read_text()
    video = packets(playlist, "v")
    assert {b - a for a, b in pairwise(video)} == {512}, "a gap or overlap in the picture"
    audio = packets(playlist, "a")
    assert {b - a for a, b in pairwise(audio)} == {1024}, "a gap in the sound"
    assert (audio[-1] + 1024) / 48000 == pytest.approx(starts[-1], abs=FRAME_S)


@pytest.mark.parametrize("rendition", CANVAS.renditions, ids=lambda r: r.directory)
def test_every_rendition_plays_the_items_in_order(
    presentation: tuple[Path, Presentation, list[float]],
    rendered: Rendered,
    rendition: HlsRendition,
) -> None:
    out, _, starts = presentation
    playlist = out / rendition.directory / "index.m3u8"
    played = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(playlist), "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert played.returncode == 0 and not played.stderr.strip(), played.stderr
    shown = read_counters(playlist, *size(rendition))
    first = read_counters(rendered["cut"].files[rendition.directory], *size(rendition))
    second = read_counters(rendered["half"].files[rendition.directory], *size(rendition))
    second_at = round(starts[1] * 30)
    assert shown[:second_at] == first
    assert shown[second_at : second_at + len(second)] == second


def test_master_playlist_lists_both_renditions_and_the_captions(
    presentation: tuple[Path, Presentation, list[float]],
) -> None:
    out, result, _ = presentation
    master = (out / "master.m3u8").read_text()
    variants = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*)", master)
    assert [uri for _, uri in variants] == ["360p/index.m3u8", "180p/index.m3u8"]
    for attributes, _ in variants:
        assert re.search(r"BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+", attributes)
        assert re.search(r'CODECS="avc1\.6400[0-9a-f]{2},mp4a\.40\.2"', attributes)
        assert "FRAME-RATE=30.000" in attributes and 'SUBTITLES="captions"' in attributes
    assert "RESOLUTION=640x360" in variants[0][0] and "RESOLUTION=320x180" in variants[1][0]
    media = re.findall(r"#EXT-X-MEDIA:(.*)", master)
    assert len(media) == 1
    assert 'TYPE=SUBTITLES,GROUP-ID="captions"' in media[0]
    assert 'URI="captions/index.m3u8"' in media[0] and "DEFAULT=YES" in media[0]
    assert result.files[-1] == Path("master.m3u8")
    assert all((out / f).is_file() for f in result.files)
    written = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert written == set(result.files)


def test_captions_and_chapters_are_strict_webvtt(
    presentation: tuple[Path, Presentation, list[float]],
) -> None:
    out, result, starts = presentation
    duration_ms = round(starts[-1] * 1000)
    captions = (out / "captions" / "captions.vtt").read_text()
    timestamp_map = f"X-TIMESTAMP-MAP=MPEGTS:{CAPTIONS_MPEGTS},LOCAL:00:00:00.000"
    assert captions.splitlines()[:2] == ["WEBVTT", timestamp_map]
    _, cues = parse_vtt(captions, duration_ms)
    assert [cue.lines for cue in cues] == [
        ("Eerste moment",),
        ("Wat doet je kind hier?", "Kijk &lt;goed&gt; &amp; --&gt; zie"),
    ]
    assert cues[1].start_ms == round((starts[1] + 0.2) * 1000)
    _, chapters = parse_vtt((out / "chapters.vtt").read_text(), duration_ms)
    assert [c.start_ms for c in chapters] == [round(s * 1000) for s in starts[:3]]
    subtitles = (out / "captions" / "index.m3u8").read_text()
    assert "captions.vtt" in subtitles and "#EXT-X-ENDLIST" in subtitles
    assert result.captions_playlist == Path("captions/index.m3u8")


def test_captions_start_where_the_picture_starts(
    presentation: tuple[Path, Presentation, list[float]],
) -> None:
    """X-TIMESTAMP-MAP maps caption time 0 to the first frame: the output really starts at 0."""
    out, _, _ = presentation
    found = ffprobe_json(out / "360p" / "index.m3u8", "-show_streams")["streams"]
    video = next(s for s in found if s["codec_type"] == "video")
    assert float(video["start_time"]) * 90000 == CAPTIONS_MPEGTS


def test_webvtt_text_is_escaped_and_has_no_blank_lines() -> None:
    text = captions_vtt([(1.0, 2.5, "a < b && c > d\n\n  second line  \n")])
    assert text == (
        "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
        "00:00:01.000 --> 00:00:02.500\na &lt; b &amp;&amp; c &gt; d\nsecond line\n"
    )
    assert chapters_vtt([(3661.5, 3700.0, "Laat")]) == (
        "WEBVTT\n\n01:01:01.500 --> 01:01:40.000\nLaat\n"
    )
    with pytest.raises(ValueError):
        captions_vtt([(2.0, 2.0, "never shown")])


def test_subtitles_playlist_covers_the_presentation() -> None:
    assert subtitles_playlist(30.5) == (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:31\n#EXT-X-MEDIA-SEQUENCE:1\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:30.500000,\ncaptions.vtt\n#EXT-X-ENDLIST\n"
    )
