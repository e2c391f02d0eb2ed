"""The transcode as a reviewer and a privacy officer would check it, with real ffmpeg."""

from __future__ import annotations

import itertools
import math
import os
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import pytest
from media import (
    PRIVATE_BYTES,
    MediaLibrary,
    ffprobe_json,
    output_files,
    serve_directory,
    shared_library,
)

from core.media import MediaError, SourceInfo, probe, run_ffmpeg
from core.media import errors as codes
from worker.storyboard import vtt_timestamp
from worker.transcode import (
    TranscodeOutput,
    build_command,
    peak_bandwidth,
    plan_transcode,
    snap_frame_rate,
    storyboard_interval,
    transcode,
)

# Strings that identify the tool chain; an output should not carry them either.
TOOL_BYTES = (b"Lavf", b"Lavc", b"x264 - core")
ALLOWED_FORMAT_TAGS = {"major_brand", "minor_version", "compatible_brands"}
ALLOWED_STREAM_TAGS = {"language", "handler_name", "vendor_id"}


@dataclass
class Result:
    out_dir: Path
    info: SourceInfo
    output: TranscodeOutput
    progress: list[float]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaLibrary:
    return shared_library(lambda: tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="module")
def run(media: MediaLibrary, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Transcode a named test clip once per module and reuse the result."""
    results: dict[str, Result] = {}

    def get(name: str) -> Result:
        if name not in results:
            source = str(media[name])
            info = probe(source)
            out_dir = tmp_path_factory.mktemp(f"out_{name}")
            progress: list[float] = []
            output = transcode(source, out_dir, info, on_progress=progress.append, timeout_s=120)
            results[name] = Result(out_dir, info, output, progress)
        return results[name]

    return get


def probe_rendition(result: Result, index: int, *extra: str) -> dict[str, Any]:
    """ffprobe the init segment followed by all media segments, as a player sees them."""
    rendition = result.output.renditions[index]
    joined = result.out_dir.parent / f"{result.out_dir.name}_{rendition.spec.name}.mp4"
    if not joined.exists():
        with joined.open("wb") as handle:
            for part in rendition.segments:
                handle.write((result.out_dir / part).read_bytes())
    return ffprobe_json(joined, *extra)


def video_stream(data: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in data["streams"] if s["codec_type"] == "video")


def frame_times(result: Result, index: int, *, keyframes_only: bool = False) -> list[float]:
    extra = ["-skip_frame", "nokey"] if keyframes_only else []
    data = probe_rendition(
        result, index, *extra, "-select_streams", "v:0", "-show_entries", "frame=pts_time"
    )
    return [float(f["pts_time"]) for f in data["frames"]]


def master_entries(result: Result) -> list[tuple[dict[str, str], str]]:
    lines = (result.out_dir / "master.m3u8").read_text().splitlines()
    entries = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            entries.append(({k: v.strip('"') for k, v in attrs.items()}, lines[i + 1]))
    return entries


def measured_peak(result: Result, index: int) -> float:
    """Bit rate of the busiest segment, from the files on disk and the EXTINF durations."""
    rendition = result.output.renditions[index]
    text = (result.out_dir / rendition.playlist).read_text()
    pairs = re.findall(r"#EXTINF:([\d.]+),\s*\n(\S+)", text)
    folder = (result.out_dir / rendition.playlist).parent
    return max((folder / uri).stat().st_size * 8 / float(d) for d, uri in pairs)


# --------------------------------------------------------------------------- planning


def _info(width: int, height: int, fps: float = 30, duration: float = 10) -> SourceInfo:
    return SourceInfo(
        duration_s=duration, width=width, height=height, rotation=0, fps=fps, vfr=False,
        video_codec="h264", pix_fmt="yuv420p", bit_depth=8, color_transfer=None,
        color_primaries=None, color_space=None, hdr=False, has_audio=True, audio_channels=2,
        format_name="mov,mp4,m4a,3gp,3g2,mj2", size_bytes=None, video_stream=0, audio_stream=1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1080, 1920), [("720p", 720, 1280), ("360p", 360, 640)]),
        ((1920, 1080), [("720p", 1280, 720), ("360p", 640, 360)]),
        ((3840, 2160), [("720p", 1280, 720), ("360p", 640, 360)]),
        ((854, 480), [("360p", 640, 360)]),
        ((320, 240), [("240p", 320, 240)]),
        ((321, 239), [("238p", 320, 238)]),
    ],
)
def test_ladder_never_upscales(size: tuple[int, int], expected: list[tuple[str, int, int]]) -> None:
    plan = plan_transcode(_info(*size))
    assert [(r.name, r.width, r.height) for r in plan.renditions] == expected
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in plan.renditions)


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (29.33, Fraction(30000, 1001)),
        (30, Fraction(30)),
        (25, Fraction(25)),
        (23.976, Fraction(24000, 1001)),
        (60, Fraction(30)),
        (59.94, Fraction(30000, 1001)),
        (50, Fraction(25)),
        (120, Fraction(30)),
        (0, Fraction(30)),
    ],
)
def test_frame_rate_snaps_to_standard(fps: float, expected: Fraction) -> None:
    assert snap_frame_rate(fps) == expected


def test_gop_is_two_seconds() -> None:
    assert plan_transcode(_info(1280, 720, fps=25)).gop == 50
    assert plan_transcode(_info(1280, 720, fps=60)).gop == 60


@pytest.mark.parametrize(
    ("duration", "interval"), [(3, 1), (100, 1), (101, 2), (600, 10), (3 * 3600, 120)]
)
def test_storyboard_has_at_most_100_thumbs(duration: float, interval: float) -> None:
    assert storyboard_interval(duration) == interval
    assert math.ceil(duration / interval) <= 100


def test_peak_bandwidth_follows_rfc8216() -> None:
    # A short last segment (1 s of a 4 s target) counts only together with its
    # neighbour: (2 MB + 1 MB) * 8 / 5 s, not 1 MB * 8 / 1 s.
    segments = [(1_000_000, 4.0), (2_000_000, 4.0), (1_000_000, 1.0)]
    assert peak_bandwidth(segments, 4) == 4_800_000
    assert peak_bandwidth([(500, 0.5)], 4) == 8000


def test_command_decodes_once_and_strips_metadata(media: MediaLibrary, tmp_path: Path) -> None:
    info = probe(str(media["iphone"]))
    argv = build_command(str(media["iphone"]), tmp_path, plan_transcode(info), preset="ultrafast")
    assert argv[0].endswith("ffmpeg")
    assert argv.count("-i") == 1 and argv.count("-filter_complex") == 1
    assert argv.count("-map_metadata") == argv.count("-map_chapters") >= 4
    assert "-protocol_whitelist" in argv and "-format_whitelist" in argv
    assert "zscale" in argv[argv.index("-filter_complex") + 1]


# --------------------------------------------------------------------------- iPhone clip


def test_iphone_renditions_are_portrait_h264_sdr(run: Any) -> None:
    result = run("iphone")
    sizes = []
    for index, rendition in enumerate(result.output.renditions):
        data = probe_rendition(result, index)
        video = video_stream(data)
        sizes.append((video["width"], video["height"]))
        assert (rendition.width, rendition.height) == sizes[-1]
        assert video["codec_name"] == "h264" and video["profile"] == "High"
        assert video["pix_fmt"] == "yuv420p"
        assert video.get("bits_per_raw_sample", "8") == "8"
        assert video["color_primaries"] == "bt709"
        assert video["color_transfer"] == "bt709"
        assert video["color_space"] == "bt709"
        assert not video.get("side_data_list"), "rotation must be baked in, not signalled"
        assert "rotate" not in video.get("tags", {})
        assert Fraction(video["r_frame_rate"]) == Fraction(30000, 1001)
        audio = next(s for s in data["streams"] if s["codec_type"] == "audio")
        assert audio["codec_name"] == "aac" and audio["profile"] == "LC"
        assert audio["channels"] == 2 and audio["sample_rate"] == "48000"
    assert sizes == [(720, 1280), (360, 640)]


def test_iphone_output_is_constant_frame_rate(run: Any) -> None:
    result = run("iphone")
    times = frame_times(result, 0)
    deltas = {round(b - a, 4) for a, b in itertools.pairwise(times)}
    assert deltas == {round(1001 / 30000, 4)}
    assert len(times) == pytest.approx(3 * 30000 / 1001, abs=2)


def test_keyframes_every_two_seconds(run: Any) -> None:
    for name, frame_s in (("iphone", 1001 / 30000), ("plain", 1 / 25)):
        result = run(name)
        keys = frame_times(result, 0, keyframes_only=True)
        gaps = [b - a for a, b in itertools.pairwise(keys)]
        assert gaps, name
        assert all(abs(gap - 2.0) <= frame_s + 1e-6 for gap in gaps), (name, gaps)


def test_master_playlist_describes_renditions(run: Any) -> None:
    result = run("iphone")
    text = (result.out_dir / "master.m3u8").read_text()
    assert text.startswith("#EXTM3U\n") and "#EXT-X-INDEPENDENT-SEGMENTS" in text
    entries = master_entries(result)
    assert [uri for _, uri in entries] == ["720p/index.m3u8", "360p/index.m3u8"]
    for index, (attrs, uri) in enumerate(entries):
        video = video_stream(probe_rendition(result, index))
        assert int(attrs["BANDWIDTH"]) >= measured_peak(result, index)
        assert 0 < int(attrs["AVERAGE-BANDWIDTH"]) <= int(attrs["BANDWIDTH"])
        assert attrs["RESOLUTION"] == f"{video['width']}x{video['height']}"
        assert attrs["CODECS"] == f"avc1.6400{video['level']:02x},mp4a.40.2"
        assert attrs["FRAME-RATE"] == "29.970"
        variant = (result.out_dir / uri).read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in variant and '#EXT-X-MAP:URI="init.mp4"' in variant


def test_master_playlist_plays_end_to_end(run: Any) -> None:
    result = run("iphone")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(result.out_dir / "master.m3u8"),
         "-map", "0:v", "-map", "0:a", "-f", "null", "-"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    for rendition in result.output.renditions:
        data = ffprobe_json(
            result.out_dir / rendition.playlist,
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
        )
        frames = int(data["streams"][0]["nb_read_frames"])
        assert frames / rendition.frame_rate == pytest.approx(result.info.duration_s, abs=0.1)


def test_no_private_or_tool_metadata_in_any_output(run: Any) -> None:
    result = run("iphone")
    produced = output_files(result.out_dir)
    assert len(produced) >= 8
    for path in produced:
        data = path.read_bytes()
        for needle in (*PRIVATE_BYTES, *TOOL_BYTES, b"creation_time", b"Exif"):
            assert needle not in data, (path.name, needle)
    for index, rendition in enumerate(result.output.renditions):
        for target in (result.out_dir / rendition.segments[0], None):
            info = ffprobe_json(target) if target else probe_rendition(result, index)
            assert not info.get("chapters")
            assert set(info["format"].get("tags", {})) <= ALLOWED_FORMAT_TAGS
            for stream in info["streams"]:
                assert set(stream.get("tags", {})) <= ALLOWED_STREAM_TAGS, stream.get("tags")


def test_poster_is_a_clean_decodable_jpeg(run: Any) -> None:
    result = run("iphone")
    poster = result.out_dir / result.output.poster
    data = poster.read_bytes()
    assert data[:2] == b"\xff\xd8" and b"Exif" not in data
    image = cv2.imread(str(poster))
    assert image is not None and image.shape[:2] == (1280, 720)


def test_storyboard_covers_the_clip(run: Any) -> None:
    result = run("iphone")
    vtt = (result.out_dir / result.output.storyboard_vtt).read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"([\d:.]+) --> ([\d:.]+)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)", vtt)
    assert cues
    assert cues[0][0] == "00:00:00.000"
    assert cues[-1][1] == vtt_timestamp(result.info.duration_s)
    for previous, cue in itertools.pairwise(cues):
        assert previous[1] == cue[0]  # no gaps
    sprites = {name: cv2.imread(str(result.out_dir / name)) for name in {c[2] for c in cues}}
    assert {Path(name) for name in sprites} == set(result.output.storyboard_images)
    for _, _, name, x, y, w, h in cues:
        sprite = sprites[name]
        assert sprite is not None, name
        height, width = sprite.shape[:2]
        assert (int(w), int(h)) == (90, 160)  # portrait thumbnails
        assert int(x) + int(w) <= width and int(y) + int(h) <= height
    for sprite in result.output.storyboard_images:
        assert b"Exif" not in (result.out_dir / sprite).read_bytes()


def test_file_list_is_complete_and_playlists_come_last(run: Any) -> None:
    result = run("iphone")
    files = result.output.files
    on_disk = {p.relative_to(result.out_dir) for p in output_files(result.out_dir)}
    analysis = result.output.analysis
    assert analysis is not None  # read by the suggestion analysis, never uploaded
    kept_back = {Path(analysis.frames), Path(str(analysis.audio))}
    assert kept_back <= on_disk
    assert set(files) == on_disk - kept_back and len(files) == len(on_disk) - 2
    assert files[-1] == Path("master.m3u8")
    playlists = [i for i, f in enumerate(files) if f.suffix == ".m3u8"]
    assert playlists == list(range(len(files) - len(playlists), len(files)))
    assert not any(part.startswith(".") for f in files for part in f.parts)  # no thumbs left


def test_progress_is_monotonic_and_ends_at_one(run: Any) -> None:
    progress = run("iphone").progress
    assert progress and progress[-1] == 1.0 and progress.count(1.0) == 1
    assert all(0.0 <= value <= 1.0 for value in progress)
    assert progress == sorted(progress)


# --------------------------------------------------------------------------- other sources


def test_landscape_clip_segments_and_renditions(run: Any) -> None:
    result = run("plain")
    assert [(r.width, r.height) for r in result.output.renditions] == [(1280, 720), (640, 360)]
    text = (result.out_dir / result.output.renditions[0].playlist).read_text()
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", text)]
    assert durations[0] == pytest.approx(4.0)  # hls_time 4 with a keyframe every 2 s
    assert sum(durations) == pytest.approx(result.info.duration_s, abs=0.05)


def test_clip_without_audio(run: Any) -> None:
    result = run("no_audio")
    (attrs, _), *_ = master_entries(result)
    assert attrs["CODECS"].startswith("avc1.") and "mp4a" not in attrs["CODECS"]
    data = probe_rendition(result, 0)
    assert [s["codec_type"] for s in data["streams"]] == ["video"]


def test_sixty_fps_becomes_thirty(run: Any) -> None:
    result = run("sixty")
    video = video_stream(probe_rendition(result, 0))
    assert Fraction(video["r_frame_rate"]) == 30
    assert len(frame_times(result, 0)) == pytest.approx(2 * 30, abs=1)
    assert master_entries(result)[0][0]["FRAME-RATE"] == "30.000"


def test_pq_hdr_is_tone_mapped_to_sdr(run: Any) -> None:
    result = run("pq")
    video = video_stream(probe_rendition(result, 0))
    assert (video["color_transfer"], video["color_primaries"]) == ("bt709", "bt709")
    assert video["pix_fmt"] == "yuv420p"


def test_small_source_is_not_upscaled(run: Any) -> None:
    result = run("small")
    assert [(r.spec.name, r.width, r.height) for r in result.output.renditions] == [
        ("240p", 320, 240)
    ]
    image = cv2.imread(str(result.out_dir / "poster.jpg"))
    assert image is not None and image.shape[:2] == (240, 320)


def test_transcode_from_presigned_style_url(media: MediaLibrary, tmp_path: Path) -> None:
    """Production reads the original straight from S3 through a presigned URL."""
    with serve_directory(media.root) as root:
        source = f"{root}/{media['no_audio'].name}?X-Amz-Signature=secret"
        info = probe(source)
        output = transcode(source, tmp_path, info, timeout_s=120, preset="ultrafast")
    assert [(r.width, r.height) for r in output.renditions] == [(640, 360)]
    assert (tmp_path / "master.m3u8").is_file()


# --------------------------------------------------------------------------- run_ffmpeg


def _endless_encode(tmp_path: Path, marker: str) -> list[str]:
    return [
        "ffmpeg", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
        "-c:v", "libx264", "-preset", "medium", "-f", "mp4", str(tmp_path / f"{marker}.mp4"),
    ]  # fmt: skip


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline and entry.name != str(os.getpid()):
                found.append(int(entry.name))
    return found


def test_timeout_kills_ffmpeg(tmp_path: Path) -> None:
    marker = f"timeout-{uuid.uuid4().hex}"
    started = time.monotonic()
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(_endless_encode(tmp_path, marker), duration_s=60, on_progress=None, timeout_s=1)
    assert caught.value.code == codes.TIMEOUT
    assert time.monotonic() - started < 10
    assert _processes_mentioning(marker) == []


class Cancelled(Exception):
    """What a worker raises from its progress callback when the job is cancelled."""


def test_progress_callback_can_abort(tmp_path: Path) -> None:
    marker = f"abort-{uuid.uuid4().hex}"
    seen: list[float] = []

    def abort(value: float) -> None:
        seen.append(value)
        raise Cancelled

    with pytest.raises(Cancelled):
        run_ffmpeg(
            _endless_encode(tmp_path, marker), duration_s=60, on_progress=abort, timeout_s=60
        )
    assert seen and 0 <= seen[0] < 1
    assert _processes_mentioning(marker) == []


def test_failure_carries_the_ffmpeg_reason(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(
            ["ffmpeg", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"],
            duration_s=1,
            on_progress=None,
            timeout_s=30,
        )
    assert caught.value.code == codes.TRANSCODE_FAILED
    assert "No such file or directory" in caught.value.message
    assert caught.value.message.startswith("The video could not be converted.")


def test_failure_message_hides_url_signatures(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/original.mp4?X-Amz-Signature=topsecret"
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["ffmpeg", "-i", url, "-f", "null", "-"], duration_s=1, on_progress=None,
                   timeout_s=30)  # fmt: skip
    err = caught.value
    assert "topsecret" not in f"{err.message} {err.message_nl} {err.detail}"


def test_long_stderr_does_not_block(tmp_path: Path) -> None:
    """Thousands of log lines must not fill the pipe and hang ffmpeg."""
    run_ffmpeg(
        ["ffmpeg", "-loglevel", "debug", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25:d=4",
         "-f", "null", "-"],
        duration_s=4, on_progress=None, timeout_s=60,
    )  # fmt: skip
