// A small history router: a path is matched to a page; links change the URL
// without reloading. The server answers index.html for every page path.

import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "login"; next: string | null; error: string | null }
  | { page: "cases" }
  | { page: "case"; caseId: string }
  | { page: "upload"; caseId: string }
  | { page: "trajectory"; caseId: string }
  | { page: "clip"; clipId: string }
  | { page: "playlist"; playlistId: string }
  | { page: "visit"; playlistId: string }
  | { page: "watch"; token: string }
  | { page: "coding"; clipId: string }
  | { page: "reviewQueue" }
  | { page: "reviewSet"; setId: string }
  | { page: "inbox" }
  | { page: "setup" }
  | { page: "welcome"; token: string }
  | { page: "account" }
  | { page: "admin" }
  | { page: "team" }
  | { page: "audit" }
  | { page: "notFound" };

export function match(pathname: string, search: string): Route {
  if (pathname === "/login") {
    const query = new URLSearchParams(search);
    // error: why single sign-on sent the person back here
    return { page: "login", next: safeNext(query.get("next")), error: query.get("error") };
  }
  if (pathname === "/") return { page: "cases" };
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "cases" && parts[1] && parts.length === 2) {
    return { page: "case", caseId: parts[1] };
  }
  if (parts[0] === "cases" && parts[1] && parts[2] === "upload" && parts.length === 3) {
    return { page: "upload", caseId: parts[1] };
  }
  if (parts[0] === "cases" && parts[1] && parts[2] === "trajectory" && parts.length === 3) {
    return { page: "trajectory", caseId: parts[1] };
  }
  if (parts[0] === "clips" && parts[1] && parts.length === 2) {
    return { page: "clip", clipId: parts[1] };
  }
  // -- coding workspace and supervision --
  if (parts[0] === "clips" && parts[1] && parts[2] === "code" && parts.length === 3) {
    return { page: "coding", clipId: parts[1] };
  }
  if (pathname === "/review") return { page: "reviewQueue" };
  if (parts[0] === "review" && parts[1] === "sets" && parts[2] && parts.length === 3) {
    return { page: "reviewSet", setId: parts[2] };
  }
  if (pathname === "/inbox") return { page: "inbox" };
  // -- people and sign-in --
  if (pathname === "/setup") return { page: "setup" };
  if (parts[0] === "welcome" && parts[1] && parts.length === 2) {
    return { page: "welcome", token: parts[1] };
  }
  if (pathname === "/account") return { page: "account" };
  if (pathname === "/admin") return { page: "admin" };
  if (pathname === "/team") return { page: "team" };
  if (pathname === "/audit") return { page: "audit" };
  if (parts[0] === "playlists" && parts[1] && parts.length === 2) {
    return { page: "playlist", playlistId: parts[1] };
  }
  if (parts[0] === "playlists" && parts[1] && parts[2] === "visit" && parts.length === 3) {
    return { page: "visit", playlistId: parts[1] };
  }
  // /s/{token} is the link families get; the server may hand it to this page too
  if ((parts[0] === "watch" || parts[0] === "s") && parts[1] && parts.length === 2) {
    return { page: "watch", token: parts[1] };
  }
  return { page: "notFound" };
}

/** Only a path of this app, never another site, is a place to return to. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export const paths = {
  login: (next?: string) =>
    next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login",
  cases: () => "/",
  case: (id: string) => `/cases/${encodeURIComponent(id)}`,
  upload: (caseId: string) => `/cases/${encodeURIComponent(caseId)}/upload`,
  trajectory: (caseId: string) => `/cases/${encodeURIComponent(caseId)}/trajectory`,
  clip: (id: string) => `/clips/${encodeURIComponent(id)}`,
  playlist: (id: string) => `/playlists/${encodeURIComponent(id)}`,
  visit: (id: string) => `/playlists/${encodeURIComponent(id)}/visit`,
  coding: (clipId: string) => `/clips/${encodeURIComponent(clipId)}/code`,
  reviewQueue: () => "/review",
  reviewSet: (setId: string) => `/review/sets/${encodeURIComponent(setId)}`,
  inbox: () => "/inbox",
  setup: () => "/setup",
  account: () => "/account",
  admin: () => "/admin",
  team: () => "/team",
  audit: () => "/audit",
};

const listeners = new Set<() => void>();
let focusRequested = false;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  focusRequested = true;
  listeners.forEach((listener) => listener());
}

/** True once after each navigation: the next page's title then takes the focus. */
export function takeFocusRequest(): boolean {
  const requested = focusRequested;
  focusRequested = false;
  return requested;
}

export function currentPath(): string {
  return location.pathname + location.search;
}

/** The current route; re-renders on links, navigate() and the back button. */
export function useRoute(): Route {
  const read = () => match(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    const back = () => {
      focusRequested = true;
      update();
    };
    listeners.add(update);
    addEventListener("popstate", back);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", back);
    };
  }, []);
  return route;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href"> & {
  href: string;
  children: ComponentChildren;
};

/** Input on the page that would be lost by leaving it: each form registers the
 * question to ask while it holds some (see useLeaveWarning). */
export const unsavedInput = new Map<object, () => string>();

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    const question = [...unsavedInput.values()][0];
    if (question && !confirm(question())) return;
    navigate(href);
  };
  return (
    <a {...rest} href={href} onClick={onClick}>
      {children}
    </a>
  );
}
