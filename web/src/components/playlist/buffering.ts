// Visit mode plays in a family's home, often on a weak connection: the whole
// presentation is fetched at the lowest quality before the visit, and the page
// says when nothing more needs the network.

import type Hls from "hls.js";
import type { HlsConfig } from "hls.js";
import { useEffect, useState } from "preact/hooks";
import type { RefObject } from "preact";

/** Buffering is done when this little of the end is missing (the last frame's rounding). */
const END_SLACK_S = 0.3;
const CHECK_MS = 500;

/**
 * hls.js settings that buffer everything: start at the lowest rendition and
 * never go above it, and allow a buffer as long as the playlist itself.
 */
export function prebufferConfig(durationS: number): Partial<HlsConfig> {
  const seconds = Math.ceil(durationS) + 30;
  return {
    startLevel: 0, // renditions are sorted by bandwidth: 0 is the lowest
    capLevelToPlayerSize: false,
    maxBufferLength: seconds,
    maxMaxBufferLength: seconds,
    maxBufferSize: 150 * 1000 * 1000, // bytes; far more than minutes of the low rendition
    backBufferLength: Infinity, // keep what was played: going back needs no network either
  };
}

/** Keeps hls.js at the lowest rendition, once it knows the renditions. */
export function capAtLowest(hls: Hls): void {
  hls.autoLevelCapping = 0;
  hls.nextLevel = 0;
}

/** 0..1 of the presentation in the buffer, from the start on (what can play without the network). */
export function bufferedFraction(video: HTMLVideoElement, durationS: number): number {
  const ranges = video.buffered;
  let covered = 0;
  for (let i = 0; i < ranges.length; i++) {
    covered += Math.min(ranges.end(i), durationS) - Math.max(ranges.start(i), 0);
  }
  return durationS > 0 ? Math.min(1, Math.max(0, covered / durationS)) : 0;
}

/** How much is buffered, checked until all of it is; `ready` then stays true. */
export function useBuffered(video: RefObject<HTMLVideoElement>, durationS: number) {
  const [fraction, setFraction] = useState(0);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (ready) return;
    const timer = window.setInterval(() => {
      const element = video.current;
      if (!element) return;
      const value = bufferedFraction(element, durationS);
      setFraction(value);
      if (value * durationS >= durationS - END_SLACK_S) setReady(true);
    }, CHECK_MS);
    return () => window.clearInterval(timer);
  }, [durationS, ready]);
  return { fraction: ready ? 1 : fraction, ready };
}
