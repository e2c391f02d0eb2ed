// The case's people and goals as the coding workspace names them.

import type { CasePerson } from "../../api/types";
import { t } from "../../i18n";

/** How the professional tells the person apart ("oudste zus"), else their role ("Moeder"). */
export function personName(person: Pick<CasePerson, "role" | "label">): string {
  return person.label || t(`coding.role.${person.role}`);
}
