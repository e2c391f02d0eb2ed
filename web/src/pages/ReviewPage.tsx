import { clips, coding } from "../api/endpoints";
import { ReviewPanel } from "../components/coding/ReviewPanel";
import { Workspace } from "../components/coding/Workspace";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { SupervisionConsentNotice } from "../components/review/ConsentNotice";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** A submitted set as the supervisor sees it: the workspace read-only, comments, and the decision. */
export function ReviewPage({ setId }: { setId: string }) {
  const set = useLoad(() => coding.set(setId), setId);
  const clipId = set.data?.clip_id;
  if (!set.data || !clipId) {
    return set.error ? <ErrorMessage error={set.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return <WithClip clipId={clipId} setId={setId} coder={set.data.coder} />;
}

function WithClip({ clipId, setId, coder }: { clipId: string; setId: string; coder: string }) {
  const clip = useLoad(() => clips.get(clipId), clipId);
  const c = clip.data;
  if (!c) return clip.error ? <ErrorMessage error={clip.error} /> : <p class="muted">{t("app.loading")}</p>;
  return (
    <section class="stack-lg">
      <p class="breadcrumb">
        <Link href={paths.reviewQueue()}>{t("review.back")}</Link>
      </p>
      <PageTitle>{t("review.pageTitle", { name: c.filename, coder })}</PageTitle>
      <SupervisionConsentNotice caseId={c.case_id} />
      <Workspace clip={c} setId={setId} readOnly>
        <ReviewPanel setId={setId} as="supervisor" revision={0} />
      </Workspace>
    </section>
  );
}
