import { useRef } from "preact/hooks";
import { t } from "../../i18n";
import { useFitToScreen } from "../useFitToScreen";
import { Caption, useCaption } from "./Caption";
import { onThisOrigin, usePlaylistHls } from "./hls";

interface Props {
  /** The signed master playlist of the rendered presentation. */
  src: string;
  label: string;
  /**
   * Fetch at most this many seconds ahead (and keep as many behind): a family's
   * player keeps asking the server as it plays, so a revoked link stops it.
   */
  bufferS?: number;
  /** The server refused a file of the presentation (or the browser's own player failed). */
  onRefused?: () => void;
}

/**
 * The rendered presentation with the browser's controls and its questions under it:
 * the builder's preview and the family's page. View only: no download, no
 * picture-in-picture (a family's video stays in this page).
 */
export function PlaylistPlayer({ src, label, bufferS, onRefused }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const config = bufferS ? { maxBufferLength: bufferS, maxMaxBufferLength: bufferS, backBufferLength: bufferS } : {};
  const trouble = usePlaylistHls(video, onThisOrigin(src), { config, onRefused });
  const caption = useCaption(video);
  const line = useRef<HTMLParagraphElement>(null);
  useFitToScreen(video, line);
  return (
    <div class="player playlist-player">
      <video
        ref={video}
        controls
        playsInline
        preload="metadata"
        aria-label={label}
        controlsList="nodownload noremoteplayback"
        disablePictureInPicture
        onContextMenu={(event) => event.preventDefault()}
        onError={onRefused}
      />
      <Caption text={caption} lineRef={line} />
      <PlayerTrouble trouble={trouble} />
    </div>
  );
}

export function PlayerTrouble({ trouble }: { trouble: "unsupported" | "error" | null }) {
  if (trouble === "unsupported") return <p class="error">{t("clip.cannotPlay")}</p>;
  if (trouble === "error") {
    return (
      <p class="error" role="alert">
        {t("clip.playbackError")}
      </p>
    );
  }
  return null;
}
