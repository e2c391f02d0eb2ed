// The API calls the web app makes, one function each.

import { request } from "./client";
// the trajectory page: changes, progress, report (own import, so the blocks can grow apart)
import type { GoalStatus, PersonRole, Progress, VisitPhase } from "./types";
// the trajectory: goals, visits, people, reflections (own import, so the blocks can grow apart)
import type { CasePerson, Goal, Reflection, ReflectionFields, Visit } from "./types";
// the review loop: second coders (own import, so the blocks below can grow apart)
import type { Coder, SecondCoding } from "./types";
// people and sign-in (own import, so the blocks can grow apart)
import type {
  AccountLink,
  AdminTeam,
  LinkInfo,
  NewPerson,
  OidcState,
  Person,
  PersonChanges,
  PersonFilter,
  Policy,
  RecoveryCodes,
  SetupState,
  TeamView,
  TotpEnrolment,
} from "./types";
import type {
  Case,
  Clip,
  Consent,
  ItemChanges,
  Me,
  Moment,
  Playlist,
  PlaylistDetail,
  SessionAnswer,
  Share,
  ShareCreated,
} from "./types";
// the access log (own import, so the blocks can grow apart)
import type { AuditFilter, AuditPage, CaseViewer } from "./types";
// coding workspace and supervision (own import, so both blocks can grow apart)
import type {
  Annotation,
  AnnotationFields,
  AnnotationSet,
  ClipAnalysis,
  InboxItem,
  NewThread,
  QueueItem,
  Rating,
  Regions,
  Review,
  ReviewAction,
  Scheme,
  SetDetail,
  SetSummary,
  SuggestionDecision,
  Thread,
} from "./types";

export const auth = {
  me: () => request<Me>("GET", "/api/me"),
  /** Who is logged in, if anyone: nobody is an answer, not an error. */
  session: () => request<SessionAnswer>("GET", "/api/session"),
  /** `code`: the second factor (an app's 6 digits or a recovery code), once asked for. */
  logIn: (email: string, password: string, code?: string) =>
    request<Me>("POST", "/api/auth/session", code ? { email, password, code } : { email, password }),
  logOut: () => request<void>("DELETE", "/api/auth/session"),
  oidc: () => request<OidcState>("GET", "/api/auth/oidc"),
};

/** Where single sign-on starts; it comes back to `next` (a path of this app). */
export const oidcStartUrl = (next: string) => `/api/auth/oidc/start?next=${encodeURIComponent(next)}`;

export const cases = {
  list: () => request<Case[]>("GET", "/api/cases"),
  open: (label: string) => request<Case>("POST", "/api/cases", { label }),
  get: (id: string) => request<Case>("GET", `/api/cases/${encodeURIComponent(id)}`),
  clips: (id: string) => request<Clip[]>("GET", `/api/cases/${encodeURIComponent(id)}/clips`),
  playlists: (id: string) =>
    request<Playlist[]>("GET", `/api/cases/${encodeURIComponent(id)}/playlists`),
  saveConsent: (id: string, consent: Consent) =>
    request<Case>("PUT", `/api/cases/${encodeURIComponent(id)}/consent`, consent),
  close: (id: string) => request<Case>("POST", `/api/cases/${encodeURIComponent(id)}/close`),
  reopen: (id: string) => request<Case>("POST", `/api/cases/${encodeURIComponent(id)}/reopen`),
};

export const clips = {
  get: (id: string) => request<Clip>("GET", `/api/clips/${encodeURIComponent(id)}`),
};

// -- playlists --

const playlistPath = (id: string) => `/api/playlists/${encodeURIComponent(id)}`;

