import type { Clip } from "../api/types";
import { reasonFor } from "../errors";
import { formatDateTime, formatDuration } from "../format";
import { t } from "../i18n";
import { Link, paths } from "../router";
import { ProgressBar } from "./ProgressBar";
import { ClipStatusBadge } from "./StatusBadge";

/** A case's recordings with their live status; a ready one links to its player. */
export function ClipList({ clips }: { clips: Clip[] }) {
  if (clips.length === 0) return <p>{t("case.noClips")}</p>;
  return (
    <ul class="cards">
      {clips.map((clip) => (
        <li key={clip.id} class="card" data-clip-id={clip.id} data-status={clip.status}>
          {clip.status === "ready" ? (
            <Link href={paths.clip(clip.id)} class="card-title">
              {clip.filename}
            </Link>
          ) : (
            <span class="card-title">{clip.filename}</span>
          )}
          <span class="card-meta">
            <ClipStatusBadge status={clip.status} />
            {clip.duration_s != null && <span>{formatDuration(clip.duration_s)}</span>}
            <span>{formatDateTime(clip.created_at)}</span>
            {clip.status === "ready" && (
              <Link
                href={paths.coding(clip.id)}
                aria-label={t("coding.openFor", { name: clip.filename })}
              >
                {t("coding.open")}
              </Link>
            )}
          </span>
          {/* the server reports no progress while the bytes are still arriving */}
          {(clip.status === "processing" || clip.status === "queued") && (
            <ProgressBar value={clip.progress} label={t("clip.progress", { name: clip.filename })} />
          )}
          {clip.status === "failed" && (
            <p class="error">{t("clip.failedReason", { reason: reasonFor(clip.error_code, clip.error) })}</p>
          )}
        </li>
      ))}
    </ul>
  );
}
