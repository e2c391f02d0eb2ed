"""How well do the analysis suggestions find planted mismatches and repairs?

Renders synthetic parent-and-baby clips (``bench/synthetic.py``) with planted
ground truth, encodes them with ffmpeg (H.264 + AAC), decodes them back to the
analysis input (10 fps gray, long side 160 px; 16 kHz mono) and runs
``worker.analysis.analyse`` on each. Prints:

- precision, recall and F1 for MISMATCH and REPAIR (onset within +-1 s,
  one-to-one matching, ``worker.analysis.evaluate``);
- false alarms per minute (MISMATCH + REPAIR suggestions) on null clips:
  fully coupled, fully independent without crying, static, dark, no sound;
- repair onset error (median and mean absolute, ms);
- the analysis realtime factor (analysis seconds / media seconds).

Goals: F1 >= 0.8 per kind and <= 2 false alarms per minute.

    .venv/bin/python bench/suggest_eval.py [--quick] [--clips 6] [--seed-base 1000]

Tuning used other seeds (``--seed-base 0``) than the reported run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from synthetic import ClipSpec, Decoded, Truth, decode_for_analysis, write_clip

from worker.analysis import Analysis, CodeScore, analyse, evaluate

CODES = ("MISMATCH", "REPAIR")
NULL_KINDS = ("coupled", "independent", "static", "dark", "no_audio")


@dataclass
class Result:
    spec: ClipSpec
    truth: list[Truth]
    analysis: Analysis
    seconds: float
    media_s: float


def _prepare(spec: ClipSpec, work: Path) -> tuple[ClipSpec, list[Truth], Decoded]:
    path = work / f"{spec.kind}-{spec.seed}.mp4"
    truth = write_clip(spec, path)
    return spec, truth, decode_for_analysis(path)


def run(specs: list[ClipSpec], workers: int) -> list[Result]:
    """Render and decode in parallel, then analyse one clip at a time (for clean timing)."""
    with tempfile.TemporaryDirectory(prefix="attune-suggest-eval-") as tmp, ThreadPoolExecutor(
        workers
    ) as pool:
        prepared = list(pool.map(lambda s: _prepare(s, Path(tmp)), specs))
    results: list[Result] = []
    for spec, truth, decoded in prepared:
        start = time.perf_counter()
        analysis = analyse(decoded.frames, decoded.fps, decoded.audio, decoded.sample_rate)
        elapsed = time.perf_counter() - start
        results.append(Result(spec, truth, analysis, elapsed, analysis.duration_ms / 1000))
    return results


def _fmt(score: CodeScore) -> str:
    return (
        f"{score.code:<9} precision {score.precision:.2f}  recall {score.recall:.2f}  "
        f"F1 {score.f1:.2f}  (hits {score.true_positives}, false {score.false_positives}, "
        f"missed {score.false_negatives})"
    )


def report(results: list[Result], verbose: bool) -> bool:
    family = [r for r in results if r.spec.kind == "family"]
    nulls = [r for r in results if r.spec.kind in NULL_KINDS]
    totals = {code: CodeScore(code, 0, 0, 0) for code in CODES}
    for r in family:
        scores = evaluate(r.analysis.suggestions, r.truth, tolerance_ms=1000, codes=CODES)
        for code in CODES:
            totals[code] = totals[code] + scores[code]
        if verbose:
            found = [(s.code, s.start_ms, s.end_ms) for s in r.analysis.suggestions
                     if s.code in CODES]  # fmt: skip
            print(f"  seed {r.spec.seed}: truth {r.truth}")
            print(f"           found {found}")
    print(f"Planted events in {len(family)} clips "
          f"({sum(r.media_s for r in family) / 60:.1f} min), onset tolerance +-1 s:")  # fmt: skip
    for code in CODES:
        print("  " + _fmt(totals[code]))
    repair_errors = [abs(e) for e in totals["REPAIR"].onset_errors_ms]
    mismatch_errors = [abs(e) for e in totals["MISMATCH"].onset_errors_ms]
    if repair_errors:
        print(f"  repair onset error: median {statistics.median(repair_errors):.0f} ms, "
              f"mean {statistics.mean(repair_errors):.0f} ms")  # fmt: skip
    if mismatch_errors:
        print(f"  mismatch onset error: median {statistics.median(mismatch_errors):.0f} ms, "
              f"mean {statistics.mean(mismatch_errors):.0f} ms")  # fmt: skip

    alarms = 0
    null_min = 0.0
    print("False alarms (MISMATCH + REPAIR) on null clips:")
    for r in nulls:
        count = sum(1 for s in r.analysis.suggestions if s.code in CODES)
        alarms += count
        null_min += r.media_s / 60
        other = sorted({s.code for s in r.analysis.suggestions if s.code not in CODES})
        also = f"  (also {', '.join(other)})" if other else ""
        said = " | ".join(note.text for note in r.analysis.notes)
        notes = f"  notes: {said}" if said else ""
        print(f"  {r.spec.kind:<12} {count} in {r.media_s:.0f} s{also}{notes}")
    per_min = alarms / null_min if null_min else 0.0
    print(f"  {per_min:.2f} false alarms per minute")

    analysed = sum(r.seconds for r in results)
    media = sum(r.media_s for r in results)
    sixty = [r.seconds / r.media_s * 60 for r in results if r.media_s >= 50]
    print(f"Analysis realtime factor: {analysed / media:.4f} "
          f"({analysed:.2f} s for {media:.0f} s of media"
          f"{f'; {statistics.median(sixty):.2f} s per 60 s clip' if sixty else ''})")  # fmt: skip
    passed = all(totals[c].f1 >= 0.8 for c in CODES) and per_min <= 2.0
    print(f"Goal (F1 >= 0.8 for both, <= 2 false alarms/min): {'met' if passed else 'NOT met'}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 family clips of 30 s, short nulls")
    parser.add_argument("--clips", type=int, default=6, help="family clips with planted events")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed-base", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="print truth and found per clip")
    args = parser.parse_args()
    clips, seconds = (3, 30.0) if args.quick else (args.clips, args.seconds)
    specs = [ClipSpec("family", seconds, args.seed_base + i) for i in range(clips)]
    specs += [ClipSpec(kind, seconds, args.seed_base) for kind in NULL_KINDS]
    start = time.perf_counter()
    results = run(specs, args.workers)
    report(results, args.verbose)
    print(f"Total bench time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
