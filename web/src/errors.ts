// An error as a sentence for the person in front of the screen, in their
// language: known API codes are translated, anything else keeps the API's own
// (English) reason rather than a vague "something went wrong".

import { ApiError } from "./api/client";
import { getLang, knownKey, t } from "./i18n";

/** A reason given by code, with the server's sentence for codes we do not know. */
export function reasonFor(code: string | null, detail: string | null): string {
  const key = code ? knownKey(`error.${code}`) : null;
  if (key) return t(key);
  return detail ?? t("error.unknown");
}

type FieldError = { field: string; message: string; code?: string };

/** "toelichting: verplicht bij aanpassingen vragen": the field and the rule in the
 * user's words. A rule the app has no words for reads as the API words it in
 * English only; in Dutch it says the value is not valid, never an English phrase. */
function fieldReason({ field, message, code }: FieldError): string {
  const label = knownKey(`field.${field}`);
  const rule = code ? knownKey(`fieldError.${code}`) : null;
  const english = getLang() === "en";
  const why = rule ? t(rule) : english ? message : t("fieldError.invalid");
  if (label) return `${t(label)}: ${why}`;
  return english ? `${field}: ${why}` : why;
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
