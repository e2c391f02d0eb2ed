"""How fast does a review playlist render, against plainly re-encoding the same amount?

Generates one 60 s 1080p phone-like clip and transcodes it with the real
``worker.transcode`` (720p + 360p HLS fMP4), then measures in the same run:

- render:   a 3-item playlist of 10 s each (a cut at speed 1; 5 s of source at
            0.5x; 7 s with a 3 s freeze) through ``render_item`` x3 and
            ``package``, on a 1280x720 + 640x360 canvas. Each item's source
            is what the job will fetch: the 720p init segment plus only the
            media segments that hold its range.
- baseline: one plain ffmpeg run re-encoding 30 s of the same 720p rendition
            to the same two renditions (same x264 settings, AAC, HLS fMP4).

Prints render time over output duration (goal: <= 0.3), the baseline's, and
their ratio.

    .venv/bin/python bench/render.py [--seconds 60] [--rounds 1]
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from transcode import make_source, media_bench_args  # bench/transcode.py: same 1080p clip

from core.media import Canvas, HlsRendition, ItemCut, probe
from worker.render import output_duration_s, package, render_item
from worker.transcode import PLAYLIST, parse_media_playlist, plan_transcode, transcode

TIMEOUT_S = 600
# (start_s, end_s, speed, freeze_at_s, freeze_s) on the clip's timeline: 10 s out each.
ITEMS = (
    (5.3, 15.3, Fraction(1), None, 0.0),
    (25.1, 30.1, Fraction(1, 2), None, 0.0),
    (40.7, 47.7, Fraction(1), 44.0, 3.0),
)
BASELINE_START_S = 5.0
BASELINE_S = 30


def canvas_for(source: Path, preset: str) -> Canvas:
    """The clip's own ladder as a canvas: first rendition is the canvas size."""
    plan = plan_transcode(probe(str(source)))
    renditions = [
        HlsRendition(r.name, r.width, r.height, r.crf, r.video_maxrate, r.bufsize, r.audio_bitrate)
        for r in plan.renditions
    ]
    return Canvas(renditions[0].width, renditions[0].height, plan.fps, renditions, preset=preset)


def fetch_range(rendition: Path, start_s: float, end_s: float, out: Path) -> Path:
    """``init.mp4`` plus the media segments overlapping ``[start_s, end_s]``, as one file."""
    _, segments = parse_media_playlist((rendition / PLAYLIST).read_text())
    with out.open("wb") as target:
        target.write((rendition / "init.mp4").read_bytes())
        at = 0.0
        for uri, seconds in segments:
            if at < end_s and at + seconds > start_s:
                target.write((rendition / uri).read_bytes())
            at += seconds
    return out


def time_render(rendition: Path, canvas: Canvas, work: Path) -> tuple[float, float]:
    """Wall time of render_item x3 + package, and the presentation's duration."""
    cuts = [
        ItemCut(
            str(fetch_range(rendition, start, end, work / f"source-{i}.mp4")),
            start_s=start,
            end_s=end,
            speed=speed,
            freeze_at_s=freeze_at,
            freeze_s=freeze_s,
        )
        for i, (start, end, speed, freeze_at, freeze_s) in enumerate(ITEMS)
    ]
    begin = time.perf_counter()
    items = [
        render_item(cut, canvas, work / f"item-{i}", timeout_s=TIMEOUT_S)
        for i, cut in enumerate(cuts)
    ]
    presentation = package(items, canvas, work / "presentation", timeout_s=TIMEOUT_S)
    elapsed = time.perf_counter() - begin
    planned = sum(output_duration_s(cut, canvas.fps) for cut in cuts)
    assert abs(presentation.duration_s - planned) < 1e-6, (presentation.duration_s, planned)
    return elapsed, presentation.duration_s


def time_plain_reencode(rendition: Path, canvas: Canvas, work: Path) -> float:
    """One ffmpeg run: 30 s of the 720p rendition to the canvas renditions, nothing else."""
    source = fetch_range(rendition, 0, 1e9, work / "whole.mp4")
    outputs: list[str] = []
    scaled = ";".join(
        f"[v{i}]scale={r.width}:{r.height}[o{i}]" for i, r in enumerate(canvas.renditions)
    )
    split = "".join(f"[v{i}]" for i in range(len(canvas.renditions)))
    for i, r in enumerate(canvas.renditions):
        folder = work / "plain" / r.directory
        folder.mkdir(parents=True)
        outputs += [
            "-map", f"[o{i}]", "-map", "0:a:0",
            "-c:v", "libx264", "-preset", canvas.preset, "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-crf", str(r.crf), "-maxrate", str(r.maxrate),
            "-bufsize", str(r.bufsize), "-g", str(canvas.gop), "-keyint_min", str(canvas.gop),
            "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", str(r.audio_bitrate), "-ac", "2", "-ar", "48000",
            "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_segment_filename", str(folder / "seg_%05d.m4s"),
            str(folder / "index.m3u8"),
        ]  # fmt: skip
    argv = [
        "ffmpeg", "-v", "error", "-y", "-seek_timestamp", "1",
        "-ss", str(BASELINE_START_S), "-t", str(BASELINE_S), "-i", str(source),
        "-filter_complex", f"[0:v:0]split={len(canvas.renditions)}{split};{scaled}",
        *outputs,
    ]  # fmt: skip
    begin = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - begin


def main() -> None:
    args = media_bench_args(__doc__.splitlines()[0])

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        work = Path(tmp)
        source = work / "phone-1080p.mp4"
        make_source(source, args.seconds)
        canvas = canvas_for(source, args.preset)
        transcode(str(source), work / "clip", probe(str(source)), timeout_s=TIMEOUT_S)
        rendition = work / "clip" / canvas.renditions[0].directory
        sizes = " + ".join(f"{r.width}x{r.height}" for r in canvas.renditions)
        print(f"source: {args.seconds} s 1920x1080 30 fps, transcoded to {sizes}; "
              f"canvas {sizes} at {canvas.fps} fps, x264 preset {args.preset}")  # fmt: skip
        render, plain = [], []
        media_s = 0.0
        for i in range(args.rounds):
            round_dir = work / f"round-{i}"
            round_dir.mkdir()
            elapsed, media_s = time_render(rendition, canvas, round_dir)
            render.append(elapsed)
            plain.append(time_plain_reencode(rendition, canvas, round_dir))
            print(f"round {i + 1}: render {render[-1]:.2f} s, plain re-encode {plain[-1]:.2f} s")
        render_s, plain_s = statistics.median(render), statistics.median(plain)
        print(f"render (3 items + package):  {render_s:.2f} s for {media_s:.1f} s of output "
              f"= {render_s / media_s:.3f} s per output second (goal <= 0.3)")  # fmt: skip
        print(f"plain re-encode (baseline):  {plain_s:.2f} s for {BASELINE_S} s "
              f"= {plain_s / BASELINE_S:.3f} s per second")  # fmt: skip
        print(f"ratio render / plain: {(render_s / media_s) / (plain_s / BASELINE_S):.3f}")


if __name__ == "__main__":
    main()
