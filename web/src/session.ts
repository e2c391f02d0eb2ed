// Who is logged in. The session itself is an HttpOnly cookie the page cannot
// read; the page only knows the user and the CSRF token /api/session hands out.

import { useEffect, useState } from "preact/hooks";
import { setCsrfToken, whenUnauthenticated } from "./api/client";
import { auth } from "./api/endpoints";
import type { Me } from "./api/types";
import { navigate, paths } from "./router";

export type Session =
  | { state: "checking" }
  | { state: "anonymous" }
  /** /api/session could not be asked (offline, server down): not the same as logged out. */
  | { state: "unknown"; error: unknown }
  | { state: "in"; me: Me };

export interface SessionControls {
  session: Session;
  loggedIn: (me: Me) => void;
  logOut: () => Promise<void>;
  recheck: () => void;
}

export function useSession(): SessionControls {
  const [session, setSession] = useState<Session>({ state: "checking" });

  const loggedIn = (me: Me) => {
    setCsrfToken(me.csrf_token);
    setSession({ state: "in", me });
  };
  const anonymous = () => {
    setCsrfToken(null);
    setSession({ state: "anonymous" });
  };
  const recheck = () => {
    setSession({ state: "checking" });
    // Nobody logged in is an answer (200, user null), not an error the browser would log.
    auth.session().then(
      ({ user }) => (user ? loggedIn(user) : anonymous()),
      (error: unknown) => setSession({ state: "unknown", error }),
    );
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

  useEffect(() => {
    whenUnauthenticated(anonymous);
    recheck();
  }, []);

  return { session, loggedIn, logOut, recheck };
}
