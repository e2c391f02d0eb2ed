// The shapes the Attune API answers with (see the API table in README.md).
// Only the fields the web app reads are listed.

export type Role = "professional" | "supervisor" | "admin";

export interface Me {
  id: string;
  email: string;
  role: Role;
  team: string | null;
  /** Echoed as X-CSRF-Token with every change made through the cookie session. */
  csrf_token: string | null;
}

export type CaseStatus = "open" | "closed" | "purged";

export interface Consent {
  feedback: boolean;
  supervision: boolean;
  training: boolean;
}

export interface ConsentRecord extends Consent {
  /** null: consent was never recorded, so every purpose is refused. */
  updated_at: string | null;
}

export interface Case {
  id: string;
  label: string;
  team: string | null;
  created_at: string;
  clip_count: number;
  status: CaseStatus;
  consent: ConsentRecord;
  closed_at: string | null;
  purge_after: string | null;
  purged_at: string | null;
}

export type ClipStatus = "uploading" | "queued" | "processing" | "ready" | "failed" | "purged";

/** A clip is still changing on the server while it is in one of these states. */
export const ACTIVE_CLIP_STATUSES: readonly ClipStatus[] = ["uploading", "queued", "processing"];

export interface Clip {
  id: string;
  case_id: string;
  filename: string;
  status: ClipStatus;
  /** 0..1 of the current stage (transcoding while processing). */
  progress: number;
  error: string | null;
  error_code: string | null;
  size_bytes: number | null;
  duration_s: number | null;
  width: number | null;
  height: number | null;
  hls_url: string | null;
  poster_url: string | null;
  created_at: string;
}

export type PlaylistStatus = "draft" | "rendering" | "ready" | "failed" | "purged";

export interface Playlist {
  id: string;
  case_id: string;
  title: string;
  status: PlaylistStatus;
  progress: number;
  error: string | null;
  error_code: string | null;
  up_to_date: boolean;
  duration_s: number | null;
}

/** What the uploader says the recording shows (tus Upload-Metadata `activity`). */
export const ACTIVITIES = ["bath", "feeding", "dressing", "play", "other"] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** Every error body: a readable reason, a stable key, and per-field reasons. */
export interface ErrorBody {
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}