export const playlists = {
  create: (caseId: string, title: string) =>
    request<PlaylistDetail>("POST", `/api/cases/${encodeURIComponent(caseId)}/playlists`, {
      title,
    }),
  get: (id: string) => request<PlaylistDetail>("GET", playlistPath(id)),
  /** Every coded moment of the case (the builder filters by category itself). */
  moments: (caseId: string) =>
    request<Moment[]>("GET", `/api/cases/${encodeURIComponent(caseId)}/moments`),
  addMoment: (id: string, annotationId: string) =>
    request<PlaylistDetail>("POST", `${playlistPath(id)}/items`, { annotation_id: annotationId }),
  changeItem: (id: string, itemId: string, changes: ItemChanges) =>
    request<PlaylistDetail>(
      "PATCH",
      `${playlistPath(id)}/items/${encodeURIComponent(itemId)}`,
      changes,
    ),
  removeItem: (id: string, itemId: string) =>
    request<PlaylistDetail>("DELETE", `${playlistPath(id)}/items/${encodeURIComponent(itemId)}`),
  order: (id: string, itemIds: string[]) =>
    request<PlaylistDetail>("PUT", `${playlistPath(id)}/order`, { item_ids: itemIds }),
  render: (id: string) => request<PlaylistDetail>("POST", `${playlistPath(id)}/render`),
  shares: (id: string) => request<Share[]>("GET", `${playlistPath(id)}/shares`),
  share: (id: string, days: number, accessCode: boolean) =>
    request<ShareCreated>("POST", `${playlistPath(id)}/shares`, {
      days,
      access_code: accessCode,
    }),
  revokeShare: (shareId: string) =>
    request<void>("DELETE", `/api/shares/${encodeURIComponent(shareId)}`),
  /** `visit_id`: the visit it is shown at; `private_notes`: never on the family's screen. */
  change: (
    id: string,
    changes: { title?: string; visit_id?: string | null; private_notes?: string },
    leaving = false,
  ) => request<PlaylistDetail>("PATCH", playlistPath(id), changes, {}, leaving),
};

// -- coding workspace and supervision --

const enc = encodeURIComponent;

/** The ETag of an annotation as the API makes it: every change is based on one version. */
export const etagOf = (a: Pick<Annotation, "id" | "version">) => `"${a.id}.${a.version}"`;

export const coding = {
  scheme: (id: string) => request<Scheme>("GET", `/api/schemes/${enc(id)}`),
  setsOf: (clipId: string) => request<AnnotationSet[]>("GET", `/api/clips/${enc(clipId)}/sets`),
  startSet: (clipId: string) => request<SetDetail>("POST", `/api/clips/${enc(clipId)}/sets`, {}),
  set: (id: string) => request<SetDetail>("GET", `/api/sets/${enc(id)}`),
  summary: (id: string) => request<SetSummary>("GET", `/api/sets/${enc(id)}/summary`),
  add: (setId: string, fields: AnnotationFields) =>
    request<Annotation>("POST", `/api/sets/${enc(setId)}/annotations`, fields),
  change: (a: Annotation, changes: Partial<AnnotationFields>) =>
    request<Annotation>("PATCH", `/api/annotations/${enc(a.id)}`, changes, {
      "If-Match": etagOf(a),
    }),
  remove: (a: Annotation) =>
    request<void>("DELETE", `/api/annotations/${enc(a.id)}`, undefined, {
      "If-Match": etagOf(a),
    }),
  /** `leaving`: sent while the page is being left (a choice not saved yet). */
  rate: (setId: string, scale: string, value: number, leaving = false) =>
    request<Rating>("PUT", `/api/sets/${enc(setId)}/ratings/${enc(scale)}`, { value, note: "" }, {}, leaving),
  analysis: (clipId: string, setId: string) =>
    request<ClipAnalysis>("GET", `/api/clips/${enc(clipId)}/analysis?set_id=${enc(setId)}`),
  analyseAgain: (clipId: string) =>
    request<ClipAnalysis>("POST", `/api/clips/${enc(clipId)}/analysis`),
  setRegions: (clipId: string, regions: Regions) =>
    request<ClipAnalysis>("PUT", `/api/clips/${enc(clipId)}/analysis/regions`, regions),
  decide: (suggestionId: string, decision: "accept" | "reject", setId: string) =>
    request<SuggestionDecision>("POST", `/api/suggestions/${enc(suggestionId)}/${decision}`, {
      set_id: setId,
    }),
};

export const supervision = {
  review: (setId: string) => request<Review>("GET", `/api/sets/${enc(setId)}/review`),
  move: (setId: string, action: ReviewAction, comment: string) =>
    request<Review>("POST", `/api/sets/${enc(setId)}/review`, { action, comment }),
  queue: (filter: { coderId?: string; caseId?: string } = {}) => {
    const query = new URLSearchParams();
    if (filter.coderId) query.set("coder_id", filter.coderId);
    if (filter.caseId) query.set("case_id", filter.caseId);
    const qs = query.toString();
    return request<QueueItem[]>("GET", `/api/review/queue${qs ? `?${qs}` : ""}`);
  },
  threads: (clipId: string) => request<Thread[]>("GET", `/api/clips/${enc(clipId)}/comments`),
  startThread: (clipId: string, thread: NewThread) =>
    request<Thread>("POST", `/api/clips/${enc(clipId)}/comments`, thread),
  reply: (threadId: string, body: string) =>
    request<Thread>("POST", `/api/comments/${enc(threadId)}/replies`, { body }),
  resolve: (threadId: string, resolved: boolean) =>
    request<Thread>("POST", `/api/comments/${enc(threadId)}/${resolved ? "resolve" : "unresolve"}`),
  inbox: () => request<InboxItem[]>("GET", "/api/inbox"),
};

