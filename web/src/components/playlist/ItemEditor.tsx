import { useState } from "preact/hooks";
import type { Goal, PlaylistItem } from "../../api/types";
import { describeError } from "../../errors";
import { t } from "../../i18n";
import { TimeField } from "../TimeField";
import type { FormErrors, ItemForm } from "./itemForm";
import type { SaveState } from "./useAutosave";

const SPEEDS = [
  [1, "playlist.speed1"],
  [0.5, "playlist.speed05"],
  [0.25, "playlist.speed025"],
] as const;

interface Props {
  item: PlaylistItem;
  form: ItemForm;
  errors: FormErrors;
  state: SaveState | undefined;
  /** A change; `commit` saves it at once (a choice), else when the field is left. */
  onEdit: (patch: Partial<ItemForm>, commit?: boolean) => void;
  onCommit: () => void;
  /** The case's goals, and linking the moment to them (saved at once, in turn). */
  goals: Goal[];
  onGoals: (goalIds: string[]) => Promise<void>;
}

/**
 * One moment's settings: the question for the parent, slow motion, a freeze,
 * sound, and the seconds around it. Saved as they are made (see useAutosave);
 * checked first, so a mistake is said in the user's words and never sent.
 */
export function ItemEditor({ item, form, errors, state, onEdit, onCommit, goals, onGoals }: Props) {
  const id = (field: string) => `item-${item.id}-${field}`;
  // the goals as ticked, shown at once while the links are being saved
  const [ticked, setTicked] = useState<string[] | null>(null);
  const linked = ticked ?? item.goal_ids;
  const link = (next: string[]) => {
    setTicked(next);
    void onGoals(next).finally(() => setTicked((now) => (now === next ? null : now)));
  };
  const field = (name: "preRoll" | "postRoll" | "freezeS" | "freezeAt") => ({
    value: form[name],
    error: errors[name],
    onInput: (text: string) => onEdit({ [name]: text }),
    onCommit,
  });

  return (
    <form
      class="item-editor stack"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onCommit();
      }}
    >
      <div class="field">
        <label for={id("caption")}>{t("playlist.caption")}</label>
        <input
          id={id("caption")}
          type="text"
          maxLength={300}
          aria-describedby={id("caption-hint")}
          value={form.caption}
          onInput={(e) => onEdit({ caption: e.currentTarget.value })}
          onBlur={onCommit}
          onKeyDown={(e) => e.key === "Enter" && onCommit()}
        />
        <p class="hint" id={id("caption-hint")}>
          {t("playlist.captionHint")}
        </p>
      </div>
      <div class="item-grid">
        <div class="field">
          <label for={id("speed")}>{t("playlist.speed")}</label>
          <select
            id={id("speed")}
            value={String(form.speed)}
            onChange={(e) => onEdit({ speed: Number(e.currentTarget.value) }, true)}
          >
            {SPEEDS.map(([value, key]) => (
              <option key={value} value={String(value)}>
                {t(key)}
              </option>
            ))}
          </select>
        </div>
        <TimeField id={id("pre")} label={t("playlist.preRoll")} {...field("preRoll")} />
        <TimeField id={id("post")} label={t("playlist.postRoll")} {...field("postRoll")} />
      </div>
      <div class="check">
        <input
          type="checkbox"
          id={id("mute")}
          checked={form.mute}
          onChange={(e) => onEdit({ mute: e.currentTarget.checked }, true)}
        />
        <label for={id("mute")}>{t("playlist.mute")}</label>
      </div>
      <div class="check">
        <input
          type="checkbox"
          id={id("freeze")}
          checked={form.freeze}
          onChange={(e) => onEdit({ freeze: e.currentTarget.checked }, true)}
        />
        <label for={id("freeze")}>{t("playlist.freeze")}</label>
      </div>
      {form.freeze && (
        <div class="item-grid">
          <TimeField id={id("freeze-s")} label={t("playlist.freezeSeconds")} {...field("freezeS")} />
          <TimeField
            id={id("freeze-at")}
            label={t("playlist.freezeAt")}
            hint={t("playlist.freezeAtHint")}
            {...field("freezeAt")}
          />
        </div>
      )}
      {goals.length > 0 && (
        <fieldset class="item-goals" data-item-goals={item.id}>
          <legend>{t("playlist.goals")}</legend>
          {goals.map((goal) => (
            <div class="check" key={goal.id}>
              <input
                type="checkbox"
                id={id(`goal-${goal.id}`)}
                checked={linked.includes(goal.id)}
                onChange={(e) =>
                  link(
                    e.currentTarget.checked
                      ? [...linked, goal.id]
                      : linked.filter((g) => g !== goal.id),
                  )
                }
              />
              <label for={id(`goal-${goal.id}`)}>{goal.title}</label>
            </div>
          ))}
        </fieldset>
      )}
      <SaveStatus state={state} onRetry={onCommit} />
    </form>
  );
}

/** Whether the moment's settings are saved: said quietly, a failure out loud. */
function SaveStatus({ state, onRetry }: { state: SaveState | undefined; onRetry: () => void }) {
  if (state?.kind === "failed") {
    return (
      <div class="save-state save-failed" data-save={state.kind}>
        <p class="error" role="alert">
          {t("playlist.saveFailed", { reason: describeError(state.error) })}
        </p>
        <button type="button" onClick={onRetry}>
          {t("playlist.saveAgain")}
        </button>
      </div>
    );
  }
  const text = {
    dirty: t("playlist.saveDirty"),
    saving: t("playlist.saving"),
    saved: `✓ ${t("playlist.saved")}`,
    invalid: t("playlist.saveInvalid"),
  }[state?.kind ?? "saved"];
  return (
    <p class={`save-state ${state?.kind === "invalid" ? "error" : "muted"}`} role="status"
      data-save={state?.kind ?? "none"}>
      {state ? text : ""}
    </p>
  );
}
