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

async function refusal(response: Response): Promise<ShareRefusal> {
  const body = (await response.json().catch(() => ({}))) as { detail?: string; detail_nl?: string; code?: string };
  return new ShareRefusal(
    response.status,
    body.code ?? `http_${response.status}`,
    body.detail ?? `The server answered ${response.status}.`,
    body.detail_nl ?? body.detail ?? `De server antwoordde ${response.status}.`,
  );
}

/**
 * Whether a link still plays, asked with one of its media URLs (the chapters:
 * small, and not counted as a view): the refusal when it no longer does
 * (revoked, expired), else null. Offline is not a refusal: null too.
 */
export async function stillShared(mediaUrl: string): Promise<ShareRefusal | null> {
  try {
    const response = await fetch(mediaUrl, { credentials: "omit", cache: "no-store" });
    return response.ok || response.status >= 500 ? null : await refusal(response);
  } catch {
    return null;
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
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as SharedPlaylist;
}
