// Times in the workspace: whole milliseconds from the start of the clip, as
// the API stores them, written the way every other page writes them.
export { formatClock, formatSpan } from "../../format";

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
