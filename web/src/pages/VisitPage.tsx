import { useEffect, useState } from "preact/hooks";
import { playlists } from "../api/endpoints";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { chapterStarts } from "../components/playlist/chapters";
import { VisitPlayer } from "../components/playlist/VisitPlayer";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** Visit mode: the rendered playlist, made ready to show at the family's home. */
export function VisitPage({ playlistId }: { playlistId: string }) {
  const playlist = useLoad(() => playlists.get(playlistId), playlistId);
  const [starts, setStarts] = useState<number[] | null>(null);
  const p = playlist.data;

  useEffect(() => {
    if (p) void chapterStarts(p).then(setStarts, () => setStarts([0]));
  }, [p?.id, p?.rendered_revision]);

  if (!p) {
    return playlist.error ? <ErrorMessage error={playlist.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return (
    <section class="stack visit">
      <p class="breadcrumb">
        <Link href={paths.playlist(p.id)}>{t("visit.back")}</Link>
      </p>
      <PageTitle>{p.title}</PageTitle>
      {!p.hls_url || p.duration_s == null ? (
        <p>{t("visit.notRendered")}</p>
      ) : (
        starts && <VisitPlayer src={p.hls_url} title={p.title} durationS={p.duration_s} starts={starts} />
      )}
      {p.hls_url && !p.up_to_date && <p class="warning">{t("playlist.changedSinceRender")}</p>}
    </section>
  );
}
