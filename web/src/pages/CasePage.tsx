import { cases } from "../api/endpoints";
import { ACTIVE_CLIP_STATUSES, type Me } from "../api/types";
import { CaseEnd } from "../components/CaseEnd";
import { ClipList } from "../components/ClipList";
import { ConsentForm } from "../components/ConsentForm";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { PlaylistList } from "../components/PlaylistList";
import { NewPlaylistForm } from "../components/playlist/NewPlaylistForm";
import { CaseStatusBadge } from "../components/StatusBadge";
import { useLoad, usePolling } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** How often the clips are asked for while one of them is still changing. */
const POLL_MS = 2000;

export function CasePage({ caseId, me }: { caseId: string; me: Me }) {
  const theCase = useLoad(() => cases.get(caseId), caseId);
  const clips = useLoad(() => cases.clips(caseId), caseId);
  const playlists = useLoad(() => cases.playlists(caseId), caseId);
  const changing = (clips.data ?? []).some((c) => ACTIVE_CLIP_STATUSES.includes(c.status));
  usePolling(changing, POLL_MS, clips.reload);

  if (theCase.error) return <ErrorMessage error={theCase.error} />;
  const current = theCase.data;
  if (!current) return <p class="muted">{t("app.loading")}</p>;

  return (
    <section class="stack-lg">
      <p class="breadcrumb">
        <Link href={paths.cases()}>{t("case.back")}</Link>
      </p>
      <div class="title-with-badge">
        <PageTitle>{current.label}</PageTitle>
        <CaseStatusBadge status={current.status} />
      </div>
      <p>
        <Link href={paths.trajectory(current.id)} class="button">
          {t("trajectory.open")}
        </Link>
      </p>

      <section aria-labelledby="clips-title" class="stack">
        <div class="title-row">
          <h2 id="clips-title">{t("case.clips")}</h2>
          {current.status === "open" && me.role === "professional" && (
            <Link href={paths.upload(current.id)} class="button primary">
              {t("case.upload")}
            </Link>
          )}
        </div>
        <ErrorMessage error={clips.error} />
        {clips.data ? <ClipList clips={clips.data} /> : <p class="muted">{t("app.loading")}</p>}
      </section>

      <section aria-labelledby="playlists-title" class="stack">
        <h2 id="playlists-title">{t("case.playlists")}</h2>
        <ErrorMessage error={playlists.error} />
        {playlists.data && <PlaylistList playlists={playlists.data} />}
        {current.status === "open" && <NewPlaylistForm caseId={current.id} />}
      </section>

      <ConsentForm theCase={current} onSaved={theCase.set} />
      <CaseEnd theCase={current} onChanged={theCase.set} />
    </section>
  );
}
