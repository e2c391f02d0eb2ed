// Full screen and the keyboard for visit mode.

import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/** Whether `box` is in full screen (also after Escape or the browser's own exit), and the switch. */
export function useFullScreen(box: RefObject<HTMLElement>) {
  const [full, setFull] = useState(false);
  useEffect(() => {
    const update = () => setFull(document.fullscreenElement !== null && document.fullscreenElement === box.current);
    document.addEventListener("fullscreenchange", update);
    return () => document.removeEventListener("fullscreenchange", update);
  }, []);
  const toggle = () => {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => {});
    else void box.current?.requestFullscreen?.().catch(() => {});
  };
  return { full, toggle };
}

export interface VisitKeys {
  toggle: () => void;
  next: () => void;
  previous: () => void;
  fullScreen: () => void;
}

/** Where typing goes to the field, not to the player. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target instanceof HTMLInputElement && !["button", "checkbox", "radio", "submit"].includes(target.type);
}

/**
 * Space (or K) plays and pauses wherever the focus is, also on a button that
 * was just tapped (which Space would otherwise press again); ←/→ and
 * PageUp/PageDown (a presenter's clicker) go moment to moment; F is full
 * screen. Enter still presses the focused button.
 */
export function useVisitKeys(keys: VisitKeys): void {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || typingIn(event.target)) return;
      const k = latest.current;
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      if (key === " " || key === "k") {
        if (!event.repeat) k.toggle();
      } else if (key === "ArrowRight" || key === "PageDown") k.next();
      else if (key === "ArrowLeft" || key === "PageUp") k.previous();
      else if (key === "f") k.fullScreen();
      else return;
      event.preventDefault();
    };
    // a button is pressed by Space when it is let go: that must not happen either
    const onKeyUp = (event: KeyboardEvent) => {
      if (event.key === " " && !typingIn(event.target)) event.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("keyup", onKeyUp);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("keyup", onKeyUp);
    };
  }, []);
}
