import { useMemo } from "preact/hooks";
import type { PlaylistDetail } from "../../api/types";
import { reasonFor } from "../../errors";
import { formatDuration } from "../../format";
import { t } from "../../i18n";
import { Link, paths } from "../../router";
import { ProgressBar } from "../ProgressBar";
import { PlaylistStatusBadge } from "../StatusBadge";
import { PlaylistPlayer } from "./PlaylistPlayer";

interface Props {
  playlist: PlaylistDetail;
  busy: boolean;
  onRender: () => void;
}

/** Rendering: start it, follow it, read why it failed, and watch the result. */
export function RenderPanel({ playlist, busy, onRender }: Props) {
  const p = playlist;
  // Every answer signs the media URL anew; the player restarts only for a new render.
  const src = useMemo(() => p.hls_url, [p.rendered_revision, p.hls_url === null]);
  const rendered = p.rendered_revision !== null && src !== null;
  return (
    <section aria-labelledby="render-title" class="panel stack" data-status={p.status}>
      <div class="title-row">
        <h2 id="render-title">{t("playlist.renderTitle")}</h2>
        <PlaylistStatusBadge status={p.status} />
      </div>
      {rendered && (
        <p class={p.up_to_date ? "ok" : "warning"} data-up-to-date={String(p.up_to_date)}>
          {p.up_to_date ? t("playlist.upToDate") : t("playlist.changedSinceRender")}
          {p.duration_s != null && ` · ${formatDuration(p.duration_s)}`}
        </p>
      )}
      {p.status === "rendering" && (
        <ProgressBar value={p.progress} label={t("playlist.renderProgress")} />
      )}
      {p.status === "failed" && (
        <p class="error" role="alert">
          {t("playlist.renderFailed", { reason: reasonFor(p.error_code, p.error) })}
        </p>
      )}
      <div class="row">
        <button
          type="button"
          class={p.up_to_date && rendered ? "" : "primary"}
          disabled={busy || p.status === "rendering" || p.items.length === 0}
          onClick={onRender}
        >
          {p.status === "rendering" ? t("playlist.rendering") : t("playlist.render")}
        </button>
        {rendered && (
          <Link class="button" href={paths.visit(p.id)}>
            {t("playlist.openVisit")}
          </Link>
        )}
      </div>
      {rendered && src && (
        <PlaylistPlayer src={src} label={t("playlist.preview", { title: p.title })} />
      )}
    </section>
  );
}
