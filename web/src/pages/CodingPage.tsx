import { useState } from "preact/hooks";
import { clips, coding } from "../api/endpoints";
import type { AnnotationSet, Me } from "../api/types";
import { Workspace } from "../components/coding/Workspace";
import { ErrorMessage } from "../components/ErrorMessage";
import { ClipWork } from "../components/review/ClipWork";
import { PageTitle } from "../components/PageTitle";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** The set this user codes the clip in: their own (a second coder has one of their own too). */
function ownSet(sets: AnnotationSet[], me: Me): AnnotationSet | undefined {
  return sets.find((s) => s.coder_id === me.id && s.purpose !== "imported") ??
    sets.find((s) => s.coder_id === me.id);
}

export function CodingPage({ clipId, me }: { clipId: string; me: Me }) {
  const clip = useLoad(() => clips.get(clipId), clipId);
  const sets = useLoad(() => coding.setsOf(clipId), clipId);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const c = clip.data;
  if (!c || !sets.data) {
    const failed = clip.error ?? sets.error;
    return failed ? <ErrorMessage error={failed} /> : <p class="muted">{t("app.loading")}</p>;
  }
  const mine = ownSet(sets.data, me);
  // Opening the page creates nothing: the coder starts their set on purpose.
  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      await coding.startSet(clipId);
      await sets.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setStarting(false);
    }
  };
  return (
    <section class="stack-lg">
      <p class="breadcrumb">
        <Link href={paths.clip(c.id)}>{t("coding.back")}</Link>
      </p>
      <PageTitle>{t("coding.title", { name: c.filename })}</PageTitle>
      {c.status !== "ready" && <p>{t("clip.notReady")}</p>}
      {c.status === "ready" && mine && <Workspace key={mine.id} clip={c} setId={mine.id} readOnly={false} />}
      {c.status === "ready" && !mine && me.role === "supervisor" && (
        <div class="panel stack">
          <p>{t("coding.supervisorNoOwnSet")}</p>
          <ClipWork clipId={c.id} me={me} sets={sets.data.filter((s) => s.purpose !== "suggestions")} />
        </div>
      )}
      {c.status === "ready" && !mine && me.role !== "supervisor" && (
        <div class="panel stack">
          <p>{t("coding.noSetYet")}</p>
          <button type="button" class="primary" disabled={starting} onClick={() => void start()}>
            {t("coding.startSet")}
          </button>
          <ErrorMessage error={error} />
        </div>
      )}
    </section>
  );
}
