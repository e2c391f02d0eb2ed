// How the trajectory page writes its numbers and dates.

import { formatDate, formatPercent } from "../../format";
import { locale } from "../../i18n";

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
