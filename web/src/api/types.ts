// The shapes the Attune API answers with (see the API table in README.md).
// Only the fields the web app reads are listed.

export type Role = "professional" | "supervisor" | "admin" | "privacy_officer";

export interface Me {
  id: string;
  email: string;
  role: Role;
  team: string | null;
  /** Echoed as X-CSRF-Token with every change made through the cookie session. */
  csrf_token: string | null;
  name: string;
  /** Two-factor sign-in (an authenticator app's codes) is on for this person. */
  totp: boolean;
  /** The organisation or the person's team asks for two-factor sign-in. */
  totp_required: boolean;
  /** Required but not set up yet: nothing but the account page works until it is. */
  must_enrol_totp: boolean;
}

/** Who is logged in, if anyone (GET /api/session). */
export interface SessionAnswer {
  user: Me | null;
  /** Why the session the request came with is over ("session_expired"), if it is. */
  ended?: string | null;
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
  /** Frames per second (constant after processing): one frame step in the coding workspace. */
  fps?: number | null;
  /** WebVTT index of thumbnail sprites (`#xywh=`), for scrubbing previews. */
  storyboard_url?: string | null;
  /** What the recording shows, when it was filmed, and the home visit it was filmed at. */
  activity?: Activity | null;
  recorded_at?: string | null;
  visit_id?: string | null;
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
  /** The home visit it is shown at. */
  visit_id?: string | null;
  /** The professional's own notes for the visit: never on the family's screen. */
  private_notes?: string;
}

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
export interface PlaylistItem {
  id: string;
  position: number;
  clip_id: string;
  annotation_id: string | null;
  code: string | null;
  start_ms: number;
  end_ms: number;
  pre_roll_ms: number;
  post_roll_ms: number;
  caption: string;
  speed: number;
  freeze_at_ms: number | null;
  freeze_s: number;
  mute: boolean;
  /** Where the moment starts in the rendered presentation; null until rendered as it is. */
  starts_at_s: number | null;
  duration_s: number | null;
  /** The goals of the case the moment is chosen to talk about. */
  goal_ids: string[];
}

/** A playlist with its moments and, once rendered, its signed media URLs. */
export interface PlaylistDetail extends Playlist {
  owner_id: string;
  revision: number;
  rendered_revision: number | null;
  hls_url: string | null;
  captions_url: string | null;
  chapters_url: string | null;
  items: PlaylistItem[];
}

/** The fields of a moment that the builder changes (PATCH …/items/{item}). */
export type ItemChanges = Partial<
  Pick<
    PlaylistItem,
    "caption" | "speed" | "freeze_at_ms" | "freeze_s" | "mute" | "pre_roll_ms" | "post_roll_ms"
    | "goal_ids"
  >
>;

/** A coded moment of one of the case's clips, to pick for a playlist. */
export interface Moment {
  annotation_id: string;
  clip_id: string;
  clip: string;
  code: string;
  label_en: string | null;
  label_nl: string | null;
  category: string | null;
  colour: string | null;
  start_ms: number;
  end_ms: number | null;
}

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
export interface SharedPlaylist {
  title: string;
  expires_at: string;
  duration_s: number | null;
  hls_url: string;
  captions_url: string;
  chapters_url: string;
}

// -- coding workspace and supervision --

export type CodeCategory = "initiative" | "positive" | "mismatch" | "repair" | "context" | "other";
export type CodeKind = "point" | "segment" | "either";
export type Subject = "parent" | "child" | "both";

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

export type ReviewState = "draft" | "submitted" | "approved" | "changes_requested";

export interface AnnotationSet {
  id: string;
  clip_id: string;
  scheme: { id: string; key: string; version: number; name: string };
  coder_id: string;
  coder: string;
  name: string;
  /** "suggestions": the analysis' proposals, nobody's coding. */
  purpose: "working" | "second_coder" | "imported" | "suggestions";
  review_state: ReviewState;
  annotation_count: number;
}

