import { useEffect, useMemo, useState } from "preact/hooks";
import { playlists, trajectory } from "../api/endpoints";
import type { Moment } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { chapterStarts } from "../components/playlist/chapters";
import { PrivateNotes, ReflectionPanel } from "../components/playlist/ReflectionPanel";
import { VisitPlayer } from "../components/playlist/VisitPlayer";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/**
 * Visit mode: the rendered playlist, made ready to show at the family's home.
 * The player (its full screen) is what the family sees; the reflection and the
 * private notes below it are the professional's.
 */
export function VisitPage({ playlistId }: { playlistId: string }) {
  const playlist = useLoad(() => playlists.get(playlistId), playlistId);
  const reflections = useLoad(() => trajectory.reflections(playlistId), playlistId);
  const caseId = playlist.data?.case_id;
  const moments = useLoad(
    () => (caseId ? playlists.moments(caseId) : Promise.resolve([] as Moment[])),
    caseId ?? "",
  );
  const [starts, setStarts] = useState<number[] | null>(null);
  const [moment, setMoment] = useState<number | null>(null);
  const p = playlist.data;
  const byAnnotation = useMemo(
    () => new Map((moments.data ?? []).map((m) => [m.annotation_id, m])),
    [moments.data],
  );

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
        starts && (
          <VisitPlayer
            src={p.hls_url}
            title={p.title}
            durationS={p.duration_s}
            starts={starts}
            onMoment={setMoment}
          />
        )
      )}
      {p.hls_url && !p.up_to_date && <p class="warning">{t("playlist.changedSinceRender")}</p>}
      <ErrorMessage error={reflections.error} />
      {reflections.data && (
        <ReflectionPanel
          playlist={p}
          reflections={reflections.data.reflections}
          byAnnotation={byAnnotation}
          // the chapters follow the items only while the video shows the playlist as it is
          moment={p.up_to_date ? moment : null}
        />
      )}
      <PrivateNotes playlist={p} onSaved={(saved) => playlist.set({ ...p, private_notes: saved.private_notes })} />
    </section>
  );
}
