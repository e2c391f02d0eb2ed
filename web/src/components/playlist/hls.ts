// Playing a rendered playlist: the FULL hls.js build, because a playlist has a
// WebVTT captions rendition (the questions for the parent) that the light build
// the clip player uses cannot show. Imported on demand, so only the playlist
// pages download it.

import type Hls from "hls.js";
import type { HlsConfig } from "hls.js";
import type { RefObject } from "preact";
import { type Trouble, useHlsSource } from "../../hls";
import { t } from "../../i18n";
import { CUES_ADDED } from "./Caption";

export { onThisOrigin } from "../../hls";

export interface HlsOptions {
  config?: Partial<HlsConfig>;
  /** Called once the presentation's renditions are known (e.g. to cap the quality). */
  onManifest?: (hls: Hls) => void;
  /** Called when the server refuses a playlist or segment (4xx: a link revoked or expired). */
  onRefused?: () => void;
}

/**
 * Attaches `src` (a signed master playlist) to the video with the full build;
 * the browser's own HLS shows the captions rendition by itself. `options` are
 * read when a source is attached.
 */
export function usePlaylistHls(
  video: RefObject<HTMLVideoElement>,
  src: string | null,
  options: HlsOptions = {},
): Trouble {
  return useHlsSource(video, src, {
    load: async () => (await import("hls.js")).default,
    // Cues go on our own text track: hls.js's own <track> loads "data:,WEBVTT",
    // which the CSP (media-src 'self' blob:) refuses.
    config: { renderTextTracksNatively: false, ...options.config },
    configure: (hls, HlsClass) => {
      const element = video.current;
      if (!element) return;
      const captions = captionTrack(element);
      hls.on(HlsClass.Events.CUES_PARSED, (_event, data) => {
        if (data.type !== "subtitles") return;
        data.cues.forEach((cue: VTTCue) => addOnce(captions, cue));
        element.dispatchEvent(new Event(CUES_ADDED));
      });
      hls.on(HlsClass.Events.ERROR, (_event, data) => {
        const status = data.response?.code ?? 0;
        if (status >= 400 && status < 500) options.onRefused?.();
      });
      hls.on(HlsClass.Events.MANIFEST_PARSED, () => {
        // the captions are part of the message: always on, whatever the default says
        hls.subtitleDisplay = true;
        if (hls.subtitleTracks.length > 0 && hls.subtitleTrack < 0) hls.subtitleTrack = 0;
        options.onManifest?.(hls);
      });
    },
  });
}

const tracks = new WeakMap<HTMLVideoElement, TextTrack>();

/**
 * The video's captions track, made once per element (a track added by script
 * cannot be removed; a new source empties it instead). Hidden: the page shows
 * the questions itself (Caption.tsx), the browser only in the video's own full screen.
 */
function captionTrack(video: HTMLVideoElement): TextTrack {
  let track = tracks.get(video);
  if (!track) {
    track = video.addTextTrack("subtitles", t("playlist.captionsTrack"), document.documentElement.lang);
    tracks.set(video, track);
  }
  Array.from(track.cues ?? []).forEach((cue) => track.removeCue(cue));
  track.mode = "hidden";
  return track;
}

/** hls.js parses a cue again when its fragment is loaded again (seeking back). */
function addOnce(track: TextTrack, cue: VTTCue): void {
  const known = Array.from(track.cues ?? []).some(
    (c) => c.startTime === cue.startTime && (c as VTTCue).text === cue.text,
  );
  if (!known) track.addCue(cue);
}