export interface Annotation {
  id: string;
  set_id: string;
  code: string;
  start_ms: number;
  /** null: a moment. */
  end_ms: number | null;
  subject: Subject;
  note: string;
  /** A repair: the id of the mismatch it repairs. */
  repairs: string | null;
  repair_latency_ms: number | null;
  /** A receiving code: the id of the baby's initiative it answers. */
  responds_to: string | null;
  response_latency_ms: number | null;
  /** Who in the family (a person of the case). */
  person_id: string | null;
  /** The goals of the case the moment shows work on. */
  goal_ids: string[];
  /** Behind the ETag `"{id}.{version}"` that every change sends as If-Match. */
  version: number;
}

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

export interface Rating {
  scale: string;
  value: number;
  note: string;
}

export interface SetDetail extends AnnotationSet {
  annotations: Annotation[];
  ratings: Rating[];
}

export interface SetSummary {
  duration_ms: number;
  events: number;
  positive_moments: number;
  mismatches: number;
  mismatch_total_ms: number;
  mismatch_share: number;
  repaired_mismatches: number;
  unrepaired_mismatches: number;
  mean_repair_latency_ms: number | null;
}

/** What a step in a set's history was (the server's stable key). */
export type StepKind = "submitted" | "withdrawn" | "approved" | "changes_requested" | "reopened";

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

export interface QueueItem {
  set_id: string;
  set_name: string;
  clip_id: string;
  clip: string;
  case_id: string;
  case_label: string;
  coder_id: string;
  coder: string;
  submitted_at: string;
  annotation_count: number;
  resubmitted: boolean;
  open_threads: number;
  /** What the professional wrote when submitting ("" when nothing). */
  note: string;
  /** The family consented to discussing the recordings in supervision. */
  consent_supervision: boolean;
}

export interface CommentEntry {
  id: string;
  author_id: string;
  author: string;
  body: string;
  created_at: string;
}

export interface Thread extends CommentEntry {
  clip_id: string;
  set_id: string | null;
  annotation_id: string | null;
  start_ms: number | null;
  end_ms: number | null;
  resolved: boolean;
  replies: CommentEntry[];
}

export interface NewThread {
  body: string;
  start_ms: number;
  end_ms?: number;
  set_id?: string;
}

export type InboxKind = "changes_requested" | "approved" | "second_coding" | "comment";

export interface InboxItem {
  kind: InboxKind;
  at: string;
  /** The same in the server's words (English): the app words it from the fields below. */
  message: string;
  clip_id: string;
  set_id: string | null;
  comment_id: string | null;
  case_id: string | null;
  case_label: string | null;
  /** The clip's file name. */
  clip: string | null;
  /** Whose set the item is about. */
  set_coder_id: string | null;
  /** Who decided, asked or wrote. */
  actor: string | null;
  /** Their own words: a decision's reason, an assignment's note, the last comment. */
  text: string;
  start_ms: number | null;
}

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

export interface EventAgreementReport {
  matched: number;
  only_a: number;
  only_b: number;
  /** matched / all distinct events; null when there are none. */
  agreement: number | null;
  total: number;
}

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
export interface Suggestion extends Annotation {
  /** 0..1: how clearly the signals showed it. */
  confidence: number;
  explanation: string;
  evidence: Record<string, number | string>;
  /** The caller's decision in their set, if any. */
  decision: "accepted" | "rejected" | null;
}

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
export interface RegionBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Regions {
  parent: RegionBox;
  child: RegionBox;
}

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

export interface SuggestionDecision {
  suggestion_id: string;
  set_id: string;
  decision: "accepted" | "rejected";
  annotation: Annotation | null;
}

// -- people and sign-in --

export interface SetupState {
  /** True only while the installation has no user at all. */
  needed: boolean;
}

export interface OidcState {
  enabled: boolean;
  /** The provider's name for the button ("Sign in with {name}"). */
  name: string;
}

