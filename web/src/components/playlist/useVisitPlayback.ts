// Playing a visit playlist moment by moment, the way the conversation goes:
// optionally holding at the end of each moment (the question still on screen)
// until the professional goes on with → or a tap.

import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { chapterAt } from "./moments";

/** Held this much before the next moment starts: its first frame is never shown. */
const HOLD_EARLY_S = 0.1;
const STORAGE_KEY = "attune.visit.pauseAfter";

function storedPauseAfter(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) !== "0";
  } catch {
    return true;
  }
}

export interface VisitPlayback {
  moment: number;
  playing: boolean;
  /** The moment it is holding after (the conversation), or null. */
  held: number | null;
  pauseAfter: boolean;
  setPauseAfter: (on: boolean) => void;
  /** Play or pause; while holding: go on to the next moment. */
  toggle: () => void;
  next: () => void;
  previous: () => void;
  /** For the video element. */
  events: {
    onPlay: () => void;
    onPause: () => void;
    onTimeUpdate: () => void;
  };
}

export function useVisitPlayback(video: RefObject<HTMLVideoElement>, starts: number[]): VisitPlayback {
  const [moment, setMoment] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [held, setHeld] = useState<number | null>(null);
  const [pauseAfter, setPauseAfterState] = useState(storedPauseAfter);
  const current = useRef(0);

  const play = () => void video.current?.play().catch(() => setPlaying(false));
  const go = (index: number) => {
    const v = video.current;
    if (!v || starts.length === 0) return;
    const target = Math.max(0, Math.min(starts.length - 1, index));
    v.currentTime = starts[target] ?? 0;
    current.current = target;
    setMoment(target);
    setHeld(null);
  };
  const next = () => {
    if (held === null) return go(current.current + 1);
    go(held + 1);
    play();
  };
  const toggle = () => {
    const v = video.current;
    if (!v) return;
    if (held !== null) next();
    else if (v.paused) play();
    else v.pause();
  };

  // Hold at the end of the moment: checked every frame while playing, as a
  // timeupdate comes only four times a second and would show the next moment.
  useEffect(() => {
    const v = video.current;
    if (!v || !playing || !pauseAfter) return;
    let frame = 0;
    const watch = () => {
      const end = starts[current.current + 1];
      if (end !== undefined && v.currentTime >= end - HOLD_EARLY_S) {
        v.pause();
        if (v.currentTime >= end) v.currentTime = end - HOLD_EARLY_S;
        setHeld(current.current);
        return;
      }
      frame = requestAnimationFrame(watch);
    };
    frame = requestAnimationFrame(watch);
    return () => cancelAnimationFrame(frame);
  }, [playing, pauseAfter, starts]);

  return {
    moment,
    playing,
    held,
    pauseAfter,
    setPauseAfter: (on) => {
      setPauseAfterState(on);
      try {
        localStorage.setItem(STORAGE_KEY, on ? "1" : "0");
      } catch {
        // not remembered, still switched
      }
    },
    toggle,
    next,
    previous: () => go(current.current - 1),
    events: {
      onPlay: () => {
        setPlaying(true);
        setHeld(null);
      },
      onPause: () => setPlaying(false),
      onTimeUpdate: () => {
        const v = video.current;
        if (!v || v.seeking) return;
        current.current = chapterAt(starts, v.currentTime);
        setMoment(current.current);
      },
    },
  };
}
