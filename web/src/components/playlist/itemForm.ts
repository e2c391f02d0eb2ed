// One moment's settings as the builder's form holds them (text as typed), and
// the checks that turn them into a change the API takes, worded for a person.

import type { ItemChanges, PlaylistItem } from "../../api/types";
import { formatClock, formatSeconds, parseClock } from "../../format";
import { t } from "../../i18n";

/** The API's limits (services/review/schemas.py, playlists.py). */
const MAX_ROLL_MS = 10_000;
const MAX_FREEZE_MS = 30_000;
const DEFAULT_FREEZE_MS = 3_000;

export interface ItemForm {
  caption: string;
  speed: number;
  mute: boolean;
  freeze: boolean;
  freezeAt: string;
  freezeS: string;
  preRoll: string;
  postRoll: string;
}

export type FormField = "freezeAt" | "freezeS" | "preRoll" | "postRoll";
export type FormErrors = Partial<Record<FormField, string>>;

/** What the form shows for an item as stored; a freeze starts at `momentMs`. */
export function formOf(item: PlaylistItem, momentMs: number): ItemForm {
  return {
    caption: item.caption,
    speed: item.speed,
    mute: item.mute,
    freeze: item.freeze_at_ms !== null,
    freezeAt: formatClock(item.freeze_at_ms ?? momentMs),
    freezeS: formatSeconds(item.freeze_s ? item.freeze_s * 1000 : DEFAULT_FREEZE_MS),
    preRoll: formatSeconds(item.pre_roll_ms),
    postRoll: formatSeconds(item.post_roll_ms),
  };
}

function seconds(text: string, maxMs: number, errors: FormErrors, field: FormField): number {
  const ms = parseClock(text);
  if (ms === null || ms > maxMs) {
    errors[field] = t("playlist.errorSeconds", { max: maxMs / 1000 });
    return 0;
  }
  return ms;
}

/** The change the form stands for, and what keeps it from being saved (empty: nothing). */
export function readForm(form: ItemForm, item: PlaylistItem): { changes: ItemChanges; errors: FormErrors } {
  const errors: FormErrors = {};
  const changes: ItemChanges = {
    caption: form.caption.trim(),
    speed: form.speed,
    mute: form.mute,
    pre_roll_ms: seconds(form.preRoll, MAX_ROLL_MS, errors, "preRoll"),
    post_roll_ms: seconds(form.postRoll, MAX_ROLL_MS, errors, "postRoll"),
    freeze_at_ms: null,
  };
  if (!form.freeze) return { changes, errors };

  const at = parseClock(form.freezeAt);
  const first = Math.max(0, item.start_ms - (changes.pre_roll_ms ?? 0));
  const last = item.end_ms + (changes.post_roll_ms ?? 0);
  if (at === null) {
    errors.freezeAt = t("playlist.errorTime", { example: formatClock(item.start_ms) });
  } else if (!errors.preRoll && !errors.postRoll && (at < first || at > last)) {
    errors.freezeAt = t("playlist.errorFreezeRange", { from: formatClock(first), to: formatClock(last) });
  }
  const holdMs = parseClock(form.freezeS);
  if (holdMs === null || holdMs <= 0 || holdMs > MAX_FREEZE_MS) {
    errors.freezeS = t("playlist.errorFreezeSeconds", { max: MAX_FREEZE_MS / 1000 });
  }
  changes.freeze_at_ms = at ?? 0;
  changes.freeze_s = (holdMs ?? 0) / 1000;
  return { changes, errors };
}

export function hasErrors(errors: FormErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** True when saving `changes` would change nothing of `item`. */
export function unchanged(changes: ItemChanges, item: PlaylistItem): boolean {
  return (
    changes.caption === item.caption &&
    changes.speed === item.speed &&
    changes.mute === item.mute &&
    changes.pre_roll_ms === item.pre_roll_ms &&
    changes.post_roll_ms === item.post_roll_ms &&
    changes.freeze_at_ms === item.freeze_at_ms &&
    (changes.freeze_at_ms === null || changes.freeze_s === item.freeze_s)
  );
}
