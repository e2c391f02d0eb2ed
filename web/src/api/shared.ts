// The family's side of a share link: no session, no CSRF token, the access
// code (if any) as a header. Refusals carry their reason in Dutch and English,
// written by the API for a parent, so they are shown as they are.

import type { SharedPlaylist } from "./types";

export class ShareRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly detailNl: string,
  ) {
    super(detail);
    this.name = "ShareRefusal";
  }
}

/** Opens the link; throws ShareRefusal (expired, revoked, code needed, …) or a TypeError offline. */
export async function openShared(token: string, accessCode?: string): Promise<SharedPlaylist> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (accessCode) headers["X-Access-Code"] = accessCode;
  const response = await fetch(`/api/shared/${encodeURIComponent(token)}`, {
    headers,
    credentials: "omit", // a parent has no session here, and needs none
    cache: "no-store",
  });
  const body = (await response.json().catch(() => ({}))) as Partial<
    SharedPlaylist & { detail: string; detail_nl: string; code: string }
  >;
  if (!response.ok) {
    throw new ShareRefusal(
      response.status,
      body.code ?? `http_${response.status}`,
      body.detail ?? `The server answered ${response.status}.`,
      body.detail_nl ?? body.detail ?? `De server antwoordde ${response.status}.`,
    );
  }
  return body as SharedPlaylist;
}
