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
import { currentPath, navigate, paths, type Route, useRoute } from "./router";
import { useSession } from "./session";

export function App() {
  useLang(); // re-render everything in the new language on a switch
  const route = useRoute();
  const { session, loggedIn, logOut, recheck } = useSession();

  // Every page but the login needs a session; a logged-in user has no business on /login.
  useEffect(() => {
    if (session.state === "anonymous" && route.page !== "login") {
      navigate(paths.login(currentPath()), { replace: true });
    } else if (session.state === "in" && route.page === "login") {
      navigate(route.next ?? paths.cases(), { replace: true });
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
        {session.state === "anonymous" && route.page === "login" && (
          <LoginPage onLoggedIn={loggedIn} />
        )}
        {me && <Page route={route} me={me} />}
      </main>
    </>
  );
}

function Page({ route, me }: { route: Route; me: Me }) {
  switch (route.page) {
    case "cases":
      return <CaseListPage me={me} />;
    case "case":
      return <CasePage key={route.caseId} caseId={route.caseId} me={me} />;
    case "upload":
      return <UploadPage key={route.caseId} caseId={route.caseId} />;
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
    case "login":
      return null; // on its way to the page it came for
  }
}
