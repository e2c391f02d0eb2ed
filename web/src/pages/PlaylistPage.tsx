import { useMemo, useState } from "preact/hooks";
import { playlists } from "../api/endpoints";
import type { ItemChanges, Moment, PlaylistDetail } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { ItemList } from "../components/playlist/ItemList";
import { MomentPicker } from "../components/playlist/MomentPicker";
import { RenderPanel } from "../components/playlist/RenderPanel";
import { SharePanel } from "../components/playlist/SharePanel";
import { useLoad, usePolling } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** How often a render's progress is asked for. */
const POLL_MS = 1000;

/** The playlist builder: pick moments, set each one, order them, render, share. */
export function PlaylistPage({ playlistId }: { playlistId: string }) {
  const playlist = useLoad(() => playlists.get(playlistId), playlistId);
  const caseId = playlist.data?.case_id;
  const moments = useLoad(
    () => (caseId ? playlists.moments(caseId) : Promise.resolve([] as Moment[])),
    caseId ?? "",
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  usePolling(playlist.data?.status === "rendering", POLL_MS, playlist.reload);

  const byAnnotation = useMemo(
    () => new Map((moments.data ?? []).map((m) => [m.annotation_id, m])),
    [moments.data],
  );

  /** One change at a time; the API answers the whole playlist, which replaces ours. */
  const change = async (work: () => Promise<PlaylistDetail>) => {
    setBusy(true);
    setError(null);
    try {
      playlist.set(await work());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!playlist.data) {
    return playlist.error ? <ErrorMessage error={playlist.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  const p = playlist.data;
  return (
    <section class="stack-lg playlist-page">
      <p class="breadcrumb">
        <Link href={paths.case(p.case_id)}>{t("clip.back")}</Link>
      </p>
      <PageTitle>{p.title}</PageTitle>
      <ErrorMessage error={error} />
      <RenderPanel playlist={p} busy={busy} onRender={() => void change(() => playlists.render(p.id))} />

      <section aria-labelledby="items-title" class="stack">
        <h2 id="items-title">{t("playlist.itemsTitle", { count: p.items.length })}</h2>
        <ItemList
          items={p.items}
          byAnnotation={byAnnotation}
          busy={busy}
          onOrder={(ids) => void change(() => playlists.order(p.id, ids))}
          onChange={(item, changes: ItemChanges) =>
            void change(() => playlists.changeItem(p.id, item.id, changes))
          }
          onRemove={(item) => void change(() => playlists.removeItem(p.id, item.id))}
        />
      </section>

      <ErrorMessage error={moments.error} />
      {moments.data && (
        <MomentPicker
          moments={moments.data}
          added={new Set(p.items.map((i) => i.annotation_id ?? ""))}
          busy={busy}
          onAdd={(moment) => void change(() => playlists.addMoment(p.id, moment.annotation_id))}
        />
      )}

      <SharePanel playlist={p} />
    </section>
  );
}
