import { ApiError } from "../api/client";
import { formatBytes, formatTimeLeft } from "../format";
import { t } from "../i18n";
import type { UploadProgress } from "../upload/recordingUpload";
import { ErrorMessage } from "./ErrorMessage";
import { ProgressBar } from "./ProgressBar";

interface Props {
  progress: UploadProgress;
  onPause: () => void;
  onContinue: () => void;
  onStartOver: () => void;
}

/** A refusal about the file or the case (not a photo, too large, case closed)
 * comes back the same however often it is tried. */
function worthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true; // no answer: the network
  return error.status >= 500 || [408, 409, 423, 429].includes(error.status);
}

/** Bytes, speed and time left of an upload, what it is waiting for, and pause/resume. */
export function UploadStatus({ progress, onPause, onContinue, onStartOver }: Props) {
  const { phase, sent, total, bytesPerSecond, secondsLeft } = progress;
  const fraction = total > 0 ? sent / total : 0;
  const running = phase === "starting" || phase === "uploading" || phase === "retrying";
  return (
    <div class="stack upload-status" data-phase={phase} data-resumed={String(progress.resumed)}>
      <ProgressBar value={fraction} label={t("upload.progressLabel")} />
      <p class="upload-numbers">
        <span>{t("upload.bytes", { sent: formatBytes(sent), total: formatBytes(total) })}</span>
        {running && bytesPerSecond !== null && (
          <span>{t("upload.speed", { speed: formatBytes(bytesPerSecond) })}</span>
        )}
        {running && secondsLeft !== null && (
          <span>{t("upload.timeLeft", { time: formatTimeLeft(secondsLeft) })}</span>
        )}
      </p>
      <div role="status" class="upload-message">
        {progress.resumed && phase !== "done" && <p>{t("upload.resuming")}</p>}
        {phase === "retrying" && <p class="warning">{t("upload.retrying")}</p>}
        {phase === "offline" && <p class="warning">{t("upload.offline")}</p>}
        {phase === "paused" && <p>{t("upload.paused")}</p>}
        {phase === "done" && <p class="ok">{t("upload.uploaded")}</p>}
      </div>
      {phase === "failed" && <ErrorMessage error={progress.error} />}
      {running && (
        <button type="button" onClick={onPause}>
          {t("upload.pause")}
        </button>
      )}
      {(phase === "paused" || phase === "offline") && (
        <button type="button" class="primary" onClick={onContinue}>
          {t("upload.resume")}
        </button>
      )}
      {phase === "failed" && worthRetrying(progress.error) && (
        <button type="button" class="primary" onClick={onContinue}>
          {t("app.retry")}
        </button>
      )}
      {phase === "failed" && (
        <button type="button" onClick={onStartOver}>
          {t("upload.chooseAnother")}
        </button>
      )}
    </div>
  );
}
