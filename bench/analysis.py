"""What does the suggestion analysis add to a transcode?

Generates the same 60 s 1080p clip as bench/transcode.py, then measures in the
same run, on the local file:

- baseline: the transcode's ffmpeg command without the analysis outputs;
- attune:   the command as the job runs it (plus a 10 fps gray picture of
            160 px and 16 kHz mono PCM from the same decode), then reading
            those and running ``worker.analysis.analyse`` on them.

Prints both times, their ratio (goal: <= 1.10), and the analysis' own
realtime factor (analysis seconds per second of media).

    .venv/bin/python bench/analysis.py [--seconds 60] [--rounds 3]
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from transcode import make_source, media_bench_args

from core.media import probe
from worker import analysis
from worker.suggest_job import load
from worker.transcode import analysis_tap, build_command, plan_transcode, prepare_output_dir


def run_transcode(source: Path, work: Path, preset: str,
                  with_analysis: bool) -> tuple[float, float, int]:
    """Seconds for the ffmpeg run, then for reading and analysing its outputs
    (0 without), and how many suggestions the analysis made."""
    out = Path(tempfile.mkdtemp(dir=work, prefix="run-"))
    plan = plan_transcode(probe(str(source)))
    prepare_output_dir(out, plan)
    argv = build_command(str(source), out, plan, preset=preset, analysis=with_analysis)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    encode_s = time.perf_counter() - start
    if not with_analysis:
        return encode_s, 0.0, 0
    tap = analysis_tap(plan.base_width, plan.base_height, plan.has_audio)
    start = time.perf_counter()
    frames, audio = load(out, tap)
    found = analysis.analyse(frames, tap.fps, audio, tap.sample_rate)
    return encode_s, time.perf_counter() - start, len(found.suggestions)


def main() -> None:
    args = media_bench_args(__doc__ or "")
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.mp4"
        make_source(source, args.seconds)
        alone, together, analyse_s = [], [], []
        for round_no in range(args.rounds):
            # alternate the order: a busy neighbour slows whichever runs second less often
            order = (False, True) if round_no % 2 == 0 else (True, False)
            for with_analysis in order:
                encode_s, seconds, count = run_transcode(source, work, args.preset,
                                                         with_analysis)
                if with_analysis:
                    together.append(encode_s + seconds)
                    analyse_s.append(seconds)
                    suggested = count
                else:
                    alone.append(encode_s)
            print(f"round {round_no + 1}: transcode {alone[-1]:.2f} s, with analysis "
                  f"{together[-1]:.2f} s (of which analysing {analyse_s[-1]:.3f} s, "
                  f"{suggested} suggestions)", flush=True)
    ratios = [b / a for a, b in zip(alone, together, strict=True)]
    base, total = statistics.median(alone), statistics.median(together)
    print(f"transcode alone:          {base:.2f} s (median of {args.rounds})")
    print(f"transcode with analysis:  {total:.2f} s")
    print(f"ratio:                    {statistics.median(ratios):.3f} (median of the rounds' "
          f"ratios; goal <= 1.10)")
    print(f"analysis realtime factor: {statistics.median(analyse_s) / args.seconds:.4f} "
          f"(seconds of analysis per second of media)")


if __name__ == "__main__":
    main()
