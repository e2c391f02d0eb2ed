// t(): every string the app shows, in the user's language. Dutch by default;
// the choice is remembered in localStorage.

import { useEffect, useState } from "preact/hooks";
import { en } from "./en";
import { nl, type MessageKey, type Messages } from "./nl";

export type { MessageKey };
export type Lang = "nl" | "en";

const catalogs: Record<Lang, Messages> = { nl, en };
const STORAGE_KEY = "attune.lang";
const LOCALES: Record<Lang, string> = { nl: "nl-NL", en: "en-GB" };

function storedLang(): Lang {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "en" || value === "nl" ? value : "nl";
  } catch {
    return "nl"; // storage blocked (private mode): Dutch, not remembered
  }
}

let current: Lang = storedLang();
const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

/** The BCP 47 locale for numbers and dates in the current language. */
export function locale(): string {
  return LOCALES[current];
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = lang;
  listeners.forEach((listener) => listener(lang));
}

/** The current language; the component re-renders when it changes. */
export function useLang(): Lang {
  const [lang, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    return () => void listeners.delete(setState);
  }, []);
  return lang;
}

export type Vars = Record<string, string | number>;

export function t(key: MessageKey, vars?: Vars): string {
  const text = catalogs[current][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** A key built at run time (an API error code, a status) if the catalog has it. */
export function knownKey(key: string): MessageKey | null {
  return key in nl ? (key as MessageKey) : null;
}

document.documentElement.lang = current;
