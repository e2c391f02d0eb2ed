// What the workspace's status line says about the latest action: kept as a
// key and values, worded when shown, so a language switch re-words it (the
// code's label too); one sentence may sit inside another ("{what} — undone").

import type { SchemeCode } from "../../api/types";
import { t, type MessageKey, type Vars } from "../../i18n";
import { labelOfKey } from "./schemeText";

export interface Said {
  key: MessageKey;
  vars?: Vars;
  /** A code of the scheme, shown as its label in {code}. */
  code?: string;
  /** Another sentence, shown in {what}. */
  what?: Said;
}

export type Tell = (said: Said | null) => void;

export function sentence(said: Said, codes: SchemeCode[]): string {
  const vars: Vars = { ...said.vars };
  if (said.code) vars.code = labelOfKey(codes, said.code);
  if (said.what) vars.what = sentence(said.what, codes);
  return t(said.key, vars);
}
