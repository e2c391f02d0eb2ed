// The workspace's video as state: where it is, whether it plays, how fast,
// and the moves a coder makes (seek, frame step, play/pause, speed).

import type { RefObject } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { clamp } from "./clock";

export const SPEEDS = [0.25, 0.5, 0.75, 1, 1.5, 2] as const;

/** When the API does not know the frame rate, step as if it were 25 fps (PAL phones). */
const FALLBACK_FPS = 25;

export interface Playback {
  video: RefObject<HTMLVideoElement>;
  /** The current time, refreshed every animation frame while playing. */
  timeMs: number;
  durationMs: number;
  fps: number;
  playing: boolean;
  rate: number;
  /** The exact current time, read from the element (hotkeys use it, not the last render). */
  now: () => number;
  seek: (ms: number) => void;
  stepFrames: (frames: number) => void;
  stepSeconds: (seconds: number) => void;
  toggle: () => void;
  setRate: (rate: number) => void;
}

export function usePlayback(fps: number | null | undefined, durationMs: number): Playback {
  const video = useRef<HTMLVideoElement>(null);
  const [timeMs, setTimeMs] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [rate, setRateState] = useState(1);
  const frameRate = fps && fps > 0 ? fps : FALLBACK_FPS;

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    let frame = 0;
    const read = () => setTimeMs(Math.round(element.currentTime * 1000));
    // timeupdate fires only ~4 times a second: too coarse for a playhead.
    const tick = () => {
      read();
      frame = requestAnimationFrame(tick);
    };
    const started = () => {
      setPlaying(true);
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(tick);
    };
    const stopped = () => {
      setPlaying(false);
      cancelAnimationFrame(frame);
      read();
    };
    element.addEventListener("play", started);
    element.addEventListener("pause", stopped);
    element.addEventListener("ended", stopped);
    element.addEventListener("seeked", read);
    return () => {
      cancelAnimationFrame(frame);
      element.removeEventListener("play", started);
      element.removeEventListener("pause", stopped);
      element.removeEventListener("ended", stopped);
      element.removeEventListener("seeked", read);
    };
  }, []);

  const now = useCallback(
    () => Math.round((video.current?.currentTime ?? 0) * 1000),
    [],
  );
  const seek = useCallback(
    (ms: number) => {
      const element = video.current;
      if (!element) return;
      const target = clamp(Math.round(ms), 0, durationMs);
      element.currentTime = target / 1000;
      setTimeMs(target);
    },
    [durationMs],
  );
  const stepFrames = useCallback(
    (frames: number) => {
      video.current?.pause(); // a frame step is for looking closely: it stops the video
      seek(now() + (frames * 1000) / frameRate);
    },
    [seek, now, frameRate],
  );
  const stepSeconds = useCallback((seconds: number) => seek(now() + seconds * 1000), [seek, now]);
  const toggle = useCallback(() => {
    const element = video.current;
    if (!element) return;
    if (element.paused) void element.play().catch(() => {}); // refused: the button still says Play
    else element.pause();
  }, []);
  const setRate = useCallback((value: number) => {
    if (video.current) video.current.playbackRate = value;
    setRateState(value);
  }, []);

  return {
    video, timeMs, durationMs, fps: frameRate, playing, rate,
    now, seek, stepFrames, stepSeconds, toggle, setRate,
  };
}
