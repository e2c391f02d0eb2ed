// The shapes the Attune API answers with (see the API table in README.md), named from
// ./schema.d.ts, which scripts/api-types.sh generates from the API's description.
// Written out by hand are only what the client itself builds (requests, filters) and the
// answers whose model says just `str` for a value the app words as one of a few (a share's
// state, a coder's role, the states and reasons of supervision and agreement) or that a
// client also sends (scheme codes: their defaults are optional there).

import type { components } from "./schema";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];

/** The server's model says only `str` for the role; it is always one of Role. */
export type Me = Schemas["MeOut"] & { role: Role };

/** Who is logged in, if anyone (GET /api/session). */
export type SessionAnswer = Omit<Schemas["SessionOut"], "user"> & { user: Me | null };

export type CaseStatus = Schemas["CaseOut"]["status"];

export type Consent = Schemas["ConsentIn"];

export type ConsentRecord = Schemas["ConsentOut"];

export type Case = Schemas["CaseOut"];

export type ClipStatus = Schemas["ClipStatus"];

/** A clip is still changing on the server while it is in one of these states. */
export const ACTIVE_CLIP_STATUSES: readonly ClipStatus[] = ["uploading", "queued", "processing"];

export type Clip = Schemas["ClipOut"];

export type PlaylistStatus = Schemas["PlaylistStatus"];

export type Playlist = Schemas["PlaylistOut"];

/** What the uploader says the recording shows (tus Upload-Metadata `activity`). */
export const ACTIVITIES = ["bath", "feeding", "dressing", "play", "other"] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** Every error body: a readable reason, a stable key, and per-field reasons. */
export interface ErrorBody {
  detail: string;
  code: string;
  /** `code`: the rule the field breaks, for the app to word (not every error has one yet). */
  errors?: { field: string; message: string; code?: string }[];
}

// -- playlists --

/** One moment of a playlist as the API answers it (times in ms of its clip). */
export type PlaylistItem = Schemas["ItemOut"];

/** A playlist with its moments and, once rendered, its signed media URLs. */
export type PlaylistDetail = Schemas["PlaylistOut"];

/** The fields of a moment that the builder changes (PATCH …/items/{item}). */
export type ItemChanges = Partial<
  Pick<
    PlaylistItem,
    "caption" | "speed" | "freeze_at_ms" | "freeze_s" | "mute" | "pre_roll_ms" | "post_roll_ms"
    | "goal_ids"
  >
>;

/** A coded moment of one of the case's clips, to pick for a playlist. */
export type Moment = Schemas["MomentOut"];

export type ShareState = "active" | "expired" | "revoked" | "locked";

export interface Share {
  id: string;
  playlist_id: string;
  state: ShareState;
  has_access_code: boolean;
  expires_at: string;
  revoked_at: string | null;
  views: number;
  last_viewed_at: string | null;
  created_at: string;
}

/** A new link: the only time the link and its code are shown. */
export interface ShareCreated extends Share {
  url: string;
  access_code: string | null;
}

/** What the family's player gets for a link (GET /api/shared/{token}). */
export type SharedPlaylist = Schemas["SharedPlaylistOut"];

// -- coding workspace and supervision --

export type CodeCategory = Schemas["Category"];
export type CodeKind = Schemas["Kind"];
export type Subject = Schemas["Subject"];

export interface SchemeCode {
  key: string;
  label_en: string;
  label_nl: string;
  category: CodeCategory;
  kind: CodeKind;
  subject: Subject;
  description: string;
  /** One character; pressing it in the workspace codes the current time. */
  hotkey: string | null;
  colour: string;
  /** The code receives (answers) the baby's initiatives: its moments link one (`responds_to`). */
  receives?: boolean;
}

export interface SchemeScale {
  key: string;
  label_en: string;
  label_nl: string;
  minimum: number;
  maximum: number;
  description: string;
}

export interface Scheme {
  id: string;
  key: string;
  version: number;
  name: string;
  codes: SchemeCode[];
  scales: SchemeScale[];
}

export type ReviewState = Schemas["ReviewState"];

export type AnnotationSet = Schemas["SetOut"];

export type Annotation = Schemas["AnnotationOut"];

/** What a new annotation, or a change to one, sends. */
export interface AnnotationFields {
  code: string;
  start_ms: number;
  end_ms: number | null;
  subject?: Subject;
  note: string;
  /** Left out of a new repair: the server links the mismatch it follows or overlaps. */
  repairs?: string | null;
  /** Left out of a new receiving moment: the server links the nearest earlier initiative. */
  responds_to?: string | null;
  person_id?: string | null;
  goal_ids?: string[];
}

export type Rating = Schemas["RatingOut"];

export type SetDetail = Schemas["SetDetail"];

export type SetSummary = Schemas["Summary"];

/** What a step in a set's history was (the server's stable key). */
export type StepKind = Schemas["StepKind"];

export interface ReviewTransition {
  from_state: ReviewState;
  to_state: ReviewState;
  kind: StepKind;
  actor_id: string;
  actor: string;
  at: string;
  comment: string;
  /** The person's own words ("" for a step an edit made). */
  note: string;
}

export interface Review {
  set_id: string;
  state: ReviewState;
  state_at: string;
  transitions: ReviewTransition[];
}

export type ReviewAction = "submit" | "withdraw" | "approve" | "request_changes" | "reopen";

export type QueueItem = Schemas["QueueItem"];

export type CommentEntry = Schemas["CommentOut"];

export type Thread = Schemas["ThreadOut"];

export interface NewThread {
  body: string;
  start_ms: number;
  end_ms?: number;
  set_id?: string;
}

