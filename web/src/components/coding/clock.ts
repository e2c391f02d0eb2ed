// Times in the workspace: whole milliseconds from the start of the clip, as
// the API stores them, written the way a coder reads a timeline.

/** 83456 -> "1:23.456" (m:ss.mmm; minutes keep counting past the hour). */
export function formatClock(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const minutes = Math.floor(whole / 60_000);
  const seconds = Math.floor((whole % 60_000) / 1000);
  const millis = whole % 1000;
  return `${minutes}:${String(seconds).padStart(2, "0")}.${String(millis).padStart(3, "0")}`;
}

/** A moment ("0:01.200") or a segment ("0:01.200–0:03.400"). */
export function formatSpan(startMs: number, endMs: number | null): string {
  return endMs == null ? formatClock(startMs) : `${formatClock(startMs)}–${formatClock(endMs)}`;
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
