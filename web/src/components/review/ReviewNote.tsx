import type { Review, ReviewTransition } from "../../api/types";
import { formatDateTime } from "../../format";
import { t } from "../../i18n";

/** The step that put the set where it stands now, if the history has it. */
export function currentStep(review: Review): ReviewTransition | undefined {
  const last = review.transitions[review.transitions.length - 1];
  return last && last.to_state === review.state ? last : undefined;
}

/** A person's own words with a step (an edit's step has none). */
export function wordsOf(step: ReviewTransition): string {
  return step.note.trim();
}

/**
 * The words that belong to where the set stands now: the professional's note on a
 * submission, the supervisor's reason on a decision. Earlier words are history.
 */
export function CurrentNote({ review }: { review: Review }) {
  const step = currentStep(review);
  const words = step ? wordsOf(step) : "";
  if (!step || !words) return null;
  return (
    <blockquote class="decision current-note" data-kind={step.kind}>
      <p class="hint">{t(`reviewNote.${step.kind}`, { who: step.actor })}</p>
      <p class="note">{words}</p>
      <footer class="hint">{formatDateTime(step.at)}</footer>
    </blockquote>
  );
}
