"""What does the suggestion analysis add to a transcode?

Generates the same 60 s 1080p clip as bench/transcode.py, then measures in the
same run, on the local file:

- baseline: the transcode's ffmpeg command without the analysis outputs;
- attune:   the command as the job runs it (plus a 10 fps gray picture of
            160 px and 16 kHz mono PCM from the same decode), then reading
            those and running ``worker.analysis.analyse`` on them.

Prints both times, their ratio (goal: <= 1.10) by the wall clock and by CPU time
(steadier on a shared machine, where a neighbour's load moves the wall clock by
tens of percent), and the analysis' own realtime factor.

    .venv/bin/python bench/analysis.py [--seconds 60] [--rounds 3]
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from transcode import make_source, media_bench_args

from core.media import probe
from worker import analysis
from worker.analysis_job import load
from worker.transcode import build_command, plan_transcode, prepare_output_dir


@dataclass
class Run:
    """One transcode: wall and CPU seconds of ffmpeg, then of reading and analysing."""

    encode_s: float
    encode_cpu_s: float
    analyse_s: float = 0.0
    analyse_cpu_s: float = 0.0
    suggestions: int = 0

    @property
    def wall_s(self) -> float:
        return self.encode_s + self.analyse_s

    @property
    def cpu_s(self) -> float:
        return self.encode_cpu_s + self.analyse_cpu_s


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_transcode(source: Path, work: Path, preset: str, with_analysis: bool) -> Run:
    out = Path(tempfile.mkdtemp(dir=work, prefix="run-"))
    plan = plan_transcode(probe(str(source)))
    prepare_output_dir(out, plan)
    argv = build_command(str(source), out, plan, preset=preset, analysis=with_analysis)
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = Run(time.perf_counter() - start, _children_cpu() - cpu)
    if with_analysis:
        tap = plan.analysis
        cpu, start = time.process_time(), time.perf_counter()
        frames, audio = load(out, tap)
        found = analysis.analyse(frames, tap.fps, audio, tap.sample_rate)
        run.analyse_s = time.perf_counter() - start
        run.analyse_cpu_s = time.process_time() - cpu
        run.suggestions = len(found.suggestions)
    return run


def main() -> None:
    args = media_bench_args(__doc__ or "")
    alone: list[Run] = []
    together: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.mp4"
        make_source(source, args.seconds)
        for round_no in range(args.rounds):
            # alternate the order: a busy neighbour slows whichever runs second less often
            for with_analysis in (False, True) if round_no % 2 == 0 else (True, False):
                run = run_transcode(source, work, args.preset, with_analysis)
                (together if with_analysis else alone).append(run)
            a, t = alone[-1], together[-1]
            print(f"round {round_no + 1}: transcode {a.wall_s:.2f} s ({a.cpu_s:.1f} s CPU), "
                  f"with analysis {t.wall_s:.2f} s ({t.cpu_s:.1f} s CPU; analysing "
                  f"{t.analyse_s:.3f} s, {t.suggestions} suggestions)", flush=True)
    walls = [t.wall_s / a.wall_s for a, t in zip(alone, together, strict=True)]
    cpus = [t.cpu_s / a.cpu_s for a, t in zip(alone, together, strict=True)]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"transcode alone:          {statistics.median(r.wall_s for r in alone):.2f} s, "
          f"{statistics.median(r.cpu_s for r in alone):.1f} s CPU (median of {args.rounds})")
    print(f"transcode with analysis:  {statistics.median(r.wall_s for r in together):.2f} s, "
          f"{statistics.median(r.cpu_s for r in together):.1f} s CPU")
    print(f"ratio, wall clock:        {wall:.3f} (median of the rounds' ratios; goal <= 1.10; "
          f"rounds {', '.join(f'{r:.3f}' for r in walls)})")
    print(f"ratio, CPU time:          {cpu:.3f} (steadier where the machine is shared; "
          f"rounds {', '.join(f'{r:.3f}' for r in cpus)})")
    analysing = [r.analyse_s for r in together]
    print(f"analysis alone:           {statistics.median(analysing):.2f} s "
          f"(rounds {', '.join(f'{s:.2f}' for s in analysing)})")
    print(f"analysis realtime factor: "
          f"{statistics.median(r.analyse_s for r in together) / args.seconds:.4f} "
          f"(seconds of analysis per second of media)")


if __name__ == "__main__":
    main()