export type PersonStatus = "active" | "invited" | "deactivated";

/** A person as an administrator sees them. */
export interface Person {
  id: string;
  email: string;
  name: string;
  role: Role;
  team_id: string | null;
  team: string | null;
  status: PersonStatus;
  totp: boolean;
  /** Signs in through the organisation's single sign-on. */
  sso: boolean;
  created_at: string;
  last_seen_at: string | null;
}

/** A one-time link to pass on: an invitation or a password reset. */
export interface AccountLink {
  url: string;
  expires_at: string;
  purpose?: "invite" | "reset";
}

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

export interface AdminTeam {
  id: string;
  name: string;
  require_totp: boolean;
  members: number;
}

export interface Policy {
  require_totp: boolean;
}

/** A supervisor's own team. */
export interface TeamView {
  team: { id: string; name: string };
  members: { id: string; name: string; email: string; role: Role; status: PersonStatus }[];
}

/** What an invitation or reset link is for (GET /api/account-links/{token}). */
export interface LinkInfo {
  purpose: "invite" | "reset";
  email: string;
  name: string;
  expires_at: string;
}

export interface TotpEnrolment {
  /** Base32, for typing into an authenticator app that cannot scan. */
  secret: string;
  uri: string;
  qr_svg: string;
  /** Signed; sent back with the first code. Nothing is stored until then. */
  enrolment: string;
}

export interface RecoveryCodes {
  recovery_codes: string[];
}

// -- the trajectory: goals, visits, the people in a case, reflections --

export type GoalStatus = "open" | "working" | "reached";

export interface Goal {
  id: string;
  case_id: string;
  title: string;
  description: string;
  status: GoalStatus;
  position: number;
  started_at: string | null;
  reached_at: string | null;
  created_at: string;
  updated_at: string;
  /** Coded moments linked to the goal. */
  moments: number;
  /** Playlist moments chosen to talk about it. */
  items: number;
}

export type VisitPhase = "intake" | "observation" | "feedback" | "evaluation";

export interface Visit {
  id: string;
  case_id: string;
  number: number;
  /** YYYY-MM-DD; null: not known. */
  visited_on: string | null;
  phase: VisitPhase;
  clip_ids: string[];
  playlist_ids: string[];
}

export type PersonRole = "mother" | "father" | "partner" | "caregiver" | "baby" | "sibling";

/** Someone in the family's recordings (never a name is needed). */
export interface CasePerson {
  id: string;
  role: PersonRole;
  label: string;
  position: number;
}

/** What the parents said about a moment (or the whole playlist) when shown it. */
export interface ReflectionFields {
  parents_saw: string;
  parents_said: string;
  next_steps: string;
}

export interface Reflection extends ReflectionFields {
  id: string;
  playlist_id: string;
  /** null: about the playlist as a whole. */
  item_id: string | null;
  visit_id: string | null;
  author_id: string;
  /** Sent back as If-Match with the next change. */
  version: number;
  updated_at: string;
}

// -- the trajectory page: progress over the visits --

/** One visit's numbers; null: nothing coded there to count it from. */
export interface VisitProgress {
  visit_id: string;
  number: number;
  visited_on: string | null;
  phase: VisitPhase;
  minutes_coded: number;
  positive_per_min: number | null;
  initiatives: number;
  initiatives_received_share: number | null;
  median_response_ms: number | null;
  mismatch_time_share: number | null;
  repaired_share: number | null;
  median_repair_ms: number | null;
  /** Mean rating per scale key. */
  ratings: Record<string, number>;
}

export interface GoalProgress {
  goal_id: string;
  title: string;
  status: GoalStatus;
  per_visit: { visit_id: string; moments: number; positive_per_min: number | null }[];
}

export interface Progress {
  visits: VisitProgress[];
  goals: GoalProgress[];
  clips_without_visit: number;
}
