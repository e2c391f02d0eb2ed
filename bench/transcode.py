"""How much does Attune add to the transcode itself?

Generates one 60 s 1080p phone-like clip, then measures in the same run:

- baseline: the exact ffmpeg command the transcode job runs, on the local file;
- attune:   upload-complete (the API's 202) -> clip "ready", through a real
            ``attune serve`` (embedded Redis, SeaweedFS, SQLite, one worker):
            queue pickup, probe, the same ffmpeg pass reading from S3, thumbnails
            sprite, upload of every file, publish.

Prints both times and their ratio (goal: <= 1.05).

    .venv/bin/python bench/transcode.py [--seconds 60] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from core.embedded import find_free_port
from core.media import probe
from worker.transcode import build_command, plan_transcode, prepare_output_dir

PASSWORD = "load test of the cluster"


def make_source(path: Path, seconds: int) -> None:
    """A 1080p30 H.264 + AAC clip at a phone-like bit rate (~10 Mb/s)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-b:v", "10M", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(path)],
        check=True)  # fmt: skip


def time_raw_ffmpeg(source: Path, work: Path, preset: str) -> float:
    out = Path(tempfile.mkdtemp(dir=work, prefix="raw-"))
    plan = plan_transcode(probe(str(source)))
    prepare_output_dir(out, plan)
    argv = build_command(str(source), out, plan, preset=preset)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


class Server:
    """``attune serve`` on embedded defaults in a scratch data dir."""

    def __init__(self, work: Path) -> None:
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
        self.env.update(ATTUNE_DATA_DIR=str(work / "data"), ATTUNE_PASSWORD=PASSWORD)
        self.log = (work / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "attune.cli", "serve", "--port", str(self.port)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        subprocess.run([sys.executable, "-m", "attune.cli", "user", "add", "bench@example.org",
                        "--role", "professional"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        token = httpx.post(f"{self.url}/api/auth/token", data={
            "username": "bench@example.org", "password": PASSWORD}).json()["access_token"]
        self.client = httpx.Client(base_url=self.url, timeout=None,
                                   headers={"Authorization": f"Bearer {token}"})
        self.case_id = self.client.post("/api/cases", json={"label": "Bench 1"}).json()["id"]

    def time_to_ready(self, source: Path) -> float:
        with source.open("rb") as fh:
            resp = self.client.post(f"/api/cases/{self.case_id}/clips",
                                    files={"file": (source.name, fh, "video/mp4")})
        resp.raise_for_status()
        start = time.perf_counter()
        clip_id = resp.json()["id"]
        while True:
            clip = self.client.get(f"/api/clips/{clip_id}").json()
            if clip["status"] in ("ready", "failed"):
                break
            time.sleep(0.2)  # a client polls about this often; faster steals CPU from ffmpeg
        elapsed = time.perf_counter() - start
        if clip["status"] != "ready":
            raise SystemExit(f"clip failed: {clip['error']}")
        return elapsed

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def media_bench_args(description: str) -> argparse.Namespace:
    """The options every media benchmark takes: source length, rounds, x264 preset."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", default="veryfast")
    return parser.parse_args()


def main() -> None:
    args = media_bench_args(__doc__.splitlines()[0])

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        work = Path(tmp)
        source = work / "phone-1080p.mp4"
        make_source(source, args.seconds)
        print(f"source: {args.seconds} s 1920x1080 30 fps H.264, "
              f"{source.stat().st_size / 1e6:.1f} MB; x264 preset {args.preset}")
        server = Server(work)
        raw, attune = [], []
        try:
            for i in range(args.rounds):
                raw.append(time_raw_ffmpeg(source, work, args.preset))
                attune.append(server.time_to_ready(source))
                print(f"round {i + 1}: raw ffmpeg {raw[-1]:.2f} s, "
                      f"attune upload-complete -> ready {attune[-1]:.2f} s")
        finally:
            server.stop()
        raw_s, attune_s = statistics.median(raw), statistics.median(attune)
        print(f"raw ffmpeg (baseline):          {raw_s:.2f} s")
        print(f"attune upload-complete->ready:  {attune_s:.2f} s")
        print(f"ratio: {attune_s / raw_s:.3f} (goal <= 1.05)")


if __name__ == "__main__":
    main()
