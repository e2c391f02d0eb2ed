// Loading and polling API data in a page.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  /** The last failure; kept as the error itself so it is re-worded on a language switch. */
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data with what a change answered (no extra request). */
  set: (data: T) => void;
}

/** Loads once per `key`, and again on reload(); answers that arrive late are dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setData(undefined);
    void reload();
    return () => void generation.current++;
  }, [key]);

  const set = useCallback((value: T) => {
    generation.current++;
    setData(value);
    setError(null);
    setLoading(false);
  }, []);

  return { data, error, loading, reload, set };
}

/**
 * Calls `tick` every `intervalMs` while `active`, one call at a time, and not
 * while the tab is hidden (a phone in a pocket need not poll).
 */
export function usePolling(active: boolean, intervalMs: number, tick: () => Promise<void>): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    let timer: number | undefined;
    let stopped = false;
    const schedule = () => {
      timer = window.setTimeout(run, intervalMs);
    };
    const run = async () => {
      if (stopped) return;
      if (document.visibilityState === "visible") {
        try {
          await tickRef.current();
        } catch {
          // the next tick tries again; the page shows the last error it has
        }
      }
      if (!stopped) schedule();
    };
    schedule();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [active, intervalMs]);
}

export interface Action {
  busy: boolean;
  /** The last failure, for <ErrorMessage>; cleared when the action runs again. */
  error: unknown;
  /**
   * Runs `work` once at a time. After success the action stays busy when
   * `thenIdle` is false: the page is moving on and a second click must not
   * send the request again.
   */
  run: (work: () => Promise<void>, thenIdle?: boolean) => Promise<void>;
}

/** A button's or a form's request: busy while it runs, its failure kept to show. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<void>, thenIdle = true) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      if (thenIdle) setBusy(false);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return { busy, error, run };
}
