import { useEffect, useRef, useState } from "preact/hooks";
import { playlists } from "../../api/endpoints";
import type { Moment, PlaylistDetail, PlaylistItem, Reflection } from "../../api/types";
import { describeError } from "../../errors";
import { t } from "../../i18n";
import { useLeaveWarning } from "../people/useLeaveWarning";
import { itemTitle } from "./moments";
import { FIELDS, fieldsOf, PAUSE_MS, type ReflectionState, useReflection } from "./useReflection";

const LABELS = {
  parents_saw: "reflection.parentsSaw",
  parents_said: "reflection.parentsSaid",
  next_steps: "reflection.nextSteps",
} as const;

interface Props {
  playlist: PlaylistDetail;
  reflections: Reflection[];
  byAnnotation: Map<string, Moment>;
  /** The moment the player is at (its index), opened by itself. */
  moment: number | null;
}

/**
 * The reflection with the parents, written down during the visit: per moment
 * what they saw, what they said and the next steps agreed, and the same for the
 * playlist as a whole. Outside the player, so never on the family's full screen.
 */
export function ReflectionPanel({ playlist, reflections, byAnnotation, moment }: Props) {
  const recordOf = (itemId: string | null) => reflections.find((r) => r.item_id === itemId) ?? null;
  return (
    <section class="panel stack reflection-panel" aria-labelledby="reflection-title">
      <h2 id="reflection-title">{t("reflection.title")}</h2>
      <p class="hint">{t("reflection.hint")}</p>
      {playlist.items.map((item, index) => (
        <ItemReflection
          key={item.id}
          playlistId={playlist.id}
          item={item}
          number={index + 1}
          title={item.caption || itemTitle(item, byAnnotation)}
          initial={recordOf(item.id)}
          current={moment === index}
        />
      ))}
      <details class="reflection" data-reflection="whole" open>
        <summary>{t("reflection.whole")}</summary>
        <ReflectionForm playlistId={playlist.id} itemId={null} initial={recordOf(null)} idPrefix="whole" />
      </details>
    </section>
  );
}

interface ItemProps {
  playlistId: string;
  item: PlaylistItem;
  number: number;
  title: string;
  initial: Reflection | null;
  current: boolean;
}

function ItemReflection({ playlistId, item, number, title, initial, current }: ItemProps) {
  const box = useRef<HTMLDetailsElement>(null);
  // the moment the player comes to opens; one opened by hand stays open
  useEffect(() => {
    if (current && box.current) box.current.open = true;
  }, [current]);
  return (
    <details
      ref={box}
      class={`reflection${current ? " reflection-current" : ""}`}
      data-reflection={item.id}
      open={Boolean(initial) || undefined}
    >
      <summary>
        {t("reflection.moment", { number, title })}
        {current && <span class="hint"> — {t("reflection.now")}</span>}
      </summary>
      <ReflectionForm playlistId={playlistId} itemId={item.id} initial={initial} idPrefix={`item-${item.id}`} />
    </details>
  );
}

interface FormProps {
  playlistId: string;
  itemId: string | null;
  initial: Reflection | null;
  idPrefix: string;
}

function ReflectionForm({ playlistId, itemId, initial, idPrefix }: FormProps) {
  const draft = useReflection(playlistId, itemId, initial);
  const { state } = draft;
  useLeaveWarning(state.kind !== "saved", "reflection.leaveUnsaved");
  return (
    <div class="stack" data-state={state.kind}>
      {FIELDS.map((field) => (
        <div class="field" key={field}>
          <label for={`${idPrefix}-${field}`}>{t(LABELS[field])}</label>
          <textarea
            id={`${idPrefix}-${field}`}
            rows={3}
            value={draft.fields[field]}
            onInput={(e) => draft.edit({ [field]: e.currentTarget.value })}
            onBlur={draft.commit}
          />
        </div>
      ))}
      {state.kind === "conflict" ? (
        <Conflict state={state} idPrefix={idPrefix} onKeepMine={draft.keepMine} onTakeTheirs={draft.takeTheirs} />
      ) : (
        <SaveLine state={state} onRetry={draft.commit} />
      )}
    </div>
  );
}

