import { clips } from "../api/endpoints";
import { ACTIVE_CLIP_STATUSES } from "../api/types";
import { reasonFor } from "../errors";
import { useLoad, usePolling } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";
import { ErrorMessage } from "./ErrorMessage";
import { ProgressBar } from "./ProgressBar";
import { ClipStatusBadge } from "./StatusBadge";

const POLL_MS = 2000;

/** A just-uploaded clip on its way to "ready", followed live. */
export function ProcessingStatus({ clipId }: { clipId: string }) {
  const clip = useLoad(() => clips.get(clipId), clipId);
  const status = clip.data?.status;
  usePolling(status === undefined || ACTIVE_CLIP_STATUSES.includes(status), POLL_MS, clip.reload);
  if (!clip.data) return <ErrorMessage error={clip.error} />;
  const { progress, error, error_code } = clip.data;
  return (
    <div class="stack processing" data-clip-id={clipId} data-status={status}>
      <p class="row" aria-live="polite">
        <span>{t("upload.processingLabel")}:</span>
        {status && <ClipStatusBadge status={status} />}
      </p>
      {(status === "queued" || status === "processing") && (
        <ProgressBar value={progress} label={t("upload.processingLabel")} />
      )}
      {status === "ready" && (
        <p class="ok">
          {t("upload.ready")}{" "}
          <Link href={paths.clip(clipId)} class="button primary">
            {t("upload.viewClip")}
          </Link>
        </p>
      )}
      {status === "failed" && (
        <p class="error" role="alert">
          {t("clip.failedReason", { reason: reasonFor(error_code, error) })}
        </p>
      )}
    </div>
  );
}
