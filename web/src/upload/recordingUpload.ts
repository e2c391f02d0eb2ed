// One recording going up over tus (resumable): survives dropped connections
// (retries, and waiting for the network to come back) and a reload (the upload
// URL is remembered in localStorage by file fingerprint, so picking the same
// file again continues where it stopped).

import type { DetailedError, HttpRequest, HttpResponse, PreviousUpload, Upload } from "tus-js-client";
import { apiErrorFrom, getCsrfToken } from "../api/client";
import type { Activity } from "../api/types";
import { SpeedMeter } from "./speed";

export type UploadPhase =
  | "starting"
  | "uploading"
  | "paused"
  /** the connection dropped; tus-js-client tries again after a delay */
  | "retrying"
  /** the browser says it is offline; continues by itself once online */
  | "offline"
  | "failed"
  | "done";

export interface UploadProgress {
  phase: UploadPhase;
  sent: number;
  total: number;
  bytesPerSecond: number | null;
  secondsLeft: number | null;
  /** An earlier, unfinished upload of this file to this case is being continued. */
  resumed: boolean;
  /** Known once the server created the upload (header Attune-Clip-Id). */
  clipId: string | null;
  error: unknown;
}

const ENDPOINT = "/api/uploads/";
/** Matches the server's S3 part size: each request commits one whole part. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** Home-visit Wi-Fi and 4G drop out for minutes: keep trying for about eight
 * (the count starts again whenever bytes get through). */
const RETRY_DELAYS_MS = [
  0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000,
  60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000,
];

/** tus-js-client is only needed for uploading: fetched when the upload page opens,
 * so a connection that drops before "Upload" is pressed does not stop it. */
export function loadTus(): Promise<typeof import("tus-js-client")> {
  return import("tus-js-client");
}

export class RecordingUpload {
  private upload: Upload | null = null;
  private readonly meter = new SpeedMeter();
  private state: UploadProgress;
  private readonly whenOnline = () => {
    if (this.state.phase === "offline") this.continue();
  };

  constructor(
    private readonly file: File,
    private readonly caseId: string,
    private readonly activity: Activity | null,
    private readonly onChange: (progress: UploadProgress) => void,
    /** The home visit it was filmed at, if chosen. */
    private readonly visitId: string | null = null,
  ) {
    this.state = {
      phase: "starting", sent: 0, total: file.size, bytesPerSecond: null, secondsLeft: null,
      resumed: false, clipId: null, error: null,
    };
  }

  async start(): Promise<void> {
    this.update({});
    let tus: typeof import("tus-js-client");
    try {
      tus = await loadTus();
    } catch {
      this.update({ phase: "failed", error: new TypeError("network") });
      return;
    }
    const metadata: Record<string, string> = { case_id: this.caseId, filename: this.file.name };
    if (this.activity) metadata.activity = this.activity;
    if (this.visitId) metadata.visit_id = this.visitId;
    const upload = new tus.Upload(this.file, {
      endpoint: ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      metadata,
      // the session cookie goes along by itself (same origin); the CSRF token must be sent
      headers: { "X-CSRF-Token": getCsrfToken() ?? "" },
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => this.progress(sent, total),
      onAfterResponse: (_req: HttpRequest, res: HttpResponse) => {
        const clipId = res.getHeader("Attune-Clip-Id");
        if (clipId && clipId !== this.state.clipId) this.update({ clipId });
      },
      onShouldRetry: (error: DetailedError) => this.shouldRetry(error),
      onError: (error) => this.failed(error),
      onSuccess: () => this.update({ phase: "done", sent: this.file.size, secondsLeft: 0 }),
    });
    this.upload = upload;
    const previous = this.previousUpload(await upload.findPreviousUploads());
    if (previous) {
      upload.resumeFromPreviousUpload(previous);
      this.update({ resumed: true });
    }
    addEventListener("online", this.whenOnline);
    upload.start();
  }

  pause(): void {
    if (!this.upload || this.state.phase === "done" || this.state.phase === "paused") return;
    void this.upload.abort(); // keeps the upload on the server and in storage
    this.update({ phase: "paused", bytesPerSecond: null, secondsLeft: null });
  }

  /** Continue after a pause, a failure, or the network coming back. */
  continue(): void {
    if (!this.upload) {
      void this.start(); // it failed before it began: begin again
      return;
    }
    if (this.state.phase === "done") return;
    this.meter.reset();
    this.update({ phase: "uploading", error: null });
    this.upload.start();
  }

  /** Leaving the page: stop sending, keep what the server has for a later resume. */
  dispose(): void {
    removeEventListener("online", this.whenOnline);
    if (this.upload && this.state.phase !== "done") void this.upload.abort();
  }

  /** Only an upload of this file into this same case is continued. */
  private previousUpload(previous: PreviousUpload[]): PreviousUpload | null {
    const candidates = previous
      .filter((p) => p.metadata.case_id === this.caseId && p.uploadUrl)
      .sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime));
    return candidates[0] ?? null;
  }

  private progress(sent: number, total: number): void {
    this.meter.add(sent);
    const speed = this.meter.bytesPerSecond();
    this.update({
      phase: "uploading",
      sent,
      total,
      bytesPerSecond: speed,
      secondsLeft: speed ? (total - sent) / speed : null,
    });
  }

  /** tus-js-client's own rule (server errors and 409/423 are worth another try),
   * remembered so the page can say it is retrying. */
  private shouldRetry(error: DetailedError): boolean {
    const status = error.originalResponse?.getStatus() ?? 0;
    const transient = status < 400 || status >= 500 || status === 409 || status === 423;
    const retry = transient && navigator.onLine;
    if (retry) this.update({ phase: "retrying", bytesPerSecond: null, secondsLeft: null });
    return retry;
  }

  private failed(error: Error | DetailedError): void {
    const response = "originalResponse" in error ? error.originalResponse : null;
    if (!response && !navigator.onLine) {
      // no answer because there is no network: wait for it instead of giving up
      this.update({ phase: "offline", bytesPerSecond: null, secondsLeft: null });
      return;
    }
    const reason: unknown = response
      ? apiErrorFrom(response.getStatus(), response.getBody())
      : new TypeError("network"); // described as "no connection"
    this.update({ phase: "failed", error: reason, bytesPerSecond: null, secondsLeft: null });
  }

  private update(change: Partial<UploadProgress>): void {
    this.state = { ...this.state, ...change };
    this.onChange(this.state);
  }
}


