import { useState } from "preact/hooks";
import type { ItemChanges, PlaylistItem } from "../../api/types";
import { t } from "../../i18n";

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

const seconds = (ms: number) => String(ms / 1000);
const toMs = (text: string) => Math.round(Number(text) * 1000);

/**
 * One moment's settings: the question for the parent, slow motion, a freeze,
 * sound, and the seconds around it. Saved together, so a half-typed question
 * is never rendered.
 */
export function ItemEditor({ item, momentMs, busy, onSave }: Props) {
  const id = (field: string) => `item-${item.id}-${field}`;
  const [caption, setCaption] = useState(item.caption);
  const [speed, setSpeed] = useState(item.speed);
  const [freeze, setFreeze] = useState(item.freeze_at_ms !== null);
  const [freezeAt, setFreezeAt] = useState(seconds(item.freeze_at_ms ?? momentMs));
  const [freezeS, setFreezeS] = useState(String(item.freeze_s || 3));
  const [mute, setMute] = useState(item.mute);
  const [preRoll, setPreRoll] = useState(seconds(item.pre_roll_ms));
  const [postRoll, setPostRoll] = useState(seconds(item.post_roll_ms));

  const submit = (event: Event) => {
    event.preventDefault();
    const changes: ItemChanges = {
      caption: caption.trim(),
      speed,
      mute,
      pre_roll_ms: toMs(preRoll),
      post_roll_ms: toMs(postRoll),
      freeze_at_ms: freeze ? toMs(freezeAt) : null,
    };
    if (freeze) changes.freeze_s = Number(freezeS);
    onSave(changes);
  };

  return (
    <form class="item-editor stack" onSubmit={submit}>
      <div class="field">
        <label for={id("caption")}>{t("playlist.caption")}</label>
        <input
          id={id("caption")}
          type="text"
          maxLength={300}
          aria-describedby={id("caption-hint")}
          value={caption}
          onInput={(e) => setCaption(e.currentTarget.value)}
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
            value={String(speed)}
            onChange={(e) => setSpeed(Number(e.currentTarget.value))}
          >
            {SPEEDS.map(([value, key]) => (
              <option key={value} value={String(value)}>
                {t(key)}
              </option>
            ))}
          </select>
        </div>
        <NumberField id={id("pre")} label={t("playlist.preRoll")} value={preRoll} max={10} onInput={setPreRoll} />
        <NumberField id={id("post")} label={t("playlist.postRoll")} value={postRoll} max={10} onInput={setPostRoll} />
      </div>
      <div class="check">
        <input type="checkbox" id={id("mute")} checked={mute} onChange={(e) => setMute(e.currentTarget.checked)} />
        <label for={id("mute")}>{t("playlist.mute")}</label>
      </div>
      <div class="check">
        <input
          type="checkbox"
          id={id("freeze")}
          checked={freeze}
          onChange={(e) => setFreeze(e.currentTarget.checked)}
        />
        <label for={id("freeze")}>{t("playlist.freeze")}</label>
      </div>
      {freeze && (
        <div class="item-grid">
          <NumberField id={id("freeze-s")} label={t("playlist.freezeSeconds")} value={freezeS} max={30} onInput={setFreezeS} />
          <NumberField
            id={id("freeze-at")}
            label={t("playlist.freezeAt")}
            hint={t("playlist.freezeAtHint")}
            value={freezeAt}
            onInput={setFreezeAt}
          />
        </div>
      )}
      <button type="submit" disabled={busy}>
        {t("playlist.saveItem")}
      </button>
    </form>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  hint?: string;
  value: string;
  max?: number;
  onInput: (value: string) => void;
}

/** Seconds, with a tenth of a second as the finest step. */
function NumberField({ id, label, hint, value, max, onInput }: NumberFieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={0}
        max={max}
        step={0.1}
        required
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
