// The parent's and child's boxes while a professional adjusts them over the
// video: the boxes they started from, the unsaved draft, and saving it (the
// clip is then analysed again). Leaving the page with an unsaved draft asks.

import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ClipAnalysis, RegionBox, Regions } from "../../api/types";
import { useLeaveWarning } from "../people/useLeaveWarning";
import { LAYOUTS, type Layout, type RegionsSource, rounded, sameRegions, startingRegions, type Who } from "./regions";

export interface RegionsEditor {
  /** The boxes shown over the video, null while they are not being adjusted. */
  draft: Regions | null;
  /** Where the boxes the editor started from came from. */
  source: RegionsSource | null;
  dirty: boolean;
  saving: boolean;
  /** Why the last save did not go through (the draft is kept). */
  error: unknown;
  /** Opened with its button: the parent's box takes the focus, for the arrow keys. */
  focusBoxes: boolean;
  /** The button that opens the editor: the focus goes back to it when it closes. */
  opener: RefObject<HTMLButtonElement>;
  open: () => void;
  /** A quick layout: places both boxes (opening the editor when needed). */
  place: (layout: Layout) => void;
  change: (who: Who, box: RegionBox) => void;
  /** Back to the boxes it started from, and closed (Cancel, or Esc on a box). */
  cancel: () => void;
  save: () => Promise<void>;
}

/**
 * `size`: the picture's width and height (for the halves of a portrait
 * recording); `store`: saves the boxes through the API; `restored`: says the
 * boxes are back as they were.
 */
export function useRegions(
  analysis: ClipAnalysis | undefined,
  size: () => { width: number; height: number },
  store: (regions: Regions) => Promise<void>,
  restored: () => void,
): RegionsEditor {
  const [draft, setDraft] = useState<Regions | null>(null);
  const [start, setStart] = useState<{ regions: Regions; source: RegionsSource } | null>(null);
  const [saving, setSaving] = useState(false);
  const [focusBoxes, setFocusBoxes] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const opener = useRef<HTMLButtonElement>(null);
  // The focus was on a box or the editor's buttons: it goes back to the opener
  // once that is shown again.
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (refocus && draft === null) {
      opener.current?.focus();
      setRefocus(false);
    }
  }, [refocus, draft]);
  const dirty = draft !== null && start !== null && !sameRegions(draft, start.regions);
  useLeaveWarning(dirty, "regions.leaveUnsaved");

  const begin = () => {
    const { width, height } = size();
    const from = startingRegions(analysis, width, height);
    setStart(from);
    return from.regions;
  };
  const close = () => {
    setDraft(null);
    setStart(null);
    setError(null);
    setRefocus(true);
  };
  return {
    draft,
    source: start?.source ?? null,
    dirty,
    saving,
    error,
    opener,
    focusBoxes,
    open: () => {
      setFocusBoxes(true);
      setDraft(draft ?? begin());
    },
    place: (layout) => {
      if (!draft) {
        setFocusBoxes(false);
        begin();
      }
      setDraft(LAYOUTS[layout]);
    },
    change: (who, box) => setDraft((now) => (now ? { ...now, [who]: box } : now)),
    cancel: () => {
      if (draft) restored();
      close();
    },
    save: async () => {
      if (!draft) return;
      setSaving(true);
      setError(null);
      try {
        await store(rounded(draft));
        close();
      } catch (caught) {
        setError(caught);
      } finally {
        setSaving(false);
      }
    },
  };
}
