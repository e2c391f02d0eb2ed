import type { ComponentChildren } from "preact";
import { t } from "../../i18n";
import { useHls } from "../VideoPlayer";
import { formatClock } from "./clock";
import { SPEEDS, type Playback } from "./usePlayback";

interface Props {
  playback: Playback;
  src: string;
  poster: string | null;
  label: string;
  /** Drawn over the video's picture (the parent's and child's boxes). */
  children?: ComponentChildren;
}

/**
 * The video with the controls coding needs: frame steps, second steps,
 * speed, and the time to the millisecond. The same moves have keys
 * (see HelpPanel); the buttons are for the mouse and for discovering them.
 */
export function CodingPlayer({ playback, src, poster, label, children }: Props) {
  const trouble = useHls(playback.video, src);
  const p = playback;
  return (
    <div class="player coding-player">
      <video
        ref={p.video}
        playsInline
        preload="auto"
        poster={poster ?? undefined}
        aria-label={label}
        onClick={p.toggle}
      />
      {children}
      {trouble === "unsupported" && <p class="error">{t("clip.cannotPlay")}</p>}
      {trouble === "error" && (
        <p class="error" role="alert">
          {t("clip.playbackError")}
        </p>
      )}
      <div class="player-controls" role="group" aria-label={t("coding.controls")}>
        <button type="button" onClick={() => p.stepSeconds(-1)} aria-label={t("coding.backSecond")}>
          −1 s
        </button>
        <button type="button" onClick={() => p.stepFrames(-1)} aria-label={t("coding.backFrame")}>
          ◂|
        </button>
        <button type="button" class="primary play-button" onClick={p.toggle}>
          {p.playing ? t("coding.pause") : t("coding.play")}
        </button>
        <button type="button" onClick={() => p.stepFrames(1)} aria-label={t("coding.forwardFrame")}>
          |▸
        </button>
        <button type="button" onClick={() => p.stepSeconds(1)} aria-label={t("coding.forwardSecond")}>
          +1 s
        </button>
        <label class="speed">
          <span>{t("coding.speed")}</span>
          <select value={String(p.rate)} onChange={(e) => p.setRate(Number(e.currentTarget.value))}>
            {SPEEDS.map((speed) => (
              <option key={speed} value={String(speed)}>
                {`${speed}×`}
              </option>
            ))}
          </select>
        </label>
        <span class="clock" data-ms={p.timeMs}>
          <span class="visually-hidden">{t("coding.currentTime")} </span>
          {formatClock(p.timeMs)}
          <span class="muted"> / {formatClock(p.durationMs)}</span>
        </span>
      </div>
    </div>
  );
}
