import { useState } from "preact/hooks";
import type { ItemChanges, PlaylistItem } from "../../api/types";
import { t } from "../../i18n";
import { TimeField } from "../TimeField";
import { type FormErrors, formOf, hasErrors, type ItemForm, readForm } from "./itemForm";

const SPEEDS = [
  [1, "playlist.speed1"],
  [0.5, "playlist.speed05"],
  [0.25, "playlist.speed025"],
] as const;

interface Props {
  item: PlaylistItem;
  /** Where a freeze goes unless another time is chosen: the coded moment (a STILL's own time). */
  momentMs: number;
  busy: boolean;
  onSave: (changes: ItemChanges) => void;
}

/**
 * One moment's settings: the question for the parent, slow motion, a freeze,
 * sound, and the seconds around it. Saved together, so a half-typed question
 * is never rendered; checked here, so a mistake is said in the user's words.
 */
export function ItemEditor({ item, momentMs, busy, onSave }: Props) {
  const id = (field: string) => `item-${item.id}-${field}`;
  const [form, setForm] = useState(() => formOf(item, momentMs));
  const [errors, setErrors] = useState<FormErrors>({});
  const set = (patch: Partial<ItemForm>) => setForm({ ...form, ...patch });

  const submit = (event: Event) => {
    event.preventDefault();
    const read = readForm(form, item);
    setErrors(read.errors);
    if (!hasErrors(read.errors)) onSave(read.changes);
  };

  return (
    <form class="item-editor stack" noValidate onSubmit={submit}>
      <div class="field">
        <label for={id("caption")}>{t("playlist.caption")}</label>
        <input
          id={id("caption")}
          type="text"
          maxLength={300}
          aria-describedby={id("caption-hint")}
          value={form.caption}
          onInput={(e) => set({ caption: e.currentTarget.value })}
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
            onChange={(e) => set({ speed: Number(e.currentTarget.value) })}
          >
            {SPEEDS.map(([value, key]) => (
              <option key={value} value={String(value)}>
                {t(key)}
              </option>
            ))}
          </select>
        </div>
        <TimeField id={id("pre")} label={t("playlist.preRoll")} value={form.preRoll} error={errors.preRoll}
          onInput={(preRoll) => set({ preRoll })} />
        <TimeField id={id("post")} label={t("playlist.postRoll")} value={form.postRoll} error={errors.postRoll}
          onInput={(postRoll) => set({ postRoll })} />
      </div>
      <div class="check">
        <input type="checkbox" id={id("mute")} checked={form.mute} onChange={(e) => set({ mute: e.currentTarget.checked })} />
        <label for={id("mute")}>{t("playlist.mute")}</label>
      </div>
      <div class="check">
        <input
          type="checkbox"
          id={id("freeze")}
          checked={form.freeze}
          onChange={(e) => set({ freeze: e.currentTarget.checked })}
        />
        <label for={id("freeze")}>{t("playlist.freeze")}</label>
      </div>
      {form.freeze && (
        <div class="item-grid">
          <TimeField id={id("freeze-s")} label={t("playlist.freezeSeconds")} value={form.freezeS}
            error={errors.freezeS} onInput={(freezeS) => set({ freezeS })} />
          <TimeField
            id={id("freeze-at")}
            label={t("playlist.freezeAt")}
            hint={t("playlist.freezeAtHint")}
            value={form.freezeAt}
            error={errors.freezeAt}
            onInput={(freezeAt) => set({ freezeAt })}
          />
        </div>
      )}
      <button type="submit" disabled={busy}>
        {t("playlist.saveItem")}
      </button>
    </form>
  );
}
