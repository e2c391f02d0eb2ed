// How the trajectory page writes its numbers and dates.

import { formatDate, formatPercent } from "../../format";
import type { CasePerson, Visit } from "../../api/types";
import { locale, t } from "../../i18n";

/** A calendar day (YYYY-MM-DD) in the current language, the same day in every time zone. */
export function formatDay(day: string): string {
  return formatDate(`${day}T12:00:00`);
}

/** A rate such as moments per minute: "2,7". */
export function formatRate(value: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(value);
}

export { formatPercent };

/** A time between two moments, in seconds: "1,5 s". */
export function formatSecondsShort(ms: number): string {
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
}

/** "Bezoek 2 (7 februari 2026)", or without the date while it is not known. */
export function visitName(visit: Pick<Visit, "number" | "visited_on">): string {
  return visit.visited_on
    ? t("trajectory.visitNameDated", { number: visit.number, date: formatDay(visit.visited_on) })
    : t("trajectory.visitNumber", { number: visit.number });
}

/** "Moeder" or "Broer/zus (oudste zus)": a role, and the label that tells two apart. */
export function personName(person: Pick<CasePerson, "role" | "label">): string {
  const role = t(`trajectory.role.${person.role}`);
  return person.label ? t("trajectory.personWithLabel", { role, label: person.label }) : role;
}
