// A scheme's codes and scales in the user's language, looked up by key.

import type { CodeCategory, SchemeCode, SchemeScale } from "../../api/types";
import { getLang } from "../../i18n";

export function labelOf(item: Pick<SchemeCode | SchemeScale, "label_nl" | "label_en">): string {
  return getLang() === "nl" ? item.label_nl : item.label_en;
}

/** A code's label by its key; the key itself for a code the scheme does not have. */
export function labelOfKey(codes: SchemeCode[], key: string): string {
  const code = codes.find((c) => c.key === key);
  return code ? labelOf(code) : key;
}

export function codesByKey(codes: SchemeCode[]): Map<string, SchemeCode> {
  return new Map(codes.map((c) => [c.key, c]));
}

/**
 * The timeline's lanes, top to bottom: the baby's initiatives and what went well first, then
 * what went wrong and its repair.
 */
export const CATEGORY_ORDER: readonly CodeCategory[] = [
  "initiative", "positive", "mismatch", "repair", "context", "other",
];
