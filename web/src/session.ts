// Who is logged in. The session itself is an HttpOnly cookie the page cannot
// read; the page only knows the user and the CSRF token /api/session hands out.

import { useEffect, useRef, useState } from "preact/hooks";
import {
  ApiError,
  setCsrfToken,
  whenSecondFactorSetupRequired,
  whenUnauthenticated,
} from "./api/client";
import { auth } from "./api/endpoints";
import type { Me } from "./api/types";
import { navigate, paths } from "./router";

export type Session =
  | { state: "checking" }
  /** `reason`: why a session ended (an API error code), shown on the login page. */
  | { state: "anonymous"; reason: string | null }
  /** /api/session could not be asked (offline, server down): not the same as logged out. */
  | { state: "unknown"; error: unknown }
  | { state: "in"; me: Me };

export interface SessionControls {
  session: Session;
  loggedIn: (me: Me) => void;
  logOut: () => Promise<void>;
  recheck: () => void;
  /** Asks who is logged in again without leaving the page (after a change to the account). */
  refresh: () => Promise<void>;
}

export function useSession(): SessionControls {
  const [session, setSession] = useState<Session>({ state: "checking" });
  const latest = useRef(session);
  latest.current = session;

  const loggedIn = (me: Me) => {
    setCsrfToken(me.csrf_token);
    setSession({ state: "in", me });
  };
  const anonymous = (reason: string | null = null) => {
    setCsrfToken(null);
    setSession({ state: "anonymous", reason });
  };
  const recheck = () => {
    setSession({ state: "checking" });
    // Nobody logged in is an answer (200, user null), not an error the browser would log.
    auth.session().then(
      ({ user, ended }) => (user ? loggedIn(user) : anonymous(ended ?? null)),
      (error: unknown) =>
        // an ended session may answer 401 with its reason: that is logged out, with a why
        error instanceof ApiError && error.status === 401
          ? anonymous(error.code)
          : setSession({ state: "unknown", error }),
    );
  };
  const refresh = async () => {
    try {
      const { user, ended } = await auth.session();
      if (user) loggedIn(user);
      else anonymous(ended ?? "not_authenticated");
    } catch {
      // a 401 has been handled by the client; anything else leaves the page as it is
    }
  };
  const logOut = async () => {
    try {
      await auth.logOut();
    } catch {
      // gone on the server already, or unreachable: the page forgets it either way
    }
    // in one go, so the next page is the plain login, not "log in to return here"
    anonymous();
    navigate(paths.login());
  };
  const ended = (reason: string) => {
    // a 401 while nobody is logged in (a wrong password, say) ends nothing
    if (latest.current.state === "in") anonymous(reason);
  };

  useEffect(() => {
    whenUnauthenticated(ended);
    whenSecondFactorSetupRequired(() => void refresh());
    recheck();
  }, []);

  return { session, loggedIn, logOut, recheck, refresh };
}
