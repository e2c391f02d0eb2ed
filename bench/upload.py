"""How close does a resumable upload get to writing straight into S3?

Generates one file (default 1 GiB): a real 2 s H.264 clip, so the server's
sniffing accepts its first bytes, followed by a ``free`` box of random bytes
(valid MP4, incompressible, any misplaced byte changes it). Then, against a
real ``attune serve`` on embedded defaults (SQLite, Redis, SeaweedFS, one
worker), measures in the same run:

- baseline: ``Minio.fput_object`` of the file straight into the same SeaweedFS,
            with the server's part size (8 MiB) and minio's default of three
            parts in parallel;
- attune:   the tus upload ``attune upload`` does (same client code, in this
            process): create, then checksummed PATCHes (sized by time as the
            CLI does, or ``--chunk-mib``), through the API's S3 part
            pipeline, until the clip is queued.

Prints both throughputs, their ratio (goal >= 0.9), the API process's peak RSS
growth during the upload (goal <= 64 MB; with ``attune serve`` the API is the
serve process itself, the worker is a child), and the CPU seconds each process
spent, which is where the time goes on a 2-core machine.

    .venv/bin/python bench/upload.py [--size-mib 1024] [--rounds 3] [--chunk-mib N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from minio import Minio
from transcode import Server

from attune.client import Api, PendingUploads

MIB = 1024 * 1024
PART_BYTES = 8 * MIB  # the server's default S3 part size
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the input -------------------------------------------------------------

def make_source(path: Path, size: int) -> None:
    """A playable MP4 of exactly ``size`` bytes: a tiny clip, then a ``free``
    box of random bytes, written in pieces so the bench itself stays small."""
    head = path.with_suffix(".head.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=320x240:rate=25:duration=2",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(head)],
        check=True)  # fmt: skip
    clip = head.read_bytes()
    head.unlink()
    padding = size - len(clip)
    with path.open("wb") as out:
        out.write(clip)
        out.write(struct.pack(">I", padding) + b"free")
        left = padding - 8
        while left:
            piece = min(left, 64 * MIB)
            out.write(os.urandom(piece))
            left -= piece


# -- watching processes ------------------------------------------------------

def _status_kib(pid: int, field_name: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise KeyError(field_name)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``, with its command name."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append((int(entry.name), name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child, name in parents.get(todo.pop(), []):
            found[child] = name
            todo.append(child)
    return found


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # gone meanwhile
        return 0.0


@dataclass
class RssSampler:
    """VmRSS of one process every ``interval_s``, in a thread: the peak growth
    over the value when sampling started is what an upload costs in memory."""

    pid: int
    interval_s: float = 0.05
    baseline_kib: int = 0
    peak_kib: int = 0
    hwm_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_kib = max(self.peak_kib, _status_kib(self.pid, "VmRSS"))

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        self.baseline_kib = self.peak_kib = _status_kib(self.pid, "VmRSS")
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.hwm_kib = _status_kib(self.pid, "VmHWM")

    @property
    def growth_mb(self) -> float:
        return (self.peak_kib - self.baseline_kib) * 1024 / 1e6


@dataclass
class Measurement:
    seconds: float
    cpu: dict[str, float]

    def throughput(self, size: int) -> float:
        return size / self.seconds / 1e6


@contextmanager
def measured(pids: dict[str, int]) -> Iterator[Callable[[], Measurement]]:
    """Wall time and CPU seconds per named process of the block."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start = time.perf_counter()
    result: list[Measurement] = []
    yield lambda: result[0]
    elapsed = time.perf_counter() - start
    result.append(Measurement(elapsed, {name: cpu_seconds(pid) - before[name]
                                        for name, pid in pids.items()}))


# -- the two ways in -------------------------------------------------------

