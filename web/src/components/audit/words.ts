// The access log's values in words: actions, outcomes, who and what. A value the
// app has no words for (a newer action) is shown as the log stores it.

import { knownKey, t } from "../../i18n";

/** Actions with words, offered in the filter (the log may hold others too). */
export const ACTIONS = [
  "view_clip",
  "view_poster",
  "view_storyboard",
  "view_playlist",
  "view_shared_playlist",
  "open_share",
  "share_code",
  "read_original",
  "export_annotations",
  "export_progress",
  "upload_recording",
  "create_share",
  "revoke_share",
  "update_consent",
  "close_case",
  "reopen_case",
  "grant_case_access",
  "login",
  "logout",
  "change_password",
  "enable_totp",
  "disable_totp",
  "reset_second_factor",
  "invite_user",
  "update_user",
  "read_audit_log",
  "export_audit_log",
  "read_case_viewers",
  "backup",
  "restore",
] as const;

/** Outcomes the API writes; "success" is an allowed action. */
export const OUTCOMES = ["success", "denied", "throttled", "code_required", "unavailable"] as const;

function worded(prefix: string, value: string): string {
  const key = knownKey(`${prefix}${value}`);
  return key ? t(key) : value;
}

export const actionName = (action: string) => worded("audit.action.", action);

export const outcomeName = (outcome: string) => worded("audit.outcome.", outcome);

export const objectName = (objectType: string) => worded("audit.object.", objectType);

/** A person's role, or what acted without one (a family's link, the server). */
export function roleWord(role: string | null): string {
  if (!role) return "";
  const key = knownKey(`role.${role}`) ?? knownKey(`audit.role.${role}`);
  return key ? t(key) : role;
}

/** On whose behalf, or through what, someone acted ("via link van …"), or "". */
export function onBehalfWords(onBehalfOf: string | null, linkOf: string | null): string {
  if (!onBehalfOf) return "";
  if (linkOf) return t("audit.viaLinkOf", { who: linkOf });
  if (onBehalfOf.startsWith("share:") || onBehalfOf.startsWith("link:")) return t("audit.viaLink");
  return t("audit.via", { what: onBehalfOf });
}
