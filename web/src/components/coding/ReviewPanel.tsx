import { useEffect, useState } from "preact/hooks";
import { supervision } from "../../api/endpoints";
import type { Review, ReviewAction, ReviewState } from "../../api/types";
import { formatDateTime } from "../../format";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { ReviewHistory } from "../review/ReviewHistory";
import { CurrentNote } from "../review/ReviewNote";

const TONES: Record<ReviewState, string> = {
  draft: "neutral", submitted: "busy", approved: "good", changes_requested: "bad",
};

export function ReviewStateBadge({ state }: { state: ReviewState }) {
  return <span class={`badge badge-${TONES[state]}`}>{t(`reviewState.${state}`)}</span>;
}

interface Props {
  setId: string;
  /** "coder": submit and withdraw; "supervisor": approve and request changes. */
  as: "coder" | "supervisor";
  /** Bumped after each change to the set: an edit takes a submitted set back to draft. */
  revision: number;
  onMoved?: (review: Review) => void;
}

/** Where the set stands in supervision, and the moves the viewer may make. */
export function ReviewPanel({ setId, as, revision, onMoved }: Props) {
  const review = useLoad(() => supervision.review(setId), setId);
  useEffect(() => {
    if (revision > 0) void review.reload();
  }, [revision]);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const move = async (action: ReviewAction) => {
    setBusy(true);
    setError(null);
    try {
      const moved = await supervision.move(setId, action, comment);
      review.set(moved);
      setComment("");
      onMoved?.(moved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const r = review.data;
  if (!r) return <ErrorMessage error={review.error} />;
  const canSubmit = as === "coder" && (r.state === "draft" || r.state === "changes_requested");
  const canWithdraw = as === "coder" && r.state === "submitted";
  const canDecide = as === "supervisor" && r.state === "submitted";
  return (
    <section class="panel stack review-panel" aria-labelledby="review-title" data-state={r.state}>
      <h2 id="review-title">{t("review.title")}</h2>
      <p class="row">
        <ReviewStateBadge state={r.state} />
        <span class="hint">{formatDateTime(r.state_at)}</span>
      </p>
      <CurrentNote review={r} />
      {(canSubmit || canDecide) && (
        <div class="field">
          <label for="review-comment">
            {canDecide ? t("review.reason") : t("review.commentOptional")}
          </label>
          <textarea
            id="review-comment"
            rows={2}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
        </div>
      )}
      <div class="row">
        {canSubmit && (
          <button type="button" class="primary" disabled={busy} onClick={() => void move("submit")}>
            {t("review.submit")}
          </button>
        )}
        {canWithdraw && (
          <button type="button" disabled={busy} onClick={() => void move("withdraw")}>
            {t("review.withdraw")}
          </button>
        )}
        {canDecide && (
          <>
            <button type="button" class="primary" disabled={busy} onClick={() => void move("approve")}>
              {t("review.approve")}
            </button>
            <button type="button" disabled={busy} onClick={() => void move("request_changes")}>
              {t("review.requestChanges")}
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      <ReviewHistory review={r} />
    </section>
  );
}
