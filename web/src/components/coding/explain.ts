// A suggestion's reason in the user's language, from its code and evidence.
// The API's `explanation` (English) is the fallback for a kind this version
// of the app does not know.

import type { AnalysisNote, Suggestion } from "../../api/types";
import { knownKey, locale, type MessageKey, t } from "../../i18n";

function number(value: unknown, digits = 2): string {
  return typeof value === "number"
    ? new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value)
    : "?";
}

function seconds(value: number): string {
  return number(value, 1);
}

export function explain(s: Suggestion): string {
  const e = s.evidence;
  const span = seconds(((s.end_ms ?? s.start_ms) - s.start_ms) / 1000);
  const levels = { sync: number(e.synchrony), chance: number(e.chance), s: span };
  let key: MessageKey | null = null;
  let vars: Record<string, string> = levels;
  if (s.code === "MISMATCH" && e.reason === "cry") key = "explain.mismatchCry";
  else if (s.code === "MISMATCH" && e.moving === "parent") key = "explain.mismatchParentMoves";
  else if (s.code === "MISMATCH" && e.moving === "child") key = "explain.mismatchChildMoves";
  else if (s.code === "REPAIR") {
    const cried = e.distress_ended === "yes" ? "Cry" : "";
    key = knownKey(`explain.repair${e.movement === "in step" ? "InStep" : "Settled"}${cried}`);
    vars = { s: seconds(Number(e.after_mismatch_s ?? 0)) };
  } else if (s.code === "ATTENTIVE") {
    key = e.audio === "calm" ? "explain.attentiveCalm" : "explain.attentiveSilent";
  } else if (s.code === "TURN_TAKING") {
    key = "explain.turns";
    vars = { turns: String(e.turns ?? "?"), s: seconds(Number(e.duration_s ?? 0)) };
  }
  return key ? t(key, vars) : s.explanation;
}

/** The numbers behind a suggestion, with their names in the user's language. */
export function evidenceRows(s: Suggestion): { label: string; value: string }[] {
  return Object.entries(s.evidence)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .map(([name, value]) => {
      const key = knownKey(`evidence.${name}`);
      return { label: key ? t(key) : name, value: number(value) };
    });
}

/** Why the analysis found little, in the user's language where the app knows the reason. */
export function noteText(note: AnalysisNote): string {
  const key = knownKey(`analysisNote.${note.key}${note.key === "one_side" ? `.${note.values.moving}` : ""}`);
  if (!key) return note.text;
  const vars = Object.fromEntries(
    Object.entries(note.values).map(([name, value]) => [
      name,
      typeof value !== "number" ? value : Number.isInteger(value) ? String(value) : number(value, 1),
    ]),
  );
  return t(key, vars);
}
