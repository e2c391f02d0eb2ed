import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import { ProgressBar } from "../ProgressBar";
import { capAtLowest, prebufferConfig, useBuffered } from "./buffering";
import { onThisOrigin, usePlaylistHls } from "./hls";
import { chapterAt } from "./moments";
import { Icon } from "./icons";
import { PlayerTrouble } from "./PlaylistPlayer";

interface Props {
  src: string;
  title: string;
  durationS: number;
  /** Where each moment starts (s), in order. */
  starts: number[];
}

/** Keys handled by the page itself, unless a form control has the focus. */
const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA", "BUTTON"]);

/**
 * The player for the home visit, on a tablet: big buttons, the question as a
 * large caption, the moment number, moment-to-moment jumps, full screen, and
 * the keyboard (Space plays and pauses, ←/→ go to the previous/next moment,
 * F is full screen). It buffers the whole presentation first.
 */
export function VisitPlayer({ src, title, durationS, starts }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const options = useMemo(
    () => ({ config: prebufferConfig(durationS), onManifest: capAtLowest }),
    [durationS],
  );
  const trouble = usePlaylistHls(video, onThisOrigin(src), options);
  const buffered = useBuffered(video, durationS);
  const [playing, setPlaying] = useState(false);
  const [moment, setMoment] = useState(0);

  const toggle = () => {
    const v = video.current;
    if (!v) return;
    if (v.paused) void v.play().catch(() => setPlaying(false));
    else v.pause();
  };
  const go = (index: number) => {
    const v = video.current;
    if (!v || starts.length === 0) return;
    const target = Math.max(0, Math.min(starts.length - 1, index));
    v.currentTime = starts[target] ?? 0;
    setMoment(target);
  };
  const fullScreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void box.current?.requestFullscreen?.().catch(() => {});
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (target && TYPING.has(target.tagName) && event.key !== "ArrowLeft" && event.key !== "ArrowRight") {
        return; // a focused button does its own Space and Enter
      }
      if (event.key === " " || event.key === "k") toggle();
      else if (event.key === "ArrowRight" || event.key === "PageDown") go(moment + 1);
      else if (event.key === "ArrowLeft" || event.key === "PageUp") go(moment - 1);
      else if (event.key === "f") fullScreen();
      else return;
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [moment, starts]);

  return (
    <div
      ref={box}
      class="visit-player"
      data-ready={String(buffered.ready)}
      data-moment={moment}
      data-playing={String(playing)}
    >
      {/* first: what the professional checks before leaving for the visit */}
      <div class="visit-readiness" aria-live="polite">
        {buffered.ready ? (
          <p class="ok visit-ready">✓ {t("visit.ready")}</p>
        ) : (
          <ProgressBar value={buffered.fraction} label={t("visit.preparing")} />
        )}
        {!buffered.ready && <p class="hint">{t("visit.preparingHint")}</p>}
      </div>
      <p class="visit-moment" aria-live="polite">
        {t("visit.moment", { number: moment + 1, count: starts.length })}
      </p>
      <video
        ref={video}
        playsInline
        preload="auto"
        aria-label={t("visit.player", { title })}
        disablePictureInPicture
        onClick={toggle}
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onTimeUpdate={(e) => setMoment(chapterAt(starts, e.currentTarget.currentTime))}
        onContextMenu={(event) => event.preventDefault()}
      />
      <PlayerTrouble trouble={trouble} />
      <div class="visit-controls">
        <button type="button" class="visit-button" onClick={() => go(moment - 1)} disabled={moment === 0}>
          <Icon name="previous" /> <span>{t("visit.previous")}</span>
        </button>
        <button type="button" class="visit-button primary" onClick={toggle}>
          <Icon name={playing ? "pause" : "play"} /> <span>{playing ? t("visit.pause") : t("visit.play")}</span>
        </button>
        <button
          type="button"
          class="visit-button"
          onClick={() => go(moment + 1)}
          disabled={moment >= starts.length - 1}
        >
          <Icon name="next" /> <span>{t("visit.next")}</span>
        </button>
        <button type="button" class="visit-button" onClick={fullScreen}>
          <Icon name="fullScreen" /> <span>{t("visit.fullScreen")}</span>
        </button>
      </div>
      <p class="hint visit-keys">{t("visit.keys")}</p>
    </div>
  );
}
