import type { Review } from "../../api/types";
import { formatDateTime } from "../../format";
import { t } from "../../i18n";
import { currentStep, wordsOf } from "./ReviewNote";

/** Every earlier step of the review, folded away and marked as the past. */
export function ReviewHistory({ review }: { review: Review }) {
  const current = currentStep(review);
  const past = review.transitions.filter((step) => step !== current).reverse();
  if (past.length === 0) return null;
  return (
    <details class="review-history">
      <summary>{t("reviewHistory.title", { count: past.length })}</summary>
      <ol class="history-steps">
        {past.map((step) => (
          <li key={`${step.at}-${step.kind}`} data-kind={step.kind}>
            <span class="hint">{formatDateTime(step.at)}</span>{" "}
            {t(`reviewStep.${step.kind}`, { who: step.actor })}
            {wordsOf(step) && <p class="note past">{wordsOf(step)}</p>}
          </li>
        ))}
      </ol>
    </details>
  );
}
