import { useEffect } from "preact/hooks";
import type { Me } from "./api/types";
import { ErrorMessage } from "./components/ErrorMessage";
import { Header } from "./components/Header";
import { t, useLang } from "./i18n";
import { CaseListPage } from "./pages/CaseListPage";
import { CasePage } from "./pages/CasePage";
import { ClipPage } from "./pages/ClipPage";
import { CodingPage } from "./pages/CodingPage";
import { InboxPage } from "./pages/InboxPage";
import { ReviewPage } from "./pages/ReviewPage";
import { ReviewQueuePage } from "./pages/ReviewQueuePage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { PlaylistPage } from "./pages/PlaylistPage";
import { VisitPage } from "./pages/VisitPage";
import { UploadPage } from "./pages/UploadPage";
import { AccountPage } from "./pages/AccountPage";
import { AdminPage } from "./pages/AdminPage";
import { AuditPage } from "./pages/AuditPage";
import { SetupPage } from "./pages/SetupPage";
import { TeamPage } from "./pages/TeamPage";
import { TrajectoryPage } from "./pages/TrajectoryPage";
import { WelcomePage } from "./pages/WelcomePage";
import { currentPath, navigate, paths, type Route, useRoute } from "./router";
import { useSession } from "./session";

export function App() {
  useLang(); // re-render everything in the new language on a switch
  const route = useRoute();
  const { session, loggedIn, logOut, recheck, refresh } = useSession();

  // Every page but the login, the first run and a welcome link needs a session; a
  // logged-in user has no business on /login; one who must set up two-factor
  // sign-in first has nowhere else to go.
  useEffect(() => {
    if (session.state === "anonymous" && !PUBLIC_PAGES.includes(route.page)) {
      navigate(paths.login(currentPath()), { replace: true });
    } else if (session.state === "in" && route.page === "login") {
      navigate(route.next ?? paths.cases(), { replace: true });
    } else if (session.state === "in" && route.page === "setup") {
      navigate(paths.cases(), { replace: true });
    } else if (
      session.state === "in" && session.me.must_enrol_totp &&
      route.page !== "account" && route.page !== "welcome"
    ) {
      navigate(paths.account(), { replace: true });
    }
  }, [session, route]);

  const me = session.state === "in" ? session.me : null;
  return (
    <>
      <Header me={me} onLogOut={() => void logOut()} />
      <main id="main" tabIndex={-1}>
        {session.state === "checking" && <p class="muted">{t("app.loading")}</p>}
        {session.state === "unknown" && (
          <>
            <ErrorMessage error={session.error} />
            <button type="button" onClick={recheck}>
              {t("app.retry")}
            </button>
          </>
        )}
        {route.page === "welcome" && session.state !== "checking" && (
          <WelcomePage key={route.token} token={route.token} />
        )}
        {session.state === "anonymous" && route.page === "login" && (
          <LoginPage onLoggedIn={loggedIn} reason={route.error ?? session.reason} next={route.next} />
        )}
        {session.state === "anonymous" && route.page === "setup" && (
          <SetupPage onLoggedIn={loggedIn} />
        )}
        {me && route.page !== "welcome" && <Page route={route} me={me} onAccountChanged={refresh} />}
      </main>
    </>
  );
}

/** Pages that need no session. */
const PUBLIC_PAGES: readonly Route["page"][] = ["login", "setup", "welcome"];

function Page({ route, me, onAccountChanged }: { route: Route; me: Me; onAccountChanged: () => Promise<void> }) {
  // until two-factor sign-in is set up, the account page is the only page
  if (me.must_enrol_totp || route.page === "account") {
    return <AccountPage me={me} onChanged={onAccountChanged} />;
  }
  switch (route.page) {
    case "cases":
      return <CaseListPage me={me} />;
    case "case":
      return <CasePage key={route.caseId} caseId={route.caseId} me={me} />;
    case "upload":
      return <UploadPage key={route.caseId} caseId={route.caseId} />;
    case "trajectory":
      return <TrajectoryPage key={route.caseId} caseId={route.caseId} me={me} />;
    case "clip":
      return <ClipPage key={route.clipId} clipId={route.clipId} me={me} />;
    case "coding":
      return <CodingPage key={route.clipId} clipId={route.clipId} me={me} />;
    case "reviewQueue":
      return <ReviewQueuePage />;
    case "reviewSet":
      return <ReviewPage key={route.setId} setId={route.setId} />;
    case "inbox":
      return <InboxPage me={me} />;
    case "playlist":
      return <PlaylistPage key={route.playlistId} playlistId={route.playlistId} />;
    case "visit":
      return <VisitPage key={route.playlistId} playlistId={route.playlistId} />;
    case "watch":
      return null; // the family's page runs without a session: see main.tsx
    case "notFound":
      return <NotFoundPage />;
    case "admin":
      return <AdminPage me={me} />;
    case "team":
      return <TeamPage />;
    case "audit":
      return <AuditPage me={me} />;
    case "login":
    case "setup":
    case "welcome":
      return null; // on its way to the page it came for
  }
}
