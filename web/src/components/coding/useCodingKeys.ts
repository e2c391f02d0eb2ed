// The workspace's keyboard: player keys for everyone, the scheme's hotkeys,
// undo and redo for the coder. Listens on the window, so no element needs the
// focus; which key presses a focused element keeps is decided in keys.ts.

import { useEffect, useRef } from "preact/hooks";
import type { SchemeCode } from "../../api/types";
import { belongsToFocused, historyKey, hotkeyOf, isTyping } from "./keys";
import type { Playback } from "./usePlayback";

export interface CodingKeyActions {
  /** A hotkey of the scheme; `asSegment`: Shift was held (see HelpPanel for the rule). */
  code?: (code: SchemeCode, asSegment: boolean) => void;
  undo?: () => void;
  redo?: () => void;
  cancel?: () => void;
  /** Alt+←/→ on a timeline item that the timeline did not move (the set is read-only). */
  nudge?: () => void;
  /** Y (yes/ja) and N (no/nee): keep or turn down the chosen suggestion. */
  accept?: () => void;
  reject?: () => void;
}

function onTimelineItem(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest(".tl-item") !== null;
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
      if (event.defaultPrevented || belongsToFocused(event)) return;
      const { playback: p, codes: list, actions: act } = latest.current;
      const history = historyKey(event);
      if (history) {
        const run = history === "undo" ? act.undo : act.redo;
        if (run) {
          event.preventDefault();
          run();
        }
        return;
      }
      const sideways = event.key === "ArrowLeft" || event.key === "ArrowRight";
      if (event.altKey && sideways && act.nudge && onTimelineItem(event.target)) {
        event.preventDefault(); // not the browser's Back either
        act.nudge();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return; // the browser's, not ours
      if (event.key === " ") {
        event.preventDefault(); // not a page scroll, nor a press of the focused button
        if (!event.repeat) p.toggle();
      } else if (sideways) {
        event.preventDefault();
        const direction = event.key === "ArrowLeft" ? -1 : 1;
        if (event.shiftKey) p.stepSeconds(direction);
        else p.stepFrames(direction);
      } else if (event.key === "Escape" && act.cancel) {
        act.cancel();
      } else if (act.code) {
        const key = hotkeyOf(event);
        const code = list.find((c) => c.hotkey?.toLowerCase() === key);
        const accepts = key === ACCEPT_KEY || key === REJECT_KEY;
        if (code || accepts) event.preventDefault(); // not a list's type-ahead either
        if (event.repeat) return;
        if (code) act.code(code, event.shiftKey);
        else if (key === ACCEPT_KEY) act.accept?.();
        else if (key === REJECT_KEY) act.reject?.();
      }
    };
    // A button or a box is pressed when Space comes up: that Space was play/pause.
    const onKeyUp = (event: KeyboardEvent) => {
      if (event.key === " " && !isTyping(event.target)) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("keyup", onKeyUp);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("keyup", onKeyUp);
    };
  }, []);
}
