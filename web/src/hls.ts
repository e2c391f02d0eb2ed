// Attaching an HLS source to a <video>: one place for the choice between
// hls.js (Media Source Extensions) and the browser's own HLS (iPhones), for
// the recovery from network and media errors, and for the CSP's limits.

import type Hls from "hls.js";
import type { HlsConfig } from "hls.js";
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";

export type Trouble = "unsupported" | "error" | null;

export interface HlsSetup {
  /** Loads the hls.js build this player needs (imported on demand: only players pay for it). */
  load: () => Promise<typeof Hls>;
  config?: Partial<HlsConfig>;
  /** Wires extra handlers on a new instance before it loads (captions, quality caps). */
  configure?: (hls: Hls, HlsClass: typeof Hls) => void;
}

/** How often a fatal network or media error is recovered from before giving up. */
const RECOVERIES = 2;

/**
 * Plays `src` (a signed master playlist) in the video element. `setup` is read
 * when a source is attached; a new `src` starts over.
 */
export function useHlsSource(
  video: RefObject<HTMLVideoElement>,
  src: string | null,
  setup: HlsSetup,
): Trouble {
  const [trouble, setTrouble] = useState<Trouble>(null);
  useEffect(() => {
    const element = video.current;
    if (!element || !src) return;
    let destroyed = false;
    let destroy = () => {};
    setTrouble(null);
    void (async () => {
      const HlsClass = await setup.load();
      if (destroyed) return;
      if (HlsClass.isSupported()) {
        // No worker: it would start from a blob: URL, which the CSP forbids.
        const hls = new HlsClass({ enableWorker: false, ...setup.config });
        setup.configure?.(hls, HlsClass);
        let recoveries = 0;
        hls.on(HlsClass.Events.ERROR, (_event, data) => {
          if (!data.fatal) return;
          recoveries += 1;
          if (recoveries <= RECOVERIES && data.type === HlsClass.ErrorTypes.NETWORK_ERROR) {
            hls.startLoad();
          } else if (recoveries <= RECOVERIES && data.type === HlsClass.ErrorTypes.MEDIA_ERROR) {
            hls.recoverMediaError();
          } else {
            hls.destroy();
            setTrouble("error");
          }
        });
        hls.loadSource(src);
        hls.attachMedia(element);
        destroy = () => hls.destroy();
      } else if (element.canPlayType("application/vnd.apple.mpegurl")) {
        element.src = src;
        destroy = () => {
          element.removeAttribute("src");
          element.load();
        };
      } else {
        setTrouble("unsupported");
      }
    })();
    return () => {
      destroyed = true;
      destroy();
    };
  }, [src]);
  return trouble;
}

/**
 * The API answers absolute media URLs built from the address it was asked on;
 * behind a proxy that may differ in scheme or host from the page. The path is
 * what matters, and the CSP allows only this origin anyway.
 */
export function onThisOrigin(url: string): string {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;
}