class Bench:
    """The server, its S3 store and the processes worth watching."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.server = Server(work)
        self.token = str(self.server.client.headers["authorization"]).removeprefix("Bearer ")
        ports = json.loads((work / "data" / "s3" / "attune-ports.json").read_text())
        self.s3 = Minio(f"127.0.0.1:{ports['s3.port']}", access_key="attune",
                        secret_key="attune-local-secret", secure=False)
        children = descendants(self.server.proc.pid)
        self.pids = {"api": self.server.proc.pid, "client": os.getpid(),
                     "seaweedfs": next(p for p, n in children.items() if n == "weed")}

    def minio(self, source: Path) -> Measurement:
        key = f"bench/direct-{source.name}"
        with measured(self.pids) as result:
            self.s3.fput_object("attune-originals", key, str(source), part_size=PART_BYTES)
        self.s3.remove_object("attune-originals", key)
        return result()

    def warm_up(self, work: Path) -> float:
        """SeaweedFS allocates its volumes on the first writes; neither side
        should pay for that in its measurement. Returns the RSS growth of this
        first upload into a fresh API process (memory it keeps afterwards no
        longer shows as growth in later rounds)."""
        small = work / "warm-up.mp4"
        make_source(small, 256 * MIB)
        self.minio(small)
        self.quiesce()
        _, sampler, clip_id = self.tus(small, None)
        self.settle(clip_id)
        small.unlink()
        return sampler.growth_mb

    def tus(self, source: Path,
            chunk_bytes: int | None) -> tuple[Measurement, RssSampler, str]:
        api = Api(self.server.url, self.token)
        pending = PendingUploads(self.work / "uploads.json")
        sampler = RssSampler(self.pids["api"])
        with sampler.running(), measured(self.pids) as result:
            clip_id = api.upload(self.server.case_id, source, chunk_bytes=chunk_bytes,
                                 pending=pending)
        return result(), sampler, clip_id

    def settle(self, clip_id: str) -> None:
        """Let the worker finish with the clip and the store with its own
        housekeeping, so neither steals CPU from the next measurement."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            clip = self.server.client.get(f"/api/clips/{clip_id}").json()
            if clip["status"] in ("ready", "failed"):
                break
            time.sleep(0.5)
        self.quiesce()

    def quiesce(self, busy: float = 0.05, longest_s: float = 120) -> None:
        """Wait until every process of the server (API, worker, Redis,
        SeaweedFS) uses less than ``busy`` of a core: SeaweedFS compacts and
        merges in the background after big writes and deletes."""
        deadline = time.monotonic() + longest_s
        while time.monotonic() < deadline:
            pids = [self.pids["api"], *descendants(self.pids["api"])]
            before = sum(_cpu_or_zero(p) for p in pids)
            time.sleep(1.0)
            if sum(_cpu_or_zero(p) for p in pids) - before < busy:
                return

    def stop(self) -> None:
        self.server.stop()


def _cpu(m: Measurement) -> str:
    return ", ".join(f"{name} {secs:.1f} s" for name, secs in m.cpu.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk-mib", type=int, default=None,
                        help="fixed request size (default: sized by time, as the CLI does)")
    args = parser.parse_args()
    size = args.size_mib * MIB
    chunk = args.chunk_mib * MIB if args.chunk_mib else None
    chunking = f"{args.chunk_mib} MiB" if chunk else "sized by time (CLI default)"

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        work = Path(tmp)
        source = work / "recording.mp4"
        make_source(source, size)
        print(f"source: {size / 1e6:.0f} MB ({args.size_mib} MiB); S3 part 8 MiB; "
              f"tus requests {chunking}, sha1 per request")
        bench = Bench(work)
        direct: list[Measurement] = []
        attune: list[Measurement] = []
        growth: list[float] = []
        try:
            growth.append(bench.warm_up(work))
            print(f"warm-up (256 MiB, first upload into a fresh API): API RSS "
                  f"+{growth[0]:.1f} MB")
            for i in range(args.rounds):
                if i % 2:  # alternate who goes first: the machine's state drifts
                    tus, sampler, clip_id = bench.tus(source, chunk)
                    bench.settle(clip_id)
                    direct.append(bench.minio(source))
                    bench.quiesce()
                else:
                    direct.append(bench.minio(source))
                    bench.quiesce()
                    tus, sampler, clip_id = bench.tus(source, chunk)
                    bench.settle(clip_id)
                attune.append(tus)
                growth.append(sampler.growth_mb)
                print(f"round {i + 1}: minio {direct[-1].throughput(size):.1f} MB/s "
                      f"({_cpu(direct[-1])}); attune {tus.throughput(size):.1f} MB/s "
                      f"({_cpu(tus)}); API RSS +{sampler.growth_mb:.1f} MB, "
                      f"VmHWM {sampler.hwm_kib / 1024:.0f} MiB")
        finally:
            bench.stop()
        direct_mbs = statistics.median(m.throughput(size) for m in direct)
        attune_mbs = statistics.median(m.throughput(size) for m in attune)
        print(f"minio fput_object (baseline): {direct_mbs:.1f} MB/s")
        print(f"attune tus upload:            {attune_mbs:.1f} MB/s")
        print(f"ratio: {attune_mbs / direct_mbs:.3f} (goal >= 0.9)")
        print(f"API peak RSS growth: {max(growth):.1f} MB (goal <= 64 MB)")


if __name__ == "__main__":
    try:
        main()
    except httpx.HTTPError as exc:
        raise SystemExit(f"bench failed: {exc}") from None
