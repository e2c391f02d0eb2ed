// An error as a sentence for the person in front of the screen, in their
// language: known API codes are translated, anything else keeps the API's own
// (English) reason rather than a vague "something went wrong".

import { ApiError } from "./api/client";
import { knownKey, t } from "./i18n";

/** A reason given by code, with the server's sentence for codes we do not know. */
export function reasonFor(code: string | null, detail: string | null): string {
  const key = code ? knownKey(`error.${code}`) : null;
  if (key) return t(key);
  return detail ?? t("error.unknown");
}

/** "einde: must be after start_ms": the field in the user's words where we know it. */
function fieldReason({ field, message }: { field: string; message: string }): string {
  const key = knownKey(`field.${field}`);
  return key ? `${t(key)}: ${message}` : message;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError && error.fieldErrors?.length) {
    // which field and why, as the API words it: better than a bare "check the form"
    const reasons = error.fieldErrors.map(fieldReason).join("; ");
    const known = knownKey(`error.${error.code}`);
    return `${known ? t(known) : t("error.invalid_request")} (${reasons})`;
  }
  if (error instanceof ApiError) return reasonFor(error.code, error.detail);
  // fetch() rejects with a TypeError when the network is gone
  if (error instanceof TypeError) return t("error.network");
  return t("error.unknown");
}
