import { useState } from "preact/hooks";
import { trajectoryEdit } from "../../api/endpoints";
import type { Clip, Playlist, Visit, VisitPhase } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { Link, paths } from "../../router";
import { ErrorMessage } from "../ErrorMessage";
import { ConfirmButton } from "../playlist/ConfirmButton";
import { onThisOrigin } from "../VideoPlayer";
import { ClipVisitSelect } from "./ClipVisitSelect";
import { formatDay } from "./words";

export const VISIT_PHASES: readonly VisitPhase[] = ["intake", "observation", "feedback", "evaluation"];

interface Props {
  caseId: string;
  visits: Visit[];
  clips: Clip[];
  playlists: Playlist[];
  canEdit: boolean;
  /** After any change: visits, clips and the numbers are read again. */
  onChanged: () => Promise<void>;
}

/**
 * The home visits by number, each with its date and phase, the recordings
 * filmed there and the playlists shown there; recordings not at a visit yet
 * are placed with a choice each.
 */
export function VisitsPanel({ caseId, visits, clips, playlists, canEdit, onChanged }: Props) {
  const action = useAction();
  const clipById = new Map(clips.map((c) => [c.id, c]));
  const playlistById = new Map(playlists.map((p) => [p.id, p]));
  const loose = clips.filter((c) => !c.visit_id && c.status !== "purged");

  const change = (visit: Visit, changes: Parameters<typeof trajectoryEdit.changeVisit>[1]) =>
    action.run(async () => {
      await trajectoryEdit.changeVisit(visit.id, changes);
      await onChanged();
    });

  return (
    <section aria-labelledby="visits-title" class="stack">
      <h2 id="visits-title">{t("trajectory.visits")}</h2>
      <ErrorMessage error={action.error} />
      {visits.length === 0 ? (
        <p class="muted">{t("trajectory.noVisits")}</p>
      ) : (
        <ol class="cards visit-list">
          {visits.map((visit) => {
            const filmed = visit.clip_ids.map((id) => clipById.get(id)).filter((c): c is Clip => !!c);
            const shown = visit.playlist_ids.map((id) => playlistById.get(id)).filter((p): p is Playlist => !!p);
            return (
              <li key={visit.id} class="card" data-visit-number={visit.number}>
                <h3 class="visit-title">
                  {t("trajectory.visitNumber", { number: visit.number })}
                  {!canEdit && visit.visited_on && <span class="muted"> · {formatDay(visit.visited_on)}</span>}
                </h3>
                {canEdit ? (
                  <div class="row visit-fields">
                    <div class="inline-field">
                      <label for={`visit-date-${visit.id}`}>{t("trajectory.visitDate")}</label>
                      <input
                        id={`visit-date-${visit.id}`}
                        type="date"
                        value={visit.visited_on ?? ""}
                        disabled={action.busy}
                        aria-label={t("trajectory.visitDateOf", { number: visit.number })}
                        onChange={(e) => void change(visit, { visited_on: e.currentTarget.value || null })}
                      />
                    </div>
                    <div class="inline-field">
                      <label for={`visit-phase-${visit.id}`}>{t("trajectory.visitPhase")}</label>
                      <select
                        id={`visit-phase-${visit.id}`}
                        value={visit.phase}
                        disabled={action.busy}
                        aria-label={t("trajectory.visitPhaseOf", { number: visit.number })}
                        onChange={(e) => void change(visit, { phase: e.currentTarget.value as VisitPhase })}
                      >
                        {VISIT_PHASES.map((p) => (
                          <option key={p} value={p}>
                            {t(`trajectory.phase.${p}`)}
                          </option>
                        ))}
                      </select>
                    </div>
                  </div>
                ) : (
                  <p class="card-meta">
                    <span>{t(`trajectory.phase.${visit.phase}`)}</span>
                  </p>
                )}
                {filmed.length > 0 ? (
                  <ul class="visit-clips" aria-label={t("trajectory.visitClips", { number: visit.number })}>
                    {filmed.map((clip) => (
                      <li key={clip.id}>
                        <Link href={paths.clip(clip.id)} class="visit-clip">
                          {clip.poster_url ? (
                            <img src={onThisOrigin(clip.poster_url)} alt="" width={96} height={54} loading="lazy" />
                          ) : (
                            <span class="visit-clip-blank" aria-hidden="true" />
                          )}
                          <span>{clip.filename}</span>
                        </Link>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="hint">{t("trajectory.visitNoClips")}</p>
                )}
                {shown.length > 0 && (
                  <p class="row visit-playlists">
                    <span class="muted">{t("trajectory.visitPlaylists")}</span>
                    {shown.map((p) => (
                      <Link key={p.id} href={paths.playlist(p.id)}>
                        {p.title}
                      </Link>
                    ))}
                  </p>
                )}
                {canEdit && (
                  <div class="row">
                    <ConfirmButton
                      label={t("trajectory.remove")}
                      ariaLabel={t("trajectory.visitRemoveOf", { number: visit.number })}
                      question={t("trajectory.visitRemoveQuestion", { number: visit.number })}
                      confirmLabel={t("trajectory.visitRemoveConfirm")}
                      disabled={action.busy}
                      onConfirm={() =>
                        void action.run(async () => {
                          await trajectoryEdit.removeVisit(visit.id);
                          await onChanged();
                        })
                      }
                    />
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {canEdit && <NewVisitForm caseId={caseId} next={Math.max(0, ...visits.map((v) => v.number)) + 1} onAdded={onChanged} />}

      {loose.length > 0 && (
        <section aria-labelledby="loose-title" class="stack panel">
          <h3 id="loose-title">{t("trajectory.looseClips")}</h3>
          <p class="hint">{t("trajectory.looseClipsHint")}</p>
          <ul class="cards">
            {loose.map((clip) => (
              <li key={clip.id} class="card loose-clip" data-clip-id={clip.id}>
                {clip.status === "ready" ? (
                  <Link href={paths.clip(clip.id)} class="card-title">
                    {clip.filename}
                  </Link>
                ) : (
                  <span class="card-title">{clip.filename}</span>
                )}
                {canEdit && visits.length > 0 && (
                  <ClipVisitSelect clip={clip} visits={visits} onChanged={onChanged} />
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

/** The next visit, with its date and phase if known already. */
function NewVisitForm({ caseId, next, onAdded }: { caseId: string; next: number; onAdded: () => Promise<void> }) {
  const [day, setDay] = useState("");
  const [phase, setPhase] = useState<VisitPhase>(next === 1 ? "intake" : "observation");
  const action = useAction();
  const add = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await trajectoryEdit.addVisit(caseId, { visited_on: day || null, phase });
      setDay("");
      setPhase("observation");
      await onAdded();
    });
  };
  return (
    <form class="panel stack" onSubmit={add} aria-labelledby="visit-new-title">
      <h3 id="visit-new-title">{t("trajectory.visitNew", { number: next })}</h3>
      <div class="row">
        <div class="field">
          <label for="visit-new-date">{t("trajectory.visitDate")}</label>
          <input id="visit-new-date" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="visit-new-phase">{t("trajectory.visitPhase")}</label>
          <select id="visit-new-phase" value={phase} onChange={(e) => setPhase(e.currentTarget.value as VisitPhase)}>
            {VISIT_PHASES.map((p) => (
              <option key={p} value={p}>
                {t(`trajectory.phase.${p}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        {t("trajectory.visitAdd", { number: next })}
      </button>
    </form>
  );
}
