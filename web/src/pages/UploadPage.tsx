import { useEffect, useRef, useState } from "preact/hooks";
import { cases, trajectory } from "../api/endpoints";
import { ACTIVITIES, type Activity } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { ProcessingStatus } from "../components/ProcessingStatus";
import { UploadStatus } from "../components/UploadStatus";
import { useLoad } from "../hooks";
import { type MessageKey, t } from "../i18n";
import { Link, paths } from "../router";
import { loadTus, RecordingUpload, type UploadProgress } from "../upload/recordingUpload";
import { visitName } from "../components/trajectory/words";

/**
 * Phone first: pick a video (a phone offers its camera here), say what it
 * shows, upload it resumably, then follow its processing until it plays.
 */
export function UploadPage({ caseId }: { caseId: string }) {
  const theCase = useLoad(() => cases.get(caseId), caseId);
  const [file, setFile] = useState<File | null>(null);
  const [activity, setActivity] = useState<Activity | "">("");
  const visits = useLoad(() => trajectory.visits(caseId), caseId);
  const [visitId, setVisitId] = useState("");
  const [formError, setFormError] = useState<MessageKey | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const upload = useRef<RecordingUpload | null>(null);

  useEffect(() => {
    loadTus().catch(() => {}); // ahead of time; start() reports it if it cannot be had
    return () => upload.current?.dispose();
  }, []);

  // Leaving mid-upload loses nothing (it resumes), but the person should know it stops.
  const sending =
    progress !== null && !["done", "failed", "paused"].includes(progress.phase);
  useEffect(() => {
    if (!sending) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, [sending]);

  const start = async (event: Event) => {
    event.preventDefault();
    if (!file) {
      setFormError("upload.chooseFirst");
      return;
    }
    setFormError(null);
    const recording = new RecordingUpload(file, caseId, activity || null, setProgress, visitId || null);
    upload.current = recording;
    await recording.start();
  };

  const another = () => {
    upload.current?.dispose();
    upload.current = null;
    setProgress(null);
    setFile(null);
  };

  return (
    <section class="stack-lg narrow">
      <p class="breadcrumb">
        <Link href={paths.case(caseId)}>{t("upload.backToCase")}</Link>
      </p>
      <div>
        <PageTitle>{t("upload.title")}</PageTitle>
        {theCase.data && <p class="muted">{t("upload.forCase", { label: theCase.data.label })}</p>}
      </div>
      <ErrorMessage error={theCase.error} />

      {progress === null && theCase.data && theCase.data.status !== "open" ? (
        <p class="error">{t("upload.caseNotOpen")}</p>
      ) : progress === null ? (
        <form class="stack" onSubmit={start} noValidate>
          <div class="field">
            <label for="upload-file">{t("upload.file")}</label>
            <input
              id="upload-file"
              type="file"
              accept="video/*"
              aria-describedby="upload-file-hint"
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
            <p class="hint" id="upload-file-hint">
              {t("upload.fileHint")}
            </p>
          </div>
          <div class="field">
            <label for="upload-activity">{t("upload.activity")}</label>
            <select
              id="upload-activity"
              value={activity}
              onChange={(e) => setActivity(e.currentTarget.value as Activity | "")}
            >
              <option value="">{t("upload.activityNone")}</option>
              {ACTIVITIES.map((a) => (
                <option key={a} value={a}>
                  {t(`activity.${a}`)}
                </option>
              ))}
            </select>
          </div>
          {visits.data && visits.data.visits.length > 0 && (
            <div class="field">
              <label for="upload-visit">{t("trajectory.uploadVisit")}</label>
              <select id="upload-visit" value={visitId} onChange={(e) => setVisitId(e.currentTarget.value)}>
                <option value="">{t("trajectory.clipNoVisit")}</option>
                {visits.data.visits.map((v) => (
                  <option key={v.id} value={v.id}>
                    {visitName(v)}
                  </option>
                ))}
              </select>
            </div>
          )}
          {formError && (
            <p class="error" role="alert">
              {t(formError)}
            </p>
          )}
          <button type="submit" class="primary">
            {t("upload.start")}
          </button>
        </form>
      ) : (
        <div class="stack">
          <p class="filename">{file?.name}</p>
          <UploadStatus
            progress={progress}
            onPause={() => upload.current?.pause()}
            onContinue={() => upload.current?.continue()}
            onStartOver={another}
          />
          {progress.phase === "done" && progress.clipId && (
            <ProcessingStatus clipId={progress.clipId} />
          )}
          {progress.phase === "done" && (
            <p class="row">
              <button type="button" onClick={another}>
                {t("upload.another")}
              </button>
              <Link href={paths.case(caseId)} class="button">
                {t("upload.backToCase")}
              </Link>
            </p>
          )}
        </div>
      )}
    </section>
  );
}
