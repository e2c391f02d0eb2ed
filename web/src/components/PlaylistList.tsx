import type { Playlist } from "../api/types";
import { reasonFor } from "../errors";
import { formatDuration } from "../format";
import { t } from "../i18n";
import { Link, paths } from "../router";
import { PlaylistStatusBadge } from "./StatusBadge";

/** The case's visit playlists, each a link to its builder. */
export function PlaylistList({ playlists }: { playlists: Playlist[] }) {
  if (playlists.length === 0) return <p>{t("case.noPlaylists")}</p>;
  return (
    <ul class="cards">
      {playlists.map((playlist) => (
        <li key={playlist.id} class="card">
          <Link href={paths.playlist(playlist.id)} class="card-title">
            {playlist.title}
          </Link>
          <span class="card-meta">
            <PlaylistStatusBadge status={playlist.status} />
            {playlist.duration_s != null && <span>{formatDuration(playlist.duration_s)}</span>}
            {playlist.status === "ready" && !playlist.up_to_date && (
              <span>{t("playlist.outdated")}</span>
            )}
          </span>
          {playlist.status === "failed" && (
            <p class="error">
              {t("clip.failedReason", { reason: reasonFor(playlist.error_code, playlist.error) })}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}
