// Numbers, sizes, durations and dates the way the current language writes them.

import { locale, t } from "./i18n";

const UNITS = ["B", "kB", "MB", "GB", "TB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
  return `${number} ${UNITS[unit]}`;
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(
    Math.min(1, Math.max(0, fraction)),
  );
}

/** A span of time a person estimates with: "40 s", "3 min", "1 h 5 min". */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("time.seconds", { s });
  const m = Math.round(s / 60);
  if (m < 60) return t("time.minutes", { m });
  return t("time.hours", { h: Math.floor(m / 60), m: m % 60 });
}

/**
 * A time in a recording, to the millisecond, the same in every view:
 * 83456 -> "1:23.456" (m:ss.mmm; minutes keep counting past the hour).
 * Times are whole milliseconds as the API stores them, so a moment coded on a
 * frame is shown on that frame, never rounded to a neighbouring second.
 */
export function formatClock(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const minutes = Math.floor(whole / 60_000);
  const seconds = Math.floor((whole % 60_000) / 1000);
  const millis = whole % 1000;
  return `${minutes}:${String(seconds).padStart(2, "0")}.${String(millis).padStart(3, "0")}`;
}

/** A moment ("0:01.200") or a segment ("0:01.200–0:03.400"). */
export function formatSpan(startMs: number, endMs: number | null): string {
  return endMs == null ? formatClock(startMs) : `${formatClock(startMs)}–${formatClock(endMs)}`;
}

/** A number of seconds as a person types it: 2000 -> "2", 2500 -> "2,5" (in Dutch). */
export function formatSeconds(ms: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 3, useGrouping: false }).format(
    Math.max(0, Math.round(ms)) / 1000,
  );
}

const CLOCK = /^(?:(\d+):)?(?:(\d+):)?(\d+)(?:[.,](\d{1,3})\d*)?$/;

/**
 * What a person typed for a time, in milliseconds, or null when it is not a
 * time. Takes what formatClock and formatSeconds write and what people type:
 * "0:11.833", "11.833", "11,833", "1:02", "1:02:03.5", with spaces or a
 * trailing "s". Digits after the milliseconds are dropped, not rounded up.
 */
export function parseClock(text: string): number | null {
  const found = CLOCK.exec(text.trim().replace(/\s*s(ec)?$/i, "").replace(/\s+/g, ""));
  if (!found) return null;
  const [, first, second, secs, fraction] = found;
  // "h:m:s", "m:s" or "s": the last number is always the seconds
  const hours = second !== undefined ? Number(first) : 0;
  const minutes = second !== undefined ? Number(second) : Number(first ?? 0);
  if ((first !== undefined && Number(secs) >= 60) || (second !== undefined && minutes >= 60)) {
    return null;
  }
  const millis = fraction ? Number(fraction.padEnd(3, "0")) : 0;
  return ((hours * 60 + minutes) * 60 + Number(secs)) * 1000 + millis;
}

/** A recording's length as on a player: "0:04", "12:30", "1:02:03". */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long" }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** A moment to the second, as a log needs it: "12 mrt 2026, 14:03:27". */
export function formatTimestamp(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "medium" }).format(
    new Date(iso),
  );
}
