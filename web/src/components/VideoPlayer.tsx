import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";

interface Props {
  /** The signed master playlist (HLS). */
  src: string;
  poster: string | null;
  label: string;
}

type Trouble = "unsupported" | "error" | null;

/**
 * HLS through hls.js where the browser has Media Source Extensions, else the
 * browser's own HLS (Safari on older iPhones). The native controls are
 * keyboard operable; custom ones come with the coding workspace.
 */
export function VideoPlayer({ src, poster, label }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [trouble, setTrouble] = useState<Trouble>(null);

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    let destroyed = false;
    let destroy = () => {};
    setTrouble(null);
    void (async () => {
      // Only the player needs it, so it loads with the player. The light build: a
      // clip has one muxed audio track and no subtitles or DRM.
      const { default: Hls } = await import("hls.js/light");
      if (destroyed) return;
      if (Hls.isSupported()) {
        // No worker: it would be started from a blob: URL, which the CSP forbids.
        const hls = new Hls({ enableWorker: false });
        let recoveries = 0;
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (!data.fatal) return;
          if (recoveries++ < 2 && data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
          else if (recoveries <= 2 && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
          else {
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
