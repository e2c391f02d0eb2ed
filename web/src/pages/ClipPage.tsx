import { clips } from "../api/endpoints";
import { ACTIVE_CLIP_STATUSES, type Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { ProgressBar } from "../components/ProgressBar";
import { ClipResearch, useClipSets } from "../components/review/ClipCoding";
import { ClipWork } from "../components/review/ClipWork";
import { ClipStatusBadge } from "../components/StatusBadge";
import { ClipVisitField } from "../components/trajectory/ClipVisitField";
import { onThisOrigin, VideoPlayer } from "../components/VideoPlayer";
import { reasonFor } from "../errors";
import { formatBytes, formatDuration } from "../format";
import { useLoad, usePolling } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

const POLL_MS = 2000;

export function ClipPage({ clipId, me }: { clipId: string; me: Me }) {
  const clip = useLoad(() => clips.get(clipId), clipId);
  const sets = useClipSets(clipId);
  const status = clip.data?.status;
  usePolling(status !== undefined && ACTIVE_CLIP_STATUSES.includes(status), POLL_MS, clip.reload);

  if (!clip.data) {
    return clip.error ? <ErrorMessage error={clip.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  const c = clip.data;
  return (
    <section class="stack-lg">
      <p class="breadcrumb">
        <Link href={paths.case(c.case_id)}>{t("clip.back")}</Link>
      </p>
      <div class="title-with-badge">
        <PageTitle>{c.filename}</PageTitle>
        <ClipStatusBadge status={c.status} />
      </div>
      <ClipVisitField clip={c} me={me} onChanged={clip.set} />
      {c.status === "ready" && sets.data && <ClipWork clipId={c.id} me={me} sets={sets.data} />}
      <ErrorMessage error={sets.error} />
      {c.status === "ready" && c.hls_url ? (
        <VideoPlayer
          src={onThisOrigin(c.hls_url)}
          poster={c.poster_url ? onThisOrigin(c.poster_url) : null}
          label={t("clip.player", { name: c.filename })}
        />
      ) : (
        <p>{t("clip.notReady")}</p>
      )}
      {(c.status === "queued" || c.status === "processing") && (
        <ProgressBar value={c.progress} label={t("clip.progress", { name: c.filename })} />
      )}
      {c.status === "failed" && (
        <p class="error">{t("clip.failedReason", { reason: reasonFor(c.error_code, c.error) })}</p>
      )}
      <p class="card-meta">
        {c.duration_s != null && <span>{t("clip.duration", { duration: formatDuration(c.duration_s) })}</span>}
        {c.width && c.height && <span>{`${c.width}×${c.height}`}</span>}
        {c.size_bytes != null && <span>{formatBytes(c.size_bytes)}</span>}
      </p>
      {c.status === "ready" && sets.data && <ClipResearch clipId={c.id} me={me} sets={sets.data} />}
    </section>
  );
}