/** Someone else saved the record meanwhile: their words next to these, and a choice. */
function Conflict({ state, idPrefix, onKeepMine, onTakeTheirs }: {
  state: Extract<ReflectionState, { kind: "conflict" }>;
  idPrefix: string;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const theirs = fieldsOf(state.theirs);
  return (
    <div class="reflection-conflict stack" role="alert" aria-labelledby={`${idPrefix}-conflict`}>
      <p class="error" id={`${idPrefix}-conflict`}>
        {t("reflection.conflict")}
      </p>
      <dl class="facts theirs">
        {FIELDS.map((field) => (
          <div key={field}>
            <dt>{t(LABELS[field])}</dt>
            <dd data-theirs={field}>{theirs[field] || "—"}</dd>
          </div>
        ))}
      </dl>
      <div class="row">
        <button type="button" class="primary" onClick={onKeepMine}>
          {t("reflection.keepMine")}
        </button>
        <button type="button" onClick={onTakeTheirs}>
          {t("reflection.takeTheirs")}
        </button>
      </div>
    </div>
  );
}

/** Whether the text is saved: said quietly, a failure out loud with a way to try again. */
function SaveLine({ state, onRetry }: { state: ReflectionState; onRetry: () => void }) {
  if (state.kind === "failed") {
    return (
      <div class="save-state save-failed" data-save="failed">
        <p class="error" role="alert">
          {t("reflection.saveFailed", { reason: describeError(state.error) })}
        </p>
        <button type="button" onClick={onRetry}>
          {t("playlist.saveAgain")}
        </button>
      </div>
    );
  }
  const text = state.kind === "saving" ? t("playlist.saving")
    : state.kind === "dirty" ? t("reflection.unsaved")
    : `✓ ${t("playlist.saved")}`;
  return (
    <p class="save-state muted" role="status" data-save={state.kind}>
      {text}
    </p>
  );
}

type NotesState = "saved" | "dirty" | "saving" | { error: unknown };

/**
 * The professional's own notes for this visit (the playlist's private notes):
 * saved by themselves like the reflection, folded away by default, and never
 * part of the player, the family's full screen or their link.
 */
export function PrivateNotes({ playlist, onSaved }: { playlist: PlaylistDetail; onSaved: (p: PlaylistDetail) => void }) {
  const [text, setTextValue] = useState(playlist.private_notes ?? "");
  const [state, setStateValue] = useState<NotesState>("saved");
  const latest = useRef({ text, stored: playlist.private_notes ?? "", state: state as NotesState });
  const setText = (value: string) => {
    latest.current.text = value;
    setTextValue(value);
  };
  const setState = (value: NotesState) => {
    latest.current.state = value;
    setStateValue(value);
  };
  const timer = useRef<number | undefined>(undefined);
  const busy = useRef(false);
  useLeaveWarning(state !== "saved", "reflection.leaveUnsaved");

  const save = async (): Promise<void> => {
    window.clearTimeout(timer.current);
    if (busy.current) return; // the save under way saves again when it ends
    const sending = latest.current.text;
    if (sending === latest.current.stored) {
      setState("saved");
      return;
    }
    busy.current = true;
    setState("saving");
    try {
      const saved = await playlists.change(playlist.id, { private_notes: sending });
      latest.current.stored = saved.private_notes ?? sending;
      onSaved(saved);
      setState(latest.current.text === latest.current.stored ? "saved" : "dirty");
    } catch (error) {
      setState({ error });
    } finally {
      busy.current = false;
    }
    if (latest.current.state === "dirty") await save();
  };

  useEffect(
    () => () => {
      window.clearTimeout(timer.current);
      const { text: now, stored } = latest.current;
      if (now !== stored) void playlists.change(playlist.id, { private_notes: now }, true).catch(() => {});
    },
    [],
  );

  return (
    <details class="panel private-notes" data-private-notes="true">
      <summary>{t("visit.privateNotes")}</summary>
      <div class="stack">
        <p class="hint" id="private-notes-hint">
          {t("visit.privateNotesHint")}
        </p>
        <div class="field">
          <label for="private-notes">{t("visit.privateNotesLabel")}</label>
          <textarea
            id="private-notes"
            rows={5}
            aria-describedby="private-notes-hint"
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              if (latest.current.state !== "saving") setState("dirty");
              window.clearTimeout(timer.current);
              timer.current = window.setTimeout(() => void save(), PAUSE_MS);
            }}
            onBlur={() => void save()}
          />
        </div>
        {typeof state === "object" ? (
          <div class="save-state save-failed" data-save="failed">
            <p class="error" role="alert">
              {t("reflection.saveFailed", { reason: describeError(state.error) })}
            </p>
            <button type="button" onClick={() => void save()}>
              {t("playlist.saveAgain")}
            </button>
          </div>
        ) : (
          <p class="save-state muted" role="status" data-save={state}>
            {state === "saving" ? t("playlist.saving") : state === "dirty" ? t("reflection.unsaved") : `✓ ${t("playlist.saved")}`}
          </p>
        )}
      </div>
    </details>
  );
}
