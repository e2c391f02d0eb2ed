// The clip's analysis as the coding workspace shows it: the suggestions still
// to decide about, and the signals behind them. Polled while the worker is
// still analysing (right after processing, or after new regions).

import { useState } from "preact/hooks";
import { coding } from "../../api/endpoints";
import type { ClipAnalysis, Regions, Suggestion } from "../../api/types";
import { useLoad, usePolling } from "../../hooks";

const POLL_MS = 3000;

export interface Suggestions {
  analysis: ClipAnalysis | undefined;
  error: unknown;
  /** Not yet accepted or rejected in this set, in time order. */
  open: Suggestion[];
  reject: (s: Suggestion) => Promise<void>;
  /** Runs the analysis again (after a lost or failed run); polling follows it. */
  again: () => Promise<void>;
  /** Says where parent and child are; the clip is analysed again with them. */
  place: (regions: Regions) => Promise<void>;
  /** Remember a decision made elsewhere (an accept through the coding set). */
  decided: (s: Suggestion, decision: "accepted" | "rejected") => void;
}

export function useSuggestions(clipId: string, setId: string, enabled: boolean): Suggestions {
  const loaded = useLoad(
    () => (enabled ? coding.analysis(clipId, setId) : Promise.resolve(undefined)),
    `${clipId}:${setId}:${enabled}`,
  );
  const [local, setLocal] = useState<Record<string, "accepted" | "rejected">>({});
  const status = loaded.data?.status;
  usePolling(
    enabled && (status === "pending" || status === "queued" || status === "running"),
    POLL_MS,
    loaded.reload,
  );

  const decided = (s: Suggestion, decision: "accepted" | "rejected") =>
    setLocal((known) => ({ ...known, [s.id]: decision }));
  const reject = async (s: Suggestion) => {
    await coding.decide(s.id, "reject", setId);
    decided(s, "rejected");
  };
  const again = async () => loaded.set(await coding.analyseAgain(clipId));
  const place = async (regions: Regions) => loaded.set(await coding.setRegions(clipId, regions));
  const open = (loaded.data?.suggestions ?? [])
    .filter((s) => !s.decision && !local[s.id])
    .sort((a, b) => a.start_ms - b.start_ms);
  return { analysis: loaded.data, error: loaded.error, open, reject, decided, again, place };
}

/** The next open suggestion after `ms` (or the first one). */
export function nextSuggestion(open: Suggestion[], ms: number, currentId?: string | null) {
  return open.find((s) => s.start_ms > ms && s.id !== currentId) ?? open.find((s) => s.id !== currentId);
}
