// Upload speed over the last few seconds: a phone's bandwidth swings, and an
// average since the start would promise a time left that never comes.

const WINDOW_MS = 8000;

interface Sample {
  at: number;
  bytes: number;
}

export class SpeedMeter {
  private samples: Sample[] = [];

  /** Forget the history, e.g. after a pause: idle time is not slowness. */
  reset(): void {
    this.samples = [];
  }

  add(bytes: number, at: number = performance.now()): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second, or null until there is enough to tell. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 500) return null;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }
}
