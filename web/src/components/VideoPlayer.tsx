import type { RefObject } from "preact";
import { useRef } from "preact/hooks";
import { type Trouble, useHlsSource } from "../hls";
import { t } from "../i18n";
import { useFitToScreen } from "./useFitToScreen";

export { onThisOrigin } from "../hls";

interface Props {
  /** The signed master playlist (HLS). */
  src: string;
  poster: string | null;
  label: string;
}

/** A clip has one muxed audio track and no subtitles or DRM: the light build does. */
const CLIP = { load: async () => (await import("hls.js/light")).default };

/** Plays a clip's `src`; shared with the coding workspace's player, which brings its own controls. */
export function useHls(video: RefObject<HTMLVideoElement>, src: string): Trouble {
  return useHlsSource(video, src, CLIP);
}

/**
 * HLS through hls.js where the browser has Media Source Extensions, else the
 * browser's own HLS (Safari on older iPhones). The native controls are
 * keyboard operable; the coding workspace brings its own (CodingPlayer).
 */
export function VideoPlayer({ src, poster, label }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const trouble = useHls(video, src);
  useFitToScreen(video); // a portrait recording on a phone keeps its controls on screen

  return (
    <div class="player">
      <video
        ref={video}
        controls
        playsInline
        preload="metadata"
        poster={poster ?? undefined}
        aria-label={label}
        controlsList="nodownload"
      />
      {trouble === "unsupported" && <p class="error">{t("clip.cannotPlay")}</p>}
      {trouble === "error" && (
        <p class="error" role="alert">
          {t("clip.playbackError")}
        </p>
      )}
    </div>
  );
}
