import { useEffect, useMemo, useRef } from "preact/hooks";
import { t } from "../../i18n";
import { ProgressBar } from "../ProgressBar";
import { useFitToScreen } from "../useFitToScreen";
import { capAtLowest, prebufferConfig, useBuffered } from "./buffering";
import { Caption, useCaption } from "./Caption";
import { onThisOrigin, usePlaylistHls } from "./hls";
import { Icon } from "./icons";
import { PlayerTrouble } from "./PlaylistPlayer";
import { useVisitPlayback } from "./useVisitPlayback";
import { useFullScreen, useVisitKeys } from "./visitControls";

interface Props {
  src: string;
  title: string;
  durationS: number;
  /** Where each moment starts (s), in order. */
  starts: number[];
  /** Told the moment the player comes to (its index), for the panels around it. */
  onMoment?: (moment: number) => void;
}

/**
 * The player for the home visit, on a tablet: big buttons, the question as a
 * large caption, the moment number, moment-to-moment jumps, a pause after each
 * moment for the conversation, full screen, and the keyboard (see
 * useVisitKeys). It buffers the whole presentation first.
 */
export function VisitPlayer({ src, title, durationS, starts, onMoment }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const controls = useRef<HTMLDivElement>(null);
  const options = useMemo(
    () => ({ config: prebufferConfig(durationS), onManifest: capAtLowest }),
    [durationS],
  );
  const trouble = usePlaylistHls(video, onThisOrigin(src), options);
  const buffered = useBuffered(video, durationS);
  const playback = useVisitPlayback(video, starts);
  const { moment, playing, held } = playback;
  useEffect(() => onMoment?.(moment), [moment]);
  const caption = useCaption(video);
  const screen = useFullScreen(box);
  useVisitKeys({ ...playback, fullScreen: screen.toggle });
  useFitToScreen(video, controls); // the video, its question and the buttons on one screen

  return (
    <div
      ref={box}
      class="visit-player"
      data-ready={String(buffered.ready)}
      data-moment={moment}
      data-playing={String(playing)}
      data-held={held ?? ""}
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
      <div class="visit-status">
        <p class="visit-moment" aria-live="polite">
          {t("visit.moment", { number: moment + 1, count: starts.length })}
        </p>
        <button
          type="button"
          class="visit-option"
          aria-pressed={playback.pauseAfter}
          onClick={() => playback.setPauseAfter(!playback.pauseAfter)}
        >
          <span class="switch" aria-hidden="true" /> {t("visit.pauseAfter")}
        </button>
      </div>
      <video
        ref={video}
        playsInline
        preload="auto"
        aria-label={t("visit.player", { title })}
        disablePictureInPicture
        onClick={playback.toggle}
        {...playback.events}
        onContextMenu={(event) => event.preventDefault()}
      />
      <Caption text={caption} />
      <p class="visit-held" role="status">
        {held !== null ? t("visit.held", { number: held + 1 }) : ""}
      </p>
      <PlayerTrouble trouble={trouble} />
      <div class="visit-controls" ref={controls}>
        <button type="button" class="visit-button" onClick={playback.previous} disabled={moment === 0}>
          <Icon name="previous" /> <span>{t("visit.previous")}</span>
        </button>
        <button type="button" class="visit-button primary" onClick={playback.toggle}>
          <Icon name={playing ? "pause" : "play"} />{" "}
          <span>{playing ? t("visit.pause") : held !== null ? t("visit.continue") : t("visit.play")}</span>
        </button>
        <button
          type="button"
          class="visit-button"
          onClick={playback.next}
          disabled={moment >= starts.length - 1}
        >
          <Icon name="next" /> <span>{t("visit.next")}</span>
        </button>
        <button type="button" class="visit-button" onClick={screen.toggle}>
          <Icon name={screen.full ? "exitFullScreen" : "fullScreen"} />{" "}
          <span>{screen.full ? t("visit.exitFullScreen") : t("visit.fullScreen")}</span>
        </button>
      </div>
      <p class="hint visit-keys">{t("visit.keys")}</p>
    </div>
  );
}
