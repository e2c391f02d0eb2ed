// The question for the parent, drawn by the page under the video: large enough
// to read at arm's length on a phone and from the sofa on a tablet, and always
// one question at a time. (The browser's own captions scale with the video, so
// they are small on a phone, and right after a jump to a moment's start the
// browser also keeps showing the cue that ends there.) The video element's
// own full screen has no room for the page, so there the browser shows them.

import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";

/** Fired on the video when hls.js has added cues (cues added by script fire nothing). */
export const CUES_ADDED = "attune:cues";

/** The question on screen at `time`: the latest cue that has started and not ended. */
export function cueAt(cues: ArrayLike<TextTrackCue> | null, time: number): string {
  let shown: VTTCue | null = null;
  for (const cue of Array.from(cues ?? [])) {
    const starts = cue.startTime <= time + 0.001;
    const ends = cue.endTime <= time + 0.001;
    if (starts && !ends && (!shown || cue.startTime >= shown.startTime)) shown = cue as VTTCue;
  }
  return shown?.text ?? "";
}

function questionsTrack(video: HTMLVideoElement): TextTrack | undefined {
  return Array.from(video.textTracks).find((t) => t.kind === "subtitles" || t.kind === "captions");
}

function inOwnFullScreen(video: HTMLVideoElement): boolean {
  const webkit = video as HTMLVideoElement & { webkitDisplayingFullscreen?: boolean };
  return document.fullscreenElement === video || webkit.webkitDisplayingFullscreen === true;
}

const PLAYHEAD_EVENTS = ["timeupdate", "seeked", "seeking", "loadeddata", "pause", "play", CUES_ADDED,
  "webkitbeginfullscreen", "webkitendfullscreen"];

/** The text of the question the video is at; "" when none (or when the browser shows it). */
export function useCaption(video: RefObject<HTMLVideoElement>): string {
  const [text, setText] = useState("");
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const watched = new WeakSet<TextTrack>();
    const update = () => {
      const track = questionsTrack(element);
      if (!track) return setText("");
      if (!watched.has(track)) {
        watched.add(track);
        track.addEventListener("cuechange", update);
      }
      const browser = inOwnFullScreen(element);
      const mode = browser ? "showing" : "hidden";
      if (track.mode !== mode) track.mode = mode;
      setText(browser ? "" : cueAt(track.cues, element.currentTime));
    };
    PLAYHEAD_EVENTS.forEach((name) => element.addEventListener(name, update));
    element.textTracks.addEventListener("addtrack", update);
    document.addEventListener("fullscreenchange", update);
    update();
    return () => {
      PLAYHEAD_EVENTS.forEach((name) => element.removeEventListener(name, update));
      element.textTracks.removeEventListener("addtrack", update);
      document.removeEventListener("fullscreenchange", update);
      Array.from(element.textTracks).forEach((t) => t.removeEventListener("cuechange", update));
    };
  }, []);
  return text;
}

/** The question under the video; the line keeps its room when there is none, so nothing jumps. */
export function Caption({ text, lineRef }: { text: string; lineRef?: RefObject<HTMLParagraphElement> }) {
  return (
    <p ref={lineRef} class="caption-line" aria-live="polite" data-caption={text}>
      {text}
    </p>
  );
}
