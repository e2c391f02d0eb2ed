// One way to call the API: JSON in and out, the session cookie sent along
// (same origin), the CSRF token on every change, and errors as ApiError.

import type { ErrorBody } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fieldErrors: ErrorBody["errors"] = [],
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

/** Turns any error answer into an ApiError, also one that is not JSON (a proxy's page). */
export function apiErrorFrom(status: number, bodyText: string): ApiError {
  try {
    const body = JSON.parse(bodyText) as Partial<ErrorBody>;
    if (typeof body.detail === "string" && typeof body.code === "string") {
      return new ApiError(status, body.code, body.detail, body.errors ?? []);
    }
  } catch {
    // not JSON: described by its status below
  }
  return new ApiError(status, `http_${status}`, `The server answered ${status}.`);
}

let csrfToken: string | null = null;
let onUnauthenticated: ((code: string) => void) | null = null;
let onSecondFactorSetup: (() => void) | null = null;

/** The session's CSRF token, learnt from logging in or from /api/session. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called with the reason when the session ended on the server (expired, logged
 * out elsewhere, the account deactivated). */
export function whenUnauthenticated(handler: (code: string) => void): void {
  onUnauthenticated = handler;
}

/** Called when the API asks the person to set up two-factor sign-in first. */
export function whenSecondFactorSetupRequired(handler: () => void): void {
  onSecondFactorSetup = handler;
}

/** Logging in answers 401 too (wrong password, a code needed): that is an answer
 * for the login form, not a session that ended. */
const isLogin = (method: Method, path: string) => method === "POST" && path === "/api/auth/session";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** `extraHeaders`: e.g. If-Match, which changing an annotation needs.
 * `keepalive`: the request goes out even while the page is being left. */
export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
  keepalive = false,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
    keepalive,
  });
  if (!response.ok) {
    const error = apiErrorFrom(response.status, await response.text());
    if (error.status === 401 && !isLogin(method, path)) onUnauthenticated?.(error.code);
    if (error.code === "second_factor_setup_required") onSecondFactorSetup?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