// -- the review loop: second coders, exports --

export const secondCoding = {
  list: (clipId: string) =>
    request<SecondCoding[]>("GET", `/api/clips/${enc(clipId)}/second-coders`),
  candidates: (clipId: string) =>
    request<Coder[]>("GET", `/api/clips/${enc(clipId)}/second-coders/candidates`),
  assign: (clipId: string, coderId: string, note: string) =>
    request<SecondCoding>("POST", `/api/clips/${enc(clipId)}/second-coders`, {
      coder_id: coderId,
      note,
    }),
};

/** The research exports of a set; each download is in the access log. */
export const EXPORT_FORMATS = ["csv", "boris", "eaf", "w3c", "vtt"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const exportUrl = (setId: string, format: ExportFormat) =>
  `/api/sets/${enc(setId)}/export?format=${format}`;

// -- people and sign-in --

export const setup = {
  state: () => request<SetupState>("GET", "/api/setup"),
  create: (body: { code: string; email: string; name: string; password: string }) =>
    request<Me>("POST", "/api/setup", body),
};

export const accountLinks = {
  get: (token: string) => request<LinkInfo>("GET", `/api/account-links/${enc(token)}`),
  use: (token: string, password: string, name?: string) =>
    request<void>("POST", `/api/account-links/${enc(token)}`, name === undefined ? { password } : { password, name }),
};

export const account = {
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>("POST", "/api/account/password", {
      current_password: currentPassword,
      new_password: newPassword,
    }),
  startTotp: () => request<TotpEnrolment>("POST", "/api/account/totp"),
  confirmTotp: (enrolment: string, code: string, password: string) =>
    request<RecoveryCodes>("POST", "/api/account/totp/confirm", { enrolment, code, password }),
  stopTotp: (password: string) => request<void>("DELETE", "/api/account/totp", { password }),
  newRecoveryCodes: (password: string) =>
    request<RecoveryCodes>("POST", "/api/account/recovery-codes", { password }),
};

export const admin = {
  people: (filter: PersonFilter = {}) => {
    const query = new URLSearchParams();
    if (filter.q) query.set("q", filter.q);
    if (filter.status) query.set("status", filter.status);
    if (filter.teamId) query.set("team_id", filter.teamId);
    const qs = query.toString();
    return request<{ users: Person[] }>("GET", `/api/admin/users${qs ? `?${qs}` : ""}`);
  },
  invite: (person: NewPerson) =>
    request<{ user: Person; link: AccountLink }>("POST", "/api/admin/users", person),
  change: (id: string, changes: PersonChanges) =>
    request<Person>("PATCH", `/api/admin/users/${enc(id)}`, changes),
  newLink: (id: string) => request<AccountLink>("POST", `/api/admin/users/${enc(id)}/link`),
  resetSecondFactor: (id: string) =>
    request<void>("DELETE", `/api/admin/users/${enc(id)}/second-factor`),
  teams: () => request<{ teams: AdminTeam[] }>("GET", "/api/admin/teams"),
  createTeam: (name: string) => request<AdminTeam>("POST", "/api/admin/teams", { name }),
  changeTeam: (id: string, changes: { name?: string; require_totp?: boolean }) =>
    request<AdminTeam>("PATCH", `/api/admin/teams/${enc(id)}`, changes),
  policy: () => request<Policy>("GET", "/api/admin/policy"),
  setPolicy: (policy: Policy) => request<Policy>("PATCH", "/api/admin/policy", policy),
};

export const team = {
  mine: () => request<TeamView>("GET", "/api/team"),
};

// -- the trajectory: goals, visits, people, reflections --


export const trajectory = {
  goals: (caseId: string) =>
    request<{ goals: Goal[] }>("GET", `/api/cases/${enc(caseId)}/goals`),
  visits: (caseId: string) =>
    request<{ visits: Visit[] }>("GET", `/api/cases/${enc(caseId)}/visits`),
  people: (caseId: string) =>
    request<{ people: CasePerson[] }>("GET", `/api/cases/${enc(caseId)}/people`),
  reflections: (playlistId: string) =>
    request<{ reflections: Reflection[] }>("GET", `/api/playlists/${enc(playlistId)}/reflections`),
  /** `itemId` null: the whole playlist. `version`: the record's, once it exists (If-Match). */
  reflect: (
    playlistId: string,
    itemId: string | null,
    fields: ReflectionFields,
    version: number | null,
    leaving = false,
  ) =>
    request<Reflection>(
      "PUT",
      `/api/playlists/${enc(playlistId)}/reflections/${enc(itemId ?? "whole")}`,
      fields,
      version === null ? {} : { "If-Match": String(version) },
      leaving,
    ),
};

// -- the trajectory page: changing goals, visits and people; progress; report --

export const trajectoryEdit = {
  addGoal: (caseId: string, title: string, description: string) =>
    request<Goal>("POST", `/api/cases/${enc(caseId)}/goals`, { title, description }),
  /** `position`: where the goal goes in the list (0: first). */
  changeGoal: (
    id: string,
    changes: { title?: string; description?: string; status?: GoalStatus; position?: number },
  ) => request<Goal>("PATCH", `/api/goals/${enc(id)}`, changes),
  removeGoal: (id: string) => request<void>("DELETE", `/api/goals/${enc(id)}`),
  /** Without a number: the next one. */
  addVisit: (caseId: string, fields: { visited_on?: string | null; phase?: VisitPhase }) =>
    request<Visit>("POST", `/api/cases/${enc(caseId)}/visits`, fields),
  changeVisit: (id: string, changes: { visited_on?: string | null; phase?: VisitPhase }) =>
    request<Visit>("PATCH", `/api/visits/${enc(id)}`, changes),
  removeVisit: (id: string) => request<void>("DELETE", `/api/visits/${enc(id)}`),
  addPerson: (caseId: string, role: PersonRole, label: string) =>
    request<CasePerson>("POST", `/api/cases/${enc(caseId)}/people`, { role, label }),
  changePerson: (id: string, changes: { role?: PersonRole; label?: string }) =>
    request<CasePerson>("PATCH", `/api/case-people/${enc(id)}`, changes),
  removePerson: (id: string) => request<void>("DELETE", `/api/case-people/${enc(id)}`),
  /** The home visit a recording was filmed at (null: none). */
  clipVisit: (clipId: string, visitId: string | null) =>
    request<Clip>("PATCH", `/api/clips/${enc(clipId)}`, { visit_id: visitId }),
  progress: (caseId: string) => request<Progress>("GET", `/api/cases/${enc(caseId)}/progress`),
  /** A draft playlist alternating comparable moments of the two visits. */
  beforeAfter: (caseId: string, visitA: string, visitB: string, goalId: string | null) =>
    request<PlaylistDetail>("POST", `/api/cases/${enc(caseId)}/playlists/before-after`, {
      visit_a: visitA,
      visit_b: visitB,
      ...(goalId ? { goal_id: goalId } : {}),
    }),
};

/** The numbers per visit as CSV, for research (the download is in the access log). */
export const progressCsvUrl = (caseId: string) => `/api/cases/${enc(caseId)}/progress.csv`;

/** The PDF for the family's file; `from`/`to`: YYYY-MM-DD or empty for no limit. */
export const reportUrl = (caseId: string, from: string, to: string, lang: "nl" | "en") => {
  const query = new URLSearchParams({ lang });
  if (from) query.set("from", from);
  if (to) query.set("to", to);
  return `/api/cases/${enc(caseId)}/report?${query.toString()}`;
};

/** The log's query string for `filter` (shared by reading it and exporting it). */
function auditQuery(filter: AuditFilter): URLSearchParams {
  const query = new URLSearchParams();
  const fields: [keyof AuditFilter, string][] = [
    ["caseId", "case_id"],
    ["userId", "user_id"],
    ["userEmail", "user_email"],
    ["action", "action"],
    ["outcome", "outcome"],
    ["since", "since"],
    ["until", "until"],
  ];
  for (const [field, name] of fields) {
    const value = filter[field];
    if (value) query.set(name, value);
  }
  return query;
}

export const auditLog = {
  /** A page of events, newest first; `before`: the previous page's `next_before`. */
  read: (filter: AuditFilter, before?: number | null, limit = 50) => {
    const query = auditQuery(filter);
    if (before) query.set("before", String(before));
    query.set("limit", String(limit));
    return request<AuditPage>("GET", `/api/audit?${query.toString()}`);
  },
  viewers: (caseId: string) =>
    request<CaseViewer[]>("GET", `/api/audit/cases/${enc(caseId)}/viewers`),
};

/** The same events as a CSV file (a plain link: the browser downloads it). */
export const auditExportUrl = (filter: AuditFilter) => {
  const qs = auditQuery(filter).toString();
  return `/api/audit/export.csv${qs ? `?${qs}` : ""}`;
};