export type InboxKind = Schemas["InboxItem"]["kind"];

export type InboxItem = Schemas["InboxItem"];

/** A colleague a supervisor can ask to code a clip as second coder. */
export interface Coder {
  id: string;
  email: string;
  role: Role;
}

/** Cohen's kappa of one code (or all codes) over time units; null when undefined. */
export interface KappaReport {
  value: number | null;
  /** Landis & Koch's word for the value: "slight" … "almost perfect", "less than chance". */
  band: string | null;
  /** Share of the units both coders agree on (marked by both, or by neither). */
  p_o: number;
  undefined_reason: "not_used" | "never_in_units" | "everywhere" | null;
}

export type EventAgreementReport = Schemas["EventAgreement"];

export interface CodeAgreementReport {
  code: string;
  events_a: number;
  events_b: number;
  kappa: KappaReport;
  events: EventAgreementReport;
}

export interface AgreementReport {
  unit_ms: number;
  tolerance_ms: number;
  units: number;
  per_code: CodeAgreementReport[];
  overall: {
    pooled_kappa: number | null;
    band: string | null;
    p_o: number | null;
    events: EventAgreementReport;
  };
}

/** A second coding of a clip: where both sets stand, and the agreement once both are in. */
export interface SecondCoding {
  id: string;
  clip_id: string;
  coder_id: string;
  coder: string;
  reference_set_id: string;
  reference_coder: string;
  reference_state: ReviewState;
  scheme_id: string;
  set_id: string;
  set_state: ReviewState;
  note: string;
  created_at: string;
  /** Whose set is not handed in yet. */
  waiting_on: string[];
  agreement: AgreementReport | null;
}

/** A moment the analysis proposes; a person accepts it into their set or rejects it. */
export type Suggestion = Schemas["SuggestionOut"];

/** One time series the timeline draws, packed as 8-bit levels (base64). */
export interface PackedSeries {
  start_ms: number;
  step_ms: number;
  min: number;
  max: number;
  data: string;
}

/** `key` words it in the user's language (with `values`); `text` is the English. */
export interface AnalysisNote {
  key: string;
  text: string;
  values: Record<string, number | string>;
}

/** A box as fractions of the picture, from its top-left corner. */
export type RegionBox = Schemas["Box"];

export type Regions = Schemas["RegionsIn"];

export interface ClipAnalysis {
  clip_id: string;
  /** none: processed before suggestions existed; pending: the clip is not ready yet. */
  status: "none" | "pending" | "queued" | "running" | "ready" | "failed";
  error: string | null;
  /** Why there are few or no suggestions (no sound, too short, too dark, ...). */
  notes: AnalysisNote[];
  series: { version: number; series: Record<string, PackedSeries> } | null;
  /** Where parent and child are, when a person said so (else the picture's halves). */
  regions: Regions | null;
  suggestions: Suggestion[];
}

export type SuggestionDecision = Schemas["DecisionOut"];

// -- people and sign-in --

export type SetupState = Schemas["SetupState"];

export type OidcState = Schemas["OidcOut"];

export type PersonStatus = Schemas["UserOut"]["status"];

/** A person as an administrator sees them. */
export type Person = Schemas["UserOut"];

/** A one-time link to pass on: an invitation or a password reset. */
export type AccountLink = Schemas["LinkOut"];

export interface PersonFilter {
  q?: string;
  status?: PersonStatus | "";
  teamId?: string;
}

export interface PersonChanges {
  name?: string;
  role?: Role;
  team_id?: string | null;
  active?: boolean;
}

export interface NewPerson {
  email: string;
  name: string;
  role: Role;
  team_id: string | null;
}

export type AdminTeam = Schemas["TeamOut"];

export type Policy = Schemas["PolicyOut"];

/** A supervisor's own team. */
export type TeamView = Schemas["TeamViewOut"];

/** What an invitation or reset link is for (GET /api/account-links/{token}). */
export type LinkInfo = Schemas["LinkInfo"];

export type TotpEnrolment = Schemas["EnrolmentOut"];

export type RecoveryCodes = Schemas["RecoveryCodesOut"];

// -- the trajectory: goals, visits, the people in a case, reflections --

export type GoalStatus = Schemas["GoalStatus"];

export type Goal = Schemas["GoalOut"];

export type VisitPhase = Schemas["VisitPhase"];

export type Visit = Schemas["VisitOut"];

export type PersonRole = Schemas["PersonRole"];

/** Someone in the family's recordings (never a name is needed). */
export type CasePerson = Schemas["PersonOut"];

/** What the parents said about a moment (or the whole playlist) when shown it. */
export interface ReflectionFields {
  parents_saw: string;
  parents_said: string;
  next_steps: string;
}

export type Reflection = Schemas["ReflectionOut"];

// -- the trajectory page: progress over the visits --

/** One visit's numbers; null: nothing coded there to count it from. */
export type VisitProgress = Schemas["VisitProgress"];

export type GoalProgress = Schemas["GoalProgress"];

export type Progress = Schemas["Progress"];

// -- the access log (privacy officer, admin) --

/** One event of the access log (NEN 7513). */
export type AuditEvent = Schemas["AuditEventOut"];

/** A page of the log, newest first; `next_before` asks for the next (older) page. */
export type AuditPage = Schemas["AuditPage"];

/** Someone (or a family's link) who opened, or was refused, recordings of a case. */
export type CaseViewer = Schemas["CaseViewer"];

/** What the log is narrowed to; an empty value filters nothing. Times are ISO 8601. */
export interface AuditFilter {
  caseId?: string;
  userId?: string;
  userEmail?: string;
  action?: string;
  outcome?: string;
  since?: string;
  until?: string;
}
