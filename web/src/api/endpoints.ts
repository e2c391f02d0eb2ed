// The API calls the web app makes, one function each.

import { request } from "./client";
import type { Case, Clip, Consent, Me, Playlist } from "./types";

export const auth = {
  me: () => request<Me>("GET", "/api/me"),
  logIn: (email: string, password: string) =>
    request<Me>("POST", "/api/auth/session", { email, password }),
  logOut: () => request<void>("DELETE", "/api/auth/session"),
};

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
