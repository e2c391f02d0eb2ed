import { useMemo, useState } from "preact/hooks";
import { playlists, trajectory } from "../api/endpoints";
import type { Goal, Moment, PlaylistDetail, PlaylistItem, Visit } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { ItemEditor } from "../components/playlist/ItemEditor";
import { ItemList } from "../components/playlist/ItemList";
import { MomentPicker } from "../components/playlist/MomentPicker";
import { RenderPanel } from "../components/playlist/RenderPanel";
import { SharePanel } from "../components/playlist/SharePanel";
import { visitName } from "../components/trajectory/words";
import { type Autosave, useAutosave, useSerial } from "../components/playlist/useAutosave";
import { describeError } from "../errors";
import { type Loaded, useLoad, usePolling } from "../hooks";
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
  // the trajectory: the goals a moment is chosen for, the visit the playlist is shown at
  const goals = useLoad(
    async () => (caseId ? (await trajectory.goals(caseId)).goals : []),
    caseId ?? "",
  );
  const visits = useLoad(
    async () => (caseId ? (await trajectory.visits(caseId)).visits : []),
    caseId ?? "",
  );
  if (!playlist.data) {
    return playlist.error ? <ErrorMessage error={playlist.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return (
    <Builder
      p={playlist.data}
      playlist={playlist}
      moments={moments}
      goals={goals.data ?? []}
      visits={visits.data ?? []}
    />
  );
}

interface BuilderProps {
  p: PlaylistDetail;
  playlist: Loaded<PlaylistDetail>;
  moments: Loaded<Moment[]>;
  goals: Goal[];
  visits: Visit[];
}

function Builder({ p, playlist, moments, goals, visits }: BuilderProps) {
  const enqueue = useSerial();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [unsaved, setUnsaved] = useState<PlaylistItem[]>([]);
  // a poll's answer waits for the changes before it, so it never shows an older playlist
  usePolling(p.status === "rendering", POLL_MS, () => enqueue(playlist.reload));

  const byAnnotation = useMemo(
    () => new Map((moments.data ?? []).map((m) => [m.annotation_id, m])),
    [moments.data],
  );
  const autosave = useAutosave({
    playlist: p,
    apply: playlist.set,
    enqueue,
    momentOf: (item) => byAnnotation.get(item.annotation_id ?? "")?.start_ms ?? item.start_ms,
  });

  /** A change of the list (after the saves before it); the API answers the whole playlist. */
  const change = async (work: () => Promise<PlaylistDetail>) => {
    setBusy(true);
    setError(null);
    try {
      playlist.set(await enqueue(work));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  /** The video shows what the screen shows: everything typed is saved first, or nothing is made. */
  const render = async () => {
    setBusy(true);
    setUnsaved([]);
    const left = await autosave.flush();
    setBusy(false);
    if (left.length > 0) setUnsaved(left);
    else await change(() => playlists.render(p.id));
  };

  return (
    <section class="stack-lg playlist-page">
      <p class="breadcrumb">
        <Link href={paths.case(p.case_id)}>{t("clip.back")}</Link>
      </p>
      <PageTitle>{p.title}</PageTitle>
      <ErrorMessage error={error} />
      <VisitChoice
        playlist={p}
        visits={visits}
        busy={busy}
        onChoose={(visitId) => void change(() => playlists.change(p.id, { visit_id: visitId }))}
      />
      <RenderPanel playlist={p} busy={busy} onRender={() => void render()} />
      <NotRendered items={p.items} unsaved={unsaved} autosave={autosave} />

      <section aria-labelledby="items-title" class="stack">
        <h2 id="items-title">{t("playlist.itemsTitle", { count: p.items.length })}</h2>
        <ItemList
          items={p.items}
          byAnnotation={byAnnotation}
          busy={busy}
          onOrder={(ids) => void change(() => playlists.order(p.id, ids))}
          onRemove={(item) => {
            autosave.forget(item.id);
            void change(() => playlists.removeItem(p.id, item.id));
          }}
          editor={(item) => (
            <ItemEditor
              item={item}
              form={autosave.formFor(item)}
              errors={autosave.errorsFor(item.id)}
              state={autosave.stateOf(item.id)}
              onEdit={(patch, now) => autosave.edit(item, patch, now)}
              onCommit={() => autosave.commit(item.id)}
              goals={goals}
              onGoals={(goalIds) => change(() => playlists.changeItem(p.id, item.id, { goal_ids: goalIds }))}
            />
          )}
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

interface VisitChoiceProps {
  playlist: PlaylistDetail;
  visits: Visit[];
  busy: boolean;
  onChoose: (visitId: string | null) => void;
}

/** The home visit the playlist is shown and talked over at (saved when chosen). */
function VisitChoice({ playlist, visits, busy, onChoose }: VisitChoiceProps) {
  return (
    <div class="field playlist-visit">
      <label for="playlist-visit">{t("playlist.visit")}</label>
      <select
        id="playlist-visit"
        value={playlist.visit_id ?? ""}
        disabled={busy}
        aria-describedby={visits.length === 0 ? "playlist-visit-hint" : undefined}
        onChange={(e) => onChoose(e.currentTarget.value || null)}
      >
        <option value="">{t("playlist.visitNone")}</option>
        {visits.map((v) => (
          <option key={v.id} value={v.id}>
            {visitName(v)}
          </option>
        ))}
      </select>
      {visits.length === 0 && (
        <p class="hint" id="playlist-visit-hint">
          {t("playlist.noVisits")}
        </p>
      )}
    </div>
  );
}

/** Why "Video maken" made nothing: which moments are not saved, and the first reason. */
interface NotRenderedProps {
  items: PlaylistItem[];
  unsaved: PlaylistItem[];
  autosave: Autosave;
}

function NotRendered({ items, unsaved, autosave }: NotRenderedProps) {
  const still = unsaved.filter((item) => autosave.stateOf(item.id)?.kind !== "saved");
  if (still.length === 0) return null;
  const numbers = still
    .map((item) => items.findIndex((i) => i.id === item.id) + 1)
    .filter((n) => n > 0)
    .join(", ");
  const state = autosave.stateOf(still[0]!.id);
  const reason = state?.kind === "failed" ? describeError(state.error) : t("playlist.fieldsWrong");
  return (
    <p class="error" role="alert" data-not-rendered="true">
      {t("playlist.renderBlocked", { numbers, reason })}
    </p>
  );
}
