// The workspace's keyboard: player keys for everyone, the scheme's hotkeys
// and undo for the coder. Listens on the window, so no element needs the
// focus, and never while the user types in a field.

import { useEffect, useRef } from "preact/hooks";
import type { SchemeCode } from "../../api/types";
import { hotkeyOf, isPressingControl, isTyping } from "./keys";
import type { Playback } from "./usePlayback";

export interface CodingKeyActions {
  /** A hotkey of the scheme; `asSegment`: Shift was held (see HelpPanel for the rule). */
  code?: (code: SchemeCode, asSegment: boolean) => void;
  undo?: () => void;
  cancel?: () => void;
  /** Y (yes/ja) and N (no/nee): keep or turn down the chosen suggestion. */
  accept?: () => boolean;
  reject?: () => boolean;
}

/** Not hotkeys of the built-in scheme: a team scheme that takes them wins. */
const ACCEPT_KEY = "y";
const REJECT_KEY = "n";

export function useCodingKeys(playback: Playback, codes: SchemeCode[], actions: CodingKeyActions) {
  // The listener is added once; it reads the latest values through this ref.
  const latest = useRef({ playback, codes, actions });
  latest.current = { playback, codes, actions };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target) || isPressingControl(event)) return;
      const { playback: p, codes: list, actions: act } = latest.current;
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z" && act.undo) {
        event.preventDefault();
        act.undo();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return; // the browser's, not ours
      if (event.key === " ") {
        event.preventDefault(); // not a page scroll
        p.toggle();
      } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        const direction = event.key === "ArrowLeft" ? -1 : 1;
        if (event.shiftKey) p.stepSeconds(direction);
        else p.stepFrames(direction);
      } else if (event.key === "Escape" && act.cancel) {
        act.cancel();
      } else if (act.code && !event.repeat) {
        const key = hotkeyOf(event);
        const code = list.find((c) => c.hotkey?.toLowerCase() === key);
        if (code) {
          event.preventDefault();
          act.code(code, event.shiftKey);
        } else if (key === ACCEPT_KEY && act.accept?.()) {
          event.preventDefault();
        } else if (key === REJECT_KEY && act.reject?.()) {
          event.preventDefault();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
