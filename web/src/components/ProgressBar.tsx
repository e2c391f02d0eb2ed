import { formatPercent } from "../format";

/** A labelled progress bar with the percentage written next to it. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div class="progress">
      <progress max={1} value={value} aria-label={label} />
      <span class="progress-text" aria-hidden="true">
        {formatPercent(value)}
      </span>
    </div>
  );
}
